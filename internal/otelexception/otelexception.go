// Package otelexception turns an exception recorded by an OpenTelemetry SDK (a span event or log
// record with exception.* attributes) into a Sentry event, so that OTel-instrumented services are
// grouped, stored and shown like the ones that use a Sentry SDK.
//
// It owns the mapping from OTel's exception, resource and span fields to Sentry's event fields.
// The stack-trace text is parsed by internal/stacktrace; the event is normalized by
// internal/sentry/event. It knows nothing of pdata or the collector: the processor and exporter
// fill an Exception from whatever carries it.
package otelexception

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/stacktrace"
)

// Exception is what OTel records about one exception, with the resource and span it belongs to,
// apart from what makes each occurrence unique (Occurrence). Empty fields are unknown.
type Exception struct {
	// Type, Message and Stacktrace are exception.type, exception.message and exception.stacktrace.
	Type       string
	Message    string
	Stacktrace string
	// Escaped is exception.escaped (the exception left the span's scope); nil when not recorded.
	Escaped *bool

	// From the resource: service.name, service.version, deployment.environment(.name),
	// telemetry.sdk.language / name / version and host.name.
	ServiceName    string
	ServiceVersion string
	Environment    string
	Language       string
	SDKName        string
	SDKVersion     string
	HostName       string

	// SpanName is the name of the span the exception happened in.
	SpanName string
	// Level is the Sentry level ("error" when empty): the processor maps a log record's severity.
	Level string
}

// Occurrence is what identifies one recording of an exception.
type Occurrence struct {
	// EventID is the id the event gets (32 hex); see EventID for a stable one.
	EventID string
	// TraceID (32 hex) and SpanID (16 hex) link the event to its trace; empty when unknown.
	TraceID string
	SpanID  string
	// Timestamp is when the exception was recorded.
	Timestamp time.Time
	// ReceivedAt is when the collector received it; zero means now.
	ReceivedAt time.Time
	// LogFile and LogLine say where a log file recorded it (log.file.path, or log.file.name,
	// and log.file.record_number: the line, counted from 1); empty and 0 when unknown. They go
	// into the event's "log" context.
	LogFile string
	LogLine int64
}

// MechanismType names how Faultline captured an OTel exception, in the event's exception mechanism.
const MechanismType = "opentelemetry"

// Build makes the event of one occurrence of exc: NewTemplate, then Template.Build.
func Build(exc *Exception, occ Occurrence, appPrefixes []string) (normalized []byte, ev *event.Event, err error) {
	return NewTemplate(exc, appPrefixes, nil).Build(occ)
}

// Key is the same for two exceptions exactly when their texts, resource and span name are, so
// that it can key a cache of templates (for the same app prefixes).
func (exc *Exception) Key() string {
	escaped := "-"
	if exc.Escaped != nil {
		escaped = strconv.FormatBool(*exc.Escaped)
	}
	return strings.Join([]string{exc.Type, exc.Message, exc.Stacktrace, escaped, exc.ServiceName, exc.ServiceVersion,
		exc.Environment, exc.Language, exc.SDKName, exc.SDKVersion, exc.HostName, exc.SpanName, exc.Level}, "\x00")
}

