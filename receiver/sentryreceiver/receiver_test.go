package sentryreceiver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/faultline/faultline/receiver/sentryreceiver/internal/metadata"
)

const (
	key1     = "0123456789abcdef0123456789abcdef" // project 1
	key2     = "browserkey"                       // project 2, allowed origin https://good.example
	eventID  = "b81c5be4d31e48959103a1f878a1efcb"
	maxBody  = 4 << 20
	evJSON   = `{"event_id":"` + eventID + `","platform":"go","level":"error","exception":{"values":[{"type":"ValueError","value":"bad value"}]}}`
	report   = `{"timestamp":1700000000,"discarded_events":[{"reason":"queue_overflow","category":"error","quantity":3}]}`
	txJSON   = `{"type":"transaction","transaction":"GET /","start_timestamp":1700000000,"timestamp":1700000001,"contexts":{"trace":{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"f7f3fd754a9040eb","op":"http.server"}}}`
	dsn1     = "http://" + key1 + "@localhost:8000/1"
	xAuth1   = "Sentry sentry_version=7, sentry_client=sentry.go/0.50.0, sentry_key=" + key1
	envPath  = "/api/1/envelope/"
	envPath2 = "/api/2/envelope/"
)

// harness is a running receiver with a sink per signal.
type harness struct {
	base    string
	client  *http.Client
	logs    *consumertest.LogsSink
	traces  *consumertest.TracesSink
	metrics *consumertest.MetricsSink
	tel     *componenttest.Telemetry
}

type harnessOption func(*Config, *consumers)

type consumers struct {
	logs    consumer.Logs
	traces  consumer.Traces
	metrics consumer.Metrics
	noTrace bool
	// now, when set, is the receiver's clock.
	now func() time.Time
}

func startHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{
		client:  &http.Client{Transport: &http.Transport{}},
		logs:    new(consumertest.LogsSink),
		traces:  new(consumertest.TracesSink),
		metrics: new(consumertest.MetricsSink),
		tel:     componenttest.NewTelemetry(),
	}
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.MaxRequestBodySize = maxBody
	cfg.Projects = []ProjectConfig{
		{ID: 1, Slug: "demo", Keys: []string{key1}},
		{ID: 2, Keys: []string{key2}, AllowedOrigins: []string{"https://good.example"}},
	}
	cs := consumers{logs: h.logs, traces: h.traces, metrics: h.metrics}
	for _, o := range opts {
		o(cfg, &cs)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = h.tel.NewTelemetrySettings()
	f := NewFactory()
	ctx := context.Background()
	lr, err := f.CreateLogs(ctx, set, cfg, cs.logs)
	if err != nil {
		t.Fatal(err)
	}
	if !cs.noTrace {
		if _, err := f.CreateTraces(ctx, set, cfg, cs.traces); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.CreateMetrics(ctx, set, cfg, cs.metrics); err != nil {
		t.Fatal(err)
	}
	if cs.now != nil {
		lr.(*sharedReceiver).rcv.now = cs.now
	}
	if err := lr.Start(ctx, componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	h.base = "http://" + lr.(*sharedReceiver).rcv.addr.String()
	t.Cleanup(func() {
		h.client.CloseIdleConnections()
		if err := lr.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		_ = h.tel.Shutdown(context.Background())
	})
	return h
}

type answer struct {
	status int
	header http.Header
	ID     string   `json:"id"`
	Detail string   `json:"detail"`
	Causes []string `json:"causes"`
}

func (h *harness) do(t *testing.T, method, path string, header map[string]string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, h.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, raw)
		}
	}
	return a
}

func env(header string, items ...string) []byte {
	return []byte(header + "\n" + strings.Join(items, "\n"))
}

func item(typ, payload string) string {
	return `{"type":"` + typ + `"}` + "\n" + payload
}

