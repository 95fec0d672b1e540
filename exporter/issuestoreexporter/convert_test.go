package issuestoreexporter

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/faultline/faultline/processor/errorgroupingprocessor"
	"github.com/faultline/faultline/receiver/sentryreceiver"
)

// BenchmarkConvertNodeEvent converts the record of the reference event
// (testdata/node-error.envelope), as the sentry receiver and the errorgrouping processor hand it
// on, into a store event: what the exporter spends per event before the store.
func BenchmarkConvertNodeEvent(b *testing.B) {
	ld := receivedAndGrouped(b, "testdata/node-error.envelope")
	b.ReportAllocs()
	for b.Loop() {
		if evs, skipped := convert(ld); len(evs) != 1 || skipped != 0 || evs[0].GroupingConfig == "" {
			b.Fatalf("converted %d events (grouped: %v), skipped %d", len(evs), len(evs) == 1 && evs[0].GroupingConfig != "", skipped)
		}
	}
}

// receivedAndGrouped is the batch the default pipeline's exporter receives for an envelope: the
// sentry receiver's records after the errorgrouping processor.
func receivedAndGrouped(b *testing.B, envelopeFile string) plog.Logs {
	b.Helper()
	ctx := context.Background()
	sink := new(consumertest.LogsSink)
	pf := errorgroupingprocessor.NewFactory()
	proc, err := pf.CreateLogs(ctx, processortest.NewNopSettings(pf.Type()), pf.CreateDefaultConfig(), sink)
	if err != nil {
		b.Fatal(err)
	}
	if err := proc.Start(ctx, componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer proc.Shutdown(ctx)
	rf := sentryreceiver.NewFactory()
	rcfg := rf.CreateDefaultConfig().(*sentryreceiver.Config)
	rcfg.NetAddr.Endpoint = freeAddr(b)
	rcfg.Projects = []sentryreceiver.ProjectConfig{{ID: 1, Slug: "demo", Keys: []string{"0123456789abcdef0123456789abcdef"}}}
	rcv, err := rf.CreateLogs(ctx, receivertest.NewNopSettings(rf.Type()), rcfg, proc)
	if err != nil {
		b.Fatal(err)
	}
	if err := rcv.Start(ctx, componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer rcv.Shutdown(ctx)
	envelope, err := os.ReadFile(envelopeFile)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("POST", "http://"+rcfg.NetAddr.Endpoint+"/api/1/envelope/", bytes.NewReader(envelope))
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key=0123456789abcdef0123456789abcdef")
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(sink.AllLogs()) != 1 {
		b.Fatalf("receiver answered %d, %d batches reached the exporter", resp.StatusCode, len(sink.AllLogs()))
	}
	return sink.AllLogs()[0]
}
