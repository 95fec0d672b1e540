package payload

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDecodeTransaction decodes a transaction with 20 child spans, each with data and tags
// (the translator's BenchmarkTranslateTransaction without the pdata).
func BenchmarkDecodeTransaction(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"event_id":"44444444444444444444444444444444","type":"transaction","transaction":"POST /api/checkout","platform":"node",
		"release":"shop@1.2.3","environment":"production","sdk":{"name":"sentry.javascript.node","version":"11.12.0"},"tags":{"region":"eu-west-1"},
		"contexts":{"trace":{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","op":"http.server","status":"ok"}},
		"start_timestamp":1795645345.0,"timestamp":1795645345.5,"measurements":{"ttfb":{"value":12.5,"unit":"millisecond"}},"spans":[`)
	for i := range 20 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"span_id":"%016x","parent_span_id":"b7ad6b7169203331","trace_id":"0af7651916cd43dd8448eb211c80319c","op":"db.sql",
			"description":"SELECT * FROM orders WHERE id = $%d","status":"ok","origin":"auto.db","start_timestamp":1795645345.1,"timestamp":1795645345.2,
			"data":{"db.system":"postgresql","db.rows":%d},"tags":{"shard":"3"}}`, i+1, i, i)
	}
	sb.WriteString(`]}`)
	raw := []byte(sb.String())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if tx, err := DecodeTransaction(raw); err != nil || len(tx.Spans) != 20 {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeLogs decodes a log container of 100 entries with typed attributes, a batch as
// SDKs flush it.
func BenchmarkDecodeLogs(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"timestamp":1795645345.%03d,"trace_id":"0af7651916cd43dd8448eb211c80319c","level":"info","severity_number":9,
			"body":"user %d logged in from \"eu\"","attributes":{"sentry.release":{"type":"string","value":"shop@1.2.3"},
			"user.id":{"type":"integer","value":%d},"latency":{"type":"double","value":0.25},"ok":{"type":"boolean","value":true}}}`, i, i, i)
	}
	sb.WriteString(`]}`)
	raw := []byte(sb.String())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if l, err := DecodeLogs(raw); err != nil || len(l.Logs) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSession decodes one session update.
func BenchmarkDecodeSession(b *testing.B) {
	raw := []byte(`{"sid":"7c7b6e4e1f4c4b0e9a7e2f3f5a6b7c8d","did":"user-42","init":true,"started":"2026-11-25T22:00:00.123Z",
		"timestamp":"2026-11-25T22:00:05Z","seq":0,"duration":5.0,"status":"ok","errors":0,
		"attrs":{"release":"shop@1.2.3","environment":"production","user_agent":"Mozilla/5.0"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeSession(raw); err != nil {
			b.Fatal(err)
		}
	}
}