func compressWith(t *testing.T, coding string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		w, _ = zstd.NewWriter(&buf)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEveryRequestGetsRelaysAnswer(t *testing.T) {
	auth := map[string]string{"X-Sentry-Auth": xAuth1}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{"X-Sentry-Auth": xAuth1}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	okEnvelope := env(`{"event_id":"`+eventID+`"}`, item("event", evJSON))
	bomb := func() []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte("{}\n{\"type\":\"attachment\"}\n"))
		zero := make([]byte, 1<<20)
		for range 64 {
			zw.Write(zero)
		}
		zw.Close()
		return buf.Bytes()
	}()
	manyItems := "{}\n" + strings.Repeat(item("unknown_thing", "{}")+"\n", 1001)

	tests := []struct {
		name    string
		method  string // POST when empty
		path    string
		header  map[string]string
		body    []byte
		status  int
		detail  string
		cause   string // a substring of one of the causes
		id      string
		logs    int // log records that must reach the logs pipeline
		spans   int
		points  int
		headers map[string]string // response headers that must be present
	}{
		// Authentication, every source Relay accepts.
		{name: "an event authenticated by X-Sentry-Auth is accepted", header: auth, body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "an event authenticated by Authorization: Sentry is accepted", header: map[string]string{"Authorization": "Sentry sentry_key=" + key1}, body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "an event authenticated by Authorization: Basic is accepted", header: map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(key1+":"))}, body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "an event authenticated by the sentry_key query is accepted", path: envPath + "?sentry_version=7&sentry_key=" + key1 + "&sentry_client=sentry.javascript.browser%2F10.0.0", body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "an event authenticated only by the envelope header dsn is accepted", body: env(`{"event_id":"`+eventID+`","dsn":"`+dsn1+`"}`, item("event", evJSON)), status: 200, id: eventID, logs: 1},
		{name: "a request and envelope dsn that agree are accepted", header: auth, body: env(`{"event_id":"`+eventID+`","dsn":"`+dsn1+`"}`, item("event", evJSON)), status: 200, id: eventID, logs: 1},
		{name: "an Authorization header of another scheme is left to auth extensions", header: map[string]string{"Authorization": "Bearer abc"}, path: envPath + "?sentry_key=" + key1, body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "a request without credentials is refused", body: okEnvelope, status: 401, detail: "missing authorization information"},
		{name: "a request with two credential sources is refused", header: auth, path: envPath + "?sentry_key=" + key1, body: okEnvelope, status: 401, detail: "multiple authorization payloads detected"},
		{name: "an X-Sentry-Auth without key is refused", header: map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7"}, body: okEnvelope, status: 401, detail: "bad x-sentry-auth header", cause: "missing public key"},
		{name: "an X-Sentry-Auth of another scheme is refused", header: map[string]string{"X-Sentry-Auth": "Bearer " + key1}, body: okEnvelope, status: 401, detail: "bad x-sentry-auth header", cause: "non sentry auth"},
		{name: "a query with sentry_ parameters but no key is refused", path: envPath + "?sentry_version=7", body: okEnvelope, status: 401, detail: "bad authorization query", cause: "missing public key"},
		{name: "an unreadable envelope dsn is refused", body: env(`{"dsn":"not a dsn"}`, item("event", evJSON)), status: 401, detail: "bad envelope authentication header"},
		{name: "an unknown key is forbidden", header: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=nosuchkey"}, body: okEnvelope, status: 403, detail: "event submission rejected with_reason: ProjectState", cause: `"nosuchkey" is not a key`},
		{name: "a key of another project is forbidden", header: auth, path: envPath2, body: okEnvelope, status: 403, detail: "event submission rejected with_reason: ProjectId", cause: "belongs to project 1, not 2"},
		{name: "a key sent to a project that does not exist is forbidden", header: auth, path: "/api/99/envelope/", body: okEnvelope, status: 403, detail: "event submission rejected with_reason: ProjectId"},
		{name: "an envelope dsn with another key than the request is malformed", header: auth, body: env(`{"dsn":"http://`+key2+`@localhost/1"}`, item("event", evJSON)), status: 400, detail: "invalid event envelope", cause: "header mismatch: public key"},
		{name: "an envelope dsn with another project than the request is malformed", header: auth, body: env(`{"dsn":"http://`+key1+`@localhost/2"}`, item("event", evJSON)), status: 400, detail: "invalid event envelope", cause: "header mismatch: project id"},
		{name: "a protocol version newer than 7 is refused", header: map[string]string{"X-Sentry-Auth": "Sentry sentry_version=8, sentry_key=" + key1}, body: okEnvelope, status: 400, detail: "unsupported protocol version (8)"},
		{name: "a project id that is not a number is refused", header: auth, path: "/api/abc/envelope/", body: okEnvelope, status: 400, detail: "bad project path parameter"},

		// Origins.
		{name: "a browser origin in allowed_origins is accepted", path: envPath2 + "?sentry_key=" + key2, header: map[string]string{"Origin": "https://good.example"}, body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "a browser origin outside allowed_origins is forbidden", path: envPath2 + "?sentry_key=" + key2, header: map[string]string{"Origin": "https://evil.example"}, body: okEnvelope, status: 403, detail: "event submission rejected with_reason: Cors", cause: "https://evil.example"},
		{name: "a Referer outside allowed_origins is forbidden", path: envPath2 + "?sentry_key=" + key2, header: map[string]string{"Referer": "http://good.example/page"}, body: okEnvelope, status: 403, detail: "event submission rejected with_reason: Cors"},
		{name: "a server request without origin passes the origin check", path: envPath2 + "?sentry_key=" + key2, body: okEnvelope, status: 200, id: eventID, logs: 1},

		// Routes and methods.
		{name: "GET is not allowed", method: "GET", header: auth, status: 405, detail: "method not allowed", headers: map[string]string{"Allow": "POST, OPTIONS"}},
		{name: "an unknown path is not found", header: auth, path: "/api/1/minidump/", body: okEnvelope, status: 404, detail: "not found"},
		{name: "a CORS preflight gets Relay's allowances", method: "OPTIONS", status: 200, headers: map[string]string{"Access-Control-Allow-Methods": "POST", "Access-Control-Max-Age": "3600", "Access-Control-Allow-Origin": "*"}},
		{name: "a path below a DSN path prefix is routed", header: auth, path: "/sentry/api/1/envelope/", body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "a path without trailing slash and with doubled slashes is routed", header: auth, path: "//api/1//envelope", body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "answers expose the rate-limit headers to browsers", header: auth, body: okEnvelope, status: 200, id: eventID, logs: 1, headers: map[string]string{"Access-Control-Expose-Headers": "x-sentry-error, x-sentry-rate-limits, retry-after", "Cross-Origin-Resource-Policy": "cross-origin"}},

		// Legacy store endpoint.
		{name: "a store event is accepted", header: auth, path: "/api/1/store/", body: []byte(evJSON), status: 200, id: eventID, logs: 1},
		{name: "a store event without project in the path finds it from the key", header: auth, path: "/api/store/", body: []byte(evJSON), status: 200, id: eventID, logs: 1},
		{name: "a store event in base64 zlib from old raven clients is accepted", header: auth, path: "/api/1/store/", body: []byte(base64.StdEncoding.EncodeToString(compressWith(t, "deflate", []byte(evJSON)))), status: 200, id: eventID, logs: 1},
		{name: "a store event without credentials is refused", path: "/api/1/store/", body: []byte(evJSON), status: 401, detail: "missing authorization information"},
		{name: "a store body that is neither JSON nor base64 is malformed", header: auth, path: "/api/1/store/", body: []byte("hello"), status: 400, detail: "invalid event data", cause: "neither a JSON object nor base64"},
		{name: "a store event with invalid JSON is malformed", header: auth, path: "/api/1/store/", body: []byte(`{"message": "x",`), status: 400, detail: "invalid event data", cause: "event:"},

		// Compression.
		{name: "a gzip envelope is decoded", header: with(map[string]string{"Content-Encoding": "gzip"}), body: compressWith(t, "gzip", okEnvelope), status: 200, id: eventID, logs: 1},
		{name: "a deflate envelope is decoded", header: with(map[string]string{"Content-Encoding": "deflate"}), body: compressWith(t, "deflate", okEnvelope), status: 200, id: eventID, logs: 1},
		{name: "a brotli envelope is decoded", header: with(map[string]string{"Content-Encoding": "br"}), body: compressWith(t, "br", okEnvelope), status: 200, id: eventID, logs: 1},
		{name: "a zstd envelope is decoded", header: with(map[string]string{"Content-Encoding": "zstd"}), body: compressWith(t, "zstd", okEnvelope), status: 200, id: eventID, logs: 1},
		{name: "Content-Encoding UTF-8 from old Android SDKs means none", header: with(map[string]string{"Content-Encoding": "UTF-8"}), body: okEnvelope, status: 200, id: eventID, logs: 1},
		{name: "a list of Content-Encodings is unsupported, as in Relay", header: with(map[string]string{"Content-Encoding": "gzip, br"}), body: compressWith(t, "br", compressWith(t, "gzip", okEnvelope)), status: 415, detail: "unsupported content encoding", cause: "more than one coding"},
		{name: "an unknown Content-Encoding is unsupported", header: with(map[string]string{"Content-Encoding": "lz4"}), body: okEnvelope, status: 415, detail: "unsupported content encoding", cause: `"lz4"`},
		{name: "a body that is not the gzip it claims is malformed", header: with(map[string]string{"Content-Encoding": "gzip"}), body: okEnvelope, status: 400, detail: "invalid event envelope", cause: "invalid gzip body"},
		{name: "a truncated gzip body is malformed", header: with(map[string]string{"Content-Encoding": "gzip"}), body: compressWith(t, "gzip", okEnvelope)[:40], status: 400, detail: "invalid event envelope", cause: "invalid gzip body"},
		{name: "a decompression bomb is cut off at the size limit", header: with(map[string]string{"Content-Encoding": "gzip"}), body: bomb, status: 413, detail: "envelope exceeded size limits (" + sizeLimitsDoc + ")", cause: "4194304 byte limit after decompression"},
		{name: "a raw body over max_request_body_size is too large", header: auth, body: append(append([]byte{}, okEnvelope...), bytes.Repeat([]byte(" "), maxBody)...), status: 413, detail: "request body exceeds the 4194304 byte limit (" + sizeLimitsDoc + ")"},

		// Framing.
		{name: "an empty body is refused", header: auth, status: 400, detail: "empty request body"},
		{name: "a truncated envelope is malformed", header: auth, body: []byte("{}\n{\"type\":\"event\",\"length\":500}\n{\"message\":\"x\"}"), status: 400, detail: "invalid event envelope", cause: "unexpected end of file"},
		{name: "a payload longer than its length is malformed", header: auth, body: []byte("{}\n{\"type\":\"event\",\"length\":3}\n{\"message\":\"x\"}\n"), status: 400, detail: "invalid event envelope", cause: "missing newline after header or payload"},
		{name: "an envelope header that is not JSON is malformed", header: auth, body: []byte("{event_id}\n" + item("event", evJSON)), status: 400, detail: "invalid event envelope", cause: "invalid envelope header"},
		{name: "an envelope header with invalid UTF-8 is malformed", header: auth, body: []byte("{\"x\":\"\xc3\x28\"}\n" + item("event", evJSON)), status: 400, detail: "invalid event envelope", cause: "not valid UTF-8"},
		{name: "a deeply nested envelope header is malformed", header: auth, body: []byte("{\"x\":" + strings.Repeat("[", 5000) + "\n" + item("event", evJSON)), status: 400, detail: "invalid event envelope", cause: "invalid envelope header"},
		{name: "an item header that is not JSON is malformed", header: auth, body: []byte("{}\n{type: event}\n" + evJSON), status: 400, detail: "invalid event envelope", cause: "invalid item header"},
		{name: "an item header without type is malformed", header: auth, body: []byte("{}\n{\"length\":2}\n{}"), status: 400, detail: "invalid event envelope", cause: "missing item type"},
		{name: "a fractional length is malformed", header: auth, body: []byte("{}\n{\"type\":\"event\",\"length\":1.5}\n{}"), status: 400, detail: "invalid event envelope", cause: "not a non-negative integer"},
		{name: "an event id that is not a UUID is malformed", header: auth, body: env(`{"event_id":"42"}`, item("event", evJSON)), status: 400, detail: "invalid event envelope", cause: "is not a UUID"},
		{name: "more than 1000 unknown items do not count against the item limit", header: auth, body: []byte(manyItems + item("event", evJSON)), status: 200, id: eventID, logs: 1},
		{name: "items over a count limit are dropped and the first ones kept", header: auth, body: env("{}", repeatItem("client_report", report, 1001)...), status: 413, detail: "envelope exceeded size limits for type 'client_report' (" + sizeLimitsDoc + ")", cause: "more than 100 client reports", points: 100},
		{name: "an envelope without items is answered with its id", header: auth, body: []byte(`{"event_id":"` + eventID + `"}`), status: 200, id: eventID},

		// Items: siblings survive a bad item.
		{name: "an event with invalid JSON is malformed", header: auth, body: env("{}", item("event", `{"message": `)), status: 400, detail: "invalid event data", cause: "event:"},
		{name: "an event with invalid JSON does not stop a valid client report", header: auth, body: env("{}", item("event", `{"message": `), item("client_report", report)), status: 200, points: 1},
		{name: "an event with invalid UTF-8 is repaired by normalization and its sibling client report arrives", header: auth, body: env("{}", item("event", "{\"event_id\":\""+eventID+"\",\"message\":\"\xff\xfe\"}"), item("client_report", report)), status: 200, id: eventID, logs: 1, points: 1},
		{name: "a deeply nested event is kept with its nesting cut, beside a valid client report", header: auth, body: env("{}", item("event", `{"event_id":"`+eventID+`","extra":`+strings.Repeat(`{"a":`, 2000)+`1`+strings.Repeat("}", 2000)+`}`), item("client_report", report)), status: 200, id: eventID, logs: 1, points: 1},
		{name: "an unknown item type is kept aside and its sibling event arrives", header: auth, body: env(`{"event_id":"`+eventID+`"}`, item("future_item", `{"x":1}`), item("event", evJSON)), status: 200, id: eventID, logs: 1},
		{name: "an envelope of only unknown items is accepted", header: auth, body: env(`{"event_id":"`+eventID+`"}`, item("future_item", `{"x":1}`)), status: 200, id: eventID},
		{name: "an oversized event is dropped, reported as 413, and its sibling arrives", header: auth, body: env("{}", item("event", `{"message":"`+strings.Repeat("x", 1100000)+`"}`), item("client_report", report)), status: 413, detail: "envelope exceeded size limits for type 'event' (" + sizeLimitsDoc + ")", cause: "exceeds the 1048576 byte limit", points: 1},
		{name: "too many attachments are dropped and the event arrives", header: auth, body: env(`{"event_id":"`+eventID+`"}`, append([]string{item("event", evJSON)}, repeatItem("attachment", "a", 31)...)...), status: 413, detail: "envelope exceeded size limits for type 'attachment' (" + sizeLimitsDoc + ")", cause: "more than 30 attachments", logs: 1},
		{name: "a transaction reaches the traces pipeline", header: auth, body: env(`{"event_id":"`+eventID+`"}`, item("transaction", txJSON)), status: 200, id: eventID, spans: 1},
		{name: "an empty attachment with length 0 keeps its sibling", header: auth, body: []byte(`{"event_id":"` + eventID + "\"}\n{\"type\":\"attachment\",\"length\":0,\"filename\":\"e.txt\"}\n\n" + item("event", evJSON)), status: 200, id: eventID, logs: 1},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d cases", len(tests))
	}
	h := startHarness(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.logs.Reset()
			h.traces.Reset()
			h.metrics.Reset()
			method, path := tt.method, tt.path
			if method == "" {
				method = "POST"
			}
			if path == "" {
				path = envPath
			}
			a := h.do(t, method, path, tt.header, tt.body)
			if a.status != tt.status || a.Detail != tt.detail {
				t.Fatalf("answer %d %q %q, want %d %q", a.status, a.Detail, a.Causes, tt.status, tt.detail)
			}
			if tt.cause != "" && !strings.Contains(strings.Join(a.Causes, "\n"), tt.cause) {
				t.Errorf("causes %q lack %q", a.Causes, tt.cause)
			}
			if a.ID != tt.id {
				t.Errorf("id %q, want %q", a.ID, tt.id)
			}
			if a.status != 200 && a.header.Get("X-Sentry-Error") != tt.detail {
				t.Errorf("X-Sentry-Error %q", a.header.Get("X-Sentry-Error"))
			}
			for k, v := range tt.headers {
				if got := a.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if n := h.logs.LogRecordCount(); n != tt.logs {
				t.Errorf("%d log records arrived, want %d", n, tt.logs)
			}
			if n := h.traces.SpanCount(); n != tt.spans {
				t.Errorf("%d spans arrived, want %d", n, tt.spans)
			}
			if n := h.metrics.DataPointCount(); n != tt.points {
				t.Errorf("%d data points arrived, want %d", n, tt.points)
			}
		})
	}
}

