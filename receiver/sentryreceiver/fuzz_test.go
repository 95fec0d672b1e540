package sentryreceiver

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/faultline/faultline/receiver/sentryreceiver/internal/metadata"
)

// FuzzServeEnvelope posts arbitrary bodies through the whole handler (parse, normalize,
// translate, deliver): it must never panic, must answer one of the statuses the README lists
// with a JSON body, and must answer 200 only with an id or {}.
func FuzzServeEnvelope(f *testing.F) {
	if b, err := os.ReadFile("testdata/node-error.envelope"); err == nil {
		f.Add(b)
	}
	f.Add(env(`{"event_id":"`+eventID+`"}`, item("event", evJSON), item("client_report", report), item("transaction", txJSON)))
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Projects = []ProjectConfig{{ID: 1, Keys: []string{key1}}}
	rcv, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type))
	if err != nil {
		f.Fatal(err)
	}
	rcv.limits.MaxEnvelopeSize = 1 << 20
	rcv.logs, rcv.traces, rcv.metrics = consumertest.NewNop(), consumertest.NewNop(), consumertest.NewNop()
	allowed := map[int]bool{200: true, 400: true, 401: true, 403: true, 413: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/1/envelope/", bytes.NewReader(body))
		req.Header.Set("X-Sentry-Auth", xAuth1)
		w := httptest.NewRecorder()
		rcv.ServeHTTP(w, req)
		if !allowed[w.Code] {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		var a struct {
			ID     *string `json:"id"`
			Detail string  `json:"detail"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
			t.Fatalf("answer %d is not JSON: %q", w.Code, w.Body)
		}
		if (w.Code == 200) != (a.Detail == "") {
			t.Fatalf("status %d with detail %q", w.Code, a.Detail)
		}
	})
}
