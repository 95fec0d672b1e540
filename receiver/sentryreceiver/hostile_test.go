package sentryreceiver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// hostileShape is an envelope a hostile but protocol-abiding client can send: every item is
// under its size limit, yet its shape (many tiny values) makes naive processing cost far more
// memory than its bytes.
type hostileShape struct {
	name string
	body []byte
}

// hostileEvent wraps the members of an error event (after its exception) in an envelope.
func hostileEvent(members string) []byte {
	ev := `{"event_id":"` + eventID + `","platform":"node","level":"error",` + members + `}`
	return env(`{"event_id":"`+eventID+`"}`, item("event", ev))
}

// repeatJoined is n copies of s separated by commas, with i replaced by the copy's number.
func repeatJoined(s string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(s) + 6))
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(s, "{i}", strconv.Itoa(i)))
	}
	return b.String()
}

// hostileShapes are the shapes of issue 21, each as large as the event size limit (1 MiB) allows
// for the count the issue names, plus the envelope and transaction shapes around them.
func hostileShapes() []hostileShape {
	exception := `"exception":{"values":[{"type":"Error","value":"boom","stacktrace":{"frames":[%s]}}]}`
	frames := func(n int) string { return strings.Replace(exception, "%s", repeatJoined(`{}`, n), 1) }
	nested := strings.Repeat(`{"a":`, 10_000) + `1` + strings.Repeat(`}`, 10_000)
	unknown := make([]string, 0, 10_000)
	for range 9_999 {
		unknown = append(unknown, item("x-unknown", `{}`))
	}
	unknown = append(unknown, item("event", `{"message":"kept"}`))
	var sb strings.Builder
	for i := range 12_000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"span_id":"`)
		sb.WriteString(padHex(i))
		sb.WriteString(`","start_timestamp":1700000000,"timestamp":1700000001}`)
	}
	spans := sb.String()
	tx := `{"type":"transaction","transaction":"GET /","start_timestamp":1700000000,"timestamp":1700000001,` +
		`"contexts":{"trace":{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"f7f3fd754a9040eb"}},"spans":[` + spans + `]}`
	txWith := func(members string) string {
		return `{"type":"transaction","transaction":"GET /","start_timestamp":1700000000,"timestamp":1700000001,` +
			`"contexts":{"trace":{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"f7f3fd754a9040eb"}}` + members + `}`
	}
	logs := `{"type":"log","item_count":700000,"content_type":"application/vnd.sentry.items.log+json"}` + "\n" +
		`{"items":[` + repeatJoined(`{"timestamp":1}`, 700_000) + `]}`
	return []hostileShape{
		{"frames 100k", hostileEvent(frames(100_000))},
		{"breadcrumbs 50k", hostileEvent(`"breadcrumbs":[` + repeatJoined(`{"message":"m"}`, 50_000) + `]`)},
		{"exceptions 10k", hostileEvent(`"exception":{"values":[` + repeatJoined(`{"type":"E","value":"v{i}","stacktrace":{"frames":[{"function":"f"}]}}`, 10_000) + `]}`)},
		{"threads 10k", hostileEvent(`"threads":{"values":[` + repeatJoined(`{"id":{i},"stacktrace":{"frames":[{"function":"f"}]}}`, 10_000) + `]}`)},
		{"extra nested 10k deep", hostileEvent(`"extra":` + nested)},
		{"extra 300k containers", hostileEvent(`"extra":{"a":[` + repeatJoined(`[]`, 300_000) + `]}`)},
		{"string 900 KB", hostileEvent(`"message":"` + strings.Repeat("x", 900_000) + `"`)},
		{"tags 10k", hostileEvent(`"tags":{` + repeatJoined(`"k{i}":"v"`, 10_000) + `}`)},
		{"items 9999 unknown + 1 event", env(`{}`, unknown...)},
		{"spans 12k", env(`{}`, item("transaction", tx))},
		{"transaction tags 80k", env(`{}`, item("transaction", txWith(`,"tags":{`+repeatJoined(`"k{i}":"v"`, 80_000)+`}`)))},
		{"span data 80k keys", env(`{}`, item("transaction", txWith(`,"spans":[{"span_id":"0000000000000001","start_timestamp":1700000000,"timestamp":1700000001,"data":{`+repeatJoined(`"k{i}":1`, 80_000)+`}}]`)))},
		{"measurements 40k", env(`{}`, item("transaction", txWith(`,"measurements":{`+repeatJoined(`"m{i}":{"value":1}`, 40_000)+`}`)))},
		{"log container 700k", env(`{}`, logs)},
		{"span data 4.5M numbers", env(`{}`, item("span", `{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"0000000000000001","start_timestamp":1,"timestamp":2,"data":{"a":[`+repeatJoined(`1`, 4_500_000)+`]}}`))},
		{"session with 5M numbers", env(`{}`, item("session", `{"sid":"x","started":1700000000,"attrs":{"release":"r"},"x":[[`+repeatJoined(`1`, 1000)+`]`+strings.Repeat(`,[`+repeatJoined(`1`, 1000)+`]`, 4_500)+`]}`))},
		{"30 attachments of 1 MB", env(`{"event_id":"`+eventID+`"}`, append([]string{item("event", `{"message":"with attachments"}`)},
			repeatItem("attachment", strings.Repeat("a", 1_000_000), 30)...)...)},
		{"session aggregates 200k", env(`{}`, item("sessions", `{"attrs":{"release":"r"},"aggregates":[`+repeatJoined(`{"started":1{i}00,"exited":1}`, 200_000)+`]}`))},
	}
}

