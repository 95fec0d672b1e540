package grouping

import (
	"strings"

	"github.com/faultline/faultline/internal/grouping/enhancers"
	"github.com/faultline/faultline/internal/grouping/fingerprint"
	"github.com/faultline/faultline/internal/grouping/glob"
	"github.com/faultline/faultline/internal/grouping/parameterize"
	"github.com/faultline/faultline/internal/sentry/event"
)

// fingerprintChoice is the fingerprint grouping runs with and where it came from.
type fingerprintChoice struct {
	entries []string // as written, variables unresolved
	rule    *fingerprint.Rule
}

// variableName returns the name inside an entry that is entirely "{{ name }}".
func variableName(entry string) (string, bool) {
	if !strings.HasPrefix(entry, "{{") || !strings.HasSuffix(entry, "}}") || len(entry) < 5 {
		return "", false
	}
	name := strings.TrimSpace(entry[2 : len(entry)-2])
	if name == "" || strings.ContainsAny(name, " \t\n") {
		return "", false
	}
	return name, true
}

func isDefaultEntry(entry string) bool {
	name, ok := variableName(entry)
	return ok && name == "default"
}

// chooseFingerprint applies server-side rules (project rules first, then built-in ones); the
// first match replaces the client's fingerprint.
func (s *state) chooseFingerprint() fingerprintChoice {
	fc := fingerprintChoice{entries: s.ev.Fingerprint}
	projectRules := s.g.fingerprintRules.Len() > 0
	builtinApplies := s.ev.Platform == "javascript" || s.ev.Platform == "node"
	if !projectRules && !builtinApplies {
		return fc
	}
	view := s.fingerprintView(projectRules)
	r := s.g.fingerprintRules.Match(view)
	if r == nil {
		r = s.g.builtinFP.Match(view)
	}
	if r != nil {
		fc.entries, fc.rule = r.Fingerprint, r
	}
	return fc
}

// fingerprintView is the event as fingerprint rules see it. Rules run before stack-trace rules,
// so frames carry the client's in-app flags.
func (s *state) fingerprintView(withFrames bool) *fingerprint.Event {
	ev := s.ev
	v := &s.fpView
	v.Reset()
	v.Family = enhancers.FamilyOf(ev.Platform).String()
	v.Logger, v.Level, v.Release, v.Tag = ev.Logger, ev.Level, ev.Release, s.tagFn
	if ev.SDK != nil {
		v.SDK = ev.SDK.Name
	}
	if ev.LogEntry != nil {
		if ev.LogEntry.Formatted != "" {
			v.Messages = append(v.Messages, ev.LogEntry.Formatted)
		}
		if ev.LogEntry.Message != "" && ev.LogEntry.Message != ev.LogEntry.Formatted {
			v.Messages = append(v.Messages, ev.LogEntry.Message)
		}
	}
	for i := range ev.Exceptions {
		e := &ev.Exceptions[i]
		v.Exceptions = append(v.Exceptions, fingerprint.Exception{Type: e.Type, Value: e.Value})
		if e.Value != "" {
			v.Messages = append(v.Messages, e.Value)
		}
		if withFrames && e.Stacktrace != nil {
			v.Frames = s.appendFingerprintFrames(v.Frames, e.Stacktrace.Frames)
		}
	}
	if withFrames {
		if ev.Stacktrace != nil {
			v.Frames = s.appendFingerprintFrames(v.Frames, ev.Stacktrace.Frames)
		}
		for i := range ev.Threads {
			if st := ev.Threads[i].Stacktrace; st != nil {
				v.Frames = s.appendFingerprintFrames(v.Frames, st.Frames)
			}
		}
	}
	return v
}

func (s *state) appendFingerprintFrames(dst []fingerprint.Frame, frames []event.Frame) []fingerprint.Frame {
	for i := range frames {
		f := &frames[i]
		platform := f.Platform
		if platform == "" {
			platform = s.ev.Platform
		}
		dst = append(dst, fingerprint.Frame{
			Path:     glob.Fold(f.AbsPath),
			Filename: glob.Fold(f.Filename),
			Module:   f.Module,
			Function: f.Function,
			Package:  glob.Fold(f.Package),
			InApp:    f.InApp != nil && *f.InApp,
			Family:   enhancers.FamilyOf(platform).String(),
		})
	}
	return dst
}

func (s *state) tag(key string) (string, bool) {
	for _, t := range s.ev.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	// Relay promotes these event fields to tags.
	switch key {
	case "transaction":
		return s.ev.Transaction, s.ev.Transaction != ""
	case "level":
		return s.ev.Level, s.ev.Level != ""
	case "release":
		return s.ev.Release, s.ev.Release != ""
	case "environment":
		return s.ev.Environment, s.ev.Environment != ""
	case "logger":
		return s.ev.Logger, s.ev.Logger != ""
	case "server_name":
		return s.ev.ServerName, s.ev.ServerName != ""
	}
	return "", false
}

