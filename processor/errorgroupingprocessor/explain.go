package errorgroupingprocessor

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/faultline/faultline/internal/grouping"
)

// explainedGroupingsSize bounds the groupings whose last explanation time is remembered; a
// grouping that falls out is explained again on its next event, which costs one explanation.
const explainedGroupingsSize = 8192

// explanationSchedule decides which events carry the grouping explanation. The explanation (the
// variants and their component trees) is what the issue page shows for an issue; it is a pure
// function of the event and the grouping config, 10–20 KB of JSON for a typical stack trace, and
// events of one issue mostly explain alike. Putting it on every event made it most of what the
// persistent queue and the store moved, so each grouping gets it once per interval instead:
// the first event a collector sees of a grouping carries it, so every new issue starts with one.
type explanationSchedule struct {
	every time.Duration // 0: every event
	last  *lru.Cache[string, time.Time]
	now   func() time.Time
}

func newExplanationSchedule(every time.Duration) (*explanationSchedule, error) {
	last, err := lru.New[string, time.Time](explainedGroupingsSize)
	if err != nil {
		return nil, err
	}
	return &explanationSchedule{every: every, last: last, now: time.Now}, nil
}

// due reports whether the event grouped as res should carry the explanation, and if so counts it
// as given. Two events of a new grouping processed at once may both carry it, which is harmless.
func (s *explanationSchedule) due(res *grouping.Result) bool {
	if s.every == 0 {
		return true
	}
	key := res.Config + "/" + res.Primary()
	now := s.now()
	if at, ok := s.last.Get(key); ok && now.Sub(at) < s.every {
		return false
	}
	s.last.Add(key, now)
	return true
}
