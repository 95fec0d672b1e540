package otelexception

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sentry/scrub"
)

// Template is the Sentry event of an exception before it is given an occurrence: the stack trace
// is parsed and the event normalized once, and every occurrence of the same exception (same Key)
// shares that work.
//
// Occurrences differ only in event id, trace and span id, timestamp and received time (and,
// from a log file, where it was found), so Build writes those values into the normalized JSON of a
// placeholder occurrence. Where normalization
// could do more than copy them (no trace, a log location, a timestamp far from the received time) it normalizes
// the occurrence in full instead. TestTemplateSplicesWhatNormalizeWrites holds the two equal.
type Template struct {
	raw      rawEvent
	scrubber *scrub.Scrubber
	// parts is the placeholder's normalized JSON cut around the occurrence's values; slots says
	// which value goes after each part but the last. parts is nil when the placeholder's JSON
	// could not be cut (a value not found exactly once) and every occurrence is normalized.
	parts [][]byte
	slots []slot
	view  event.Event
	key   string
}

type slot uint8

const (
	slotEventID slot = iota
	slotTimestamp
	slotReceived
	slotTraceID
	slotSpanID
)

// The placeholder occurrence: values that cannot be mistaken for anything else in the JSON
// (quotes inside strings are escaped, so a key-value pair is found only where it is one).
var placeholder = Occurrence{
	EventID:    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	TraceID:    "e0e1e2e3e4e5e6e7e8e9eaebecedeeef",
	SpanID:     "d0d1d2d3d4d5d6d7",
	Timestamp:  time.Date(2001, 2, 3, 4, 5, 6, 789012000, time.UTC),
	ReceivedAt: time.Date(2001, 2, 3, 4, 5, 7, 123456000, time.UTC),
}

// spliceWindow is how far before its received time an occurrence may lie and still be spliced;
// it is well inside what normalization accepts unchanged (Sentry's retention in the past, a
// minute in the future), so spliced and normalized events are the same.
const spliceWindow = 24 * time.Hour

// NewTemplate parses the exception's stack trace, marking frames in-app by appPrefixes (see
// stacktrace.Options). When the text is in no format internal/stacktrace knows (or absent), the
// event has the type and message alone, so grouping falls back to the type and the parameterized
// message.
//
// scrubber, when not nil, scrubs the event as the sentry receiver scrubs a Sentry event, with
// the remarks in its _meta.
func NewTemplate(exc *Exception, appPrefixes []string, scrubber *scrub.Scrubber) *Template {
	t := &Template{raw: sentryEvent(exc, appPrefixes), scrubber: scrubber}
	normalized, ev, err := t.normalize(placeholder)
	if err != nil {
		return t // every occurrence is normalized, and reports the error
	}
	t.view = *ev
	t.key = string(normalized)
	t.cut(normalized)
	return t
}

// Key is the same for two templates exactly when their events are the same but for the
// occurrence, even where their exceptions' texts differ (a Go stack dump's goroutine ids and
// argument words): it keys a cache of what is computed from the events, such as grouping. It
// is empty when the event could not be made.
func (t *Template) Key() string { return t.key }

// cut splits the placeholder's JSON around its occurrence values.
func (t *Template) cut(normalized []byte) {
	needles := []struct {
		slot slot
		text string
	}{
		{slotEventID, `"event_id":"` + placeholder.EventID + `"`},
		{slotTimestamp, `"timestamp":` + string(appendTimestamp(nil, placeholder.Timestamp))},
		{slotReceived, `"received":` + string(appendTimestamp(nil, placeholder.ReceivedAt))},
		{slotTraceID, `"trace_id":"` + placeholder.TraceID + `"`},
		{slotSpanID, `"span_id":"` + placeholder.SpanID + `"`},
	}
	type found struct {
		slot       slot
		start, end int // of the value within normalized
	}
	var at []found
	for _, n := range needles {
		i := bytes.Index(normalized, []byte(n.text))
		if i < 0 || bytes.Contains(normalized[i+1:], []byte(n.text)) {
			return
		}
		key := bytes.IndexByte([]byte(n.text), ':') + 1
		at = append(at, found{n.slot, i + key, i + len(n.text)})
	}
	// In the order they appear.
	for i := 1; i < len(at); i++ {
		for j := i; j > 0 && at[j].start < at[j-1].start; j-- {
			at[j], at[j-1] = at[j-1], at[j]
		}
	}
	prev := 0
	for _, f := range at {
		t.parts = append(t.parts, normalized[prev:f.start])
		t.slots = append(t.slots, f.slot)
		prev = f.end
	}
	t.parts = append(t.parts, normalized[prev:])
}