// rawMessage is the event's message as fingerprints see it: the log message, else the main
// exception's value.
func (s *state) rawMessage() string {
	if le := s.ev.LogEntry; le != nil {
		if le.Formatted != "" {
			return le.Formatted
		}
		if le.Message != "" {
			return le.Message
		}
	}
	if n := len(s.ev.Exceptions); n > 0 {
		return s.ev.Exceptions[n-1].Value
	}
	return ""
}

// resolveEntry resolves one fingerprint entry that is not {{ default }}.
func (s *state) resolveEntry(entry string) string {
	name, ok := variableName(entry)
	if !ok {
		// 2026: a literal equal to one of the event's raw messages is parameterized like the
		// message would be, so the custom fingerprint doesn't split on ids in it.
		if s.cfg.parameterizeFingerprints && entry != "" && s.isRawMessage(entry) {
			return parameterize.Normalize(entry, false)
		}
		return entry
	}
	return s.resolveVariable(name, entry)
}

func (s *state) isRawMessage(v string) bool {
	if le := s.ev.LogEntry; le != nil && (v == le.Formatted || v == le.Message) {
		return true
	}
	for i := range s.ev.Exceptions {
		if s.ev.Exceptions[i].Value == v {
			return true
		}
	}
	return false
}

func (s *state) resolveVariable(name, entry string) string {
	ev := s.ev
	or := func(v, missing string) string {
		if v == "" {
			return missing
		}
		return v
	}
	param := func(v string) string {
		if s.cfg.parameterizeFingerprints && v != "" {
			return parameterize.Normalize(v, false)
		}
		return v
	}
	var main *event.Exception
	if n := len(ev.Exceptions); n > 0 {
		main = &ev.Exceptions[n-1]
	}
	switch name {
	case "transaction":
		return or(ev.Transaction, "<no-transaction>")
	case "message":
		return or(param(s.rawMessage()), "<no-message>")
	case "raw_message":
		return or(s.rawMessage(), "<no-message>")
	case "type", "error.type":
		if main == nil {
			return "<no-type>"
		}
		return or(main.Type, "<no-type>")
	case "value", "error.value":
		if main == nil {
			return "<no-value>"
		}
		return or(param(main.Value), "<no-value>")
	case "raw_value", "error.raw_value":
		if main == nil {
			return "<no-value>"
		}
		return or(main.Value, "<no-value>")
	case "level":
		return or(ev.Level, "<no-level>")
	case "logger":
		return or(ev.Logger, "<no-logger>")
	case "function", "stack.function", "path", "stack.abs_path", "stack.filename", "module", "stack.module", "package", "stack.package":
		return s.crashFrameVariable(name)
	}
	if tag, ok := strings.CutPrefix(name, "tags."); ok && tag != "" {
		if v, found := s.tag(tag); found {
			return v
		}
		return "<no-value-for-tag-" + tag + ">"
	}
	if s.cfg.legacyUnknownVariables {
		return entry
	}
	return "<unrecognized-variable-" + name + ">"
}

func (s *state) crashFrameVariable(name string) string {
	fi, _ := s.crashFrame(false)
	var v, missing string
	switch name {
	case "function", "stack.function":
		missing = "<no-function>"
		if fi != nil {
			v = fi.function
		}
	case "path", "stack.abs_path":
		missing = "<no-abs-path>"
		if fi != nil {
			v = fi.f.AbsPath
			if v == "" {
				v = fi.f.Filename
			}
		}
	case "stack.filename":
		missing = "<no-filename>"
		if fi != nil {
			v = fi.f.Filename
		}
	case "module", "stack.module":
		missing = "<no-module>"
		if fi != nil {
			v = fi.module
		}
	default:
		missing = "<no-package>"
		if fi != nil && fi.f.Package != "" {
			v = basename(fi.f.Package)
		}
	}
	if v == "" {
		return missing
	}
	return v
}

// expandTitle resolves {{ var }} references inside a rule's title template.
func (s *state) expandTitle(title string) string {
	if !strings.Contains(title, "{{") {
		return title
	}
	var b strings.Builder
	for {
		i := strings.Index(title, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(title[i:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(title[:i])
		entry := title[i : i+j+2]
		if name, ok := variableName(entry); ok && name != "default" {
			b.WriteString(s.resolveVariable(name, entry))
		} else {
			b.WriteString(entry)
		}
		title = title[i+j+2:]
	}
	b.WriteString(title)
	return b.String()
}
