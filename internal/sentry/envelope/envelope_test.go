package envelope

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

type wantItem struct {
	typ     string
	payload string
}

func TestParseAcceptsWhatSDKsSend(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		eventID string
		items   []wantItem
	}{
		{
			name:    "sentry-go event with explicit lengths, an empty attachment and a final newline",
			in:      "{\"event_id\":\"b81c5be4d31e48959103a1f878a1efcb\",\"sent_at\":\"1970-01-01T00:00:00Z\",\"dsn\":\"http://public@example.com/sentry/1\"}\n{\"type\":\"event\",\"length\":35}\n{\"type\":\"event\",\"fields\":\"omitted\"}\n{\"type\":\"attachment\",\"length\":0,\"filename\":\"empty.txt\"}\n\n{\"type\":\"attachment\",\"length\":19,\"filename\":\"non-empty.txt\",\"content_type\":\"text/html\"}\n<h1>Look, HTML</h1>\n",
			eventID: "b81c5be4d31e48959103a1f878a1efcb",
			items:   []wantItem{{"event", `{"type":"event","fields":"omitted"}`}, {"attachment", ""}, {"attachment", "<h1>Look, HTML</h1>"}},
		},
		{
			name:  "JS items without length and without a final newline",
			in:    "{}\n{\"type\":\"event\"}\n{\"message\":\"hi\"}\n{\"type\":\"client_report\"}\n{\"discarded_events\":[]}",
			items: []wantItem{{"event", `{"message":"hi"}`}, {"client_report", `{"discarded_events":[]}`}},
		},
		{
			name:  "a length payload may contain newlines and a CR, and end at EOF",
			in:    "{}\n{\"type\":\"attachment\",\"length\":10}\n\xef\xbb\xbfHello\r\n",
			items: []wantItem{{"attachment", "\xef\xbb\xbfHello\r\n"}},
		},
		{
			name:  "an item header at EOF has an empty payload",
			in:    "{}\n{\"type\":\"session\"}",
			items: []wantItem{{"session", ""}},
		},
		{
			name:  "an implicit-length empty payload",
			in:    "{}\n{\"type\":\"session\"}\n\n{\"type\":\"event\"}\n{}\n",
			items: []wantItem{{"session", ""}, {"event", "{}"}},
		},
		{
			name:  "a header alone is a valid envelope without items",
			in:    "{}",
			items: nil,
		},
		{
			name:  "blank lines after the last item are tolerated",
			in:    "{}\n{\"type\":\"event\"}\n{}\n\n\n",
			items: []wantItem{{"event", "{}"}},
		},
		{
			name:  "unknown item types are skipped and their siblings kept",
			in:    "{}\n{\"type\":\"future_thing\",\"length\":3}\nabc\n{\"type\":\"future_thing\"}\nabc\n{\"type\":\"event\"}\n{}",
			items: []wantItem{{"event", "{}"}},
		},
		{
			name:    "a dashed upper-case event id is normalized",
			in:      "{\"event_id\":\"9EC79C33-EC99-42AB-8353-589FCB2E04DC\"}\n",
			eventID: "9ec79c33ec9942ab8353589fcb2e04dc",
		},
		{
			name:  "every item type of the reference",
			in:    allTypes(),
			items: allTypeItems(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := Parse(strings.NewReader(tt.in), DefaultLimits())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if env.Header.EventID != tt.eventID {
				t.Errorf("event id %q, want %q", env.Header.EventID, tt.eventID)
			}
			if len(env.Items) != len(tt.items) {
				t.Fatalf("%d items, want %d: %+v", len(env.Items), len(tt.items), env.Items)
			}
			for i, w := range tt.items {
				if env.Items[i].Type != w.typ || string(env.Items[i].Payload) != w.payload {
					t.Errorf("item %d = %q %q, want %q %q", i, env.Items[i].Type, env.Items[i].Payload, w.typ, w.payload)
				}
			}
			if len(env.Dropped) != 0 {
				t.Errorf("dropped %+v", env.Dropped)
			}
		})
	}
}

var referenceTypes = []string{"event", "transaction", "attachment", "session", "sessions", "client_report", "user_report",
	"feedback", "check_in", "log", "trace_metric", "span", "profile", "profile_chunk", "replay_event", "replay_recording",
	"replay_video", "statsd", "metric_buckets", "security", "raw_security", "nel", "form_data", "unreal_report"}

func allTypes() string {
	var b strings.Builder
	b.WriteString("{}\n")
	for _, typ := range referenceTypes {
		b.WriteString(`{"type":"` + typ + `"}` + "\n{}\n")
	}
	return b.String()
}

func allTypeItems() []wantItem {
	var items []wantItem
	for _, typ := range referenceTypes {
		items = append(items, wantItem{typ, "{}"})
	}
	return items
}

