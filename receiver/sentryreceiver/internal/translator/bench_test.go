package translator

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkTranslateNodeError measures the reference node error envelope (testdata/README.md),
// already parsed, to pdata: event.Normalize, stack-trace rendering and building the LogRecord.
// DESIGN §7 leaves the receiver about 50 µs of the 100 µs per-event budget.
func BenchmarkTranslateNodeError(b *testing.B) {
	env := readEnvelope(b, "testdata/node-error.envelope")
	in := Input{ProjectID: "1", ReceivedAt: received, ClientIP: "198.51.100.1", Envelope: env}
	b.SetBytes(int64(len(env.Items[0].Payload)))
	b.ReportAllocs()
	for b.Loop() {
		out := Translate(in)
		if out.Logs.LogRecordCount() != 1 {
			b.Fatalf("outcomes %+v", out.Outcomes)
		}
	}
}

// BenchmarkTranslateTransaction measures a transaction with 20 child spans, each with data and
// tags, to ptrace.
func BenchmarkTranslateTransaction(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"event_id":"44444444444444444444444444444444","type":"transaction","transaction":"POST /api/checkout","platform":"node",
		"release":"shop@1.2.3","environment":"production","sdk":{"name":"sentry.javascript.node","version":"11.12.0"},"tags":{"region":"eu-west-1"},
		"contexts":{"trace":{"trace_id":"` + traceA + `","span_id":"` + spanA + `","op":"http.server","status":"ok"}},
		"start_timestamp":1795645345.0,"timestamp":1795645345.5,"measurements":{"ttfb":{"value":12.5,"unit":"millisecond"}},"spans":[`)
	for i := range 20 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"span_id":"%016x","parent_span_id":"%s","trace_id":"%s","op":"db.sql","description":"SELECT * FROM orders WHERE id = $%d",
			"status":"ok","origin":"auto.db","start_timestamp":1795645345.1,"timestamp":1795645345.2,"data":{"db.system":"postgresql","db.rows":%d},"tags":{"shard":"3"}}`,
			i+1, spanA, traceA, i, i)
	}
	sb.WriteString(`]}`)
	in := Input{ProjectID: "1", ReceivedAt: received, Envelope: items(item("transaction", sb.String()))}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if out := Translate(in); out.Traces.SpanCount() != 21 {
			b.Fatalf("outcomes %+v", out.Outcomes)
		}
	}
}
