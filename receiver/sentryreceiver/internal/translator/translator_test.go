package translator

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/internal/sentry/event"
)

var received = time.Date(2026, 11, 25, 22, 22, 25, 500000000, time.UTC)

const (
	traceA = "6e0ef15ede06506803e11fc01001116a"
	spanA  = "391cd42b4d98aa01"
	idA    = "2464e1fbba0090c8c2486dacc3d5fed1"
)

// project1 is the resource of items that name no release, environment or SDK.
var project1 = map[string]any{"service.name": "sentry-project-1"}

func items(its ...envelope.Item) *envelope.Envelope { return &envelope.Envelope{Items: its} }

func item(typ, payload string) envelope.Item {
	return envelope.Item{Type: typ, Payload: []byte(payload)}
}

// normalized returns what event.Normalize makes of raw in Translate, and the stack trace
// RenderStacktrace gives for it: the translator must pass both through unchanged.
func normalized(t *testing.T, raw string, headerID string) (string, string) {
	t.Helper()
	out, ev, err := event.Normalize([]byte(raw), event.NormalizeOptions{EventID: headerID, ReceivedAt: received})
	require.NoError(t, err)
	return string(out), event.RenderStacktrace(ev)
}

func TestTranslateLogs(t *testing.T) {
	messageEvent := `{"event_id":"11111111111111111111111111111111","timestamp":"2026-11-25T22:22:20Z","level":"warning","platform":"python",
		"logentry":{"formatted":"disk 91% full","message":"disk %s full","params":["91%"]},"logger":"app.disk","release":"api@7","dist":"b1",
		"environment":"staging","server_name":"db-3","transaction":"/healthz","fingerprint":["disk","{{ default }}"],
		"tags":[["mount","/var"]],"user":{"id":"u9","email":"ops@example.com","username":"ops"},
		"sdk":{"name":"sentry.python","version":"2.31.0"},"contexts":{"trace":{"trace_id":"` + traceA + `","span_id":"` + spanA + `"}}}`
	msgJSON, _ := normalized(t, messageEvent, "")

	crash := `{"event_id":"22222222222222222222222222222222","timestamp":1795645340.25,"level":"fatal","platform":"native",
		"exception":{"values":[{"type":"Cause","value":"first"},{"type":"SIGSEGV"}]}}`
	crashJSON, crashTrace := normalized(t, crash, "")

	logContainer := `{"items":[{"timestamp":1795645345.5,"trace_id":"d49d9bf66f13450b81f65bc51cf49c03","span_id":"` + spanA + `","level":"warn","body":"slow query",
		"attributes":{"sentry.release":{"value":"v1.2.3","type":"string"},"sentry.environment":{"value":"testing","type":"string"},
		"sentry.sdk.name":{"value":"sentry.go","type":"string"},"sentry.sdk.version":{"value":"0.50.0","type":"string"},
		"sentry.server.address":{"value":"test-server","type":"string"},"db.rows":{"value":42,"type":"integer"},"ratio":{"value":0.5,"type":"double"},"cached":{"value":false,"type":"boolean"}}},
		{"timestamp":1795645346,"level":"trace","severity_number":2,"body":"tick"},
		{"level":"info","body":"no time"}]}`

	feedback := `{"event_id":"33333333333333333333333333333333","timestamp":1795645300,"platform":"javascript","release":"shop@1.2.3","environment":"production",
		"sdk":{"name":"sentry.javascript.browser","version":"10.63.0"},"tags":{"page":"cart"},"user":{"id":"u1"},
		"contexts":{"feedback":{"message":"The button does nothing","contact_email":"jane@example.com","name":"Jane","url":"https://shop.example.com/cart",
		"associated_event_id":"` + idA + `"},"trace":{"trace_id":"` + traceA + `","span_id":"` + spanA + `"}}}`

	tests := []struct {
		name         string
		in           Input
		want         []logRow
		wantOutcomes []ItemOutcome
		wantEventID  string
	}{
		{
			name: "a message event becomes an INFO-family record with the formatted message as body and no exception event name",
			in:   Input{ProjectID: "7", ServiceName: "billing", ReceivedAt: received, Envelope: items(item("event", messageEvent))},
			want: []logRow{{
				Resource: map[string]any{"service.name": "billing", "service.version": "api@7", "deployment.environment.name": "staging",
					"telemetry.sdk.name": "sentry.python", "telemetry.sdk.version": "2.31.0", "telemetry.sdk.language": "python", "host.name": "db-3"},
				Scope: ScopeName, Time: time.Date(2026, 11, 25, 22, 22, 20, 0, time.UTC), Observed: received,
				Severity: plog.SeverityNumberWarn, SeverityText: "warning", Body: "disk 91% full", TraceID: traceA, SpanID: spanA,
				Attrs: map[string]any{
					"sentry.event_id": "11111111111111111111111111111111", "sentry.project_id": "7", "sentry.item_type": "event", "sentry.event": msgJSON,
					"sentry.level": "warning", "sentry.platform": "python", "sentry.transaction": "/healthz", "sentry.logger": "app.disk", "sentry.dist": "b1",
					"sentry.sdk.name": "sentry.python", "sentry.sdk.version": "2.31.0",
					"user.id": "u9", "user.email": "ops@example.com", "user.name": "ops",
					"sentry.tag.mount": "/var", "sentry.tag.server_name": "db-3", "sentry.fingerprint": []any{"disk", "{{ default }}"},
					// Tags Sentry derives from the event when it saves it.
					"sentry.tag.level": "warning", "sentry.tag.logger": "app.disk", "sentry.tag.transaction": "/healthz",
					"sentry.tag.environment": "staging", "sentry.tag.release": "api@7", "sentry.tag.dist": "b1", "sentry.tag.user": "id:u9",
				},
			}},
			wantOutcomes: []ItemOutcome{{ItemType: "event", Accepted: true}},
			wantEventID:  "11111111111111111111111111111111",
		},
		{
			name: "a crash is FATAL and takes exception fields from the last (raised) exception",
			in:   Input{ProjectID: "1", ReceivedAt: received, Envelope: items(item("event", crash))},
			want: []logRow{{
				Resource: map[string]any{"service.name": "sentry-project-1", "telemetry.sdk.language": "cpp"},
				Scope:    ScopeName, Time: time.Unix(1795645340, 250000000).UTC(), Observed: received,
				Severity: plog.SeverityNumberFatal, SeverityText: "fatal", EventName: "exception", Body: "SIGSEGV",
				Attrs: map[string]any{
					"sentry.event_id": "22222222222222222222222222222222", "sentry.project_id": "1", "sentry.item_type": "event", "sentry.event": crashJSON,
					"sentry.level": "fatal", "sentry.platform": "native", "exception.type": "SIGSEGV", "exception.stacktrace": crashTrace,
					"sentry.tag.level": "fatal",
				},
			}},
			wantOutcomes: []ItemOutcome{{ItemType: "event", Accepted: true}},
			wantEventID:  "22222222222222222222222222222222",
		},
		{
			name: "Sentry logs keep their typed attributes, take the resource from sentry.* attributes and drop only the entry without a time",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: items(envelope.Item{Type: "log", ItemCount: 3,
				ContentType: "application/vnd.sentry.items.log+json", Payload: []byte(logContainer)})},
			want: []logRow{
				{
					Resource: map[string]any{"service.name": "sentry-project-1", "service.version": "v1.2.3", "deployment.environment.name": "testing",
						"telemetry.sdk.name": "sentry.go", "telemetry.sdk.version": "0.50.0", "telemetry.sdk.language": "go", "host.name": "test-server"},
					Scope: ScopeName, Time: time.Unix(1795645345, 500000000).UTC(), Observed: received,
					Severity: plog.SeverityNumberWarn, SeverityText: "warn", Body: "slow query", TraceID: "d49d9bf66f13450b81f65bc51cf49c03", SpanID: spanA,
					Attrs: map[string]any{"sentry.release": "v1.2.3", "sentry.environment": "testing", "sentry.sdk.name": "sentry.go", "sentry.sdk.version": "0.50.0",
						"sentry.server.address": "test-server", "db.rows": int64(42), "ratio": 0.5, "cached": false,
						"sentry.project_id": "1", "sentry.item_type": "log"},
				},
				{
					Resource: project1, Scope: ScopeName, Time: time.Unix(1795645346, 0).UTC(), Observed: received,
					Severity: plog.SeverityNumberTrace2, SeverityText: "trace", Body: "tick",
					Attrs: map[string]any{"sentry.project_id": "1", "sentry.item_type": "log"},
				},
			},
			wantOutcomes: []ItemOutcome{{ItemType: "log", Accepted: true, Reason: "1 of 3 logs dropped: not an object or no valid timestamp"}},
		},
		{
			name: "feedback becomes a sentry.feedback record and lists the screenshot sent with it",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: &envelope.Envelope{
				Header: envelope.Header{EventID: "33333333333333333333333333333333"},
				Items: []envelope.Item{
					{Type: "attachment", Filename: "screenshot.png", ContentType: "image/png", Size: int64(len("PNG…"))},
					item("feedback", feedback),
				},
			}},
			want: []logRow{{
				Resource: map[string]any{"service.name": "sentry-project-1", "service.version": "shop@1.2.3", "deployment.environment.name": "production",
					"telemetry.sdk.name": "sentry.javascript.browser", "telemetry.sdk.version": "10.63.0", "telemetry.sdk.language": "webjs"},
				Scope: ScopeName, Time: time.Unix(1795645300, 0).UTC(), Observed: received,
				Severity: plog.SeverityNumberInfo, SeverityText: "info", EventName: "sentry.feedback", Body: "The button does nothing",
				TraceID: traceA, SpanID: spanA,
				Attrs: map[string]any{"sentry.event_id": "33333333333333333333333333333333", "sentry.project_id": "1", "sentry.item_type": "feedback",
					"sentry.platform": "javascript", "sentry.feedback.contact_email": "jane@example.com", "sentry.feedback.name": "Jane",
					"sentry.feedback.url": "https://shop.example.com/cart", "sentry.feedback.associated_event_id": idA, "user.id": "u1", "sentry.tag.page": "cart",
					"sentry.attachments": `[{"name":"screenshot.png","content_type":"image/png","attachment_type":"event.attachment","size":6}]`},
			}},
			wantOutcomes: []ItemOutcome{
				{ItemType: "attachment", Accepted: true, Reason: "referenced from its event; bytes not forwarded"},
				{ItemType: "feedback", Accepted: true},
			},
			wantEventID: "33333333333333333333333333333333",
		},
		{
			name: "a legacy user report becomes a sentry.feedback record pointing at its event, timed at receipt",
			in:   Input{ProjectID: "1", ReceivedAt: received, Envelope: items(item("user_report", `{"event_id":"`+idA+`","email":"jane@example.com","name":"Jane","comments":"It broke"}`))},
			want: []logRow{{
				Resource: project1, Scope: ScopeName, Time: received, Observed: received,
				Severity: plog.SeverityNumberInfo, SeverityText: "info", EventName: "sentry.feedback", Body: "It broke",
				Attrs: map[string]any{"sentry.project_id": "1", "sentry.item_type": "user_report", "sentry.feedback.contact_email": "jane@example.com",
					"sentry.feedback.name": "Jane", "sentry.feedback.associated_event_id": idA},
			}},
			wantOutcomes: []ItemOutcome{{ItemType: "user_report", Accepted: true}},
		},
		{
			name: "check-ins become sentry.check_in records with the envelope header's SDK; an error check-in is ERROR",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: &envelope.Envelope{
				Header: envelope.Header{Raw: []byte(`{"sdk":{"name":"sentry.go","version":"0.50.0"}}`)},
				Items: []envelope.Item{
					item("check_in", `{"check_in_id":"123c5be4d31e48959103a1f878a1efcb","monitor_slug":"nightly","status":"error","duration":12.5,"environment":"production","release":"jobs@3",
						"monitor_config":{"schedule":{"type":"crontab","value":"0 3 * * *"}},"contexts":{"trace":{"trace_id":"`+traceA+`"}}}`),
					item("check_in", `{"monitor_slug":"nightly","status":"in_progress"}`),
				},
			}},
			want: []logRow{
				{
					Resource: map[string]any{"service.name": "sentry-project-1", "service.version": "jobs@3", "deployment.environment.name": "production",
						"telemetry.sdk.name": "sentry.go", "telemetry.sdk.version": "0.50.0", "telemetry.sdk.language": "go"},
					Scope: ScopeName, Time: received, Observed: received,
					Severity: plog.SeverityNumberError, SeverityText: "error", EventName: "sentry.check_in", Body: "nightly: error", TraceID: traceA,
					Attrs: map[string]any{"sentry.project_id": "1", "sentry.item_type": "check_in", "sentry.check_in.id": "123c5be4d31e48959103a1f878a1efcb",
						"sentry.monitor.slug": "nightly", "sentry.check_in.status": "error", "sentry.check_in.duration": 12.5,
						"sentry.monitor.config": `{"schedule":{"type":"crontab","value":"0 3 * * *"}}`},
				},
				{
					Resource: map[string]any{"service.name": "sentry-project-1", "telemetry.sdk.name": "sentry.go", "telemetry.sdk.version": "0.50.0", "telemetry.sdk.language": "go"},
					Scope:    ScopeName, Time: received, Observed: received,
					Severity: plog.SeverityNumberInfo, SeverityText: "info", EventName: "sentry.check_in", Body: "nightly: in_progress",
					Attrs: map[string]any{"sentry.project_id": "1", "sentry.item_type": "check_in", "sentry.monitor.slug": "nightly", "sentry.check_in.status": "in_progress"},
				},
			},
			wantOutcomes: []ItemOutcome{{ItemType: "check_in", Accepted: true}, {ItemType: "check_in", Accepted: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Translate(tt.in)
			require.Equal(t, tt.want, logRows(out.Logs))
			require.Equal(t, tt.wantOutcomes, out.Outcomes)
			require.Equal(t, tt.wantEventID, out.EventID)
			require.Zero(t, out.Traces.SpanCount())
			require.Zero(t, out.Metrics.DataPointCount())
		})
	}
}

