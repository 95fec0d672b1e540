// Package alertrule is the model of Faultline's issue alert rules: what makes a rule fire
// (triggers), which events it considers (filters), how often it may notify one issue (action
// interval) and which configured targets it notifies. It follows Sentry's issue-alert model:
// a rule fires when any of its triggers holds and all of its filters accept the event.
//
// Rules are validated and compiled once (Compile) into a Set that the store's write path asks,
// per event that changed an issue's state or per issue whose window counts grew, which rules
// fire. The package knows nothing of the store, the collector or how alerts are delivered.
package alertrule

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Trigger kinds.
const (
	// NewIssue fires on the first event of an issue.
	NewIssue = "new_issue"
	// Regression fires when an event reopens a resolved issue.
	Regression = "regression"
	// Escalation fires when an ignored issue comes back because its ignore-until time or count passed.
	Escalation = "escalation"
	// Frequency fires when an issue has more than Threshold events within Window.
	Frequency = "frequency"
	// Users fires when more than Threshold distinct users hit an issue within Window.
	Users = "users"
)

// Windows are the window lengths frequency and user triggers accept (Sentry's choices).
var Windows = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 24 * time.Hour}

// DefaultActionInterval is how often a rule may notify one issue when the rule does not say
// (Sentry's default).
const DefaultActionInterval = 30 * time.Minute

// Event sources a rule can filter on.
const (
	SourceSentry = "sentry" // sent by a Sentry SDK through the sentry receiver
	SourceOTel   = "otel"   // an exception recorded by an OpenTelemetry SDK
)

// Levels from least to most severe; a level filter accepts its level and every later one.
var Levels = []string{"debug", "info", "warning", "error", "fatal"}

// Rule is one alert rule of a project.
type Rule struct {
	// Key identifies the rule in the store (which alerts it fired, when it last notified an
	// issue); it is set by whoever owns the rule: "config:<name>" or "api:<id>".
	Key string `mapstructure:"-" json:"-"`
	// Name is shown in notifications and must be unique within the project.
	Name string `mapstructure:"name" json:"name,omitempty"`
	// Project is the project id the rule watches.
	Project int64 `mapstructure:"project" json:"project,omitempty"`
	// Triggers: the rule fires when any of them holds.
	Triggers []Trigger `mapstructure:"triggers" json:"triggers,omitempty"`
	// Filters: the triggering event must pass all of them.
	Filters Filters `mapstructure:"filters" json:"filters,omitempty"`
	// ActionInterval is the least time between two notifications of one issue by this rule.
	ActionInterval time.Duration `mapstructure:"action_interval" json:"action_interval,omitempty"`
	// Targets name the configured targets to notify.
	Targets []string `mapstructure:"targets" json:"targets,omitempty"`
	_       struct{}
}

// Trigger is one condition that makes a rule fire.
type Trigger struct {
	// Kind is new_issue, regression, escalation, frequency or users.
	Kind string `mapstructure:"kind" json:"kind,omitempty"`
	// Threshold is the N of "more than N events (users) within Window"; frequency and users only.
	Threshold int64 `mapstructure:"threshold" json:"threshold,omitempty"`
	// Window is 1m, 5m, 15m, 1h or 24h; frequency and users only.
	Window time.Duration `mapstructure:"window" json:"window,omitempty"`
	_      struct{}
}

// Filters restrict the events a rule fires on; an empty field accepts anything.
type Filters struct {
	// Level is the least level accepted (debug, info, warning, error, fatal).
	Level string `mapstructure:"level" json:"level,omitempty"`
	// Environment must equal the event's environment.
	Environment string `mapstructure:"environment" json:"environment,omitempty"`
	// Release must equal the event's release.
	Release string `mapstructure:"release" json:"release,omitempty"`
	// Platform must equal the event's platform (javascript, node, go …).
	Platform string `mapstructure:"platform" json:"platform,omitempty"`
	// Source is sentry (a Sentry SDK) or otel (an exception recorded by an OpenTelemetry SDK).
	Source string `mapstructure:"source" json:"source,omitempty"`
	// Tags: each key must be on the event with that value.
	Tags map[string]string `mapstructure:"tags" json:"tags,omitempty"`
	_    struct{}
}

// Validate checks a rule on its own; targets are checked against the configured ones by
// CheckTargets. Errors name the field.
func (r *Rule) Validate() error {
	var errs []error
	if strings.TrimSpace(r.Name) == "" {
		errs = append(errs, errors.New("name must be set"))
	}
	if r.Project <= 0 {
		errs = append(errs, fmt.Errorf("project %d must be a positive project id", r.Project))
	}
	if len(r.Triggers) == 0 {
		errs = append(errs, errors.New("triggers must name at least one trigger"))
	}
	for i, t := range r.Triggers {
		if err := t.validate(); err != nil {
			errs = append(errs, fmt.Errorf("triggers[%d]: %w", i, err))
		}
	}
	if err := r.Filters.validate(); err != nil {
		errs = append(errs, fmt.Errorf("filters: %w", err))
	}
	if r.ActionInterval < 0 {
		errs = append(errs, fmt.Errorf("action_interval %s must not be negative", r.ActionInterval))
	}
	if len(r.Targets) == 0 {
		errs = append(errs, errors.New("targets must name at least one target"))
	}
	for i, t := range r.Targets {
		if slices.Contains(r.Targets[:i], t) {
			errs = append(errs, fmt.Errorf("targets[%d]: %q is named twice", i, t))
		}
	}
	return errors.Join(errs...)
}

// CheckTargets reports a target the rule names that is not among the configured ones: a rule
// can only notify a target defined in the collector's configuration, never an address of its own.
func (r *Rule) CheckTargets(configured func(name string) bool) error {
	var errs []error
	for i, t := range r.Targets {
		if !configured(t) {
			errs = append(errs, fmt.Errorf("targets[%d]: %q is not a configured target", i, t))
		}
	}
	return errors.Join(errs...)
}

func (t Trigger) validate() error {
	switch t.Kind {
	case NewIssue, Regression, Escalation:
		if t.Threshold != 0 || t.Window != 0 {
			return fmt.Errorf("kind %s takes no threshold or window", t.Kind)
		}
	case Frequency, Users:
		var errs []error
		if t.Threshold < 0 {
			errs = append(errs, fmt.Errorf("threshold %d must not be negative", t.Threshold))
		}
		if !slices.Contains(Windows, t.Window) {
			errs = append(errs, fmt.Errorf("window %s must be one of 1m, 5m, 15m, 1h, 24h", t.Window))
		}
		return errors.Join(errs...)
	default:
		return fmt.Errorf("kind %q must be one of new_issue, regression, escalation, frequency, users", t.Kind)
	}
	return nil
}

func (f *Filters) validate() error {
	var errs []error
	if f.Level != "" && !slices.Contains(Levels, f.Level) {
		errs = append(errs, fmt.Errorf("level %q must be one of %s", f.Level, strings.Join(Levels, ", ")))
	}
	if f.Source != "" && f.Source != SourceSentry && f.Source != SourceOTel {
		errs = append(errs, fmt.Errorf("source %q must be sentry or otel", f.Source))
	}
	for k := range f.Tags {
		if k == "" {
			errs = append(errs, errors.New("tags: a tag key must not be empty"))
		}
	}
	return errors.Join(errs...)
}

// Interval is the rule's action interval, the default when unset.
func (r *Rule) Interval() time.Duration {
	if r.ActionInterval == 0 {
		return DefaultActionInterval
	}
	return r.ActionInterval
}
