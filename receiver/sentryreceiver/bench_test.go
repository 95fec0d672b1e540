package sentryreceiver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

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
	return rcv, data
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
