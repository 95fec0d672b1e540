package payload

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

func TestDecodeTransaction(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    *Transaction
		wantErr string
	}{
		{
			name: "a transaction keeps its root span, child spans, tags, data and measurements",
			raw: `{"event_id":"0123456789ABCDEF0123456789abcdef","type":"transaction","transaction":"GET /users","transaction_info":{"source":"route"},
				"platform":"go","release":"api@2.0","environment":"prod","server_name":"web-2","sdk":{"name":"sentry.go","version":"0.50.0"},
				"user":{"id":"u1","email":"a@example.com","ip_address":"203.0.113.9"},"request":{"method":"GET","url":"https://x.example/users"},
				"tags":[["region","eu"],["region","us"],["n",3]],
				"contexts":{"trace":{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"f7f3fd754a9040eb","parent_span_id":"aaaaaaaaaaaaaaaa","op":"http.server","status":"ok","origin":"auto.http","data":{"k":1}}},
				"start_timestamp":"1970-01-01T00:00:03Z","timestamp":5.25,
				"spans":[{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"1cc4b26ab9094ef0","parent_span_id":"f7f3fd754a9040eb","op":"db.sql",
					"description":"SELECT 1","status":"ok","tags":{"function_name":"get_users"},"start_timestamp":3.5,"timestamp":"1970-01-01T00:00:04",
					"data":{"aws":"ca","ids":[1,2.5,"x"],"nested":{"b":true},"none":null}},
					{"span_id":"nothex","start_timestamp":3,"timestamp":4},
					{"span_id":"2cc4b26ab9094ef0","start_timestamp":5,"timestamp":4}],
				"measurements":{"lcp":{"value":123.5,"unit":"millisecond"},"bad":{"value":"x"}}}`,
			want: &Transaction{
				EventInfo: EventInfo{
					EventID: "0123456789abcdef0123456789abcdef", Platform: "go", Release: "api@2.0", Environment: "prod", ServerName: "web-2",
					SDKName: "sentry.go", SDKVersion: "0.50.0", Tags: []Tag{{"region", "eu"}, {"n", "3"}},
					User:    User{ID: "u1", Email: "a@example.com", IPAddress: "203.0.113.9"},
					Request: Request{Method: "GET", URL: "https://x.example/users"},
				},
				Name: "GET /users", Source: "route",
				Start: time.Unix(3, 0).UTC(), End: time.Unix(5, 250000000).UTC(),
				Trace: TraceContext{TraceID: "90d57511038845dcb4164a70fc3a7fdb", SpanID: "f7f3fd754a9040eb", ParentSpanID: "aaaaaaaaaaaaaaaa",
					Op: "http.server", Status: "ok", Origin: "auto.http", Data: []Attr{{Key: "k", Value: Value{Kind: KindInt, Int: 1}}}},
				Spans: []Span{{
					TraceID: "90d57511038845dcb4164a70fc3a7fdb", SpanID: "1cc4b26ab9094ef0", ParentSpanID: "f7f3fd754a9040eb",
					Op: "db.sql", Description: "SELECT 1", Status: "ok", Start: time.Unix(3, 500000000).UTC(), End: time.Unix(4, 0).UTC(),
					Tags: []Tag{{"function_name", "get_users"}},
					Data: []Attr{
						{Key: "aws", Value: Value{Kind: KindString, Str: "ca"}},
						{Key: "ids", Value: Value{Kind: KindArray, Array: []Value{{Kind: KindInt, Int: 1}, {Kind: KindDouble, Double: 2.5}, {Kind: KindString, Str: "x"}}}},
						{Key: "nested", Value: Value{Kind: KindMap, Map: []Attr{{Key: "b", Value: Value{Kind: KindBool, Bool: true}}}}},
						{Key: "none", Value: Value{}},
					},
				}},
				DroppedSpans: 2,
				Measurements: []Measurement{{Name: "lcp", Value: 123.5, Unit: "millisecond"}},
			},
		},
		{
			name:    "a transaction without a trace context is rejected",
			raw:     `{"transaction":"t","start_timestamp":1,"timestamp":2}`,
			wantErr: `decode transaction "t": contexts.trace needs a 32-hex trace_id and a 16-hex span_id, got "" and ""`,
		},
		{
			name:    "a transaction that ends before it starts is rejected",
			raw:     `{"transaction":"t","start_timestamp":2,"timestamp":1}`,
			wantErr: `decode transaction "t": start_timestamp 1970-01-01T00:00:02Z is after timestamp 1970-01-01T00:00:01Z`,
		},
		{
			name:    "a transaction without start_timestamp is rejected",
			raw:     `{"transaction":"t","timestamp":1}`,
			wantErr: `decode transaction "t": no timestamp`,
		},
		{
			name:    "a transaction with a malformed timestamp is rejected",
			raw:     `{"transaction":"t","start_timestamp":"yesterday","timestamp":1}`,
			wantErr: `decode transaction "t": start_timestamp "yesterday" is not an RFC 3339 time`,
		},
		{
			name:    "invalid JSON is reported as such",
			raw:     `{"transaction":`,
			wantErr: `decode transaction: invalid JSON: `,
		},
		{
			name:    "a JSON array is not a transaction",
			raw:     `[]`,
			wantErr: `decode transaction: payload is a JSON array, want an object`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeTransaction([]byte(tt.raw))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeSpan(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    *Span
		wantErr string
	}{
		{
			name: "a legacy span item decodes like a transaction child",
			raw:  `{"trace_id":"90D57511-0388-45DC-B416-4A70FC3A7FDB","span_id":"1cc4b26ab9094ef0","op":"http.client","description":"GET /x","start_timestamp":1,"timestamp":2,"status":"not_found"}`,
			want: &Span{TraceID: "90d57511038845dcb4164a70fc3a7fdb", SpanID: "1cc4b26ab9094ef0", Op: "http.client", Description: "GET /x",
				Status: "not_found", Start: time.Unix(1, 0).UTC(), End: time.Unix(2, 0).UTC()},
		},
		{
			name:    "a legacy span without a trace id is rejected",
			raw:     `{"span_id":"1cc4b26ab9094ef0","start_timestamp":1,"timestamp":2}`,
			wantErr: `decode span 1cc4b26ab9094ef0: trace_id "" is not 32 hex digits`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSpan([]byte(tt.raw))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeSpanV2(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    *SpanBatch
		wantErr string
	}{
		{
			name: "v2 spans keep typed attributes, units and links; a span without ids is dropped",
			raw: `{"items":[{"trace_id":"6e0ef15ede06506803e11fc01001116a","span_id":"391cd42b4d98aa01","parent_span_id":"491cd42b4d98aa01",
				"name":"GET /","status":"error","is_segment":true,"start_timestamp":1795645345.25,"end_timestamp":1795645345.5,
				"attributes":{"sentry.op":{"type":"string","value":"http.server"},"n":{"type":"integer","value":"9007199254740993"},
				"d":{"type":"double","value":2,"unit":"millisecond"},"ok":{"type":"boolean","value":true},"bare":7},
				"links":[{"trace_id":"7e0ef15ede06506803e11fc01001116a","span_id":"591cd42b4d98aa01","sampled":true,"attributes":{"sentry.link.type":{"type":"string","value":"previous_trace"}}}]},
				{"span_id":"391cd42b4d98aa02","start_timestamp":1,"end_timestamp":2}]}`,
			want: &SpanBatch{
				Spans: []SpanV2{{
					TraceID: "6e0ef15ede06506803e11fc01001116a", SpanID: "391cd42b4d98aa01", ParentSpanID: "491cd42b4d98aa01",
					Name: "GET /", Status: "error", IsSegment: true,
					Start: time.Unix(1795645345, 250000000).UTC(), End: time.Unix(1795645345, 500000000).UTC(),
					Attributes: []Attr{
						{Key: "sentry.op", Value: Value{Kind: KindString, Str: "http.server"}},
						{Key: "n", Value: Value{Kind: KindInt, Int: 9007199254740993}},
						{Key: "d", Value: Value{Kind: KindDouble, Double: 2}, Unit: "millisecond"},
						{Key: "ok", Value: Value{Kind: KindBool, Bool: true}},
						{Key: "bare", Value: Value{Kind: KindInt, Int: 7}},
					},
					Links: []Link{{TraceID: "7e0ef15ede06506803e11fc01001116a", SpanID: "591cd42b4d98aa01", Sampled: ptr(true),
						Attributes: []Attr{{Key: "sentry.link.type", Value: Value{Kind: KindString, Str: "previous_trace"}}}}},
				}},
				Dropped: 1,
			},
		},
		{
			name:    "a container without items is rejected",
			raw:     `{"spans":[]}`,
			wantErr: "decode span container: no items array",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSpanV2([]byte(tt.raw))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeLogs(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    *LogBatch
		wantErr string
	}{
		{
			name: "sentry-go's log container decodes with typed attributes",
			raw: `{"event_id":"b81c5be4d31e48959103a1f878a1efcb","sdk":{"name":"sentry.go","version":"0.0.1"},"user":{},"items":[{"timestamp":1795645345.5,"trace_id":"d49d9bf66f13450b81f65bc51cf49c03","level":"info","severity_number":9,"body":"test log message","attributes":{"key.bool":{"value":true,"type":"boolean"},"key.float":{"value":42.2,"type":"double"},"key.int":{"value":42,"type":"integer"},"key.string":{"value":"str","type":"string"},"sentry.release":{"value":"v1.2.3","type":"string"}}},
				{"level":"info","body":"no timestamp"}, 5]}`,
			want: &LogBatch{
				Logs: []Log{{
					Timestamp: time.Unix(1795645345, 500000000).UTC(), TraceID: "d49d9bf66f13450b81f65bc51cf49c03",
					Level: "info", SeverityNumber: 9, Body: "test log message",
					Attributes: []Attr{
						{Key: "key.bool", Value: Value{Kind: KindBool, Bool: true}},
						{Key: "key.float", Value: Value{Kind: KindDouble, Double: 42.2}},
						{Key: "key.int", Value: Value{Kind: KindInt, Int: 42}},
						{Key: "key.string", Value: Value{Kind: KindString, Str: "str"}},
						{Key: "sentry.release", Value: Value{Kind: KindString, Str: "v1.2.3"}},
					},
				}},
				Dropped: 2,
			},
		},
		{
			name:    "a log payload that is not JSON is rejected",
			raw:     `items`,
			wantErr: "decode log container: invalid JSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeLogs([]byte(tt.raw))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeSession(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    *Session
		wantErr string
	}{
		{
			name: "a final session update from the JS SDK",
			raw: `{"sid":"a3c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4","did":"user-1","init":true,"started":"2026-11-25T22:00:00.000Z","timestamp":"2026-11-25T22:05:00.000Z",
				"seq":3,"duration":300.5,"status":"crashed","errors":2,"abnormal_mechanism":"anr_foreground",
				"attrs":{"release":"shop@1.2.3","environment":"production","ip_address":"203.0.113.7","user_agent":"Mozilla/5.0"}}`,
			want: &Session{SID: "a3c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4", DID: "user-1", Init: true,
				Started: time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC), Timestamp: time.Date(2026, 11, 25, 22, 5, 0, 0, time.UTC),
				Seq: 3, Duration: 300.5, Status: "crashed", Errors: 2, AbnormalMechanism: "anr_foreground",
				Attrs: SessionAttrs{Release: "shop@1.2.3", Environment: "production", IPAddress: "203.0.113.7", UserAgent: "Mozilla/5.0"}},
		},
		{
			name: "a session without status is ok",
			raw:  `{"started":1,"attrs":{"release":"r"}}`,
			want: &Session{Started: time.Unix(1, 0).UTC(), Status: "ok", Attrs: SessionAttrs{Release: "r"}},
		},
		{
			name:    "a session without release is rejected",
			raw:     `{"sid":"s","started":1,"attrs":{}}`,
			wantErr: "decode session s: attrs.release is missing",
		},
		{
			name:    "a session without started is rejected",
			raw:     `{"sid":"s","attrs":{"release":"r"}}`,
			wantErr: "decode session s: no timestamp",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSession([]byte(tt.raw))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeSessionAggregates(t *testing.T) {
	got, err := DecodeSessionAggregates([]byte(`{"aggregates":[{"started":"2026-11-25T22:01:00Z","exited":10,"errored":2,"crashed":1},{"started":"bad","exited":1},{"started":"2026-11-25T22:02:00Z","did":"u","abnormal":4}],"attrs":{"release":"shop@1.2.3","environment":"production"}}`))
	require.NoError(t, err)
	require.Equal(t, &SessionAggregates{
		Aggregates: []SessionAggregate{
			{Started: time.Date(2026, 11, 25, 22, 1, 0, 0, time.UTC), Exited: 10, Errored: 2, Crashed: 1},
			{Started: time.Date(2026, 11, 25, 22, 2, 0, 0, time.UTC), DID: "u", Abnormal: 4},
		},
		Attrs: SessionAttrs{Release: "shop@1.2.3", Environment: "production"},
	}, got)

	_, err = DecodeSessionAggregates([]byte(`{"aggregates":[]}`))
	require.EqualError(t, err, "decode sessions: attrs.release is missing")
}

func TestDecodeClientReport(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want *ClientReport
	}{
		{
			name: "the JS SDK's report with a numeric timestamp",
			raw:  `{"timestamp":1795645345,"discarded_events":[{"reason":"sample_rate","category":"transaction","quantity":7},{"reason":"before_send","category":"error","quantity":0}]}`,
			want: &ClientReport{Timestamp: time.Unix(1795645345, 0).UTC(), Discarded: []DiscardedEvent{
				{Outcome: OutcomeDiscarded, Reason: "sample_rate", Category: "transaction", Quantity: 7},
			}},
		},
		{
			name: "an old SDK's split lists are all kept",
			raw:  `{"timestamp":"2026-11-25T22:00:00Z","discarded_events":[{"reason":"queue_overflow","category":"error","quantity":1}],"rate_limited_events":[{"reason":"ratelimit_backoff","category":"error","quantity":2}]}`,
			want: &ClientReport{Timestamp: time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC), Discarded: []DiscardedEvent{
				{Outcome: OutcomeDiscarded, Reason: "queue_overflow", Category: "error", Quantity: 1},
				{Outcome: OutcomeRateLimited, Reason: "ratelimit_backoff", Category: "error", Quantity: 2},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeClientReport([]byte(tt.raw))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeCheckIn(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    *CheckIn
		wantErr string
	}{
		{
			name: "sentry-go's check-in keeps its monitor config as JSON",
			raw:  `{"check_in_id":"123c5be4d31e48959103a1f878a1efcb","monitor_slug":"test-slug","status":"ok","duration":0,"monitor_config":{"schedule":{"type":"interval","value":1,"unit":"hour"},"checkin_margin":10,"max_runtime":5000,"timezone":"Asia/Singapore"},"contexts":{"trace":{"trace_id":"6e0ef15ede06506803e11fc01001116a"}}}`,
			want: &CheckIn{ID: "123c5be4d31e48959103a1f878a1efcb", MonitorSlug: "test-slug", Status: "ok", HasDuration: true,
				MonitorConfig: `{"schedule":{"type":"interval","value":1,"unit":"hour"},"checkin_margin":10,"max_runtime":5000,"timezone":"Asia/Singapore"}`,
				Trace:         TraceContext{TraceID: "6e0ef15ede06506803e11fc01001116a"}},
		},
		{
			name:    "a check-in without a monitor slug is rejected",
			raw:     `{"check_in_id":"123c5be4d31e48959103a1f878a1efcb","status":"ok"}`,
			wantErr: `decode check-in 123c5be4d31e48959103a1f878a1efcb: monitor_slug "" and status "ok" are both required`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeCheckIn([]byte(tt.raw))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeFeedback(t *testing.T) {
	tests := []struct {
		name    string
		decode  func([]byte) (*Feedback, error)
		raw     string
		want    *Feedback
		wantErr string
	}{
		{
			name:   "a feedback event carries its message in contexts.feedback",
			decode: DecodeFeedback,
			raw: `{"event_id":"11111111111111111111111111111111","timestamp":1795645345,"platform":"javascript","release":"shop@1.2.3","environment":"production",
				"contexts":{"feedback":{"message":"The button does nothing","contact_email":"jane@example.com","name":"Jane","url":"https://shop.example.com/cart",
				"associated_event_id":"2464e1fb-ba00-90c8-c248-6dacc3d5fed1","replay_id":"r1"},"trace":{"trace_id":"6e0ef15ede06506803e11fc01001116a","span_id":"391cd42b4d98aa01"}}}`,
			want: &Feedback{
				EventInfo: EventInfo{EventID: "11111111111111111111111111111111", Platform: "javascript", Release: "shop@1.2.3", Environment: "production"},
				Timestamp: time.Unix(1795645345, 0).UTC(), Message: "The button does nothing", ContactEmail: "jane@example.com", Name: "Jane",
				URL: "https://shop.example.com/cart", AssociatedEventID: "2464e1fbba0090c8c2486dacc3d5fed1", ReplayID: "r1",
				Trace: TraceContext{TraceID: "6e0ef15ede06506803e11fc01001116a", SpanID: "391cd42b4d98aa01"},
			},
		},
		{
			name:    "a feedback event without contexts.feedback is rejected",
			decode:  DecodeFeedback,
			raw:     `{"event_id":"11111111111111111111111111111111"}`,
			wantErr: "decode feedback 11111111111111111111111111111111: contexts.feedback is missing",
		},
		{
			name:   "a legacy user report becomes the same shape",
			decode: DecodeUserReport,
			raw:    `{"event_id":"2464e1fbba0090c8c2486dacc3d5fed1","email":"jane@example.com","name":"Jane","comments":"It broke"}`,
			want:   &Feedback{Message: "It broke", ContactEmail: "jane@example.com", Name: "Jane", AssociatedEventID: "2464e1fbba0090c8c2486dacc3d5fed1"},
		},
		{
			name:    "a user report without comments is rejected",
			decode:  DecodeUserReport,
			raw:     `{"event_id":"2464e1fbba0090c8c2486dacc3d5fed1"}`,
			wantErr: "decode user report for event 2464e1fbba0090c8c2486dacc3d5fed1: comments are empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decode([]byte(tt.raw))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestTimestampsAcceptWhatRelayAccepts(t *testing.T) {
	want := time.Date(2011, 5, 2, 17, 41, 36, 0, time.UTC)
	for _, raw := range []string{`"2011-05-02T17:41:36Z"`, `"2011-05-02T17:41:36"`, `"2011-05-02T17:41:36.000"`, `1304358096.0`, `1304358096`, `"2011-05-02T19:41:36+02:00"`} {
		s, err := DecodeSession([]byte(`{"started":` + raw + `,"attrs":{"release":"r"}}`))
		require.NoError(t, err, raw)
		require.Equal(t, want, s.Started, raw)
	}
}

func TestDecodeTraceMetrics(t *testing.T) {
	got, err := DecodeTraceMetrics([]byte(`{"items":[
		{"timestamp":"2026-11-25T22:22:25.5Z","trace_id":"6e0ef15ede06506803e11fc01001116a","span_id":"391cd42b4d98aa01","type":"counter","name":"orders","value":3,"attributes":{"sentry.release":{"type":"string","value":"shop@1.2.3"}}},
		{"timestamp":1795645345,"type":"distribution","name":"latency","value":12.5,"unit":"millisecond"},
		{"timestamp":1795645345,"type":"set","name":"users","value":1},
		{"timestamp":1795645345,"type":"gauge","name":"queue","value":"7"},
		{"type":"gauge","name":"queue","value":7}]}`))
	require.NoError(t, err)
	require.Equal(t, &TraceMetricBatch{
		Metrics: []TraceMetric{
			{Timestamp: time.Date(2026, 11, 25, 22, 22, 25, 500000000, time.UTC), TraceID: "6e0ef15ede06506803e11fc01001116a", SpanID: "391cd42b4d98aa01",
				Type: "counter", Name: "orders", Value: Value{Kind: KindInt, Int: 3},
				Attributes: []Attr{{Key: "sentry.release", Value: Value{Kind: KindString, Str: "shop@1.2.3"}}}},
			{Timestamp: time.Unix(1795645345, 0).UTC(), Type: "distribution", Name: "latency", Value: Value{Kind: KindDouble, Double: 12.5}, Unit: "millisecond"},
		},
		Dropped: 3,
	}, got)

	_, err = DecodeTraceMetrics([]byte(`{}`))
	require.EqualError(t, err, "decode trace metric container: no items array")
}
