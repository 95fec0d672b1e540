package event

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// referenceEvent returns the event item of testdata/node-error.envelope, the ~9.5 KB node error
// event the performance targets are stated for.
func referenceEvent(tb testing.TB) []byte {
	tb.Helper()
	env, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		tb.Fatal(err)
	}
	lines := bytes.SplitN(env, []byte("\n"), 3)
	if len(lines) != 3 {
		tb.Fatalf("node-error.envelope has %d lines, want header, item header, payload", len(lines))
	}
	return bytes.TrimRight(lines[2], "\n")
}

var (
	received = time.Date(2026, 11, 25, 22, 22, 26, 0, time.UTC)
	baseOpts = NormalizeOptions{ReceivedAt: received, ClientIP: "198.51.100.9"}
)

// lookup walks a dotted path (object keys and array indexes) through a decoded JSON value. A key
// that itself contains dots ("sentry.interfaces.User") is matched greedily.
func lookup(v any, path string) (any, bool) {
	parts := strings.Split(path, ".")
	for i := 0; i < len(parts); i++ {
		switch c := v.(type) {
		case map[string]any:
			found := false
			for j := len(parts); j > i; j-- {
				if next, ok := c[strings.Join(parts[i:j], ".")]; ok {
					v, i, found = next, j-1, true
					break
				}
			}
			if !found {
				return nil, false
			}
		case []any:
			n, err := strconv.Atoi(parts[i])
			if err != nil || n < 0 || n >= len(c) {
				return nil, false
			}
			v = c[n]
		default:
			return nil, false
		}
	}
	return v, true
}

func mustJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("output is not valid JSON: %v\n%s", err, b)
	}
	return m
}

