package grouping

import "testing"

// One Grouper sees the same frames with different client in_app flags and, under a rule that
// reads the exception, different exception types: each event must group as a fresh Grouper
// groups it, whichever came first.
func TestStackCacheKeepsEventsApart(t *testing.T) {
	opts := Options{StackTraceRules: "error.type:Boom function:helper -group"}
	events := []string{
		`{"platform": "python", "exception": {"values": [{"type": "Boom", "value": "x", "stacktrace": {"frames": [
		  {"module": "app.a", "function": "run", "in_app": true}, {"module": "app.b", "function": "helper", "in_app": true}]}}]}}`,
		`{"platform": "python", "exception": {"values": [{"type": "Other", "value": "x", "stacktrace": {"frames": [
		  {"module": "app.a", "function": "run", "in_app": true}, {"module": "app.b", "function": "helper", "in_app": true}]}}]}}`,
		`{"platform": "python", "exception": {"values": [{"type": "Other", "value": "x", "stacktrace": {"frames": [
		  {"module": "app.a", "function": "run", "in_app": true}, {"module": "app.b", "function": "helper", "in_app": false}]}}]}}`,
		`{"platform": "python", "exception": {"values": [{"type": "Other", "value": "x", "stacktrace": {"frames": [
		  {"module": "app.a", "function": "run", "in_app": true}, {"module": "app.b", "function": "helper"}]}}]}}`,
	}
	want := make([]string, len(events))
	for i, ev := range events {
		want[i] = group(t, opts, ev).Primary()
	}
	if want[0] == want[1] || want[1] == want[2] {
		t.Fatalf("the inputs should group apart: %v", want)
	}
	shared, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 3; round++ {
		for i := range events {
			k := (i + round) % len(events)
			for _, hashesOnly := range []bool{false, true} {
				f := shared.Group
				if hashesOnly {
					f = shared.GroupHashes
				}
				res, _ := f(mustEvent(t, events[k]))
				if res.Primary() != want[k] {
					t.Errorf("round %d, event %d (hashes only %v): %s, want %s", round, k, hashesOnly, res.Primary(), want[k])
				}
			}
		}
	}
}
