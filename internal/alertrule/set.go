package alertrule

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Event is what filters read of the event that triggered a rule.
type Event struct {
	Level, Environment, Release, Platform, Source string
	Tags                                          []Tag
}

// Tag is one event tag.
type Tag struct{ Key, Value string }

// Firing is a rule that fires for an issue, with the trigger kind that made it fire.
type Firing struct {
	Rule    *Rule
	Trigger string
}

// Exceeds reports whether an issue has more than threshold events (users false) or distinct
// users within window. Taking the threshold lets the store answer from bounds it already has
// (an issue's distinct users of all time) without counting.
type Exceeds func(window time.Duration, users bool, threshold int64) bool

// Set is a compiled set of rules: what the write path consults. A nil *Set has no rules.
type Set struct {
	projects map[int64]*Project
}

// Project is the compiled rules of one project.
type Project struct {
	rules []compiled
	// states says which of new_issue, regression, escalation any rule uses.
	states map[string]bool
	// eventWindows and userWindows are the distinct windows of frequency and users triggers:
	// the store keeps counts for these and no others.
	eventWindows, userWindows []time.Duration
	// userFloor is the least threshold of the users triggers: an issue with no more distinct
	// users than that, ever, cannot fire any of them.
	userFloor int64
}

type compiled struct {
	rule     *Rule
	states   map[string]bool
	windowed []Trigger // frequency and users triggers
	minLevel int       // index into Levels; -1 accepts any level
}

// Compile validates rules and builds the Set the write path consults. Every rule must have a
// Key, unique across the set.
func Compile(rules []Rule) (*Set, error) {
	s := &Set{projects: map[int64]*Project{}}
	keys := map[string]bool{}
	for i := range rules {
		r := &rules[i]
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		if r.Key == "" || keys[r.Key] {
			return nil, fmt.Errorf("rule %q: key %q is empty or used twice", r.Name, r.Key)
		}
		keys[r.Key] = true
		p := s.projects[r.Project]
		if p == nil {
			p = &Project{states: map[string]bool{}}
			s.projects[r.Project] = p
		}
		c := compiled{rule: r, states: map[string]bool{}, minLevel: slices.Index(Levels, r.Filters.Level)}
		for _, t := range r.Triggers {
			switch t.Kind {
			case Frequency:
				c.windowed = append(c.windowed, t)
				p.eventWindows = appendNew(p.eventWindows, t.Window)
			case Users:
				c.windowed = append(c.windowed, t)
				if len(p.userWindows) == 0 || t.Threshold < p.userFloor {
					p.userFloor = t.Threshold
				}
				p.userWindows = appendNew(p.userWindows, t.Window)
			default:
				c.states[t.Kind] = true
				p.states[t.Kind] = true
			}
		}
		p.rules = append(p.rules, c)
	}
	for _, p := range s.projects {
		slices.Sort(p.eventWindows)
		slices.Sort(p.userWindows)
	}
	return s, nil
}

func appendNew(ws []time.Duration, w time.Duration) []time.Duration {
	if slices.Contains(ws, w) {
		return ws
	}
	return append(ws, w)
}

// Project returns the compiled rules of a project, nil when it has none.
func (s *Set) Project(id int64) *Project {
	if s == nil {
		return nil
	}
	return s.projects[id]
}

// Rules lists every rule of the set.
func (s *Set) Rules() []*Rule {
	if s == nil {
		return nil
	}
	var out []*Rule
	for _, p := range s.projects {
		for _, c := range p.rules {
			out = append(out, c.rule)
		}
	}
	slices.SortFunc(out, func(a, b *Rule) int {
		if c := cmp.Compare(a.Project, b.Project); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out
}

// Watches reports whether any rule of the project fires on a state trigger (new_issue,
// regression, escalation).
func (p *Project) Watches(kind string) bool { return p != nil && p.states[kind] }

// EventWindows are the windows the project's frequency triggers count events in.
func (p *Project) EventWindows() []time.Duration { return p.eventWindows }

// UserWindows are the windows the project's users triggers count distinct users in.
func (p *Project) UserWindows() []time.Duration { return p.userWindows }

// UserFloor is the least threshold of the project's users triggers (0 without any): they can
// only fire for an issue that has had more distinct users than that.
func (p *Project) UserFloor() int64 { return p.userFloor }

// OnState appends to out the rules that fire because ev changed its issue's state (kind is
// new_issue, regression or escalation).
func (p *Project) OnState(out []Firing, kind string, ev *Event) []Firing {
	for i := range p.rules {
		c := &p.rules[i]
		if c.states[kind] && c.accepts(ev) {
			out = append(out, Firing{Rule: c.rule, Trigger: kind})
		}
	}
	return out
}

// OnCounts appends to out the rules whose frequency or users trigger holds for an issue.
// exceeds is asked only for the triggers of rules that quiet does not rule out (they notified
// the issue within their action interval), and ev (the latest event) only once a trigger
// holds. A users trigger asks about the distinct users only when the window has more events than
// its threshold, since it cannot have more users than events.
func (p *Project) OnCounts(out []Firing, exceeds Exceeds, quiet func(*Rule) bool, ev func() *Event) []Firing {
	var e *Event
	for i := range p.rules {
		c := &p.rules[i]
		if len(c.windowed) == 0 || quiet(c.rule) {
			continue
		}
		for _, t := range c.windowed {
			if !exceeds(t.Window, false, t.Threshold) || (t.Kind == Users && !exceeds(t.Window, true, t.Threshold)) {
				continue
			}
			if e == nil {
				e = ev()
			}
			if c.accepts(e) {
				out = append(out, Firing{Rule: c.rule, Trigger: t.Kind})
			}
			break
		}
	}
	return out
}

// accepts reports whether ev passes every filter of the rule.
func (c *compiled) accepts(ev *Event) bool {
	f := &c.rule.Filters
	if c.minLevel >= 0 && slices.Index(Levels, ev.Level) < c.minLevel {
		return false
	}
	if (f.Environment != "" && f.Environment != ev.Environment) ||
		(f.Release != "" && f.Release != ev.Release) ||
		(f.Platform != "" && f.Platform != ev.Platform) ||
		(f.Source != "" && f.Source != ev.Source) {
		return false
	}
	for k, v := range f.Tags {
		found := false
		for _, t := range ev.Tags {
			if t.Key == k && t.Value == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