func TestNormalize(t *testing.T) {
	receivedF := float64(received.Unix())
	tests := []struct {
		name   string
		in     string
		opts   NormalizeOptions
		want   map[string]any // dotted path → value as encoding/json decodes it
		absent []string
	}{
		{
			name: "an empty event gets id, timestamp, received, level, platform and type",
			in:   `{}`,
			want: map[string]any{"timestamp": receivedF, "received": receivedF, "level": "error",
				"platform": "other", "type": "default", "logger": "", "version": "7"},
		},
		{
			name: "the envelope header's event id wins and is written as 32 lowercase hex",
			in:   `{"event_id":"0123456789abcdef0123456789abcdef"}`,
			opts: NormalizeOptions{EventID: "FEDCBA98-7654-3210-FEDC-BA9876543210"},
			want: map[string]any{"event_id": "fedcba9876543210fedcba9876543210"},
		},
		{
			name: "a hyphenated uppercase event id becomes simple lowercase hex",
			in:   `{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC"}`,
			want: map[string]any{"event_id": "9ec79c33ec9942ab8353589fcb2e04dc"},
		},
		{
			name: "a braced urn event id is accepted",
			in:   `{"event_id":"urn:uuid:{9ec79c33-ec99-42ab-8353-589fcb2e04dc}"}`,
			want: map[string]any{"event_id": "9ec79c33ec9942ab8353589fcb2e04dc"},
		},
		{
			name: "an RFC 3339 timestamp with offset becomes epoch seconds",
			in:   `{"timestamp":"2026-11-25T23:22:20.5+01:00"}`,
			want: map[string]any{"timestamp": receivedF - 5.5},
		},
		{
			name: "a naive timestamp string is UTC",
			in:   `{"timestamp":"2026-11-25T22:22:20"}`,
			want: map[string]any{"timestamp": receivedF - 6},
		},
		{
			name: "a naive timestamp with fraction is UTC",
			in:   `{"timestamp":"2026-11-25T22:22:20.250"}`,
			want: map[string]any{"timestamp": receivedF - 5.75},
		},
		{
			name: "an integer epoch timestamp is kept",
			in:   `{"timestamp":1795645330}`,
			want: map[string]any{"timestamp": 1795645330.0},
		},
		{
			name: "an unparseable timestamp becomes the received time",
			in:   `{"timestamp":"yesterday"}`,
			want: map[string]any{"timestamp": receivedF},
		},
		{
			name: "a clock two hours slow is corrected from sent_at on every timestamp",
			in: `{"timestamp":1795638140,"start_timestamp":"2026-11-25T20:22:19Z","type":"transaction",
				"breadcrumbs":[{"timestamp":1795638139}],"spans":[{"start_timestamp":1795638139,"timestamp":"2026-11-25T20:22:20Z"}]}`,
			opts: NormalizeOptions{SentAt: received.Add(-2 * time.Hour)},
			want: map[string]any{"timestamp": receivedF - 6, "start_timestamp": receivedF - 7,
				"breadcrumbs.values.0.timestamp": receivedF - 7, "spans.0.start_timestamp": receivedF - 7,
				"spans.0.timestamp": receivedF - 6, "errors.0.type": "clock_drift"},
		},
		{
			name:   "a drift under 55 minutes is network latency and not corrected",
			in:     `{"timestamp":1795645300}`,
			opts:   NormalizeOptions{SentAt: received.Add(-50 * time.Minute)},
			want:   map[string]any{"timestamp": 1795645300.0},
			absent: []string{"errors"},
		},
		{
			name: "a timestamp in the future moves the event to the received time",
			in:   `{"timestamp":1795649000,"breadcrumbs":[{"timestamp":1795648990}]}`,
			want: map[string]any{"timestamp": receivedF, "breadcrumbs.values.0.timestamp": receivedF - 10,
				"errors.0.type": "future_timestamp"},
		},
		{
			name: "a timestamp older than retention moves the event to the received time",
			in:   `{"timestamp":1000000000}`,
			want: map[string]any{"timestamp": receivedF, "errors.0.type": "past_timestamp"},
		},
		{
			name: "an exception list becomes values",
			in:   `{"exception":[{"type":"E","value":"v"}]}`,
			want: map[string]any{"exception.values.0.type": "E", "type": "error"},
		},
		{
			name: "a bare exception object is wrapped into values",
			in:   `{"exception":{"type":"E","value":"v"}}`,
			want: map[string]any{"exception.values.0.type": "E", "type": "error"},
		},
		{
			name: "an empty exception object is absent",
			in:   `{"exception":{}}`,
			want: map[string]any{"type": "default"}, absent: []string{"exception"},
		},
		{
			name: "threads and breadcrumbs as lists become values",
			in:   `{"threads":[{"id":1}],"breadcrumbs":[{"message":"m"}]}`,
			want: map[string]any{"threads.values.0.id": 1.0, "breadcrumbs.values.0.message": "m"},
		},
		{
			name:   "a legacy sentry.interfaces.Exception key is renamed",
			in:     `{"sentry.interfaces.Exception":{"values":[{"type":"TypeError"}]},"sentry.interfaces.User":{"id":"u"}}`,
			want:   map[string]any{"exception.values.0.type": "TypeError", "user.id": "u"},
			absent: []string{"sentry.interfaces.Exception", "sentry.interfaces.User"},
		},
		{
			name: "a modern key wins over its legacy alias, which is kept",
			in:   `{"exception":[{"type":"A"}],"sentry.interfaces.Exception":[{"type":"B"}]}`,
			want: map[string]any{"exception.values.0.type": "A", "sentry.interfaces.Exception.0.type": "B"},
		},
		{
			name: "a message string becomes logentry.formatted",
			in:   `{"message":"hello"}`,
			want: map[string]any{"logentry.formatted": "hello"}, absent: []string{"message"},
		},
		{
			name: "a legacy message interface gets formatted from message",
			in:   `{"sentry.interfaces.Message":{"message":"hello %s","params":["x"]}}`,
			want: map[string]any{"logentry.formatted": "hello %s", "logentry.params.0": "x"},
		},
		{
			name: "tags as an object become pairs",
			in:   `{"tags":{"a":"1","b":2,"c":true}}`,
			want: map[string]any{"tags": []any{[]any{"a", "1"}, []any{"b", "2"}, []any{"c", "true"}, []any{"level", "error"}}},
		},
		{
			name: "tag pairs are deduplicated, reserved and empty ones dropped",
			in:   `{"tags":[["a","1"],["a","2"],["release","x"],["user","u"],["",""],["e",""],["dist","d"],["filename","f"],["function","g"],["b","3"]]}`,
			want: map[string]any{"tags": []any{[]any{"a", "1"}, []any{"b", "3"}, []any{"level", "error"}}},
		},
		{
			name: "the environment tag moves to the field",
			in:   `{"tags":{"environment":"staging","x":"y"}}`,
			want: map[string]any{"environment": "staging", "tags": []any{[]any{"x", "y"}, []any{"level", "error"}, []any{"environment", "staging"}}},
		},
		{
			name: "server_name moves into tags",
			in:   `{"server_name":"web-1","tags":{"server_name":"old"}}`,
			want: map[string]any{"tags": []any{[]any{"server_name", "web-1"}, []any{"level", "error"}}}, absent: []string{"server_name"},
		},
		{
			name: "a too-long tag value is dropped",
			in:   `{"tags":{"long":"` + strings.Repeat("x", 201) + `","ok":"1"}}`,
			want: map[string]any{"tags": []any{[]any{"ok", "1"}, []any{"level", "error"}}},
		},
		{name: "level warn alias", in: `{"level":"warn"}`, want: map[string]any{"level": "warning"}},
		{name: "level log alias", in: `{"level":"log"}`, want: map[string]any{"level": "info"}},
		{name: "level critical alias", in: `{"level":"critical"}`, want: map[string]any{"level": "fatal"}},
		{name: "level as Python number 30", in: `{"level":30}`, want: map[string]any{"level": "warning"}},
		{name: "level as Python number 50", in: `{"level":50}`, want: map[string]any{"level": "fatal"}},
		{name: "an invalid level becomes error", in: `{"level":"loud"}`, want: map[string]any{"level": "error"}},
		{name: "a transaction defaults to level info", in: `{"type":"transaction"}`, want: map[string]any{"level": "info", "type": "transaction"}},
		{name: "an invalid platform becomes other", in: `{"platform":"cobol"}`, want: map[string]any{"platform": "other"}},
		{name: "a valid platform is kept", in: `{"platform":"python"}`, want: map[string]any{"platform": "python"}},
		{
			name: "the default platform fills a missing one",
			in:   `{}`, opts: NormalizeOptions{DefaultPlatform: "javascript"},
			want: map[string]any{"platform": "javascript"},
		},
		{name: "a client-sent type other than transaction is inferred", in: `{"type":"error"}`, want: map[string]any{"type": "default"}},
		{name: "a csp report has type csp", in: `{"csp":{"effective_directive":"img-src"}}`, want: map[string]any{"type": "csp"}},
		{name: "a numeric release is a string", in: `{"release":1.5}`, want: map[string]any{"release": "1.5"}},
		{name: "a boolean release is spelled like Python", in: `{"release":true}`, want: map[string]any{"release": "True"}},
		{name: "a release is trimmed", in: `{"release":"  a@1 "}`, want: map[string]any{"release": "a@1"}},
		{name: "a blank dist is removed", in: `{"dist":"  "}`, absent: []string{"dist"}},
		{name: "a release with a newline is dropped", in: `{"release":"a\nb"}`, absent: []string{"release"}, want: map[string]any{"errors.0.name": "release"}},
		{
			name: "user ip {{auto}} becomes the client address",
			in:   `{"user":{"id":"1","ip_address":"{{auto}}"}}`,
			want: map[string]any{"user.ip_address": "198.51.100.9"},
		},
		{
			name: "REMOTE_ADDR fills a missing user ip",
			in:   `{"request":{"env":{"REMOTE_ADDR":"192.0.2.1"}}}`,
			want: map[string]any{"user.ip_address": "192.0.2.1"},
		},
		{
			name: "browser events get the client address",
			in:   `{"platform":"javascript"}`,
			want: map[string]any{"user.ip_address": "198.51.100.9"},
		},
		{
			name:   "server events do not get the client address unasked",
			in:     `{"platform":"node"}`,
			absent: []string{"user"},
		},
		{
			name: "contexts get their type and the trace a status; ids are lowercased",
			in:   `{"contexts":{"os":{"name":"Linux"},"trace":{"trace_id":"6E0EF15E-DE06-5068-03E1-1FC01001116A","span_id":"391CD42B4D98AA01"},"custom":{"a":1}}}`,
			want: map[string]any{"contexts.os.type": "os", "contexts.trace.status": "unknown",
				"contexts.trace.trace_id": "6e0ef15ede06506803e11fc01001116a", "contexts.trace.span_id": "391cd42b4d98aa01"},
			absent: []string{"contexts.custom.type"},
		},
		{
			name: "a mechanism without type gets generic and integer addresses become hex",
			in:   `{"exception":{"values":[{"type":"E","mechanism":{"handled":true},"stacktrace":{"frames":[{"instruction_addr":4096}]}}]}}`,
			want: map[string]any{"exception.values.0.mechanism.type": "generic",
				"exception.values.0.stacktrace.frames.0.instruction_addr": "0x1000"},
		},
		{
			name: "a frame with only a filename gets it as abs_path too, and a given abs_path is kept",
			in:   `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"filename":"/app/dist/app.js","lineno":1},{"filename":"app.js","abs_path":"http://h/app.js"}]}}]}}`,
			want: map[string]any{"exception.values.0.stacktrace.frames.0.abs_path": "/app/dist/app.js",
				"exception.values.0.stacktrace.frames.1.abs_path": "http://h/app.js"},
		},
		{
			name: "sentry_client fills a missing sdk",
			in:   `{}`, opts: NormalizeOptions{SentryClient: "raven-python/6.10.0"},
			want: map[string]any{"sdk.name": "raven-python", "sdk.version": "6.10.0"},
		},
		{
			name: "an sdk sent with the event wins over sentry_client",
			in:   `{"sdk":{"name":"sentry.python","version":"2.0.0"}}`, opts: NormalizeOptions{SentryClient: "raven-python/6.10.0"},
			want: map[string]any{"sdk.name": "sentry.python"},
		},
		{
			name: "unknown keys are kept as sent",
			in:   `{"extra":{"deep":{"x":[1,2,{"y":null}]}},"my_key":"\u00e9\n"}`,
			want: map[string]any{"extra.deep.x.2.y": nil, "my_key": "é\n"},
		},
		{
			name: "NaN and Infinity from Python become null",
			in:   `{"extra":{"a":NaN,"b":Infinity,"c":-Infinity}}`,
			want: map[string]any{"extra.a": nil, "extra.b": nil, "extra.c": nil},
		},
		{
			name: "invalid UTF-8 and raw control characters are repaired",
			in:   "{\"extra\":{\"a\":\"x\xffy\",\"b\":\"tab\there\"}}",
			want: map[string]any{"extra.a": "x\uFFFDy", "extra.b": "tab\there"},
		},
		{
			name: "a repaired key keeps its own text when its value is repaired too",
			in:   "{\"extra\":{\"k\tey\":\"v\tal\"}}",
			want: map[string]any{"extra.k\tey": "v\tal"},
		},
		{
			name: "a lone surrogate escape is replaced",
			in:   `{"extra":{"a":"\ud800x"}}`,
			want: map[string]any{"extra.a": "\uFFFDx"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if opts.ReceivedAt.IsZero() {
				opts.ReceivedAt = baseOpts.ReceivedAt
			}
			if opts.ClientIP == "" {
				opts.ClientIP = baseOpts.ClientIP
			}
			out, ev, err := Normalize([]byte(tt.in), opts)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			got := mustJSON(t, out)
			for path, want := range tt.want {
				v, ok := lookup(got, path)
				if !ok {
					t.Errorf("%s missing in %s", path, out)
					continue
				}
				if !reflect.DeepEqual(v, want) {
					t.Errorf("%s = %#v, want %#v in %s", path, v, want, out)
				}
			}
			for _, path := range tt.absent {
				if _, ok := lookup(got, path); ok {
					t.Errorf("%s present in %s", path, out)
				}
			}
			if len(ev.EventID) != 32 {
				t.Errorf("typed event id %q is not 32 hex", ev.EventID)
			}
			again, _, err := Normalize(out, NormalizeOptions{ReceivedAt: opts.ReceivedAt, ClientIP: opts.ClientIP})
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("normalizing twice changed the event (err %v):\n%s\n%s", err, out, again)
			}
		})
	}
}