func TestTranslateReferenceNodeError(t *testing.T) {
	env := readEnvelope(t, "testdata/node-error.envelope")
	out := Translate(Input{ProjectID: "1", ReceivedAt: received, ClientIP: "198.51.100.1", Envelope: env})

	norm, ev, err := event.Normalize(env.Items[0].Payload, event.NormalizeOptions{EventID: env.Header.EventID, ReceivedAt: received, SentAt: env.Header.SentAt, ClientIP: "198.51.100.1"})
	require.NoError(t, err)
	require.Equal(t, []logRow{{
		Resource: map[string]any{"service.name": "sentry-project-1", "service.version": "shop@1.2.3", "deployment.environment.name": "production",
			"telemetry.sdk.name": "sentry.javascript.node", "telemetry.sdk.version": "11.12.0", "telemetry.sdk.language": "nodejs", "host.name": "web-1"},
		Scope: ScopeName, Time: time.Unix(1795645345, 400627000).UTC(), Observed: received,
		Severity: plog.SeverityNumberError, SeverityText: "error", EventName: "exception",
		Body:    "TypeError0: Cannot read properties of undefined (reading 'price') order 0",
		TraceID: traceA, SpanID: spanA,
		Attrs: map[string]any{
			"sentry.event_id": idA, "sentry.project_id": "1", "sentry.item_type": "event", "sentry.event": string(norm),
			"sentry.level": "error", "sentry.platform": "node", "sentry.sdk.name": "sentry.javascript.node", "sentry.sdk.version": "11.12.0",
			"exception.type": "TypeError0", "exception.message": "Cannot read properties of undefined (reading 'price') order 0",
			"exception.stacktrace": event.RenderStacktrace(ev), "user.id": "user-0",
			"client.address": "203.0.113.7", "url.full": "https://shop.example.com/api/checkout", "http.request.method": "POST",
			"sentry.tag.region": "eu-west-1", "sentry.tag.team": "checkout", "sentry.tag.server_name": "web-1",
			"sentry.tag.level": "error", "sentry.tag.mechanism": "onuncaughtexception", "sentry.tag.handled": "no",
			"sentry.tag.os": "Linux 6.8", "sentry.tag.os.name": "Linux", "sentry.tag.runtime": "node v20.20.2", "sentry.tag.runtime.name": "node",
			"sentry.tag.url": "https://shop.example.com/api/checkout", "sentry.tag.environment": "production",
			"sentry.tag.release": "shop@1.2.3", "sentry.tag.user": "id:user-0",
		},
	}}, logRows(out.Logs))
	require.Equal(t, []ItemOutcome{{ItemType: "event", Accepted: true}}, out.Outcomes)
	require.Equal(t, idA, out.EventID)
}