func repeatItem(typ, payload string, n int) []string {
	items := make([]string, n)
	for i := range items {
		items[i] = item(typ, payload)
	}
	return items
}

// quotaNow is the receivers' clock in the quota tests: 20 minutes into an hour, so an hourly
// window has 40 minutes left.
var quotaNow = time.Date(2026, 11, 20, 10, 20, 0, 0, time.UTC)

func TestAnItemOverItsCategorysQuotaGets429NamingTheCategory(t *testing.T) {
	h := startHarness(t, func(c *Config, cs *consumers) {
		c.Projects[0].Quotas = []QuotaConfig{{Categories: []string{"error"}, Limit: 1, Window: time.Hour}}
		cs.now = func() time.Time { return quotaNow }
	})
	auth := map[string]string{"X-Sentry-Auth": xAuth1}
	event := env(`{"event_id":"`+eventID+`"}`, item("event", evJSON))
	if a := h.do(t, "POST", envPath, auth, event); a.status != 200 || a.header.Get("X-Sentry-Rate-Limits") != "2400:error:project" {
		t.Fatalf("first event: %d %q, X-Sentry-Rate-Limits %q (the quota is used up now, and says so)", a.status, a.Detail, a.header.Get("X-Sentry-Rate-Limits"))
	}
	// An envelope with an error and a transaction: the transaction goes on, the error is refused.
	a := h.do(t, "POST", envPath, auth, env(`{}`, item("event", evJSON), item("transaction", txJSON)))
	if a.status != 429 || a.Detail != "quota of project 1 reached (error); the SDK drops these items until Retry-After has passed" {
		t.Fatalf("second event: %d %q", a.status, a.Detail)
	}
	if a.header.Get("Retry-After") != "2400" || a.header.Get("X-Sentry-Rate-Limits") != "2400:error:project" {
		t.Errorf("Retry-After %q, X-Sentry-Rate-Limits %q, want the 40 minutes left of the window for errors",
			a.header.Get("Retry-After"), a.header.Get("X-Sentry-Rate-Limits"))
	}
	if n, spans := h.logs.LogRecordCount(), h.traces.SpanCount(); n != 1 || spans == 0 {
		t.Errorf("%d records and %d spans arrived, want the first error only and the transaction", n, spans)
	}
	assertItemCount(t, h, "event", outcomeRateLimited, 1)
}

