package alertrule

import (
	"strings"
	"testing"
	"time"
)

func validRule() Rule {
	return Rule{Key: "config:r", Name: "r", Project: 1, Triggers: []Trigger{{Kind: NewIssue}}, Targets: []string{"slack"}}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name   string
		change func(r *Rule)
		want   string
	}{
		{"no name", func(r *Rule) { r.Name = " " }, "name must be set"},
		{"bad project", func(r *Rule) { r.Project = 0 }, "project 0"},
		{"no trigger", func(r *Rule) { r.Triggers = nil }, "triggers must name"},
		{"unknown kind", func(r *Rule) { r.Triggers = []Trigger{{Kind: "spike"}} }, `triggers[0]: kind "spike"`},
		{"odd window", func(r *Rule) { r.Triggers = []Trigger{{Kind: Frequency, Threshold: 10, Window: 2 * time.Minute}} }, "triggers[0]: window 2m0s"},
		{"negative threshold", func(r *Rule) { r.Triggers = []Trigger{{Kind: Users, Threshold: -1, Window: time.Hour}} }, "threshold -1"},
		{"threshold on a state trigger", func(r *Rule) { r.Triggers = []Trigger{{Kind: Regression, Threshold: 3}} }, "takes no threshold"},
		{"bad level", func(r *Rule) { r.Filters.Level = "critical" }, `filters: level "critical"`},
		{"bad source", func(r *Rule) { r.Filters.Source = "relay" }, `filters: source "relay"`},
		{"empty tag key", func(r *Rule) { r.Filters.Tags = map[string]string{"": "x"} }, "filters: tags"},
		{"negative interval", func(r *Rule) { r.ActionInterval = -time.Second }, "action_interval"},
		{"no target", func(r *Rule) { r.Targets = nil }, "targets must name"},
		{"target twice", func(r *Rule) { r.Targets = []string{"a", "a"} }, `targets[1]: "a" is named twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validRule()
			c.change(&r)
			err := r.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, c.want)
			}
		})
	}
	r := validRule()
	if err := r.Validate(); err != nil {
		t.Fatalf("valid rule: %v", err)
	}
}

func TestCheckTargetsRefusesUnconfiguredTargets(t *testing.T) {
	r := validRule()
	r.Targets = []string{"slack", "http://169.254.169.254/"}
	err := r.CheckTargets(func(n string) bool { return n == "slack" })
	if err == nil || !strings.Contains(err.Error(), `targets[1]: "http://169.254.169.254/" is not a configured target`) {
		t.Fatalf("CheckTargets = %v", err)
	}
}

func TestStateTriggersHonourFilters(t *testing.T) {
	prod := validRule()
	prod.Key, prod.Name = "config:prod", "prod"
	prod.Triggers = []Trigger{{Kind: NewIssue}, {Kind: Regression}}
	prod.Filters = Filters{Level: "error", Environment: "production", Source: SourceSentry, Tags: map[string]string{"team": "web"}}
	any := validRule()
	any.Key, any.Name = "config:any", "any"
	any.Triggers = []Trigger{{Kind: Escalation}}
	set, err := Compile([]Rule{prod, any})
	if err != nil {
		t.Fatal(err)
	}
	p := set.Project(1)
	if set.Project(2) != nil {
		t.Fatal("project 2 has no rules")
	}
	if !p.Watches(NewIssue) || !p.Watches(Escalation) {
		t.Fatal("Watches misses a used trigger")
	}
	ev := &Event{Level: "fatal", Environment: "production", Source: SourceSentry, Tags: []Tag{{"team", "web"}}}
	if got := p.OnState(nil, Regression, ev); len(got) != 1 || got[0].Rule.Name != "prod" || got[0].Trigger != Regression {
		t.Fatalf("regression in production fires %v", got)
	}
	for name, change := range map[string]func(e *Event){
		"warning":    func(e *Event) { e.Level = "warning" },
		"staging":    func(e *Event) { e.Environment = "staging" },
		"otel":       func(e *Event) { e.Source = SourceOTel },
		"other team": func(e *Event) { e.Tags = []Tag{{"team", "api"}} },
	} {
		e := *ev
		change(&e)
		if got := p.OnState(nil, NewIssue, &e); len(got) != 0 {
			t.Errorf("%s: fired %v", name, got)
		}
	}
	if got := p.OnState(nil, Escalation, &Event{}); len(got) != 1 || got[0].Rule.Name != "any" {
		t.Fatalf("escalation fires %v", got)
	}
}

func TestWindowTriggersFireAboveTheThreshold(t *testing.T) {
	r := validRule()
	r.Triggers = []Trigger{{Kind: Frequency, Threshold: 100, Window: 5 * time.Minute}, {Kind: Users, Threshold: 10, Window: time.Hour}}
	set, err := Compile([]Rule{r})
	if err != nil {
		t.Fatal(err)
	}
	p := set.Project(1)
	if w := p.EventWindows(); len(w) != 1 || w[0] != 5*time.Minute {
		t.Fatalf("EventWindows = %v", w)
	}
	if w := p.UserWindows(); len(w) != 1 || w[0] != time.Hour {
		t.Fatalf("UserWindows = %v", w)
	}
	if f := p.UserFloor(); f != 10 {
		t.Fatalf("UserFloor = %d", f)
	}
	counts := func(events, users int64) Exceeds {
		return func(w time.Duration, u bool, threshold int64) bool {
			if u {
				return users > threshold
			}
			return events > threshold
		}
	}
	loud := func(*Rule) bool { return false }
	ev := func() *Event { return &Event{} }
	if got := p.OnCounts(nil, counts(100, 10), loud, ev); len(got) != 0 {
		t.Fatalf("at the threshold: %v", got)
	}
	if got := p.OnCounts(nil, counts(101, 0), loud, ev); len(got) != 1 || got[0].Trigger != Frequency {
		t.Fatalf("above the event threshold: %v", got)
	}
	if got := p.OnCounts(nil, counts(50, 11), loud, ev); len(got) != 1 || got[0].Trigger != Users {
		t.Fatalf("above the user threshold: %v", got)
	}
	if got := p.OnCounts(nil, counts(1000, 1000), func(*Rule) bool { return true }, ev); len(got) != 0 {
		t.Fatalf("a quiet rule fired: %v", got)
	}
}

func TestCompileRefusesDuplicateKeys(t *testing.T) {
	if _, err := Compile([]Rule{validRule(), validRule()}); err == nil {
		t.Fatal("two rules with one key compiled")
	}
}
