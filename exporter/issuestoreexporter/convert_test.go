package issuestoreexporter

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/store"
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

// A record's attributes are read in one pass; a key that repeats (OTLP does not forbid it)
// counts at its first occurrence, as Map.Get reads it, whatever its value, and every tag counts.
func TestARepeatedAttributeCountsAtItsFirstOccurrence(t *testing.T) {
	const otlp = `{"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1700000000000000000","attributes":[
		{"key":"sentry.tag.region","value":{"stringValue":"eu"}},
		{"key":"sentry.event_id","value":{"stringValue":"0123456789abcdef0123456789abcdef"}},
		{"key":"sentry.event","value":{"stringValue":"{\"message\":\"m\"}"}},
		{"key":"sentry.project_id","value":{"stringValue":"7"}},
		{"key":"sentry.event_id","value":{"stringValue":"fedcba9876543210fedcba9876543210"}},
		{"key":"sentry.project_id","value":{"stringValue":"8"}},
		{"key":"sentry.level","value":{"stringValue":""}},
		{"key":"sentry.level","value":{"stringValue":"error"}},
		{"key":"sentry.item_type","value":{"intValue":"1"}},
		{"key":"faultline.group.hashes","value":{"stringValue":"not a list"}},
		{"key":"faultline.group.hashes","value":{"arrayValue":{"values":[{"stringValue":"h2"}]}}},
		{"key":"faultline.group.hash","value":{"stringValue":"h1"}},
		{"key":"faultline.group.title","value":{"intValue":"42"}},
		{"key":"faultline.group.title","value":{"stringValue":"later"}},
		{"key":"sentry.tag.region","value":{"stringValue":"us"}},
		{"key":"faultline.group.culprit","value":{"stringValue":"f(app)"}},
		{"key":"sentry.tag.team","value":{"stringValue":"shop"}},
		{"key":"user.email","value":{"stringValue":"a@example.com"}},
		{"key":"user.email","value":{"stringValue":"b@example.com"}}
	]}]}]}]}`
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(otlp))
	if err != nil {
		t.Fatal(err)
	}
	if n := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Len(); n != 19 {
		t.Fatalf("the record has %d attributes, want the 19 sent, repeated keys included", n)
	}
	evs, skipped := convert(ld)
	if len(evs) != 1 || skipped != 0 {
		t.Fatalf("converted %d events, skipped %d", len(evs), skipped)
	}
	got := evs[0]
	got.Received = time.Time{}
	want := store.Event{
		ProjectID: 7,
		EventID:   "0123456789abcdef0123456789abcdef",
		Timestamp: time.Unix(1700000000, 0).UTC(),
		Hashes:    []string{"h1"},
		Title:     "42",
		Culprit:   "f(app)",
		UserEmail: "a@example.com",
		Tags:      []store.Tag{{Key: "region", Value: "eu"}, {Key: "region", Value: "us"}, {Key: "team", Value: "shop"}},
		Payload:   []byte(`{"message":"m","culprit":"f(app)"}`),
		Source:    alertrule.SourceSentry,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("converted\n%+v\nwant\n%+v", got, want)
	}
}