// TestNormalizedEventIsNotReused guards the zero-copy sentry.event attribute: the JSON Normalize
// returns must stay intact when Normalize runs again, as it would not if its buffer were pooled.
func TestNormalizedEventIsNotReused(t *testing.T) {
	env := readEnvelope(t, "testdata/node-error.envelope")
	first := Translate(Input{ProjectID: "1", ReceivedAt: received, Envelope: env})
	record := first.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	v, _ := record.Attributes().Get("sentry.event")
	before := strings.Clone(v.Str())
	for range 3 {
		other := readEnvelope(t, "testdata/node-error.envelope")
		other.Items[0].Payload = []byte(`{"message":"another event that would overwrite a shared buffer","extra":{"pad":"` + strings.Repeat("x", 12000) + `"}}`)
		Translate(Input{ProjectID: "1", ReceivedAt: received, Envelope: other})
	}
	require.Equal(t, before, v.Str())
}

func TestTranslateTraces(t *testing.T) {
	transaction := `{"event_id":"44444444444444444444444444444444","type":"transaction","transaction":"POST /api/checkout","transaction_info":{"source":"route"},
		"platform":"node","release":"shop@1.2.3","environment":"production","server_name":"web-1","sdk":{"name":"sentry.javascript.node","version":"11.12.0"},
		"tags":{"region":"eu-west-1"},"user":{"id":"user-0"},"request":{"method":"POST","url":"https://shop.example.com/api/checkout"},
		"contexts":{"trace":{"trace_id":"` + traceA + `","span_id":"` + spanA + `","parent_span_id":"aaaaaaaaaaaaaaaa","op":"http.server","status":"internal_error",
			"origin":"auto.http.otel.http","data":{"http.response.status_code":500}}},
		"start_timestamp":1795645345.0,"timestamp":1795645345.5,
		"measurements":{"ttfb":{"value":12.5,"unit":"millisecond"}},
		"spans":[
			{"span_id":"bbbbbbbbbbbbbbbb","parent_span_id":"` + spanA + `","trace_id":"` + traceA + `","op":"db.sql","description":"SELECT * FROM orders",
				"status":"ok","origin":"auto.db","start_timestamp":1795645345.1,"timestamp":1795645345.2,"data":{"db.system":"postgresql","rows":[1,2]},"tags":{"shard":"3"}},
			{"span_id":"cccccccccccccccc","op":"queue.publish","start_timestamp":1795645345.3,"timestamp":1795645345.3},
			{"span_id":"broken","start_timestamp":1,"timestamp":2}
		]}`
	shopResource := map[string]any{"service.name": "sentry-project-1", "service.version": "shop@1.2.3", "deployment.environment.name": "production",
		"telemetry.sdk.name": "sentry.javascript.node", "telemetry.sdk.version": "11.12.0", "telemetry.sdk.language": "nodejs", "host.name": "web-1"}

	spanV2 := `{"items":[{"trace_id":"` + traceA + `","span_id":"dddddddddddddddd","parent_span_id":"` + spanA + `","name":"GET /inventory","status":"error","is_segment":false,
		"start_timestamp":1795645345.25,"end_timestamp":1795645345.75,
		"attributes":{"sentry.op":{"type":"string","value":"http.client"},"sentry.release":{"type":"string","value":"shop@1.2.3"},"http.response.status_code":{"type":"integer","value":503}},
		"links":[{"trace_id":"7e0ef15ede06506803e11fc01001116a","span_id":"eeeeeeeeeeeeeeee","sampled":true,"attributes":{"sentry.link.type":{"type":"string","value":"previous_trace"}}}]},
		{"trace_id":"` + traceA + `","span_id":"ffffffffffffffff","name":"render","status":"ok","start_timestamp":1795645345,"end_timestamp":1795645346}]}`

	tests := []struct {
		name         string
		in           Input
		want         []spanRow
		wantOutcomes []ItemOutcome
	}{
		{
			name: "a transaction becomes its root span and child spans under one trace id; the child with a bad id is reported",
			in:   Input{ProjectID: "1", ReceivedAt: received, Envelope: items(item("transaction", transaction))},
			want: []spanRow{
				{
					Resource: shopResource, Scope: ScopeName, TraceID: traceA, SpanID: spanA, ParentID: "aaaaaaaaaaaaaaaa",
					Name: "POST /api/checkout", Kind: ptrace.SpanKindServer,
					Start: time.Unix(1795645345, 0).UTC(), End: time.Unix(1795645345, 500000000).UTC(),
					Status: ptrace.StatusCodeError, StatusMsg: "internal_error",
					Attrs: map[string]any{"http.response.status_code": int64(500), "sentry.event_id": "44444444444444444444444444444444", "sentry.project_id": "1",
						"sentry.item_type": "transaction", "sentry.op": "http.server", "sentry.origin": "auto.http.otel.http", "sentry.transaction": "POST /api/checkout",
						"sentry.transaction.source": "route", "sentry.platform": "node", "user.id": "user-0", "url.full": "https://shop.example.com/api/checkout",
						"http.request.method": "POST", "sentry.tag.region": "eu-west-1", "sentry.measurement.ttfb": 12.5},
				},
				{
					Resource: shopResource, Scope: ScopeName, TraceID: traceA, SpanID: "bbbbbbbbbbbbbbbb", ParentID: spanA,
					Name: "SELECT * FROM orders", Kind: ptrace.SpanKindClient,
					Start: time.Unix(1795645345, 100000000).UTC(), End: time.Unix(1795645345, 200000000).UTC(), Status: ptrace.StatusCodeOk,
					Attrs: map[string]any{"db.system": "postgresql", "rows": []any{int64(1), int64(2)}, "sentry.project_id": "1", "sentry.op": "db.sql",
						"sentry.origin": "auto.db", "sentry.tag.shard": "3"},
				},
				{
					Resource: shopResource, Scope: ScopeName, TraceID: traceA, SpanID: "cccccccccccccccc", ParentID: spanA,
					Name: "queue.publish", Kind: ptrace.SpanKindProducer,
					Start: time.Unix(1795645345, 300000000).UTC(), End: time.Unix(1795645345, 300000000).UTC(),
					Attrs: map[string]any{"sentry.project_id": "1", "sentry.op": "queue.publish"},
				},
			},
			wantOutcomes: []ItemOutcome{{ItemType: "transaction", Accepted: true, Reason: "1 of 3 child spans dropped: invalid span_id or timestamps"}},
		},
		{
			name: "v2 spans keep their typed attributes and links, and take kind from sentry.op",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: items(envelope.Item{Type: "span", ItemCount: 2,
				ContentType: "application/vnd.sentry.items.span.v2+json", Payload: []byte(spanV2)})},
			want: []spanRow{
				{
					Resource: map[string]any{"service.name": "sentry-project-1", "service.version": "shop@1.2.3"}, Scope: ScopeName,
					TraceID: traceA, SpanID: "dddddddddddddddd", ParentID: spanA, Name: "GET /inventory", Kind: ptrace.SpanKindClient,
					Start: time.Unix(1795645345, 250000000).UTC(), End: time.Unix(1795645345, 750000000).UTC(), Status: ptrace.StatusCodeError,
					Attrs: map[string]any{"sentry.op": "http.client", "sentry.release": "shop@1.2.3", "http.response.status_code": int64(503),
						"sentry.project_id": "1", "sentry.item_type": "span"},
					Links: []linkRow{{TraceID: "7e0ef15ede06506803e11fc01001116a", SpanID: "eeeeeeeeeeeeeeee", Flags: 1, Attrs: map[string]any{"sentry.link.type": "previous_trace"}}},
				},
				{
					Resource: project1, Scope: ScopeName, TraceID: traceA, SpanID: "ffffffffffffffff", Name: "render", Kind: ptrace.SpanKindInternal,
					Start: time.Unix(1795645345, 0).UTC(), End: time.Unix(1795645346, 0).UTC(), Status: ptrace.StatusCodeOk,
					Attrs: map[string]any{"sentry.project_id": "1", "sentry.item_type": "span"},
				},
			},
			wantOutcomes: []ItemOutcome{{ItemType: "span", Accepted: true}},
		},
		{
			name: "a legacy span item becomes one span",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: items(item("span",
				`{"trace_id":"`+traceA+`","span_id":"bbbbbbbbbbbbbbbb","parent_span_id":"`+spanA+`","op":"http.client","description":"GET /x","status":"not_found","start_timestamp":1795645345,"timestamp":1795645346}`))},
			want: []spanRow{{
				Resource: project1, Scope: ScopeName, TraceID: traceA, SpanID: "bbbbbbbbbbbbbbbb", ParentID: spanA, Name: "GET /x", Kind: ptrace.SpanKindClient,
				Start: time.Unix(1795645345, 0).UTC(), End: time.Unix(1795645346, 0).UTC(), Status: ptrace.StatusCodeError, StatusMsg: "not_found",
				Attrs: map[string]any{"sentry.project_id": "1", "sentry.op": "http.client", "sentry.item_type": "span"},
			}},
			wantOutcomes: []ItemOutcome{{ItemType: "span", Accepted: true}},
		},
		{
			name: "a client clock off by two hours is corrected from sent_at, as Relay does",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: &envelope.Envelope{
				Header: envelope.Header{SentAt: received.Add(-2 * time.Hour)},
				Items: []envelope.Item{item("span",
					`{"trace_id":"`+traceA+`","span_id":"bbbbbbbbbbbbbbbb","start_timestamp":1795638145,"timestamp":1795638146}`)},
			}},
			want: []spanRow{{
				Resource: project1, Scope: ScopeName, TraceID: traceA, SpanID: "bbbbbbbbbbbbbbbb", Name: "<unlabeled span>", Kind: ptrace.SpanKindInternal,
				Start: time.Unix(1795645345, 0).UTC(), End: time.Unix(1795645346, 0).UTC(),
				Attrs: map[string]any{"sentry.project_id": "1", "sentry.item_type": "span"},
			}},
			wantOutcomes: []ItemOutcome{{ItemType: "span", Accepted: true}},
		},
		{
			name: "a transaction ending in the future is moved whole to end at its receipt, as Relay does",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: items(item("transaction",
				`{"transaction":"job","start_timestamp":1795648945,"timestamp":1795648946,"contexts":{"trace":{"trace_id":"`+traceA+`","span_id":"`+spanA+`"}},
				"spans":[{"span_id":"bbbbbbbbbbbbbbbb","start_timestamp":1795648945.5,"timestamp":1795648946}]}`))},
			want: []spanRow{
				{
					Resource: project1, Scope: ScopeName, TraceID: traceA, SpanID: spanA, Name: "job", Kind: ptrace.SpanKindInternal,
					Start: received.Add(-time.Second), End: received,
					Attrs: map[string]any{"sentry.project_id": "1", "sentry.item_type": "transaction", "sentry.transaction": "job"},
				},
				{
					Resource: project1, Scope: ScopeName, TraceID: traceA, SpanID: "bbbbbbbbbbbbbbbb", ParentID: spanA, Name: "<unlabeled span>",
					Kind: ptrace.SpanKindInternal, Start: received.Add(-500 * time.Millisecond), End: received,
					Attrs: map[string]any{"sentry.project_id": "1"},
				},
			},
			wantOutcomes: []ItemOutcome{{ItemType: "transaction", Accepted: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Translate(tt.in)
			require.Equal(t, tt.want, spanRows(out.Traces))
			require.Equal(t, tt.wantOutcomes, out.Outcomes)
			require.Zero(t, out.Logs.LogRecordCount())
			require.Zero(t, out.Metrics.DataPointCount())
		})
	}
}

