package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/faultline/faultline/testbed/harness"
	"github.com/faultline/faultline/testbed/procstat"
)

// The shapes of issue 21: events and envelopes a hostile but protocol-abiding client can send,
// each under every size limit, whose shape (many tiny values) costs far more than their bytes.

// joined is n copies of item, with {i} replaced by the copy's number, separated by commas.
func joined(item string, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(item, "{i}", strconv.Itoa(i)))
	}
	return b.String()
}

func hostileEnvelope(typ, itemHeader, payload string) []byte {
	if itemHeader == "" {
		itemHeader = `{"type":"` + typ + `"}`
	}
	return []byte("{}\n" + itemHeader + "\n" + payload)
}

func hostileEvent(members string) []byte {
	return hostileEnvelope("event", "", `{"platform":"node","level":"error",`+members+`}`)
}

func framesEvent(n int) []byte {
	return hostileEvent(`"exception":{"values":[{"type":"Error","value":"deep recursion","stacktrace":{"frames":[` +
		joined(`{}`, n) + `]}}]}`)
}

type hostileCase struct {
	name   string
	body   []byte
	status int
}

func hostileCases() []hostileCase {
	nested := strings.Repeat(`{"a":`, 10_000) + `1` + strings.Repeat(`}`, 10_000)
	var unknown strings.Builder
	unknown.WriteString("{}\n")
	for range 9_999 {
		unknown.WriteString("{\"type\":\"x-unknown\"}\n{}\n")
	}
	unknown.WriteString("{\"type\":\"event\"}\n{\"message\":\"kept beside 9,999 unknown items\"}")
	tx := `{"type":"transaction","transaction":"GET /","start_timestamp":1700000000,"timestamp":1700000001,` +
		`"contexts":{"trace":{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"f7f3fd754a9040eb"}},"spans":[` +
		joined(`{"span_id":"1{i}","start_timestamp":1700000000,"timestamp":1700000001}`, 12_000) + `]}`
	// Span ids must be 16 hex digits: pad the numbers written above.
	tx = padSpanIDs(tx)
	return []hostileCase{
		{"100k frames", framesEvent(100_000), 200},
		{"50k breadcrumbs", hostileEvent(`"breadcrumbs":[` + joined(`{"message":"m{i}"}`, 50_000) + `]`), 200},
		{"10k exceptions in a chain", hostileEvent(`"exception":{"values":[` + joined(`{"type":"E","value":"v{i}"}`, 10_000) + `]}`), 200},
		{"10k threads", hostileEvent(`"threads":{"values":[` + joined(`{"id":{i},"stacktrace":{"frames":[{"function":"f"}]}}`, 10_000) + `]}`), 200},
		{"extra nested 10k deep", hostileEvent(`"message":"deep","extra":{"deep":` + nested + `}`), 200},
		{"a 900 KB string", hostileEvent(`"message":"` + strings.Repeat("x", 900_000) + `"`), 200},
		{"10k tags", hostileEvent(`"message":"tags","tags":{` + joined(`"k{i}":"v"`, 10_000) + `}`), 200},
		{"9,999 unknown items and one event", []byte(unknown.String()), 200},
		{"12k spans in a transaction", hostileEnvelope("transaction", "", tx), 200},
		{"700k logs in a container", hostileEnvelope("log", `{"type":"log","item_count":700000,"content_type":"application/vnd.sentry.items.log+json"}`,
			`{"items":[`+joined(`{"timestamp":1}`, 700_000)+`]}`), 200},
	}
}

// padSpanIDs turns "span_id":"1<n>" into a 16-hex-digit id.
func padSpanIDs(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, `"span_id":"1`)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+len(`"span_id":"`)])
		s = s[i+len(`"span_id":"`):]
		end := strings.IndexByte(s, '"')
		b.WriteString(strings.Repeat("0", 16-end) + s[:end])
		s = s[end:]
	}
}

// post sends an envelope for project 1 and returns the status.
func post(t testing.TB, client *http.Client, f faultline, body []byte) int {
	t.Helper()
	dsn, err := url.Parse(f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", "http://"+dsn.Host+"/api/1/envelope/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+demoKey)
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// ordinaryEnvelopes returns n copies of the reference node error envelope, each with its own
// event id.
func ordinaryEnvelopes(t *testing.T, n int) [][]byte {
	ref, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "receiver", "sentryreceiver", "testdata", "node-error.envelope"))
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		var id [16]byte
		rand.Read(id[:])
		out[i] = bytes.ReplaceAll(ref, []byte("2464e1fbba0090c8c2486dacc3d5fed1"), []byte(hex.EncodeToString(id[:])))
	}
	return out
}

func peakRSS(t *testing.T, pid int) int64 {
	s, err := procstat.Read(pid)
	if err != nil {
		t.Fatal(err)
	}
	return s.HWM
}

// TestHostileShapesAreAnsweredAsRelayWouldWithBoundedMemory sends each shape to the default
// config and records how much the collector's peak resident memory grew.
func TestHostileShapesAreAnsweredAsRelayWouldWithBoundedMemory(t *testing.T) {
	f := startDefault(t)
	c := f.process
	client := &http.Client{}
	// Warm up with ordinary traffic, so the first shape is not charged for start-up.
	for _, body := range ordinaryEnvelopes(t, 50) {
		post(t, client, f, body)
	}
	start := peakRSS(t, c.PID())
	t.Logf("peak RSS after warm-up: %.1f MB", float64(start)/1e6)
	prev := start
	for _, tc := range hostileCases() {
		status := post(t, client, f, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, status, tc.status)
		}
		hwm := peakRSS(t, c.PID())
		t.Logf("%-35s %7.1f KB  status %d  peak RSS %6.1f MB (+%.1f MB)", tc.name, float64(len(tc.body))/1e3, status, float64(hwm)/1e6, float64(hwm-prev)/1e6)
		prev = hwm
	}
	// Every shape is at most 12 MiB and the default memory_limiter refuses at 384 MiB (limit 512,
	// spike 128): the shapes together must stay far below that.
	if grew := prev - start; grew > 150<<20 {
		t.Errorf("peak RSS grew by %.1f MB over the hostile shapes, want < 150 MB", float64(grew)/1e6)
	}
}

// TestOneHostileEventDoesNotTakeOtherClientsEventsDown is the regression test of issue 21: three
// 100k-frame events sent at once made the memory limiter refuse 1,930 of the next 2,000 ordinary
// events. Now none may be refused.
func TestOneHostileEventDoesNotTakeOtherClientsEventsDown(t *testing.T) {
	f := startDefault(t)
	c := f.process
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	hostile := framesEvent(100_000)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if s := post(t, client, f, hostile); s != 200 {
				t.Errorf("a 100k-frame event: status %d, want 200", s)
			}
		})
	}
	wg.Wait()
	ordinary := ordinaryEnvelopes(t, 2000)
	var next, refused, other atomic.Int64
	for range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ordinary)) {
					return
				}
				switch s := post(t, client, f, ordinary[i]); s {
				case 200:
				case 429, 503:
					refused.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("after three 100k-frame events: %d of %d ordinary envelopes refused, %d other failures; peak RSS %.1f MB",
		refused.Load(), len(ordinary), other.Load(), float64(peakRSS(t, c.PID()))/1e6)
	if refused.Load() != 0 || other.Load() != 0 {
		t.Errorf("%d refused and %d failed, want none", refused.Load(), other.Load())
	}
}
