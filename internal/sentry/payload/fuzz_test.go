package payload

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecoders feeds one input to every decoder: none may panic, and what decodes must keep the
// invariants the translator relies on (valid ids, ordered timestamps).
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(`{"transaction":"t","start_timestamp":1,"timestamp":2,"contexts":{"trace":{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"f7f3fd754a9040eb"}},"spans":[{"span_id":"1cc4b26ab9094ef0","start_timestamp":1,"timestamp":"1970-01-01T00:00:02"}]}`))
	f.Add([]byte(`{"items":[{"trace_id":"6e0ef15ede06506803e11fc01001116a","span_id":"391cd42b4d98aa01","start_timestamp":1.5,"end_timestamp":2,"timestamp":1,"attributes":{"a":{"type":"integer","value":"7"}}}]}`))
	f.Add([]byte(`{"sid":"s","init":true,"started":"2026-11-25T22:00:00Z","attrs":{"release":"r"},"aggregates":[{"started":1,"exited":2}]}`))
	f.Add([]byte(`{"timestamp":1,"discarded_events":[{"reason":"sample_rate","category":"error","quantity":"3"}]}`))
	f.Add([]byte(`{"items":[{"timestamp":1,"type":"counter","name":"n","value":1,"attributes":{"a":{"type":"double","value":1}}}]}`))
	f.Add([]byte(`{"check_in_id":"x","monitor_slug":"m","status":"ok","monitor_config":{"schedule":{}},"contexts":{"feedback":{"message":"m"}},"comments":"c"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if tx, err := DecodeTransaction(raw); err == nil {
			if tx.End.Before(tx.Start) || len(tx.Trace.TraceID) != 32 || len(tx.Trace.SpanID) != 16 {
				t.Fatalf("transaction decoded with broken invariants: %+v", tx)
			}
			for _, s := range tx.Spans {
				if s.End.Before(s.Start) || len(s.SpanID) != 16 {
					t.Fatalf("child span decoded with broken invariants: %+v", s)
				}
			}
		}
		if s, err := DecodeSpan(raw); err == nil && (len(s.TraceID) != 32 || len(s.SpanID) != 16) {
			t.Fatalf("span decoded with broken ids: %+v", s)
		}
		if b, err := DecodeSpanV2(raw); err == nil {
			for _, s := range b.Spans {
				if len(s.TraceID) != 32 || len(s.SpanID) != 16 {
					t.Fatalf("v2 span decoded with broken ids: %+v", s)
				}
			}
		}
		_, _ = DecodeLogs(raw)
		if s, err := DecodeSession(raw); err == nil && (s.Attrs.Release == "" || s.Started.IsZero()) {
			t.Fatalf("session decoded without release or start: %+v", s)
		}
		_, _ = DecodeSessionAggregates(raw)
		_, _ = DecodeClientReport(raw)
		if c, err := DecodeCheckIn(raw); err == nil && (c.MonitorSlug == "" || c.Status == "") {
			t.Fatalf("check-in decoded without slug or status: %+v", c)
		}
		if fb, err := DecodeFeedback(raw); err == nil && fb.Message == "" {
			t.Fatalf("feedback decoded without message: %+v", fb)
		}
		_, _ = DecodeUserReport(raw)
		if b, err := DecodeTraceMetrics(raw); err == nil {
			for _, m := range b.Metrics {
				if m.Name == "" || (m.Value.Kind != KindInt && m.Value.Kind != KindDouble) {
					t.Fatalf("trace metric decoded without name or number: %+v", m)
				}
			}
		}
	})
}

// FuzzLimitJSON holds limitJSON to what the decoders rely on: valid JSON stays valid, and
// nothing is cut when nothing is over the bounds.
func FuzzLimitJSON(f *testing.F) {
	f.Add([]byte(`{"items":[1,2,3,4,5],"x":{"a":[[1,2,3,4],"s,]\"\\"]}}`), 3, 10)
	f.Add([]byte(`{"a":"\\\\","b":[{},{},{},{}]}`), 2, 100)
	f.Fuzz(func(t *testing.T, raw []byte, entries, values int) {
		if entries < 1 || entries > 8 || values < 1 || values > 64 {
			return
		}
		out, cut := limitJSON(raw, entries, values)
		if json.Valid(raw) && !json.Valid(out) {
			t.Fatalf("limitJSON(%q, %d, %d) = %q, not JSON", raw, entries, values, out)
		}
		if cut == (Cut{}) && !bytes.Equal(out, raw) {
			t.Fatalf("limitJSON(%q) changed the input without reporting a cut: %q", raw, out)
		}
	})
}
