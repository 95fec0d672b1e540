package scrub

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/sentry/event"
)

// referenceEvent is the event item of the reference envelope (event/testdata/node-error.envelope).
func referenceEvent(b testing.TB) []byte {
	data, err := os.ReadFile("../event/testdata/node-error.envelope")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) < 3 {
		b.Fatal("reference envelope has no event item")
	}
	return lines[2]
}

// BenchmarkNormalizeReferenceEvent measures scrubbing as the difference between its
// sub-benchmarks: "plain" is Normalize alone, the others add a scrubbing pass. Run them in the
// same invocation (-count several) and compare: the machine's speed varies between runs.
func BenchmarkNormalizeReferenceEvent(b *testing.B) {
	raw := referenceEvent(b)
	opts := event.NormalizeOptions{ReceivedAt: received}
	configs := []struct {
		name string
		cfg  *Config
	}{
		{"plain", nil},
		{"defaults", &Config{ScrubDefaults: true}},
		{"defaults+ip", &Config{ScrubDefaults: true, ScrubIPAddresses: true}},
		{"defaults+rules", &Config{ScrubDefaults: true, Applications: map[string][]string{
			"$string": {"@email:replace"}, "$http.headers.x-custom-token": {"@anything:remove"}}}},
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			var s *Scrubber
			if c.cfg != nil {
				var err error
				if s, err = Compile(*c.cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				o := opts
				var ss *Session
				if s != nil {
					ss = s.Session()
					o.Editor = ss
				}
				if _, _, err := event.Normalize(raw, o); err != nil {
					b.Fatal(err)
				}
				if ss != nil {
					ss.Release()
				}
			}
		})
	}
}

// TestCleanEventAllocatesNothingMore checks that scrubbing an event nothing matches in adds no
// allocation to Normalize.
func TestCleanEventAllocatesNothingMore(t *testing.T) {
	raw := referenceEvent(t)
	s, err := Compile(Config{ScrubDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := event.NormalizeOptions{ReceivedAt: received}
	plain := testing.AllocsPerRun(50, func() { event.Normalize(raw, opts) })
	scrubbed := testing.AllocsPerRun(50, func() {
		ss := s.Session()
		o := opts
		o.Editor = ss
		event.Normalize(raw, o)
		ss.Release()
	})
	if scrubbed > plain {
		t.Fatalf("Normalize allocates %.0f times with scrubbing, %.0f without", scrubbed, plain)
	}
}

// BenchmarkScrubbingCost alternates blocks of plain and scrubbed (defaults) normalization of the
// reference event in one loop, so both see the same machine load, and reports each one's time
// per event and their difference: the cost scrubbing adds to an event.
func BenchmarkScrubbingCost(b *testing.B) {
	raw := referenceEvent(b)
	s, err := Compile(Config{ScrubDefaults: true})
	if err != nil {
		b.Fatal(err)
	}
	opts := event.NormalizeOptions{ReceivedAt: received}
	const block = 200
	var plain, scrubbed time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		for range block {
			event.Normalize(raw, opts)
		}
		mid := time.Now()
		for range block {
			ss := s.Session()
			o := opts
			o.Editor = ss
			event.Normalize(raw, o)
			ss.Release()
		}
		plain += mid.Sub(start)
		scrubbed += time.Since(mid)
		n += block
	}
	b.ReportMetric(float64(plain.Nanoseconds())/float64(n), "plain-ns/event")
	b.ReportMetric(float64(scrubbed.Nanoseconds())/float64(n), "scrubbed-ns/event")
	b.ReportMetric(float64((scrubbed-plain).Nanoseconds())/float64(n), "added-ns/event")
}