func TestQuotasCountPerKeyOrForTheWholeProject(t *testing.T) {
	const otherKey = "fedcba9876543210fedcba9876543210"
	h := startHarness(t, func(c *Config, cs *consumers) {
		c.Projects[0].Keys = append(c.Projects[0].Keys, otherKey)
		c.Projects[0].Quotas = []QuotaConfig{{Limit: 1, Window: time.Minute, Scope: "key"}}
		cs.now = func() time.Time { return quotaNow.Add(15 * time.Second) }
	})
	event := env(`{}`, item("event", evJSON))
	for _, key := range []string{key1, otherKey} {
		auth := map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=" + key}
		if a := h.do(t, "POST", envPath, auth, event); a.status != 200 {
			t.Fatalf("first event of key %s: %d %q", key, a.status, a.Detail)
		}
		// A quota over every category refuses before the body is read.
		a := h.do(t, "POST", envPath, auth, []byte("not an envelope"))
		if a.status != 429 || a.header.Get("X-Sentry-Rate-Limits") != "45::key" {
			t.Errorf("second request of key %s: %d %q, X-Sentry-Rate-Limits %q", key, a.status, a.Detail, a.header.Get("X-Sentry-Rate-Limits"))
		}
	}
}

// TestAKeysOwnQuotaCountsThatKeyOnly: a quota with a key is that key's own: it refuses the key's
// second error, while the project's other key sends on under the project's quota.
func TestAKeysOwnQuotaCountsThatKeyOnly(t *testing.T) {
	const otherKey = "fedcba9876543210fedcba9876543210"
	h := startHarness(t, func(c *Config, cs *consumers) {
		c.Projects[0].Keys = append(c.Projects[0].Keys, otherKey)
		c.Projects[0].Quotas = []QuotaConfig{
			{Categories: []string{"error"}, Limit: 1, Window: time.Minute, Key: key1},
			{Categories: []string{"error"}, Limit: 3, Window: time.Minute},
		}
		cs.now = func() time.Time { return quotaNow.Add(15 * time.Second) }
	})
	event := env(`{}`, item("event", evJSON))
	send := func(key string) answer {
		return h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=" + key}, event)
	}
	if a := send(key1); a.status != 200 {
		t.Fatalf("first error of the limited key: %d %q", a.status, a.Detail)
	}
	if a := send(key1); a.status != 429 || a.header.Get("X-Sentry-Rate-Limits") != "45:error:key" {
		t.Errorf("second error of the limited key: %d %q, X-Sentry-Rate-Limits %q, want 429 naming the key's quota", a.status, a.Detail, a.header.Get("X-Sentry-Rate-Limits"))
	}
	// The other key sends under the project's quota only, which counts both keys' errors: after
	// 1 + 2 of 3 it is used up, and the answer says so.
	for i, limits := range []string{"", "45:error:project"} {
		if a := send(otherKey); a.status != 200 || a.header.Get("X-Sentry-Rate-Limits") != limits {
			t.Errorf("error %d of the other key: %d %q, X-Sentry-Rate-Limits %q, want 200 and %q", i+1, a.status, a.Detail, a.header.Get("X-Sentry-Rate-Limits"), limits)
		}
	}
	if a := send(otherKey); a.status != 429 || a.header.Get("X-Sentry-Rate-Limits") != "45:error:project" {
		t.Errorf("fourth error of the project: %d %q, X-Sentry-Rate-Limits %q", a.status, a.Detail, a.header.Get("X-Sentry-Rate-Limits"))
	}
	assertItemCount(t, h, "event", outcomeRateLimited, 2)
}

