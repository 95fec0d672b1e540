package sentryreceiver

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/faultline/faultline/internal/projectdef"
)

// secretEvent carries one secret of each kind the defaults scrub, plus the client's IP.
const secretEvent = `{"event_id":"` + eventID + `","platform":"javascript","level":"error",
"exception":{"values":[{"type":"PaymentError","value":"card 4111 1111 1111 1111 was declined"}]},
"extra":{"db_password":"hunter2-extra"},
"request":{"url":"https://shop.example/checkout","headers":{"Authorization":"Bearer sk-auth-header","Cookie":"sid=cookie-session-value"},"cookies":"sid=cookie-session-value"},
"user":{"id":"u1","ip_address":"{{auto}}"}}`

var secrets = []string{"4111 1111 1111 1111", "hunter2-extra", "sk-auth-header", "cookie-session-value"}

// everything is all the log data the receiver emitted, as OTLP bytes: what any exporter sends.
func everything(t *testing.T, h *harness) string {
	t.Helper()
	var b strings.Builder
	for _, ld := range h.logs.AllLogs() {
		raw, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		b.Write(raw)
	}
	return b.String()
}

func TestSecretsNeverLeaveTheReceiver(t *testing.T) {
	h := startHarness(t, func(c *Config, _ *consumers) {
		c.Projects[0].Scrubbing = &projectdef.Scrubbing{ScrubIPAddresses: true}
	})
	a := h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1, "X-Forwarded-For": "198.51.100.23"},
		env(`{"event_id":"`+eventID+`"}`, item("event", strings.ReplaceAll(secretEvent, "\n", ""))))
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.Detail)
	}
	out := everything(t, h)
	for _, s := range append(secrets, "198.51.100.23", "127.0.0.1") {
		if strings.Contains(out, s) {
			t.Errorf("%q reached the pipeline:\n%s", s, out)
		}
	}
	for _, want := range []string{`card [Filtered] was declined`, `@creditcard:filter`, `@password:filter`, `@anything:remove`} {
		if !strings.Contains(out, want) {
			t.Errorf("the pipeline's data lacks %q:\n%s", want, out)
		}
	}
	rec := h.logs.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	if msg, _ := rec.Attributes().Get("exception.message"); msg.Str() != "card [Filtered] was declined" {
		t.Errorf("exception.message = %q", msg.Str())
	}
	if _, ok := rec.Attributes().Get("client.address"); ok {
		t.Error("client.address is set although IP scrubbing is on")
	}
}

func TestScrubbingCanBeTurnedOff(t *testing.T) {
	off := false
	h := startHarness(t, func(c *Config, _ *consumers) {
		c.Projects[0].Scrubbing = &projectdef.Scrubbing{ScrubDefaults: &off}
	})
	h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1}, env(`{}`, item("event", strings.ReplaceAll(secretEvent, "\n", ""))))
	if out := everything(t, h); !strings.Contains(out, "hunter2-extra") {
		t.Fatalf("with scrub_defaults false the event should be kept as sent:\n%s", out)
	}
}

func TestAnUnparsableRuleIsAStartupErrorNamingIt(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Projects = []ProjectConfig{{ID: 1, Keys: []string{key1}, Scrubbing: &projectdef.Scrubbing{
		Rules:        map[string]projectdef.ScrubRule{"broken-card-rule": {Type: "pattern", Pattern: "(unclosed"}},
		Applications: map[string][]string{"$string": {"broken-card-rule"}},
	}}}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "broken-card-rule") || !strings.Contains(err.Error(), "projects[0]") {
		t.Fatalf("Validate = %v, want an error naming projects[0] and the rule", err)
	}
}

func TestTransactionsAreScrubbedToo(t *testing.T) {
	h := startHarness(t)
	tx := `{"type":"transaction","transaction":"POST /pay","start_timestamp":1700000000,"timestamp":1700000001,` +
		`"contexts":{"trace":{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"f7f3fd754a9040eb","op":"http.server","data":{"api_key":"tx-trace-secret"}}},` +
		`"request":{"method":"POST","url":"https://shop.example/pay","headers":{"Authorization":"Bearer tx-auth-secret"}},` +
		`"spans":[{"span_id":"a7f3fd754a9040eb","parent_span_id":"f7f3fd754a9040eb","trace_id":"90d57511038845dcb4164a70fc3a7fdb","op":"db","description":"SELECT 1",` +
		`"start_timestamp":1700000000,"timestamp":1700000001,"data":{"db.password":"tx-span-secret","card":"4111 1111 1111 1111"}}]}`
	if a := h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1}, env(`{}`, item("transaction", tx))); a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.Detail)
	}
	var out strings.Builder
	for _, td := range h.traces.AllTraces() {
		raw, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		out.Write(raw)
	}
	if !strings.Contains(out.String(), "SELECT 1") {
		t.Fatalf("no spans reached the pipeline:\n%s", out.String())
	}
	for _, s := range []string{"tx-trace-secret", "tx-auth-secret", "tx-span-secret", "4111 1111"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("%q reached the pipeline:\n%s", s, out.String())
		}
	}
}
