package payload

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/jsontext"
)

// EventInfo is the event metadata that transactions and feedback share with error events: who
// sent it, from which release and environment, about which user.
type EventInfo struct {
	EventID     string // 32 lowercase hex, "" when absent or malformed
	Platform    string
	Release     string
	Dist        string
	Environment string
	ServerName  string
	SDKName     string
	SDKVersion  string
	Tags        []Tag
	User        User
	Request     Request
}

// User is the affected user; empty fields were not sent.
type User struct {
	ID        string
	Email     string
	IPAddress string
	Username  string
}

// Request is the HTTP request the event happened in.
type Request struct {
	Method string
	URL    string
}

// TraceContext is an event's contexts.trace: the span the event belongs to.
type TraceContext struct {
	TraceID      string // 32 lowercase hex or ""
	SpanID       string // 16 lowercase hex or ""
	ParentSpanID string // 16 lowercase hex or ""
	Op           string
	Status       string
	Origin       string
	Description  string
	Data         []Attr
	// DroppedAttributes counts the data entries beyond MaxAttributes.
	DroppedAttributes int
}

// Span is a Sentry span: a child span of a transaction or a legacy (v1) `span` item.
type Span struct {
	TraceID      string
	SpanID       string
	ParentSpanID string
	Op           string
	Description  string
	Status       string
	Origin       string
	Start        time.Time
	End          time.Time
	Tags         []Tag
	Data         []Attr
	// DroppedAttributes counts the data entries beyond MaxAttributes.
	DroppedAttributes int
}

// Measurement is one entry of a transaction's measurements, e.g. lcp in millisecond.
type Measurement struct {
	Name  string
	Value float64
	Unit  string
}

// Transaction is a performance event: the root (segment) span in Trace plus its child spans.
type Transaction struct {
	EventInfo
	Name   string // the transaction name
	Source string // transaction_info.source: route, url, custom …
	Start  time.Time
	End    time.Time
	Trace  TraceContext
	Spans  []Span
	// DroppedSpans counts child spans left out because their ids or timestamps were unusable.
	DroppedSpans int
	// Cut is what the payload bounds left out (limitJSON); Cut.Items counts child spans.
	Cut Cut
	// Measurements are the first MaxAttributes; DroppedMeasurements counts the others.
	Measurements        []Measurement
	DroppedMeasurements int
}

