package ui

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/store"
)

// eventView is one event laid out for the issue page. The typed parts come from the event model;
// the free-form ones (breadcrumbs, request details, contexts, extra) are read generically and
// shown as key/value text.
type eventView struct {
	ID          string
	Time        time.Time
	Received    time.Time
	Release     string
	Environment string
	Platform    string
	Message     string
	Exceptions  []exceptionView
	Tags        []event.Tag
	User        []field
	Request     *requestView
	Breadcrumbs []breadcrumbView
	Contexts    []section
	Extra       []field
	SDK         string
	TraceID     string
	TraceURL    string
	// Errors are the processing errors recorded while the event was handled (e.g. a frame that
	// could not be symbolicated), each as its type and fields.
	Errors []processingError
	// Trimmed lists what was cut on ingest (the event's _meta): the path of each value and how
	// much of it was sent.
	Trimmed []field
	// Scrubbed lists what data scrubbing changed on ingest (the event's _meta remarks): the path
	// of each value, what was done and by which rule.
	Scrubbed []field
	// DecodeError says why the stored event could not be read, when it could not.
	DecodeError string
}

type field struct {
	Key, Value string
}

type section struct {
	Name   string
	Fields []field
}

type exceptionView struct {
	Type, Value, Module string
	Mechanism           string
	Unhandled           bool
	// Groups are the frames, most recent call first, with runs of system frames grouped so the
	// page can fold them away.
	Groups []frameGroup
	Frames int
	// Omitted says which frames were cut on ingest (the stack trace's frames_omitted), or "".
	Omitted string
}

type frameGroup struct {
	InApp  bool
	Frames []frameView
}

type frameView struct {
	Function string
	File     string
	Module   string
	Line     int
	Col      int
	InApp    bool
	Context  []contextLine
	// Symbolicated describes how a source map resolved the frame; Unresolved why none did.
	Symbolicated string
	Minified     string
	Unresolved   string
}

type contextLine struct {
	No      int
	Text    string
	Current bool
}

type requestView struct {
	Method, URL string
	Headers     []field
	Query       []field
	Data        string
	Cookies     []field
	Env         []field
}

type breadcrumbView struct {
	Time     string
	Type     string
	Category string
	Level    string
	Message  string
	Data     string
}

type processingError struct {
	Type   string
	Fields []field
	// Source is the file the error is about (url or source field), to mark its frames.
	Source string
}

// freeForm is the part of an event read without the typed model.
type freeForm struct {
	Breadcrumbs struct {
		Values []map[string]any `json:"values"`
	} `json:"breadcrumbs"`
	Request  map[string]any            `json:"request"`
	User     map[string]any            `json:"user"`
	Contexts map[string]map[string]any `json:"contexts"`
	Extra    map[string]any            `json:"extra"`
	Errors   []map[string]any          `json:"errors"`
	Meta     map[string]any            `json:"_meta"`
	// Exception is read for what the typed model does not keep: each stack trace's
	// frames_omitted. Entries stay raw so that one odd entry does not cost the others.
	Exception struct {
		Values []json.RawMessage `json:"values"`
	} `json:"exception"`
}

func viewEvent(st *store.StoredEvent, traceURL string) *eventView {
	v := &eventView{ID: st.EventID, Time: st.Timestamp, Received: st.Received, Release: st.Release, Environment: st.Environment}
	ev, err := event.Decode(st.Payload)
	if err != nil {
		v.DecodeError = err.Error()
		return v
	}
	var ff freeForm
	dec := json.NewDecoder(bytes.NewReader(st.Payload))
	dec.UseNumber()
	if err := dec.Decode(&ff); err != nil {
		// A free-form part has an unexpected shape: show what the typed model read.
		ff = freeForm{}
	}
	v.Platform = ev.Platform
	if ev.LogEntry != nil {
		v.Message = ev.LogEntry.Formatted
		if v.Message == "" {
			v.Message = ev.LogEntry.Message
		}
	}
	if ev.SDK != nil {
		v.SDK = strings.TrimSpace(ev.SDK.Name + " " + ev.SDK.Version)
	}
	v.Tags = ev.Tags
	if ev.Trace.TraceID != "" {
		v.TraceID = ev.Trace.TraceID
		if traceURL != "" {
			// The model only keeps a trace id that is 32 hex digits, so it is safe in a URL.
			v.TraceURL = strings.ReplaceAll(traceURL, "{trace_id}", ev.Trace.TraceID)
		}
	}
	for _, e := range ff.Errors {
		pe := processingError{Type: display(e["type"]), Source: display(e["url"])}
		if pe.Source == "" {
			pe.Source = display(e["source"])
		}
		for _, k := range slices.Sorted(maps.Keys(e)) {
			if k != "type" {
				pe.Fields = append(pe.Fields, field{k, display(e[k])})
			}
		}
		v.Errors = append(v.Errors, pe)
	}
	omitted := framesOmitted(ff.Exception.Values)
	for i := len(ev.Exceptions) - 1; i >= 0; i-- { // the one raised last first
		ex := ev.Exceptions[i]
		ex.Stacktrace = ev.ExceptionStacktrace(&ex)
		xv := viewException(&ex, v.Errors)
		if i < len(omitted) && omitted[i] != [2]int{} {
			xv.Omitted = omittedText(omitted[i], xv.Frames)
		}
		v.Exceptions = append(v.Exceptions, xv)
	}
	v.Trimmed = trimmed(ff.Meta, nil, nil)
	slices.SortFunc(v.Trimmed, func(a, b field) int { return strings.Compare(a.Key, b.Key) })
	v.Scrubbed = scrubbed(ff.Meta, nil, nil)
	slices.SortFunc(v.Scrubbed, func(a, b field) int { return strings.Compare(a.Key, b.Key) })
	if len(ev.Exceptions) == 0 {
		if st := ev.MessageStacktrace(); st != nil {
			v.Exceptions = append(v.Exceptions, viewException(&event.Exception{Stacktrace: st}, v.Errors))
		}
	}
	v.User = fields(ff.User)
	v.Request = viewRequest(ff.Request)
	for _, b := range ff.Breadcrumbs.Values {
		v.Breadcrumbs = append(v.Breadcrumbs, breadcrumbView{Time: crumbTime(b["timestamp"]), Type: display(b["type"]),
			Category: display(b["category"]), Level: display(b["level"]), Message: display(b["message"]), Data: display(b["data"])})
	}
	for _, name := range slices.Sorted(maps.Keys(ff.Contexts)) {
		v.Contexts = append(v.Contexts, section{Name: name, Fields: fields(ff.Contexts[name])})
	}
	v.Extra = fields(ff.Extra)
	return v
}