func TestTranslateMetrics(t *testing.T) {
	started := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	shop := map[string]any{"service.name": "sentry-project-1", "service.version": "shop@1.2.3", "deployment.environment.name": "production"}
	sessions := func(status string, start, end time.Time, n int64) pointRow {
		return pointRow{Resource: shop, Scope: ScopeName, Metric: "sentry.sessions", Unit: "{session}", Type: pmetric.MetricTypeSum,
			Temporality: pmetric.AggregationTemporalityDelta, Monotonic: true, Start: start, Time: end, Value: n,
			Attrs: map[string]any{"sentry.session.status": status}}
	}
	tests := []struct {
		name         string
		in           Input
		want         []pointRow
		wantOutcomes []ItemOutcome
	}{
		{
			name: "a session started and exited with errors counts one start and one errored end; an update in between counts nothing",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: items(
				item("session", `{"sid":"s1","init":true,"started":"2026-11-25T22:00:00Z","timestamp":"2026-11-25T22:00:00Z","status":"ok","attrs":{"release":"shop@1.2.3","environment":"production"}}`),
				item("session", `{"sid":"s1","started":"2026-11-25T22:00:00Z","timestamp":"2026-11-25T22:01:00Z","status":"ok","errors":1,"attrs":{"release":"shop@1.2.3","environment":"production"}}`),
				item("session", `{"sid":"s1","started":"2026-11-25T22:00:00Z","timestamp":"2026-11-25T22:05:00Z","status":"exited","errors":1,"attrs":{"release":"shop@1.2.3","environment":"production"}}`),
			)},
			want: []pointRow{
				sessions("init", started, started, 1),
				sessions("errored", started, started.Add(5*time.Minute), 1),
			},
			wantOutcomes: []ItemOutcome{{ItemType: "session", Accepted: true}, {ItemType: "session", Accepted: true}, {ItemType: "session", Accepted: true}},
		},
		{
			name: "session aggregates count started sessions and each way they ended",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: items(item("sessions",
				`{"aggregates":[{"started":"2026-11-25T22:00:00Z","exited":10,"errored":2,"crashed":1}],"attrs":{"release":"shop@1.2.3","environment":"production"}}`))},
			want: []pointRow{
				sessions("init", started, received, 13),
				sessions("exited", started, received, 10),
				sessions("errored", started, received, 2),
				sessions("crashed", started, received, 1),
			},
			wantOutcomes: []ItemOutcome{{ItemType: "sessions", Accepted: true}},
		},
		{
			name: "a client report counts discarded items by reason and category",
			in: Input{ProjectID: "1", ReceivedAt: received, Envelope: items(item("client_report",
				`{"timestamp":1795645300,"discarded_events":[{"reason":"sample_rate","category":"transaction","quantity":7},{"reason":"queue_overflow","category":"error","quantity":2}]}`))},
			want: []pointRow{
				{Resource: project1, Scope: ScopeName, Metric: "sentry.client_report.discarded_events", Unit: "{item}", Type: pmetric.MetricTypeSum, Temporality: pmetric.AggregationTemporalityDelta,
					Monotonic: true, Start: time.Unix(1795645300, 0).UTC(), Time: time.Unix(1795645300, 0).UTC(), Value: int64(7),
					Attrs: map[string]any{"sentry.discard.reason": "sample_rate", "sentry.data_category": "transaction", "sentry.project_id": "1"}},
				{Resource: project1, Scope: ScopeName, Metric: "sentry.client_report.discarded_events", Unit: "{item}", Type: pmetric.MetricTypeSum, Temporality: pmetric.AggregationTemporalityDelta,
					Monotonic: true, Start: time.Unix(1795645300, 0).UTC(), Time: time.Unix(1795645300, 0).UTC(), Value: int64(2),
					Attrs: map[string]any{"sentry.discard.reason": "queue_overflow", "sentry.data_category": "error", "sentry.project_id": "1"}},
			},
			wantOutcomes: []ItemOutcome{{ItemType: "client_report", Accepted: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Translate(tt.in)
			require.Equal(t, tt.want, pointRows(out.Metrics))
			require.Equal(t, tt.wantOutcomes, out.Outcomes)
			require.Equal(t, 1, out.Metrics.ResourceMetrics().Len(), "one resource per release and environment")
			require.Equal(t, 1, out.Metrics.MetricCount(), "one metric per name and resource")
		})
	}
}