// DecodeTransaction decodes a `transaction` item. It fails, as Relay does, when the trace
// context has no valid trace and span id or the timestamps are missing or reversed; a child span
// with such defects is counted in DroppedSpans instead, so the rest of the transaction survives.
func DecodeTransaction(raw []byte) (*Transaction, error) {
	t := &Transaction{}
	err := parseContainer("transaction", raw, func(v node, cut Cut) error {
		t.Cut = cut
		t.EventInfo = eventInfo(v)
		t.Name = str(v, "transaction")
		t.Source = v.text("transaction_info", "source")
		var err error
		if t.Start, err = timestamp(v, "start_timestamp"); err != nil {
			return fmt.Errorf("decode transaction %q: %w", t.Name, err)
		}
		if t.End, err = timestamp(v, "timestamp"); err != nil {
			return fmt.Errorf("decode transaction %q: %w", t.Name, err)
		}
		if t.End.Before(t.Start) {
			return fmt.Errorf("decode transaction %q: start_timestamp %s is after timestamp %s", t.Name, t.Start.Format(time.RFC3339Nano), t.End.Format(time.RFC3339Nano))
		}
		t.Trace = traceContext(v.Get("contexts", "trace"))
		if t.Trace.TraceID == "" || t.Trace.SpanID == "" {
			return fmt.Errorf("decode transaction %q: contexts.trace needs a 32-hex trace_id and a 16-hex span_id, got %q and %q",
				t.Name, v.text("contexts", "trace", "trace_id"), v.text("contexts", "trace", "span_id"))
		}
		spans := v.Get("spans")
		t.Spans = make([]Span, 0, spans.len())
		for sv := range spans.elems() {
			s, err := decodeSpan(sv)
			if err != nil {
				t.DroppedSpans++
				continue
			}
			t.Spans = append(t.Spans, s)
		}
		t.Measurements, t.DroppedMeasurements = measurements(v.Get("measurements"))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DecodeSpan decodes a legacy (v1) `span` item: one span object shaped like a transaction's child.
func DecodeSpan(raw []byte) (*Span, error) {
	var s Span
	err := parseObject("span", raw, func(v node) error {
		var err error
		s, err = decodeSpan(v)
		if err == nil && s.TraceID == "" {
			err = fmt.Errorf("decode span %s: trace_id %q is not 32 hex digits", s.SpanID, v.text("trace_id"))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func decodeSpan(v node) (Span, error) {
	if v.kind() != jsontext.Object {
		return Span{}, fmt.Errorf("decode span: a JSON %s, want an object", v.kind())
	}
	s := Span{
		TraceID:      traceID(v.text("trace_id")),
		SpanID:       spanID(v.text("span_id")),
		ParentSpanID: spanID(v.text("parent_span_id")),
		Op:           str(v, "op"),
		Description:  str(v, "description"),
		Status:       str(v, "status"),
		Origin:       str(v, "origin"),
		Tags:         tags(v, "tags"),
	}
	if s.SpanID == "" {
		return Span{}, fmt.Errorf("decode span: span_id %q is not 16 hex digits", v.text("span_id"))
	}
	var err error
	if s.Start, err = timestamp(v, "start_timestamp"); err != nil {
		return Span{}, fmt.Errorf("decode span %s: %w", s.SpanID, err)
	}
	if s.End, err = timestamp(v, "timestamp"); err != nil {
		return Span{}, fmt.Errorf("decode span %s: %w", s.SpanID, err)
	}
	if s.End.Before(s.Start) {
		return Span{}, fmt.Errorf("decode span %s: start_timestamp is after timestamp", s.SpanID)
	}
	if d := v.Get("data"); d.kind() == jsontext.Object {
		s.Data, s.DroppedAttributes = objectAttrs(d)
	}
	return s, nil
}

// traceContext reads contexts.trace (or a check-in's or feedback's contexts.trace); nil gives the zero value.
func traceContext(v node) TraceContext {
	if v.kind() != jsontext.Object {
		return TraceContext{}
	}
	tc := TraceContext{
		TraceID:      traceID(v.text("trace_id")),
		SpanID:       spanID(v.text("span_id")),
		ParentSpanID: spanID(v.text("parent_span_id")),
		Op:           str(v, "op"),
		Status:       str(v, "status"),
		Origin:       str(v, "origin"),
		Description:  str(v, "description"),
	}
	if d := v.Get("data"); d.kind() == jsontext.Object {
		tc.Data, tc.DroppedAttributes = objectAttrs(d)
	}
	return tc
}

// eventInfo reads the metadata every Sentry event carries.
func eventInfo(v node) EventInfo {
	info := EventInfo{
		EventID:     eventID(v.text("event_id")),
		Platform:    str(v, "platform"),
		Release:     str(v, "release"),
		Dist:        str(v, "dist"),
		Environment: str(v, "environment"),
		ServerName:  str(v, "server_name"),
		SDKName:     v.text("sdk", "name"),
		SDKVersion:  v.text("sdk", "version"),
		Tags:        tags(v, "tags"),
	}
	if u := v.Get("user"); u.kind() == jsontext.Object {
		info.User = User{ID: str(u, "id"), Email: str(u, "email"), IPAddress: str(u, "ip_address"), Username: str(u, "username")}
	}
	if r := v.Get("request"); r.kind() == jsontext.Object {
		info.Request = Request{Method: str(r, "method"), URL: str(r, "url")}
	}
	// Relay moves an "environment" tag to the field when the field is empty.
	if info.Environment == "" {
		for _, t := range info.Tags {
			if t.Key == "environment" {
				info.Environment = t.Value
			}
		}
	}
	return info
}

// measurements reads the first MaxAttributes entries of {name: {value, unit}} and counts the
// others; entries without a numeric value are skipped.
func measurements(v node) (out []Measurement, dropped int) {
	if v.kind() != jsontext.Object {
		return nil, 0
	}
	out = make([]Measurement, 0, min(v.len(), MaxAttributes))
	for k, m := range v.members() {
		x, ok := number(m, "value")
		switch {
		case !ok:
		case len(out) == MaxAttributes:
			dropped++
		default:
			out = append(out, Measurement{Name: own(k), Value: x, Unit: m.text("unit")})
		}
	}
	return out, dropped
}
