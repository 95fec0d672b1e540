package errorgroupingprocessor

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/grouping"
	"github.com/faultline/faultline/processor/errorgroupingprocessor/internal/metadata"
)

// explained reports, per record in order, whether it carries the grouping explanation.
func explained(t *testing.T, cfg *Config, events ...string) []bool {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	ld := plog.NewLogs()
	for _, e := range events {
		record(t, ld, e)
	}
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	var got []bool
	out := sink.AllLogs()[0]
	for i := 0; i < out.ResourceLogs().Len(); i++ {
		v, ok := out.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(attrkey.GroupExplanation)
		if ok && len(v.Str()) < 100 {
			t.Fatalf("record %d: explanation too short to be one: %q", i, v.Str())
		}
		got = append(got, ok)
	}
	return got
}

const otherEvent = `{"event_id":"%s","platform":"node","level":"error","exception":{"values":[{"type":"RangeError","value":"too deep","stacktrace":{"frames":[
 {"filename":"/app/tree.js","abs_path":"/app/tree.js","function":"walk","lineno":7,"colno":1,"in_app":true}]}}]}}`

func TestExplanationOnTheFirstEventOfEachGrouping(t *testing.T) {
	got := explained(t, createDefaultConfig().(*Config),
		sprintf(nodeEvent, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1),
		sprintf(nodeEvent, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 2),
		sprintf(otherEvent, "cccccccccccccccccccccccccccccccc"))
	if want := []bool{true, false, true}; !slices.Equal(got, want) {
		t.Errorf("explanations on %v, want %v (first of each grouping within explanation_interval)", got, want)
	}

	every := createDefaultConfig().(*Config)
	every.ExplanationInterval = 0
	got = explained(t, every,
		sprintf(nodeEvent, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1),
		sprintf(nodeEvent, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 2))
	if want := []bool{true, true}; !slices.Equal(got, want) {
		t.Errorf("explanation_interval 0: explanations on %v, want %v", got, want)
	}
}

func TestExplanationAgainAfterTheInterval(t *testing.T) {
	s, err := newExplanationSchedule(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	res := &grouping.Result{Config: grouping.DefaultConfig, Hashes: []string{"0123456789abcdef0123456789abcdef"}}
	steps := []struct {
		after time.Duration
		want  bool
	}{{0, true}, {30 * time.Second, false}, {29 * time.Second, false}, {time.Second, true}, {time.Second, false}}
	for i, st := range steps {
		now = now.Add(st.after)
		if got := s.due(res); got != st.want {
			t.Errorf("step %d (+%s): due = %v, want %v", i, st.after, got, st.want)
		}
	}
}
