package issuestoreexporter

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/faultline/faultline/receiver/sentryreceiver"
)

// TestSentryReceiverOutputIsStored sends a real @sentry/node-shaped envelope to the sentry
// receiver over HTTP and stores what it emits through this exporter (no grouping processor, so
// the fallback grouping applies): the attribute contract between the two, end to end.
func TestSentryReceiverOutputIsStored(t *testing.T) {
	ext, h := startExtension(t, "")
	exp := startExporter(t, h)

	rf := sentryreceiver.NewFactory()
	rcfg := rf.CreateDefaultConfig().(*sentryreceiver.Config)
	rcfg.NetAddr.Endpoint = freeAddr(t)
	rcfg.Projects = []sentryreceiver.ProjectConfig{{ID: 1, Slug: "demo", Keys: []string{"0123456789abcdef0123456789abcdef"}}}
	rcv, err := rf.CreateLogs(context.Background(), receivertest.NewNopSettings(rf.Type()), rcfg, exp)
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	envelope, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{}
	for _, id := range []string{"2464e1fbba0090c8c2486dacc3d5fed1", "3464e1fbba0090c8c2486dacc3d5fed1"} {
		body := strings.ReplaceAll(string(envelope), "2464e1fbba0090c8c2486dacc3d5fed1", id)
		req, _ := http.NewRequest("POST", "http://"+rcfg.NetAddr.Endpoint+"/api/1/envelope/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key=0123456789abcdef0123456789abcdef")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("receiver answered %d", resp.StatusCode)
		}
	}
	client.CloseIdleConnections()
	if err := rcv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := folded(t, ext)
	list := issues(t, st)
	if len(list) != 1 {
		t.Fatalf("want 1 issue, got %d", len(list))
	}
	is := list[0]
	if is.TimesSeen != 2 || is.UserCount != 1 || is.LastRelease != "shop@1.2.3" || is.Level != "error" || is.Platform == "" || is.Title == "<unlabeled event>" {
		t.Errorf("issue from the receiver's records: %+v", is)
	}
	ev, err := st.EventByID(context.Background(), 1, "3464e1fbba0090c8c2486dacc3d5fed1")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Environment != "production" || !bytes.Contains(ev.Payload, []byte(`"exception"`)) {
		t.Errorf("stored event: environment %q, payload %d bytes", ev.Environment, len(ev.Payload))
	}
	tags, _ := st.IssueTags(context.Background(), is.ID, 3)
	var keys []string
	for _, tg := range tags {
		keys = append(keys, tg.Key)
	}
	if !strings.Contains(strings.Join(keys, " "), "region") {
		t.Errorf("tag keys %v lack the event's tag region", keys)
	}
	t.Logf("issue: %q culprit %q, %d events, %d users, release %s", is.Title, is.Culprit, is.TimesSeen, is.UserCount, is.LastRelease)
}
