package sentryreceiver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/receiver/sentryreceiver/internal/metadata"
)

// benchReceiver is a receiver with nop consumers whose handler the benchmarks call.
func benchReceiver(b testing.TB) (*sentryReceiver, []byte) {
	b.Helper()
	data, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		b.Fatal(err)
	}
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Projects = []ProjectConfig{{ID: 1, Slug: "demo", Keys: []string{key1}}}
	rcv, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type))
	if err != nil {
		b.Fatal(err)
	}
	rcv.logs, rcv.traces, rcv.metrics = consumertest.NewNop(), consumertest.NewNop(), consumertest.NewNop()
	rcv.now = receivedShortlyAfterSent(b, data)
	return rcv, data
}

// receivedShortlyAfterSent is a clock that reads the envelope's sent_at plus network latency, as
// for an SDK with a right clock. The real clock would be days past the fixture's fixed sent_at,
// and every event would carry a clock_drift error and shifted timestamps, which real traffic
// does not.
func receivedShortlyAfterSent(b testing.TB, data []byte) func() time.Time {
	b.Helper()
	env, err := envelope.Parse(bytes.NewReader(data), envelope.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	if env.Header.SentAt.IsZero() {
		b.Fatal("the envelope has no sent_at")
	}
	received := env.Header.SentAt.Add(50 * time.Millisecond)
	return func() time.Time { return received }
}

// BenchmarkHandleNodeErrorEnvelope measures the receiver's CPU for the reference ~9.5 KB node
// error event without the network: auth, parse, normalize, translate, consume, answer.
func BenchmarkHandleNodeErrorEnvelope(b *testing.B) {
	rcv, data := benchReceiver(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	body := bytes.NewReader(data)
	start := processCPU()
	for b.Loop() {
		body.Reset(data)
		req := httptest.NewRequest("POST", "/api/1/envelope/", io.NopCloser(body))
		req.Header.Set("X-Sentry-Auth", xAuth1)
		w := httptest.NewRecorder()
		rcv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkHTTPNodeErrorEnvelope adds the loopback HTTP round trip through the confighttp server,
// as an SDK sees it (client and server share the machine's cores).
func BenchmarkHTTPNodeErrorEnvelope(b *testing.B) {
	data, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		b.Fatal(err)
	}
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Projects = []ProjectConfig{{ID: 1, Slug: "demo", Keys: []string{key1}}}
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	r.(*sharedReceiver).rcv.now = receivedShortlyAfterSent(b, data)
	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	url := "http://" + r.(*sharedReceiver).rcv.addr.String() + "/api/1/envelope/"
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(data))
		req.Header.Set("X-Sentry-Auth", xAuth1)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkScrubbingInTheReceiver measures what default scrubbing adds to the receiver's cost
// for the reference event: blocks of requests alternate between a receiver with Sentry's
// defaults (the default configuration) and one with scrub_defaults false, so both see the same
// machine load, and it reports each one's time per request and their difference.
func BenchmarkScrubbingInTheReceiver(b *testing.B) {
	scrubbed, data := benchReceiver(b)
	plain, _ := benchReceiver(b)
	off := false
	plain.projects = newProjects([]ProjectConfig{{ID: 1, Slug: "demo", Keys: []string{key1},
		Scrubbing: &projectdef.Scrubbing{ScrubDefaults: &off}}}, "")
	send := func(rcv *sentryReceiver, n int) time.Duration {
		body := bytes.NewReader(data)
		start := time.Now()
		for range n {
			body.Reset(data)
			req := httptest.NewRequest("POST", "/api/1/envelope/", io.NopCloser(body))
			req.Header.Set("X-Sentry-Auth", xAuth1)
			w := httptest.NewRecorder()
			rcv.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
		return time.Since(start)
	}
	const block = 50
	var tPlain, tScrubbed time.Duration
	n := 0
	for b.Loop() {
		tPlain += send(plain, block)
		tScrubbed += send(scrubbed, block)
		n += block
	}
	b.ReportMetric(float64(tPlain.Nanoseconds())/float64(n), "unscrubbed-ns/event")
	b.ReportMetric(float64(tScrubbed.Nanoseconds())/float64(n), "scrubbed-ns/event")
	b.ReportMetric(float64((tScrubbed-tPlain).Nanoseconds())/float64(n), "added-ns/event")
	b.ReportMetric(float64(tScrubbed)/float64(tPlain), "ratio")
}

// BenchmarkHandleWithScrubbing is BenchmarkHandleNodeErrorEnvelope with the defaults on and off,
// for instruction counts (valgrind --tool=callgrind, two run lengths), which the machine's load
// does not change.
func BenchmarkHandleWithScrubbing(b *testing.B) {
	for _, on := range []bool{true, false} {
		name := "defaults"
		if !on {
			name = "off"
		}
		b.Run(name, func(b *testing.B) {
			rcv, data := benchReceiver(b)
			rcv.projects = newProjects([]ProjectConfig{{ID: 1, Slug: "demo", Keys: []string{key1},
				Scrubbing: &projectdef.Scrubbing{ScrubDefaults: &on}}}, "")
			b.ReportAllocs()
			body := bytes.NewReader(data)
			for b.Loop() {
				body.Reset(data)
				req := httptest.NewRequest("POST", "/api/1/envelope/", io.NopCloser(body))
				req.Header.Set("X-Sentry-Auth", xAuth1)
				w := httptest.NewRecorder()
				rcv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