func TestTranslateTraceMetrics(t *testing.T) {
	ts := time.Unix(1795645345, 0).UTC()
	shop := map[string]any{"service.name": "sentry-project-1", "service.version": "shop@1.2.3"}
	release := `"sentry.release":{"type":"string","value":"shop@1.2.3"}`
	out := Translate(Input{ProjectID: "1", ReceivedAt: received, Envelope: items(envelope.Item{Type: "trace_metric", ItemCount: 5,
		ContentType: "application/vnd.sentry.items.trace-metric+json", Payload: []byte(`{"items":[
		{"timestamp":1795645345,"trace_id":"` + traceA + `","span_id":"` + spanA + `","type":"counter","name":"orders","value":2,"attributes":{` + release + `,"plan":{"type":"string","value":"pro"}}},
		{"timestamp":1795645345,"type":"counter","name":"orders","value":1,"attributes":{` + release + `}},
		{"timestamp":1795645345,"type":"gauge","name":"queue.depth","value":7.5,"unit":"item"},
		{"timestamp":1795645345,"trace_id":"` + traceA + `","type":"distribution","name":"latency","value":12.5,"unit":"millisecond"},
		{"timestamp":1795645345,"type":"set","name":"users","value":1}]}`)})})

	require.Equal(t, []pointRow{
		{Resource: shop, Scope: ScopeName, Metric: "orders", Type: pmetric.MetricTypeSum, Temporality: pmetric.AggregationTemporalityDelta, Monotonic: true,
			Start: ts, Time: ts, Value: int64(2), Attrs: map[string]any{"sentry.release": "shop@1.2.3", "plan": "pro"},
			Exemplars: []exemplarRow{{Time: ts, Value: 2, TraceID: traceA, SpanID: spanA}}},
		{Resource: shop, Scope: ScopeName, Metric: "orders", Type: pmetric.MetricTypeSum, Temporality: pmetric.AggregationTemporalityDelta, Monotonic: true,
			Start: ts, Time: ts, Value: int64(1), Attrs: map[string]any{"sentry.release": "shop@1.2.3"}},
		{Resource: project1, Scope: ScopeName, Metric: "queue.depth", Unit: "item", Type: pmetric.MetricTypeGauge,
			Start: ts, Time: ts, Value: 7.5, Attrs: map[string]any{}},
		{Resource: project1, Scope: ScopeName, Metric: "latency", Unit: "millisecond", Type: pmetric.MetricTypeHistogram, Temporality: pmetric.AggregationTemporalityDelta,
			Start: ts, Time: ts, Value: []float64{1, 12.5, 12.5, 12.5, 1}, Attrs: map[string]any{},
			Exemplars: []exemplarRow{{Time: ts, Value: 12.5, TraceID: traceA}}},
	}, pointRows(out.Metrics))
	require.Equal(t, []ItemOutcome{{ItemType: "trace_metric", Accepted: true,
		Reason: "1 of 5 metric samples dropped: no name, unknown type, non-numeric value or no valid timestamp"}}, out.Outcomes)
}

