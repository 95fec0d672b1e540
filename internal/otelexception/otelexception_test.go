package otelexception

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func javaException(t *testing.T) *Exception {
	t.Helper()
	trace, err := os.ReadFile(filepath.Join("testdata", "java-caused-by.txt"))
	if err != nil {
		t.Fatal(err)
	}
	escaped := true
	return &Exception{
		Type: "java.lang.IllegalStateException", Message: "order 42 has a bad price", Stacktrace: string(trace),
		Escaped: &escaped, ServiceName: "shop", ServiceVersion: "shop@2.3.0", Environment: "production",
		Language: "java", SDKName: "opentelemetry", SDKVersion: "1.52.0", HostName: "shop-7f9c",
		SpanName: "GET /orders/{id}", Level: "error",
	}
}

var occurrence = Occurrence{
	EventID: EventID("t", "s", "0"), TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7",
	Timestamp: time.Date(2026, 11, 26, 1, 2, 3, 456000000, time.UTC), ReceivedAt: time.Date(2026, 11, 26, 1, 2, 4, 0, time.UTC),
}

func TestBuildMapsServiceSpanAndTraceToTheSentryEvent(t *testing.T) {
	exc := javaException(t)
	normalized, ev, err := Build(exc, occurrence, []string{"com.acme."})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ field, got, want string }{
		{"event_id", ev.EventID, EventID("t", "s", "0")},
		{"platform", ev.Platform, "java"},
		{"level", ev.Level, "error"},
		{"release", ev.Release, "shop@2.3.0"},
		{"environment", ev.Environment, "production"},
		{"transaction", ev.Transaction, "GET /orders/{id}"},
		{"contexts.trace.trace_id", ev.Trace.TraceID, occurrence.TraceID},
		{"contexts.trace.span_id", ev.Trace.SpanID, occurrence.SpanID},
		{"sdk.name", ev.SDK.Name, "opentelemetry"},
		{"timestamp", ev.Timestamp.UTC().Format(time.RFC3339Nano), "2026-11-26T01:02:03.456Z"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	tags := map[string]string{}
	for _, tag := range ev.Tags {
		tags[tag.Key] = tag.Value
	}
	if tags[TagService] != "shop" || tags[TagSpanName] != "GET /orders/{id}" || tags["server_name"] != "shop-7f9c" {
		t.Errorf("tags = %v, want service, span.name and server_name", tags)
	}

	// The cause first, the exception raised last: Sentry's order.
	if len(ev.Exceptions) != 2 {
		t.Fatalf("%d exceptions, want the chain of 2", len(ev.Exceptions))
	}
	cause, raised := ev.Exceptions[0], ev.Exceptions[1]
	if cause.Type != "NumberFormatException" || raised.Type != "IllegalStateException" || raised.Module != "java.lang" ||
		raised.Value != "order 42 has a bad price" {
		t.Errorf("chain = %s.%s / %s.%s: %q", cause.Module, cause.Type, raised.Module, raised.Type, raised.Value)
	}
	if raised.Mechanism == nil || raised.Mechanism.Type != MechanismType || raised.Mechanism.Handled == nil || *raised.Mechanism.Handled {
		t.Errorf("mechanism = %+v, want unhandled %s (the exception escaped its span)", raised.Mechanism, MechanismType)
	}
	frames := raised.Stacktrace.Frames
	last := frames[len(frames)-1]
	if last.Function != "loadOrder" || last.Module != "com.acme.shop.OrderService" || last.Lineno != 42 || last.InApp == nil || !*last.InApp {
		t.Errorf("innermost frame = %+v, want in-app com.acme.shop.OrderService.loadOrder:42", last)
	}
	if first := frames[0]; first.InApp == nil || *first.InApp {
		t.Errorf("outermost frame %s.%s is in-app; only com.acme. frames are", first.Module, first.Function)
	}

	// The JSON is what the store keeps and the API shows: it parses and says the same.
	var doc struct {
		Contexts struct {
			Trace struct {
				TraceID string `json:"trace_id"`
			} `json:"trace"`
		} `json:"contexts"`
	}
	if err := json.Unmarshal(normalized, &doc); err != nil || doc.Contexts.Trace.TraceID != occurrence.TraceID {
		t.Errorf("normalized JSON trace id %q (%v)", doc.Contexts.Trace.TraceID, err)
	}
}

func TestBuildWithoutAReadableStackTraceKeepsTypeAndMessage(t *testing.T) {
	for _, text := range []string{"", "something went wrong somewhere\nno frames here"} {
		_, ev, err := Build(&Exception{Type: "PaymentError", Message: "card 4242 declined", Stacktrace: text, Language: "elixir"},
			Occurrence{EventID: EventID("x")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Exceptions) != 1 || ev.Exceptions[0].Type != "PaymentError" || ev.Exceptions[0].Value != "card 4242 declined" ||
			ev.Exceptions[0].Stacktrace != nil {
			t.Errorf("stack trace %q: exceptions = %+v, want the type and message alone", text, ev.Exceptions)
		}
		if ev.Platform != "elixir" || ev.Level != "error" {
			t.Errorf("platform %q level %q, want elixir / error", ev.Platform, ev.Level)
		}
	}
}

func TestBuildDetectsThePlatformWhenTheLanguageIsUnknown(t *testing.T) {
	exc := javaException(t)
	exc.Language = ""
	_, ev, err := Build(exc, Occurrence{EventID: EventID("x")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Platform != "java" {
		t.Errorf("platform %q, want java from the stack trace's format", ev.Platform)
	}
}

func TestEventIDIsStableAndSeparatesItsParts(t *testing.T) {
	a := EventID("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "0")
	if len(a) != 32 || a != EventID("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "0") {
		t.Errorf("EventID = %q: want the same 32 hex digits for the same exception", a)
	}
	if EventID("ab", "c") == EventID("a", "bc") {
		t.Error("EventID joins parts without a separator")
	}
}

func TestOccurrencesOfATemplateDifferOnlyInIDsAndTime(t *testing.T) {
	exc := javaException(t)
	tmpl := NewTemplate(exc, []string{"com.acme."}, nil)
	second := Occurrence{EventID: EventID("t2"), TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b7ad6b7169203331",
		Timestamp: occurrence.Timestamp.Add(time.Minute), ReceivedAt: occurrence.ReceivedAt.Add(time.Minute)}
	_, a, err := tmpl.Build(occurrence)
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := tmpl.Build(second)
	if err != nil {
		t.Fatal(err)
	}
	if b.EventID != second.EventID || b.Trace.TraceID != second.TraceID || a.Trace.TraceID != occurrence.TraceID ||
		!b.Timestamp.Equal(second.Timestamp) {
		t.Errorf("second occurrence: id %s trace %s at %s; first trace %s", b.EventID, b.Trace.TraceID, b.Timestamp, a.Trace.TraceID)
	}
	if len(b.Exceptions) != len(a.Exceptions) || !reflect.DeepEqual(b.Exceptions, a.Exceptions) {
		t.Error("the occurrences of one template have different exceptions")
	}
	other := *exc
	other.Message = "order 43 has a bad price"
	if exc.Key() == other.Key() || exc.Key() != javaException(t).Key() {
		t.Error("Key does not tell exceptions apart by their message, or differs for equal ones")
	}
}

// BenchmarkBuildJava is the cost of one occurrence of an exception whose template is known
// (the processor's cache hit) against building it from the stack-trace text.
func BenchmarkBuildJava(b *testing.B) {
	trace, err := os.ReadFile(filepath.Join("testdata", "java-caused-by.txt"))
	if err != nil {
		b.Fatal(err)
	}
	exc := &Exception{Type: "java.lang.IllegalStateException", Message: "order 42 has a bad price", Stacktrace: string(trace),
		ServiceName: "shop", ServiceVersion: "shop@2.3.0", Language: "java", SpanName: "GET /orders/{id}"}
	prefixes := []string{"com.acme."}
	b.Run("template", func(b *testing.B) {
		tmpl := NewTemplate(exc, prefixes, nil)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := tmpl.Build(occurrence); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Build(exc, occurrence, prefixes); err != nil {
				b.Fatal(err)
			}
		}
	})
}