func TestARefusingPipelineIsAnsweredLikeOTLP(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		detail     string
		retryAfter string
	}{
		{"back-pressure asks the SDK to pause: 429 with Retry-After", errors.New("data refused due to high memory usage"), 429, "the service is overloaded; the SDK drops events until Retry-After has passed", "5"},
		{"a permanent error is the data's fault: 400", consumererror.NewPermanent(errors.New("bad data")), 400, "event rejected by the pipeline", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHarness(t, func(_ *Config, cs *consumers) { cs.logs = consumertest.NewErr(tt.err) })
			body := env(`{"event_id":"`+eventID+`"}`, item("event", evJSON), item("client_report", report))
			a := h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1}, body)
			if a.status != tt.status || a.Detail != tt.detail || a.header.Get("Retry-After") != tt.retryAfter {
				t.Fatalf("answer %d %q Retry-After %q", a.status, a.Detail, a.header.Get("Retry-After"))
			}
			if h.metrics.DataPointCount() != 1 {
				t.Errorf("the client report of the same envelope did not reach the metrics pipeline")
			}
		})
	}
}

func TestASignalWithoutPipelineIsCountedNotFailed(t *testing.T) {
	h := startHarness(t, func(_ *Config, cs *consumers) { cs.noTrace = true })
	body := env(`{"event_id":"`+eventID+`"}`, item("transaction", txJSON), item("event", evJSON))
	if a := h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1}, body); a.status != 200 {
		t.Fatalf("answer %d %q", a.status, a.Detail)
	}
	if h.logs.LogRecordCount() != 1 {
		t.Errorf("the event did not arrive")
	}
	assertItemCount(t, h, "transaction", outcomeNoPipeline, 1)
	assertItemCount(t, h, "event", outcomeAccepted, 1)
}

