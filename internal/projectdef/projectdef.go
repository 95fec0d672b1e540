// Package projectdef is the definition of a Sentry project that several components share. The
// issuestore extension can own the list, so that each project is defined once; the sentry
// receiver and the errorgrouping processor then read it through Provider, found among the
// collector's extensions, without importing the extension. Each component still takes its own
// list when it runs without one.
package projectdef

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/sentry/envelope"
)

// Definition is one project.
type Definition struct {
	ID   int64
	Slug string
	// Keys are the public keys (the DSN's user part) that may send to the project.
	Keys []string
	// AllowedOrigins restrict the browser origins that may send (empty: any).
	AllowedOrigins []string
	// Quotas limit what the project may send per data category.
	Quotas []Quota
	// Scrubbing is the project's data scrubbing; nil means Sentry's defaults.
	Scrubbing *Scrubbing
}

// Provider is implemented by what owns the project definitions (the issuestore extension).
type Provider interface {
	Projects() []Definition
}

// Quota scopes: one count for the whole project, or one per public key.
const (
	ScopeProject = "project"
	ScopeKey     = "key"
)

// Quota is one quota, as Relay's: at most Limit items of the Categories per Window, counted for
// the whole project (scope project), for each public key apart (scope key), or for one key alone
// (Key, Relay's scope id), which makes that key's quota its own.
type Quota struct {
	// Categories are Relay's data category names (envelope.Categories); empty means all.
	Categories []string `mapstructure:"categories"`
	// Limit is how many items fit in a window; 0 refuses every item of the categories.
	Limit int64 `mapstructure:"limit"`
	// Window is the length of a window (at least 1s).
	Window time.Duration `mapstructure:"window"`
	// Scope is project (the default) or key.
	Scope string `mapstructure:"scope"`
	// Key, when set, is the one public key of the project whose items this quota counts; the
	// other keys' items are not counted in it. It implies scope key.
	Key string `mapstructure:"key"`
	_   struct{}
}

// Validate lists what is wrong with a quota of a project with the given public keys, each
// problem prefixed with where. keys is nil where the keys are defined elsewhere (projects_from).
func (q *Quota) Validate(where string, keys []string) []error {
	var errs []error
	if q.Key != "" {
		if q.Scope == ScopeProject {
			errs = append(errs, fmt.Errorf("%s: key %q counts one key's items: scope must be %q or left out", where, q.Key, ScopeKey))
		}
		if keys != nil && !slices.Contains(keys, q.Key) {
			errs = append(errs, fmt.Errorf("%s: key %q is not one of the project's keys", where, q.Key))
		}
	}
	if q.Limit < 0 {
		errs = append(errs, fmt.Errorf("%s: limit %d must not be negative", where, q.Limit))
	}
	if q.Window < time.Second {
		errs = append(errs, fmt.Errorf("%s: window %s must be at least 1s", where, q.Window))
	}
	if q.Scope != "" && q.Scope != ScopeProject && q.Scope != ScopeKey {
		errs = append(errs, fmt.Errorf("%s: scope %q must be %q or %q", where, q.Scope, ScopeProject, ScopeKey))
	}
	for _, c := range q.Categories {
		if !slices.Contains(envelope.Categories, c) {
			errs = append(errs, fmt.Errorf("%s: unknown category %q (known: %s)", where, c, strings.Join(envelope.Categories, ", ")))
		}
	}
	return errs
}

// Differences names the fields in which a restatement b of a project disagrees with its
// definition a ("" when they agree). What b leaves empty (slug, keys, origins, quotas, scrubbing) it does
// not restate; keys and origins compare as sets.
func Differences(a, b Definition) string {
	var diffs []string
	if b.Slug != "" && a.Slug != b.Slug {
		diffs = append(diffs, fmt.Sprintf("slug %q vs %q", a.Slug, b.Slug))
	}
	if len(b.Keys) > 0 && !sameSet(a.Keys, b.Keys) {
		diffs = append(diffs, fmt.Sprintf("keys %q vs %q", a.Keys, b.Keys))
	}
	if len(b.AllowedOrigins) > 0 && !sameSet(a.AllowedOrigins, b.AllowedOrigins) {
		diffs = append(diffs, fmt.Sprintf("allowed_origins %q vs %q", a.AllowedOrigins, b.AllowedOrigins))
	}
	if len(b.Quotas) > 0 && !slices.EqualFunc(a.Quotas, b.Quotas, sameQuota) {
		diffs = append(diffs, "quotas")
	}
	if b.Scrubbing != nil && !sameScrubbing(a.Scrubbing, b.Scrubbing) {
		diffs = append(diffs, "scrubbing")
	}
	return strings.Join(diffs, ", ")
}

func sameQuota(a, b Quota) bool {
	return sameSet(a.Categories, b.Categories) && a.Limit == b.Limit && a.Window == b.Window && a.EffectiveScope() == b.EffectiveScope() && a.Key == b.Key
}

// EffectiveScope is the scope the quota counts in: Scope, else key for a quota of one key, else
// project.
func (q Quota) EffectiveScope() string {
	switch {
	case q.Scope != "":
		return q.Scope
	case q.Key != "":
		return ScopeKey
	}
	return ScopeProject
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
