package sentryreceiver

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/receiver/sentryreceiver/internal/translator"
)

// BenchmarkOTLPHTTPSameRecords is the yardstick of BenchmarkHTTPNodeErrorEnvelope: the stock
// otlpreceiver receiving, as OTLP/HTTP protobuf, exactly the log record our receiver emits for
// the reference event, through the same client. Compare the cpu-ns/op of the two.
func BenchmarkOTLPHTTPSameRecords(b *testing.B) {
	data, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		b.Fatal(err)
	}
	env, err := envelope.Parse(bytes.NewReader(data), envelope.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	out := translator.Translate(translator.Input{ProjectID: "1", Envelope: env, ReceivedAt: time.Now()})
	body, err := plogotlp.NewExportRequestFromLogs(out.Logs).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}

	// otlpreceiver does not tell where it listens, so it gets a port that was just free.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := otlpreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
	cfg.Protocols.HTTP.GetOrInsertDefault().ServerConfig.NetAddr.Endpoint = addr
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	url := "http://" + addr + "/v1/logs"
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
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