func TestParseReadsHeaderFields(t *testing.T) {
	in := "{\"event_id\":\"b81c5be4d31e48959103a1f878a1efcb\",\"sent_at\":\"2026-11-25T22:22:25.401050103Z\",\"dsn\":\"http://k@h/1\",\"x\":1}\n" +
		"{\"type\":\"log\",\"item_count\":3,\"content_type\":\"application/vnd.sentry.items.log+json\",\"filename\":\"f\",\"attachment_type\":\"event.attachment\"}\n{}"
	env, err := Parse(strings.NewReader(in), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	h := env.Header
	if h.DSN != "http://k@h/1" || !h.SentAt.Equal(time.Date(2026, 11, 25, 22, 22, 25, 401050103, time.UTC)) || !bytes.Contains(h.Raw, []byte(`"x":1`)) {
		t.Errorf("header %+v", h)
	}
	it := env.Items[0]
	if it.ItemCount != 3 || it.ContentType != "application/vnd.sentry.items.log+json" || it.Filename != "f" || it.AttachmentType != "event.attachment" {
		t.Errorf("item %+v", it)
	}
}

func TestParseRejectsBrokenFraming(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		kind   Kind
		detail string
	}{
		{"an empty body", "", KindEmpty, "empty request body"},
		{"a header that is not JSON", "{\"event_id\":\n", KindMalformed, "invalid envelope header"},
		{"a header that is an array", "[]\n", KindMalformed, "is not a JSON object"},
		{"a header with invalid UTF-8", "{\"a\":\"\xff\"}\n", KindMalformed, "not valid UTF-8"},
		{"a bad event id", "{\"event_id\":\"xyz\"}\n", KindMalformed, "is not a UUID"},
		{"an item header that is not JSON", "{}\n{type:event}\n{}", KindMalformed, "invalid item header"},
		{"an item header without type", "{}\n{\"length\":2}\n{}", KindMalformed, "missing item type"},
		{"a negative length", "{}\n{\"type\":\"event\",\"length\":-1}\n{}", KindMalformed, "not a non-negative integer"},
		{"a string length", "{}\n{\"type\":\"event\",\"length\":\"2\"}\n{}", KindMalformed, "not a non-negative integer"},
		{"a payload shorter than its length", "{}\n{\"type\":\"event\",\"length\":50}\n{}", KindMalformed, "unexpected end of file after 2 of 50"},
		{"a payload longer than its length", "{}\n{\"type\":\"event\",\"length\":1}\n{}", KindMalformed, "missing newline after header or payload"},
		{"a length at EOF", "{}\n{\"type\":\"event\",\"length\":5}", KindMalformed, "unexpected end of file, 5 payload bytes announced"},
		{"a deeply nested header", "{\"a\":" + strings.Repeat("[", 100000) + "\n", KindMalformed, "invalid envelope header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), DefaultLimits())
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.kind || !strings.Contains(e.Error(), tt.detail) {
				t.Fatalf("got %v, want %v containing %q", err, tt.kind, tt.detail)
			}
		})
	}
}

func TestParseDropsOversizedItemsAndKeepsSiblings(t *testing.T) {
	l := DefaultLimits()
	l.MaxEventSize = 10
	l.MaxAttachmentCount = 1
	in := "{}\n" +
		"{\"type\":\"event\"}\n{\"message\":\"far too long\"}\n" +
		"{\"type\":\"transaction\",\"length\":20}\n{\"a\":\"0123456789ab\"}\n" +
		"{\"type\":\"attachment\",\"length\":1}\na\n" +
		"{\"type\":\"attachment\",\"length\":1}\nb\n" +
		"{\"type\":\"client_report\"}\n{}\n"
	env, err := Parse(strings.NewReader(in), l)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Items) != 2 || env.Items[0].Type != "attachment" || string(env.Items[0].Payload) != "a" || env.Items[1].Type != "client_report" {
		t.Errorf("items %+v", env.Items)
	}
	want := []Dropped{
		{Type: "event", Size: 26, Reason: `item of 26 bytes exceeds the 10 byte limit for type "event"`},
		{Type: "transaction", Size: 20, Reason: `item of 20 bytes exceeds the 10 byte limit for type "transaction"`},
		{Type: "attachment", Size: 1, Reason: "more than 1 attachments in one envelope"},
	}
	if len(env.Dropped) != len(want) {
		t.Fatalf("dropped %+v", env.Dropped)
	}
	for i := range want {
		if env.Dropped[i] != want[i] {
			t.Errorf("dropped[%d] = %+v, want %+v", i, env.Dropped[i], want[i])
		}
	}
}

func TestParseLimitsContainersByAverageItemSize(t *testing.T) {
	l := DefaultLimits()
	l.MaxLogSize = 10
	l.MaxContainerSize = 25
	in := "{}\n{\"type\":\"log\",\"item_count\":2}\n{\"items\":[1,2]}\n{\"type\":\"log\",\"item_count\":3}\n{\"items\":[\"0123456789\",\"x\"]}\n"
	env, err := Parse(strings.NewReader(in), l)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Items) != 1 || len(env.Dropped) != 1 || env.Dropped[0].Reason != `item of 28 bytes exceeds the 25 byte limit for type "log"` {
		t.Errorf("items %+v dropped %+v", env.Items, env.Dropped)
	}
}