func TestNormalizeRejectsWhatIsNotAnObject(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"an array", `[1]`, "event is not a JSON object (found an array)"},
		{"a string", `"x"`, "event is not a JSON object (found a string)"},
		{"truncated JSON", `{"a":`, "invalid JSON at offset 5: unexpected end of input"},
		{"trailing garbage", `{} x`, "invalid JSON at offset 3: unexpected character 'x' after the document"},
		{"an invalid escape", `{"a":"\x"}`, "invalid JSON at offset 6: invalid escape sequence"},
		{"a bad number", `{"a":1.}`, "invalid JSON at offset 7: invalid number"},
		{"unterminated nesting deeper than is kept", `{"a":` + strings.Repeat("[", 100000), "unexpected end of input in a nested value"},
		{"empty input", ``, "invalid JSON at offset 0: unexpected end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Normalize([]byte(tt.in), baseOpts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeReferenceEvent(t *testing.T) {
	raw := referenceEvent(t)
	out, ev, err := Normalize(raw, NormalizeOptions{EventID: "2464e1fbba0090c8c2486dacc3d5fed1", ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	mustJSON(t, out)
	if ev.EventID != "2464e1fbba0090c8c2486dacc3d5fed1" || ev.Platform != "node" || ev.Level != "error" ||
		ev.Release != "shop@1.2.3" || ev.Environment != "production" || ev.ServerName != "web-1" {
		t.Errorf("typed view fields wrong: %+v", ev)
	}
	if len(ev.Exceptions) != 1 || len(ev.Exceptions[0].Stacktrace.Frames) != 18 {
		t.Fatalf("want 1 exception with 18 frames, got %+v", ev.Exceptions)
	}
	if ev.Trace.TraceID != "6e0ef15ede06506803e11fc01001116a" || ev.Trace.SpanID != "391cd42b4d98aa01" {
		t.Errorf("trace context = %+v", ev.Trace)
	}
	if ev.User == nil || ev.User.ID != "user-0" {
		t.Errorf("user = %+v", ev.User)
	}
	dec, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dec, ev) {
		t.Errorf("Decode(normalized) differs from Normalize's view:\n%+v\n%+v", dec, ev)
	}
}

// BenchmarkNormalize and the benchmarks below measure the reference event; the numbers and the
// choice they led to are in json.go's design note.
func BenchmarkNormalize(b *testing.B) {
	raw := referenceEvent(b)
	opts := NormalizeOptions{EventID: "2464e1fbba0090c8c2486dacc3d5fed1", ReceivedAt: received,
		SentAt: received.Add(-time.Second)}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Normalize(raw, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	norm, _, err := Normalize(referenceEvent(b), NormalizeOptions{ReceivedAt: received})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(norm)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(norm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTree is the tree parse alone (no normalization, no output).
func BenchmarkParseTree(b *testing.B) {
	raw := string(referenceEvent(b))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		t := treePool.Get().(*tree)
		if err := t.parse(raw, maxInputDepth); err != nil {
			b.Fatal(err)
		}
		t.release()
	}
}

// TestFramesOwnInApp checks that every frame's InApp is its own bool (decodeFrame shares two
// meanwhile), so that changing one frame's changes nothing else.
func TestFramesOwnInApp(t *testing.T) {
	_, ev, err := Normalize([]byte(`{"exception":{"values":[{"type":"E","stacktrace":{"frames":[
		{"function":"a","in_app":true},{"function":"b"},{"function":"c","in_app":true},{"function":"d","in_app":false}]}}]}}`), baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	frames := ev.Exceptions[0].Stacktrace.Frames
	if frames[1].InApp != nil || !*frames[0].InApp || !*frames[2].InApp || *frames[3].InApp {
		t.Fatalf("in_app read wrong: %v %v %v %v", frames[0].InApp, frames[1].InApp, frames[2].InApp, frames[3].InApp)
	}
	*frames[0].InApp = false
	if !*frames[2].InApp || !inAppTrue {
		t.Error("frames share their InApp")
	}
}