// padHex is i as 16 hex digits.
func padHex(i int) string {
	s := strconv.FormatInt(int64(i), 16)
	return strings.Repeat("0", 16-len(s)) + s
}

// maxAllocPerByte is the constant of "memory per request ≤ k × its size" that
// TestHostileShapesCostMemoryBoundedByTheirSize holds the receiver to. The worst shape measured
// is an event of 100,000 empty stack frames, at ~30 bytes allocated per byte received (README,
// "Bounded cost per request").
const maxAllocPerByte = 40

// TestHostileShapesCostMemoryBoundedByTheirSize sends every hostile shape through the handler and
// checks its answer and what one request allocates in all, garbage included.
func TestHostileShapesCostMemoryBoundedByTheirSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds megabytes of hostile input")
	}
	rcv, _ := benchReceiver(t)
	for _, s := range hostileShapes() {
		t.Run(s.name, func(t *testing.T) {
			serve := func() int {
				req := httptest.NewRequest("POST", "/api/1/envelope/", bytes.NewReader(s.body))
				req.Header.Set("X-Sentry-Auth", xAuth1)
				w := httptest.NewRecorder()
				rcv.ServeHTTP(w, req)
				return w.Code
			}
			if code := serve(); code != http.StatusOK {
				t.Fatalf("status %d, want 200", code)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			serve()
			runtime.ReadMemStats(&after)
			perByte := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(s.body))
			t.Logf("%d bytes, %.1f bytes allocated per byte", len(s.body), perByte)
			if perByte > maxAllocPerByte {
				t.Errorf("%.1f bytes allocated per byte received, want at most %d", perByte, maxAllocPerByte)
			}
		})
	}
}

// BenchmarkHostileShapes measures what one request of each hostile shape costs the receiver:
// B/op is the memory it allocates, alloc/byte that divided by the request's size (the constant
// of "memory per request ≤ size × k"). The reference event is the baseline.
func BenchmarkHostileShapes(b *testing.B) {
	rcv, ref := benchReceiver(b)
	shapes := append([]hostileShape{{"reference event", ref}}, hostileShapes()...)
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			body := bytes.NewReader(s.body)
			b.SetBytes(int64(len(s.body)))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				body.Reset(s.body)
				req := httptest.NewRequest("POST", "/api/1/envelope/", io.NopCloser(body))
				req.Header.Set("X-Sentry-Auth", xAuth1)
				w := httptest.NewRecorder()
				rcv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(s.body)), "alloc/byte")
		})
	}
}