func TestParseStopsAtTheEnvelopeLimit(t *testing.T) {
	l := DefaultLimits()
	l.MaxEnvelopeSize = 100
	in := "{}\n{\"type\":\"attachment\",\"length\":200}\n" + strings.Repeat("a", 200) + "\n"
	_, err := Parse(strings.NewReader(in), l)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTooLarge {
		t.Fatalf("got %v, want too large", err)
	}
	exact := "{}\n{\"type\":\"event\"}\n{}"
	l.MaxEnvelopeSize = int64(len(exact))
	if _, err := Parse(strings.NewReader(exact), l); err != nil {
		t.Errorf("a body of exactly the limit: %v", err)
	}
}

func TestParseDoesNotTrustALargeDeclaredLength(t *testing.T) {
	in := "{}\n{\"type\":\"attachment\",\"length\":150000000}\nshort"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Parse(strings.NewReader(in), DefaultLimits())
	runtime.ReadMemStats(&after)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindMalformed {
		t.Fatalf("got %v, want malformed", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("a 150 MB claim on a 5 byte payload allocated %d bytes", grew)
	}
}

func TestParseReadsALargeAttachmentWholly(t *testing.T) {
	data := strings.Repeat("0123456789", 300000)
	in := "{}\n{\"type\":\"attachment\",\"length\":3000000}\n" + data + "\n{\"type\":\"event\"}\n{}"
	env, err := Parse(strings.NewReader(in), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Items) != 2 || string(env.Items[0].Payload) != data {
		t.Errorf("%d items, first %d bytes", len(env.Items), len(env.Items[0].Payload))
	}
}

func TestParseBoundsHeaderLinesAndItemCount(t *testing.T) {
	l := DefaultLimits()
	l.MaxHeaderSize = 16
	_, err := Parse(strings.NewReader(`{"a":"`+strings.Repeat("x", 64)+`"}`), l)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTooLarge {
		t.Errorf("long header: got %v", err)
	}
}

func TestParseKeepsMaxItemsAndCountsWhatItDropsOrSkips(t *testing.T) {
	l := DefaultLimits()
	l.MaxItems = 2
	in := "{}\n" + strings.Repeat("{\"type\":\"x-unknown\"}\n{}\n", 9999) + strings.Repeat("{\"type\":\"event\"}\n{}\n", 500)
	env, err := Parse(strings.NewReader(in), l)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Items) != 2 || env.Skipped != 9999 || env.DroppedByType["event"] != 498 {
		t.Errorf("%d items kept, %d skipped, %v dropped; want 2, 9999, 498 events", len(env.Items), env.Skipped, env.DroppedByType)
	}
	if len(env.Dropped) != maxListedDrops || env.Dropped[0].Reason != "more than 2 items in one envelope" {
		t.Errorf("%d drops listed, the first %+v; want %d, for the item count", len(env.Dropped), env.Dropped[0], maxListedDrops)
	}
}

func TestParseReferenceEnvelope(t *testing.T) {
	b, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		t.Fatal(err)
	}
	env, err := Parse(bytes.NewReader(b), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if env.Header.EventID != "2464e1fbba0090c8c2486dacc3d5fed1" || len(env.Items) != 1 || env.Items[0].Type != "event" || len(env.Items[0].Payload) < 9000 {
		t.Errorf("header %+v, %d items", env.Header, len(env.Items))
	}
}

func BenchmarkParseReferenceEnvelope(b *testing.B) {
	data, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		b.Fatal(err)
	}
	l := DefaultLimits()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	r := bytes.NewReader(data)
	start := processCPU()
	for b.Loop() {
		r.Reset(data)
		if _, err := Parse(r, l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

func TestParseReadsPastPayloadsNobodyReads(t *testing.T) {
	l := DefaultLimits()
	l.MaxAttachmentSize = 8
	l.KeepPayload = func(typ string) bool { return typ == "event" }
	in := "{}\n{\"type\":\"attachment\",\"length\":5}\nhello\n{\"type\":\"attachment\"}\nhi\n{\"type\":\"attachment\"}\n0123456789\n{\"type\":\"event\"}\n{}"
	env, err := Parse(strings.NewReader(in), l)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Items) != 3 || env.Items[0].Payload != nil || env.Items[0].Size != 5 || env.Items[1].Size != 2 ||
		string(env.Items[2].Payload) != "{}" || env.Items[2].Size != 2 {
		t.Errorf("items %+v", env.Items)
	}
	if len(env.Dropped) != 1 || env.Dropped[0].Size != 10 {
		t.Errorf("the oversized attachment is not dropped: %+v", env.Dropped)
	}
}