func TestAnErrorAndATransactionOfOneRequestShareTheTraceID(t *testing.T) {
	env := readEnvelope(t, "testdata/node-error.envelope")
	env.Items = append(env.Items, item("transaction", `{"transaction":"POST /api/checkout","start_timestamp":1795645345,"timestamp":1795645345.5,
		"contexts":{"trace":{"trace_id":"`+traceA+`","span_id":"`+spanA+`","op":"http.server"}}}`))
	out := Translate(Input{ProjectID: "1", ReceivedAt: received, Envelope: env})

	require.Equal(t, 1, out.Logs.LogRecordCount())
	require.Equal(t, 1, out.Traces.SpanCount())
	record := out.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	span := out.Traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	require.False(t, record.TraceID().IsEmpty())
	require.Equal(t, record.TraceID(), span.TraceID())
	require.Equal(t, record.SpanID(), span.SpanID())
}

// requireOutcomes compares outcomes; a wanted Reason only has to start the actual one, because
// the tail of a decode error is the JSON parser's wording.
func requireOutcomes(t *testing.T, want, got []ItemOutcome) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i].ItemType, got[i].ItemType, "item %d", i)
		require.Equal(t, want[i].Accepted, got[i].Accepted, "item %d: %s", i, got[i].Reason)
		require.True(t, strings.HasPrefix(got[i].Reason, want[i].Reason), "item %d: reason %q does not start with %q", i, got[i].Reason, want[i].Reason)
		require.Equal(t, want[i].Reason == "", got[i].Reason == "", "item %d: reason %q", i, got[i].Reason)
	}
}