// framesOmitted reads the frames_omitted of each exception object's stack trace, in the order
// the typed model lists exceptions (objects only).
func framesOmitted(values []json.RawMessage) [][2]int {
	var out [][2]int
	for _, raw := range values {
		var ex struct {
			Stacktrace struct {
				FramesOmitted []int `json:"frames_omitted"`
			} `json:"stacktrace"`
		}
		if len(raw) == 0 || raw[0] != '{' {
			continue
		}
		var gap [2]int
		if json.Unmarshal(raw, &ex) == nil && len(ex.Stacktrace.FramesOmitted) == 2 {
			gap = [2]int{ex.Stacktrace.FramesOmitted[0], ex.Stacktrace.FramesOmitted[1]}
		}
		out = append(out, gap)
	}
	return out
}

// omittedText explains a stack trace's frames_omitted [first omitted, after the last omitted]
// beside the frames kept.
func omittedText(gap [2]int, kept int) string {
	n := gap[1] - gap[0]
	if n <= 0 {
		return ""
	}
	return "the middle " + strconv.Itoa(n) + " of " + strconv.Itoa(kept+n) + " frames were cut on ingest"
}

// trimmed walks an event's _meta and lists each annotation: where, and how much was sent.
func trimmed(meta map[string]any, path []string, out []field) []field {
	for k, v := range meta {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if k != "" {
			out = trimmed(m, append(path, k), out)
			continue
		}
		sent := display(m["len"])
		rems := remarks(m)
		if sent == "" || (len(rems) > 0 && !slices.ContainsFunc(rems, func(r [2]string) bool { return r[0] == limitRule })) {
			continue // not trimmed: only scrubbed
		}
		what := sent + " entries sent"
		if len(rems) > 0 {
			what = sent + " characters sent"
		}
		out = append(out, field{Key: strings.Join(path, "."), Value: what})
	}
	return out
}

// limitRule is the rule of a remark trimming made.
const limitRule = "!limit"

// remarks reads an annotation's "rem" list as [rule, type] pairs.
func remarks(ann map[string]any) [][2]string {
	list, _ := ann["rem"].([]any)
	var out [][2]string
	for _, r := range list {
		if parts, ok := r.([]any); ok && len(parts) >= 2 {
			out = append(out, [2]string{display(parts[0]), display(parts[1])})
		}
	}
	return out
}

// remarkVerbs says what each remark type did, as Relay names them.
var remarkVerbs = map[string]string{"s": "replaced", "x": "removed", "m": "masked", "p": "hashed", "a": "annotated", "e": "encrypted"}

// scrubbed walks an event's _meta and lists each value data scrubbing changed: where, what was
// done and by which rule ("replaced by @password:filter (7 characters sent)").
func scrubbed(meta map[string]any, path []string, out []field) []field {
	for k, v := range meta {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if k != "" {
			out = scrubbed(m, append(path, k), out)
			continue
		}
		var did []string
		for _, r := range remarks(m) {
			if r[0] == limitRule {
				continue
			}
			verb := remarkVerbs[r[1]]
			if verb == "" {
				verb = "changed"
			}
			did = append(did, verb+" by "+r[0])
		}
		if len(did) == 0 {
			continue
		}
		what := strings.Join(slices.Compact(did), ", ")
		if sent := display(m["len"]); sent != "" {
			what += " (" + sent + " characters sent)"
		}
		out = append(out, field{Key: strings.Join(path, "."), Value: what})
	}
	return out
}