// EventID derives an event id from what identifies one recorded exception (e.g. trace id, span
// id and the event's index in the span), so that the same exception exported twice (an SDK or
// queue retry) gets the same id and the store keeps it once.
func EventID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// rawEvent is the Sentry event as Build writes it before normalization.
type rawEvent struct {
	Timestamp   json.RawMessage   `json:"timestamp,omitempty"`
	Platform    string            `json:"platform"`
	Level       string            `json:"level"`
	Release     string            `json:"release,omitempty"`
	Environment string            `json:"environment,omitempty"`
	ServerName  string            `json:"server_name,omitempty"`
	Transaction string            `json:"transaction,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Contexts    *rawContexts      `json:"contexts,omitempty"`
	Exception   rawExceptions     `json:"exception"`
	SDK         *rawSDK           `json:"sdk,omitempty"`
}

type rawContexts struct {
	Trace *rawTrace      `json:"trace,omitempty"`
	Log   *rawLogContext `json:"log,omitempty"`
}

// rawLogContext is where in a log file an exception was found (the exception_parser operator's
// records): the UI shows it with the event's other contexts.
type rawLogContext struct {
	Type string `json:"type"`
	File string `json:"file,omitempty"`
	Line int64  `json:"line,omitempty"`
}

type rawTrace struct {
	Type    string `json:"type"`
	TraceID string `json:"trace_id,omitempty"`
	SpanID  string `json:"span_id,omitempty"`
}

type rawExceptions struct {
	Values []rawException `json:"values"`
}

type rawException struct {
	Type       string         `json:"type,omitempty"`
	Value      string         `json:"value,omitempty"`
	Module     string         `json:"module,omitempty"`
	Mechanism  rawMechanism   `json:"mechanism"`
	Stacktrace *rawStacktrace `json:"stacktrace,omitempty"`
}

type rawMechanism struct {
	Type    string `json:"type"`
	Handled *bool  `json:"handled,omitempty"`
}

type rawStacktrace struct {
	Frames []rawFrame `json:"frames"`
}

type rawFrame struct {
	Function string `json:"function,omitempty"`
	Module   string `json:"module,omitempty"`
	Package  string `json:"package,omitempty"`
	Filename string `json:"filename,omitempty"`
	AbsPath  string `json:"abs_path,omitempty"`
	Lineno   int    `json:"lineno,omitempty"`
	Colno    int    `json:"colno,omitempty"`
	InApp    *bool  `json:"in_app,omitempty"`
}

type rawSDK struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Tag keys Build sets besides the ones Sentry derives (server_name, environment, release).
const (
	TagService  = "service"
	TagSpanName = "span.name"
)

func sentryEvent(exc *Exception, appPrefixes []string) rawEvent {
	ev := rawEvent{
		Platform:    platformOf(exc.Language),
		Level:       exc.Level,
		Release:     exc.ServiceVersion,
		Environment: exc.Environment,
		ServerName:  exc.HostName,
		Transaction: exc.SpanName,
	}
	if ev.Level == "" {
		ev.Level = "error"
	}
	if exc.ServiceName != "" || exc.SpanName != "" {
		ev.Tags = map[string]string{}
		if exc.ServiceName != "" {
			ev.Tags[TagService] = exc.ServiceName
		}
		if exc.SpanName != "" {
			ev.Tags[TagSpanName] = exc.SpanName
		}
	}
	if exc.SDKName != "" {
		ev.SDK = &rawSDK{Name: exc.SDKName, Version: exc.SDKVersion}
	}
	var handled *bool
	if exc.Escaped != nil {
		h := !*exc.Escaped
		handled = &h
	}
	mechanism := rawMechanism{Type: MechanismType, Handled: handled}

	trace, ok := stacktrace.Parse(exc.Stacktrace, exc.Language, stacktrace.Options{AppPrefixes: appPrefixes})
	if !ok || len(trace.Exceptions) == 0 {
		ev.Exception.Values = []rawException{{Type: exc.Type, Value: exc.Message, Mechanism: mechanism}}
		return ev
	}
	if ev.Platform == "other" {
		ev.Platform = trace.Platform
	}
	ev.Exception.Values = make([]rawException, len(trace.Exceptions))
	for i, te := range trace.Exceptions {
		re := rawException{Type: te.Type, Value: te.Value, Module: te.Module, Mechanism: mechanism}
		if len(te.Frames) > 0 {
			re.Stacktrace = &rawStacktrace{Frames: make([]rawFrame, len(te.Frames))}
			for j, f := range te.Frames {
				re.Stacktrace.Frames[j] = rawFrame{
					Function: f.Function, Module: f.Module, Package: f.Package, Filename: f.Filename,
					AbsPath: f.AbsPath, Lineno: f.Lineno, Colno: f.Colno, InApp: f.InApp,
				}
			}
		}
		ev.Exception.Values[i] = re
	}
	// The attributes name the exception that was raised (the last of the chain) even where the
	// text does not print it, as in a Go stack dump.
	last := &ev.Exception.Values[len(ev.Exception.Values)-1]
	if last.Type == "" {
		last.Type = exc.Type
	}
	if last.Value == "" {
		last.Value = exc.Message
	}
	return ev
}

// platformOf maps telemetry.sdk.language to the Sentry platform its SDKs report; "other" when
// unknown, in which case the platform of the detected stack-trace format is used.
func platformOf(language string) string {
	switch language {
	case "java", "python", "go", "ruby", "php", "rust", "elixir":
		return language
	case "nodejs":
		return "node"
	case "webjs", "javascript":
		return "javascript"
	case "dotnet":
		return "csharp"
	case "cpp":
		return "native"
	case "swift":
		return "cocoa"
	}
	return "other"
}
