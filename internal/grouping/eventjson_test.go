package grouping

import (
	"encoding/json"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// The test cases are written as Sentry event JSON because that is how the fixtures in the
// research notes read. This small reader maps the fields grouping uses onto event.Event; it is
// test-only so grouping's tests do not depend on the event package's decoder.

type jsonFrame struct {
	Filename    string          `json:"filename"`
	AbsPath     string          `json:"abs_path"`
	Function    string          `json:"function"`
	RawFunction string          `json:"raw_function"`
	Module      string          `json:"module"`
	Package     string          `json:"package"`
	Platform    string          `json:"platform"`
	Lineno      int             `json:"lineno"`
	Colno       int             `json:"colno"`
	InApp       *bool           `json:"in_app"`
	ContextLine string          `json:"context_line"`
	Data        json.RawMessage `json:"data"`
}

type jsonStacktrace struct {
	Frames []jsonFrame `json:"frames"`
}

type jsonMechanism struct {
	Type             string `json:"type"`
	Source           string `json:"source"`
	Synthetic        bool   `json:"synthetic"`
	ExceptionID      *int   `json:"exception_id"`
	ParentID         *int   `json:"parent_id"`
	IsExceptionGroup bool   `json:"is_exception_group"`
	Meta             struct {
		NSError *struct {
			Domain string `json:"domain"`
			Code   int64  `json:"code"`
		} `json:"ns_error"`
	} `json:"meta"`
}

type jsonSecurity struct {
	Hostname           string `json:"hostname"`
	BlockedURI         string `json:"blocked_uri"`
	ViolatedDirective  string `json:"violated_directive"`
	EffectiveDirective string `json:"effective_directive"`
}

type jsonException struct {
	Type       string          `json:"type"`
	Value      string          `json:"value"`
	Module     string          `json:"module"`
	Mechanism  *jsonMechanism  `json:"mechanism"`
	Stacktrace *jsonStacktrace `json:"stacktrace"`
}

type jsonEvent struct {
	Platform    string `json:"platform"`
	Level       string `json:"level"`
	Logger      string `json:"logger"`
	Release     string `json:"release"`
	Transaction string `json:"transaction"`
	Checksum    string `json:"checksum"`
	Culprit     string `json:"culprit"`
	Fingerprint []string
	Exception   struct {
		Values []jsonException `json:"values"`
	} `json:"exception"`
	Logentry *struct {
		Formatted string `json:"formatted"`
		Message   string `json:"message"`
	} `json:"logentry"`
	Stacktrace *jsonStacktrace `json:"stacktrace"`
	Template   *struct {
		Filename    string `json:"filename"`
		ContextLine string `json:"context_line"`
	} `json:"template"`
	CSP          *jsonSecurity `json:"csp"`
	HPKP         *jsonSecurity `json:"hpkp"`
	ExpectCT     *jsonSecurity `json:"expectct"`
	ExpectStaple *jsonSecurity `json:"expectstaple"`
	Threads      struct {
		Values []struct {
			ID         json.Number     `json:"id"`
			Crashed    bool            `json:"crashed"`
			Current    bool            `json:"current"`
			Stacktrace *jsonStacktrace `json:"stacktrace"`
		} `json:"values"`
	} `json:"threads"`
	Tags    [][2]string `json:"tags"`
	Request *struct {
		URL string `json:"url"`
	} `json:"request"`
	SDK *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"sdk"`
}

func (st *jsonStacktrace) toEvent() *event.Stacktrace {
	if st == nil {
		return nil
	}
	out := &event.Stacktrace{Frames: make([]event.Frame, len(st.Frames))}
	for i, f := range st.Frames {
		out.Frames[i] = event.Frame{
			Filename: f.Filename, AbsPath: f.AbsPath, Function: f.Function, RawFunction: f.RawFunction,
			Module: f.Module, Package: f.Package, Platform: f.Platform, Lineno: f.Lineno, Colno: f.Colno,
			InApp: f.InApp, ContextLine: f.ContextLine, Data: string(f.Data),
		}
	}
	return out
}

// mustEvent reads a Sentry event from JSON.
func mustEvent(t testing.TB, text string) *event.Event {
	t.Helper()
	var j jsonEvent
	if err := json.Unmarshal([]byte(text), &j); err != nil {
		t.Fatalf("test event JSON: %v\n%s", err, text)
	}
	ev := &event.Event{
		Platform: j.Platform, Level: j.Level, Logger: j.Logger, Release: j.Release,
		Transaction: j.Transaction, Fingerprint: j.Fingerprint, Stacktrace: j.Stacktrace.toEvent(),
		Checksum: j.Checksum, Culprit: j.Culprit,
	}
	if tp := j.Template; tp != nil {
		ev.Template = &event.Template{Filename: tp.Filename, ContextLine: tp.ContextLine}
	}
	for kind, r := range map[string]*jsonSecurity{"csp": j.CSP, "hpkp": j.HPKP, "expectct": j.ExpectCT, "expectstaple": j.ExpectStaple} {
		if r != nil {
			ev.Security = &event.SecurityReport{Kind: kind, Hostname: r.Hostname, BlockedURI: r.BlockedURI,
				ViolatedDirective: r.ViolatedDirective, EffectiveDirective: r.EffectiveDirective}
		}
	}
	if ev.Level == "" {
		ev.Level = "error"
	}
	for _, e := range j.Exception.Values {
		x := event.Exception{Type: e.Type, Value: e.Value, Module: e.Module, Stacktrace: e.Stacktrace.toEvent()}
		if m := e.Mechanism; m != nil {
			x.Mechanism = &event.Mechanism{Type: m.Type, Source: m.Source, Synthetic: m.Synthetic, ExceptionID: m.ExceptionID, ParentID: m.ParentID, IsExceptionGroup: m.IsExceptionGroup}
			if ns := m.Meta.NSError; ns != nil {
				x.Mechanism.NSError = &event.NSError{Domain: ns.Domain, Code: ns.Code}
			}
		}
		ev.Exceptions = append(ev.Exceptions, x)
	}
	if j.Logentry != nil {
		ev.LogEntry = &event.LogEntry{Formatted: j.Logentry.Formatted, Message: j.Logentry.Message}
	}
	for _, th := range j.Threads.Values {
		ev.Threads = append(ev.Threads, event.Thread{ID: th.ID.String(), Crashed: th.Crashed, Current: th.Current, Stacktrace: th.Stacktrace.toEvent()})
	}
	for _, kv := range j.Tags {
		ev.Tags = append(ev.Tags, event.Tag{Key: kv[0], Value: kv[1]})
	}
	if j.Request != nil {
		ev.Request = &event.Request{URL: j.Request.URL}
	}
	if j.SDK != nil {
		ev.SDK = &event.SDK{Name: j.SDK.Name, Version: j.SDK.Version}
	}
	return ev
}