func TestSelfTelemetryCountsItemsByTypeAndOutcome(t *testing.T) {
	h := startHarness(t)
	body := env(`{"event_id":"`+eventID+`"}`, item("event", evJSON), item("made_up", "{}"),
		item("event", `{"message":"`+strings.Repeat("x", 1100000)+`"}`))
	h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1}, body)
	assertItemCount(t, h, "event", outcomeAccepted, 1)
	assertItemCount(t, h, "unknown", outcomeSkipped, 1)
	assertItemCount(t, h, "event", outcomeDropped, 1)
}

func assertItemCount(t *testing.T, h *harness, typ, outcome string, want int64) {
	t.Helper()
	// The handler counts before it answers, so the numbers are final once the answer is read.
	m, err := h.tel.GetMetric("otelcol_receiver_sentry_items")
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		it, _ := dp.Attributes.Value("item_type")
		oc, _ := dp.Attributes.Value("outcome")
		if it.AsString() == typ && oc.AsString() == outcome {
			got += dp.Value
		}
	}
	if got != want {
		t.Errorf("items{item_type=%s,outcome=%s} = %d, want %d", typ, outcome, got, want)
	}
}

func TestARequestHeadOverRelaysBoundsIsRefusedBeforeItsBody(t *testing.T) {
	h := startHarness(t)
	many := map[string]string{"X-Sentry-Auth": xAuth1}
	for i := range 10_000 {
		many[fmt.Sprintf("X-Pad-%d", i)] = "1"
	}
	a := h.do(t, "POST", envPath, many, env("{}", item("event", evJSON)))
	if a.status != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(strings.Join(a.Causes, " "), "max_request_header_count (100)") {
		t.Errorf("10,000 header fields: %d %q %v, want 431 naming max_request_header_count", a.status, a.Detail, a.Causes)
	}
	a = h.do(t, "POST", envPath+"?x="+strings.Repeat("a", 64<<10), map[string]string{"X-Sentry-Auth": xAuth1}, env("{}", item("event", evJSON)))
	if a.status != http.StatusRequestURITooLong || a.Detail != "URI too long" {
		t.Errorf("a 64 KiB URI: %d %q, want 414", a.status, a.Detail)
	}
	a = h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1, "X-Pad": strings.Repeat("a", 409<<10)}, env("{}", item("event", evJSON)))
	if a.status != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(strings.Join(a.Causes, " "), "max_request_header_bytes") {
		t.Errorf("a 409 KiB header: %d %q %v, want 431 naming max_request_header_bytes", a.status, a.Detail, a.Causes)
	}
	// Beyond what net/http reads of a head it answers 431 itself, before any handler runs.
	req, _ := http.NewRequest("POST", h.base+envPath, strings.NewReader("{}"))
	req.Header.Set("X-Pad", strings.Repeat("a", 1<<20))
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 1 MiB header: %d, want 431", resp.StatusCode)
	}
	if n := len(h.logs.AllLogs()); n != 0 {
		t.Errorf("%d log batches arrived, want none", n)
	}
}