func TestEveryItemGetsAnOutcomeAndABadItemCostsNoSibling(t *testing.T) {
	out := Translate(Input{ProjectID: "1", ReceivedAt: received, Envelope: items(
		item("event", `{"message":"ok","timestamp":1795645345}`),
		item("transaction", `{"transaction":`),
		item("profile", `{}`),
		item("replay_recording", `rrweb`),
		item("session", `{"started":1,"attrs":{}}`),
		item("client_report", `not json`),
		item("event", `[1,2]`),
	)})
	requireOutcomes(t, []ItemOutcome{
		{ItemType: "event", Accepted: true},
		{ItemType: "transaction", Reason: "decode transaction: invalid JSON: "},
		{ItemType: "profile", Reason: "item type not supported by the sentry receiver"},
		{ItemType: "replay_recording", Reason: "item type not supported by the sentry receiver"},
		{ItemType: "session", Reason: "decode session: attrs.release is missing"},
		{ItemType: "client_report", Reason: "decode client report: invalid JSON: "},
		{ItemType: "event", Reason: "normalize event: "},
	}, out.Outcomes)
	require.Equal(t, 1, out.Logs.LogRecordCount(), "the valid sibling survives")
}

func TestAttachmentsWithoutAnEventAreRejected(t *testing.T) {
	out := Translate(Input{ProjectID: "1", ReceivedAt: received, Envelope: items(
		envelope.Item{Type: "attachment", Filename: "dump.dmp", AttachmentType: "event.minidump", Size: 3},
		item("event", `[]`),
	)})
	requireOutcomes(t, []ItemOutcome{
		{ItemType: "attachment", Reason: "attachment without an accepted event or feedback in the envelope"},
		{ItemType: "event", Reason: "normalize event: "},
	}, out.Outcomes)
}

func TestRecordsOfOneResourceShareOneResourceLogs(t *testing.T) {
	out := Translate(Input{ProjectID: "1", ReceivedAt: received, Envelope: items(
		item("event", `{"message":"a","release":"r1","timestamp":1795645345}`),
		item("check_in", `{"monitor_slug":"m","status":"ok","release":"r1","environment":"production"}`),
		item("user_report", `{"comments":"c"}`),
		item("check_in", `{"monitor_slug":"m","status":"ok","release":"r1","environment":"production"}`),
	)})
	require.Equal(t, 4, out.Logs.LogRecordCount())
	rls := out.Logs.ResourceLogs()
	require.Equal(t, 3, rls.Len())
	require.Equal(t, []int{1, 2, 1}, []int{rls.At(0).ScopeLogs().At(0).LogRecords().Len(), rls.At(1).ScopeLogs().At(0).LogRecords().Len(), rls.At(2).ScopeLogs().At(0).LogRecords().Len()})
}