// fields lists an object's members in key order, values as one line of text.
func fields(m map[string]any) []field {
	out := make([]field, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, field{k, display(m[k])})
	}
	return out
}

// pairs reads what Sentry sends either as an object or as a list of [key, value] pairs
// (headers, query strings, cookies, env), keeping the order of a list.
func pairs(v any) []field {
	switch t := v.(type) {
	case map[string]any:
		return fields(t)
	case []any:
		var out []field
		for _, p := range t {
			if kv, ok := p.([]any); ok && len(kv) == 2 {
				out = append(out, field{display(kv[0]), display(kv[1])})
			}
		}
		return out
	case string:
		return []field{{"", t}}
	}
	return nil
}

func viewRequest(m map[string]any) *requestView {
	if len(m) == 0 {
		return nil
	}
	rv := &requestView{Method: display(m["method"]), URL: display(m["url"]), Headers: pairs(m["headers"]),
		Query: pairs(m["query_string"]), Cookies: pairs(m["cookies"]), Env: pairs(m["env"])}
	if d, ok := m["data"]; ok {
		rv.Data = display(d)
	}
	return rv
}

// crumbTime shows a breadcrumb's time of day; SDKs send Unix seconds or RFC 3339 text.
func crumbTime(v any) string {
	switch t := v.(type) {
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return time.UnixMicro(int64(f * 1e6)).UTC().Format("15:04:05.000")
		}
	case string:
		if ts, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return ts.UTC().Format("15:04:05.000")
		}
		return t
	}
	return ""
}

func viewException(ex *event.Exception, errs []processingError) exceptionView {
	xv := exceptionView{Type: ex.Type, Value: ex.Value, Module: ex.Module}
	if m := ex.Mechanism; m != nil {
		xv.Mechanism = m.Type
		xv.Unhandled = m.Handled != nil && !*m.Handled
	}
	if ex.Stacktrace == nil {
		return xv
	}
	frames := ex.Stacktrace.Frames
	var raw []event.Frame
	if ex.RawStacktrace != nil && len(ex.RawStacktrace.Frames) == len(frames) {
		raw = ex.RawStacktrace.Frames
	}
	xv.Frames = len(frames)
	for i := len(frames) - 1; i >= 0; i-- { // most recent call first
		fv := viewFrame(&frames[i], errs)
		if raw != nil {
			if m := location(&raw[i]); m != fv.File+":"+strconv.Itoa(fv.Line)+":"+strconv.Itoa(fv.Col) {
				fv.Minified = m
			}
		}
		if n := len(xv.Groups); n > 0 && xv.Groups[n-1].InApp == fv.InApp {
			xv.Groups[n-1].Frames = append(xv.Groups[n-1].Frames, fv)
		} else {
			xv.Groups = append(xv.Groups, frameGroup{InApp: fv.InApp, Frames: []frameView{fv}})
		}
	}
	return xv
}

func location(f *event.Frame) string {
	file := f.AbsPath
	if file == "" {
		file = f.Filename
	}
	return file + ":" + strconv.Itoa(f.Lineno) + ":" + strconv.Itoa(f.Colno)
}

func viewFrame(f *event.Frame, errs []processingError) frameView {
	fv := frameView{Function: f.Function, File: f.Filename, Module: f.Module, Line: f.Lineno, Col: f.Colno,
		InApp: f.InApp != nil && *f.InApp}
	if fv.File == "" {
		fv.File = f.AbsPath
	}
	if fv.Function == "" {
		fv.Function = f.RawFunction
	}
	if f.Data != "" {
		var data struct {
			Sourcemap    string `json:"sourcemap"`
			ResolvedWith string `json:"resolved_with"`
		}
		if json.Unmarshal([]byte(f.Data), &data) == nil && data.Sourcemap != "" {
			fv.Symbolicated = "source map " + data.Sourcemap
			if data.ResolvedWith != "" {
				fv.Symbolicated += " (found by " + data.ResolvedWith + ")"
			}
		}
	}
	if fv.Symbolicated == "" {
		for _, e := range errs {
			if e.Source != "" && (e.Source == f.AbsPath || e.Source == f.Filename) {
				fv.Unresolved = e.Type
				for _, kv := range e.Fields {
					if kv.Key == "reason" {
						fv.Unresolved += ": " + kv.Value
					}
				}
				break
			}
		}
	}
	if f.ContextLine != "" || len(f.PreContext) > 0 {
		no := f.Lineno - len(f.PreContext)
		for _, l := range f.PreContext {
			fv.Context = append(fv.Context, contextLine{No: no, Text: l})
			no++
		}
		fv.Context = append(fv.Context, contextLine{No: no, Text: f.ContextLine, Current: true})
		no++
		for _, l := range f.PostContext {
			fv.Context = append(fv.Context, contextLine{No: no, Text: l})
			no++
		}
	}
	return fv
}