// Build makes the normalized Sentry event JSON of one occurrence and its typed view.
func (t *Template) Build(occ Occurrence) (normalized []byte, ev *event.Event, err error) {
	received := occ.ReceivedAt
	if received.IsZero() {
		received = time.Now()
	}
	received = received.UTC().Round(time.Microsecond)
	ts := occ.Timestamp.UTC().Round(time.Microsecond)
	if t.parts == nil || occ.TraceID == "" || occ.LogFile != "" || occ.SpanID == "" || !isHex(occ.EventID, 32) || !isHex(occ.TraceID, 32) ||
		!isHex(occ.SpanID, 16) || ts.After(received) || ts.Before(received.Add(-spliceWindow)) {
		occ.ReceivedAt = received
		return t.normalize(occ)
	}
	size := 0
	for _, p := range t.parts {
		size += len(p)
	}
	out := make([]byte, 0, size+96)
	for i, s := range t.slots {
		out = append(out, t.parts[i]...)
		switch s {
		case slotEventID:
			out = append(append(append(out, '"'), occ.EventID...), '"')
		case slotTimestamp:
			out = appendTimestamp(out, ts)
		case slotReceived:
			out = appendTimestamp(out, received)
		case slotTraceID:
			out = append(append(append(out, '"'), occ.TraceID...), '"')
		case slotSpanID:
			out = append(append(append(out, '"'), occ.SpanID...), '"')
		}
	}
	out = append(out, t.parts[len(t.parts)-1]...)
	view := t.view
	view.EventID, view.Timestamp, view.Received = occ.EventID, ts, received
	view.Trace.TraceID, view.Trace.SpanID = occ.TraceID, occ.SpanID
	return out, &view, nil
}

// normalize builds the occurrence's event and normalizes it in full.
func (t *Template) normalize(occ Occurrence) ([]byte, *event.Event, error) {
	raw := t.raw
	if !occ.Timestamp.IsZero() {
		raw.Timestamp = json.RawMessage(appendTimestamp(nil, occ.Timestamp))
	}
	if occ.TraceID != "" || occ.LogFile != "" {
		raw.Contexts = &rawContexts{}
	}
	if occ.TraceID != "" {
		raw.Contexts.Trace = &rawTrace{Type: "trace", TraceID: occ.TraceID, SpanID: occ.SpanID}
	}
	if occ.LogFile != "" {
		raw.Contexts.Log = &rawLogContext{Type: "log", File: occ.LogFile, Line: occ.LogLine}
	}
	b, err := json.Marshal(&raw)
	if err != nil {
		return nil, nil, fmt.Errorf("otel exception %s: encode event: %w", occ.EventID, err)
	}
	opts := event.NormalizeOptions{
		EventID:         occ.EventID,
		ReceivedAt:      occ.ReceivedAt,
		DefaultPlatform: "other",
	}
	if t.scrubber.Active() {
		ss := t.scrubber.Session()
		defer ss.Release()
		opts.Editor = ss
	}
	normalized, ev, err := event.Normalize(b, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("otel exception %s: %w", occ.EventID, err)
	}
	return normalized, ev, nil
}

// appendTimestamp writes t as float epoch seconds with microseconds, as normalization writes
// timestamps.
func appendTimestamp(dst []byte, t time.Time) []byte {
	t = t.Round(time.Microsecond)
	return strconv.AppendFloat(dst, float64(t.Unix())+float64(t.Nanosecond()/1000)/1e6, 'f', -1, 64)
}

// isHex reports whether s is n lowercase hex digits, the form normalization keeps as it is.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
