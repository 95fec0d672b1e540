package otelexception

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// TestTemplateSplicesWhatNormalizeWrites holds the fast path (values written into the
// placeholder's JSON) to the slow one (the occurrence normalized in full): the same bytes and
// the same typed view, for timestamps across the window and for awkward exception text.
func TestTemplateSplicesWhatNormalizeWrites(t *testing.T) {
	received := time.Date(2026, 11, 26, 1, 2, 4, 987654321, time.UTC)
	java := javaException(t)
	awkward := &Exception{Type: "Err", Message: `"event_id":"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff" \ "trace_id":"x"`,
		Stacktrace: "\x00 garbage", SpanName: `"span_id":"d0d1d2d3d4d5d6d7"`, Language: "go"}
	for _, exc := range []*Exception{java, awkward} {
		tmpl := NewTemplate(exc, []string{"com.acme."}, nil)
		if tmpl.parts == nil {
			t.Fatalf("%s: the placeholder's JSON could not be cut", exc.Type)
		}
		for _, ts := range []time.Time{
			received, received.Add(-time.Nanosecond), received.Add(-time.Second), received.Add(-spliceWindow + time.Microsecond),
			time.Date(2026, 11, 25, 13, 0, 0, 1500, time.FixedZone("CET", 3600)),
		} {
			occ := Occurrence{EventID: EventID(ts.String()), TraceID: "4bf92f3577b34da6a3ce929d0e0e4736",
				SpanID: "00f067aa0ba902b7", Timestamp: ts, ReceivedAt: received}
			spliced, splicedView, err := tmpl.Build(occ)
			if err != nil {
				t.Fatal(err)
			}
			normalized, normalizedView, err := tmpl.normalize(Occurrence{EventID: occ.EventID, TraceID: occ.TraceID,
				SpanID: occ.SpanID, Timestamp: ts, ReceivedAt: received.Round(time.Microsecond)})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(spliced, normalized) {
				t.Errorf("%s at %s:\nspliced    %s\nnormalized %s", exc.Type, ts, spliced, normalized)
			}
			if !reflect.DeepEqual(splicedView, normalizedView) {
				t.Errorf("%s at %s: typed views differ:\nspliced    %+v\nnormalized %+v", exc.Type, ts, splicedView, normalizedView)
			}
		}
	}
}

func TestTemplateNormalizesWhatItCannotSplice(t *testing.T) {
	received := time.Date(2026, 11, 26, 1, 2, 4, 0, time.UTC)
	tmpl := NewTemplate(javaException(t), nil, nil)
	for name, occ := range map[string]Occurrence{
		"no trace":           {EventID: EventID("a"), Timestamp: received, ReceivedAt: received},
		"no timestamp":       {EventID: EventID("b"), TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", ReceivedAt: received},
		"from the future":    {EventID: EventID("c"), TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Timestamp: received.Add(time.Hour), ReceivedAt: received},
		"upper-case trace":   {EventID: EventID("d"), TraceID: "4BF92F3577B34DA6A3CE929D0E0E4736", SpanID: "00f067aa0ba902b7", Timestamp: received, ReceivedAt: received},
		"a year in the past": {EventID: EventID("e"), TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Timestamp: received.AddDate(-1, 0, 0), ReceivedAt: received},
	} {
		_, ev, err := tmpl.Build(occ)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ev.EventID != occ.EventID || ev.Timestamp.IsZero() || ev.Timestamp.After(received.Add(time.Minute)) {
			t.Errorf("%s: event %s at %s", name, ev.EventID, ev.Timestamp)
		}
	}
}

func TestTemplatesOfGoDumpsThatDifferInGoroutineAndArgumentsShareAKey(t *testing.T) {
	dump := func(goroutine, arg string) *Exception {
		return &Exception{Type: "*errors.errorString", Message: "boom", Language: "go", Stacktrace: "goroutine " + goroutine + ` [running]:
github.com/acme/orders.(*Service).Load(` + arg + `, 0x2a)
	/src/orders/service.go:42 +0x51
main.main()
	/src/main.go:17 +0x25
`}
	}
	a, b := dump("7", "0xc000012345"), dump("912", "0xc0000abcde")
	if a.Key() == b.Key() {
		t.Fatal("the texts differ, yet their exception keys are equal")
	}
	if ka, kb := NewTemplate(a, nil, nil).Key(), NewTemplate(b, nil, nil).Key(); ka == "" || ka != kb {
		t.Errorf("template keys differ for the same frames:\n%s\n%s", ka, kb)
	}
}
