// Package event is Faultline's model of a Sentry event: the typed view that grouping,
// symbolication and the store read, and the normalization a Relay-compatible server applies to
// what SDKs send.
//
// It knows nothing about HTTP, envelopes or pdata. The whole event always travels as normalized
// JSON (lossless: unknown keys are kept); the types below are a view of the parts Faultline
// interprets.
package event

import "time"

// Event is the typed view of a normalized Sentry event.
type Event struct {
	EventID     string // 32 lowercase hex
	Type        string // "error", "default", "transaction", "csp" …
	Timestamp   time.Time
	Received    time.Time
	Level       string // debug, info, warning, error, fatal
	Platform    string // javascript, node, python, java, go, csharp, ruby, php, native, other …
	Logger      string
	Release     string
	Dist        string
	Environment string
	ServerName  string
	Transaction string
	Culprit     string // legacy, client-sent; grouping computes its own
	Checksum    string // legacy client-computed grouping key; it replaces grouping

	LogEntry    *LogEntry
	Exceptions  []Exception // oldest first; the last one is the one raised
	Threads     []Thread
	Stacktrace  *Stacktrace // legacy top-level stacktrace
	Fingerprint []string    // client fingerprint, may contain "{{ default }}"
	Tags        []Tag       // in the order sent, deduplicated by key
	User        *User
	Request     *Request
	SDK         *SDK
	Trace       TraceContext
	DebugImages []DebugImage
	// Security is the browser security report the event carries (csp, hpkp, expectct or
	// expectstaple interface), or nil.
	Security *SecurityReport
	// Template is the template interface of errors raised while rendering one, or nil.
	Template *Template

	// noErrors says the event object this view was read from has no "errors" member (its keys
	// compared unescaped): a document opened on the view and that object's text (OpenDocument)
	// writes processing errors after the text's last member without scanning the text to prove
	// it (AddProcessingError). False says nothing.
	noErrors bool
	// slabs hold the frames of a recyclable view (NormalizeOptions.Recyclable), nil otherwise.
	slabs *viewSlabs
	// holders counts who holds a shared view (handoff.go): the sharer and each borrower.
	holders int
}

// Template locates an error in a template (Django, Jinja …).
type Template struct {
	Filename, AbsPath, ContextLine string
	Lineno                         int
}

// SecurityReport is a browser security report as Relay stores it in an event.
type SecurityReport struct {
	Kind string // the interface: "csp", "hpkp", "expectct" or "expectstaple"
	// Hostname is the host the HPKP, Expect-CT or Expect-Staple policy failed for.
	Hostname string
	// The CSP violation: what was blocked, by which directive, on which page.
	BlockedURI, ViolatedDirective, EffectiveDirective, DocumentURI string
}

// LogEntry is the event's message: Formatted is what people read, Message the template.
type LogEntry struct {
	Formatted string
	Message   string
	Params    []string
}

// Exception is one exception of a (possibly chained) error.
type Exception struct {
	Type       string
	Value      string
	Module     string
	ThreadID   string
	Mechanism  *Mechanism
	Stacktrace *Stacktrace
	// RawStacktrace is the stacktrace as sent, before symbolication, when symbolication changed it.
	RawStacktrace *Stacktrace
}

// Mechanism describes how an exception was captured.
type Mechanism struct {
	Type             string
	Handled          *bool
	Synthetic        bool
	Source           string
	ExceptionID      *int
	ParentID         *int
	IsExceptionGroup bool
	// NSError is meta.ns_error of a Cocoa NSError, or nil.
	NSError *NSError
}

// NSError identifies a Cocoa error by its domain and code.
type NSError struct {
	Domain string
	Code   int64
}

// Thread is one thread of a threads interface.
type Thread struct {
	ID         string
	Name       string
	Crashed    bool
	Current    bool
	Main       bool
	Stacktrace *Stacktrace
}

// Stacktrace lists frames caller first: the last frame is where the error happened.
type Stacktrace struct {
	Frames []Frame
}

// Frame is one stack frame. Zero values mean "absent" (Lineno 0 = unknown line).
type Frame struct {
	Filename        string
	AbsPath         string
	Function        string
	RawFunction     string
	Symbol          string
	Module          string
	Package         string
	Platform        string
	Lineno          int
	Colno           int
	InApp           *bool
	ContextLine     string
	PreContext      []string
	PostContext     []string
	InstructionAddr string
	SymbolAddr      string
	ImageAddr       string
	Trust           string
	// Data is the frame's free-form data object (e.g. sourcemap, resolved_with, orig_*), as JSON text.
	Data string
}

// Tag is one event tag.
type Tag struct {
	Key   string
	Value string
}

// User is the affected user.
type User struct {
	ID        string
	Email     string
	IPAddress string
	Username  string
	Name      string
}

// Request is the HTTP request the event happened in.
type Request struct {
	Method string
	URL    string
}

// SDK names the client that produced the event.
type SDK struct {
	Name    string
	Version string
}

// TraceContext is contexts.trace: it links the event to a trace and span.
type TraceContext struct {
	TraceID      string // 32 hex, empty when absent
	SpanID       string // 16 hex, empty when absent
	ParentSpanID string
	Op           string
	Status       string
}

// DebugImage is one entry of debug_meta.images.
type DebugImage struct {
	Type     string // "sourcemap", "elf", "macho", "pe" …
	CodeFile string
	DebugID  string
	// ImageAddr, ImageSize, DebugFile, CodeID and Arch matter for native images.
	ImageAddr string
	ImageSize uint64
	DebugFile string
	CodeID    string
	Arch      string
}
