// Package scrub removes sensitive data from Sentry events the way Sentry's server-side data
// scrubbing does: the default sensitive keys and values, credit-card numbers, optionally IP
// addresses, a project's additional sensitive fields and safe fields, and advanced rules in
// Relay's PII configuration syntax (rules + applications). What it changes is reported as
// event.Remark values, which package event writes to the event's "_meta".
//
// It owns the policy only: which values are sensitive and what replaces them. Walking the event
// is package event's job (Normalize calls a Session as its event.Editor); the package knows
// nothing about HTTP, envelopes or pdata. Rules are compiled once by Compile; a Session is one
// event's walk and allocates nothing when nothing matches.
package scrub

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/faultline/faultline/internal/sentry/event"
)

// Config is one project's data-scrubbing settings, named after Sentry's project settings.
type Config struct {
	// ScrubDefaults applies Sentry's default scrubbing: values whose key or text contains a
	// sensitive word (DefaultSensitiveWords), credit-card numbers, PEM keys, credentials in URLs,
	// IBANs and US social security numbers.
	ScrubDefaults bool
	// ScrubIPAddresses removes user.ip_address, request.env.REMOTE_ADDR and sdk.client_ip and
	// replaces IP addresses inside other values with "[ip]".
	ScrubIPAddresses bool
	// SensitiveFields are more words that make a key or a value sensitive (Sentry's "Additional
	// Sensitive Fields"), matched case-insensitively as substrings.
	SensitiveFields []string
	// SafeFields are keys whose values (and everything under them) the default scrubbing leaves
	// alone (Sentry's "Safe Fields"); advanced rules still apply.
	SafeFields []string
	// Rules are named custom rules, Relay's piiConfig "rules".
	Rules map[string]RuleSpec
	// Applications maps a selector to the rules applied where it matches, Relay's piiConfig
	// "applications": {"$string": ["@creditcard:mask"], "$http.headers.x-custom-token": ["@anything:remove"]}.
	Applications map[string][]string
}

// RuleSpec is one custom rule of a PII configuration.
type RuleSpec struct {
	// Type is "pattern" (Pattern is a regular expression), "redact_pair" (KeyPattern is a regular
	// expression matched against the key), "anything", "multiple" (Rules), "alias" (Rule), or a
	// built-in detector: creditcard, email, ip, iban, imei, mac, uuid, pemkey, urlauth, usssn,
	// userpath, password.
	Type       string
	Pattern    string
	KeyPattern string
	// ReplaceGroups, for a pattern, redacts only these capture groups instead of the whole match.
	ReplaceGroups []int
	Rules         []string
	Rule          string
	// HideInner reports a multiple or alias rule under its own name instead of the inner rule's.
	HideInner bool
	Redaction Redaction
}

// Redaction says what replaces a match.
type Redaction struct {
	// Method is "replace" (Text, default "[Filtered]"), "mask" (every character becomes '*'),
	// "hash" (an HMAC-SHA1 of the match, keyed with Key), or "remove" (the whole value becomes
	// null).
	Method string
	Text   string
	Key    string
}

// DefaultSensitiveWords are the words Sentry's default scrubbing looks for in keys and values
// (docs.sentry.io, "Server-Side Data Scrubbing").
var DefaultSensitiveWords = []string{
	"password", "secret", "passwd", "api_key", "apikey", "auth", "credentials", "mysql_pwd",
	"privatekey", "private_key", "token", "bearer",
}

// Rule ids recorded in remarks for the defaults, as Relay names them.
const (
	ruleDefaultWords   = "@password:filter"
	ruleSensitiveWords = "strip-fields"
	ruleIPRemove       = "@anything:remove"
	filtered           = "[Filtered]"
)

// Scrubber is a compiled configuration, safe for concurrent use.
type Scrubber struct {
	defaults bool
	ips      bool
	words    *wordIndex // DefaultSensitiveWords when defaults are on, and SensitiveFields
	extra    bool       // SensitiveFields is not empty
	safe     []string
	apps     []application
	anyApps  bool
	sessions sync.Pool
	// valueDefaults: strings are read for sensitive words or by the default detectors.
	valueDefaults bool
	// shortest is the length below which a string can hold no sensitive word and nothing the
	// value detectors find.
	shortest int
	// walkAll makes a walk with applications go into every value, skipping none: tests compare
	// its output with the skipping walk's. With anyApps set too, a configuration without
	// applications is walked that way, without the defaults' only lists.
	walkAll bool
}

// Compile checks and compiles cfg. Errors name the rule or selector at fault.
func Compile(cfg Config) (*Scrubber, error) {
	s := &Scrubber{defaults: cfg.ScrubDefaults, ips: cfg.ScrubIPAddresses, words: &wordIndex{}}
	if s.defaults {
		s.words.add(hitDefault, DefaultSensitiveWords)
	}
	var errs []error
	for _, f := range cfg.SensitiveFields {
		if len(strings.TrimSpace(f)) < 2 {
			errs = append(errs, fmt.Errorf("sensitive_fields: %q: an entry needs at least two characters (it filters every key and value containing it)", f))
		}
	}
	s.words.add(hitExtra, cfg.SensitiveFields)
	s.extra = len(cfg.SensitiveFields) > 0
	for _, f := range cfg.SafeFields {
		if strings.TrimSpace(f) == "" {
			errs = append(errs, errors.New("safe_fields: empty entry"))
			continue
		}
		s.safe = append(s.safe, strings.ToLower(f))
	}
	c := ruleCompiler{specs: cfg.Rules, done: map[string]*rule{}}
	selectors := make([]string, 0, len(cfg.Applications))
	for sel := range cfg.Applications {
		selectors = append(selectors, sel)
	}
	sort.Strings(selectors) // deterministic order of remarks and errors
	for _, text := range selectors {
		sel, err := parseSelector(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("applications: selector %q: %w", text, err))
			continue
		}
		app := application{sel: sel, specific: sel.specific()}
		if n := len(sel.items); sel.op == opPath && n > 0 && sel.items[n-1].kind != itemDeep {
			app.last = &app.sel.items[n-1]
		}
		for _, id := range cfg.Applications[text] {
			r, err := c.compile(id, 0)
			if err != nil {
				errs = append(errs, fmt.Errorf("applications: %q: rule %q: %w", text, id, err))
				continue
			}
			app.rules = append(app.rules, r)
		}
		s.apps = append(s.apps, app)
	}
	for name := range cfg.Rules {
		if _, err := c.compile(name, 0); err != nil && !slices.ContainsFunc(errs, func(e error) bool { return strings.Contains(e.Error(), fmt.Sprintf("%q", name)) }) {
			errs = append(errs, fmt.Errorf("rules: %q: %w", name, err))
		}
	}
	if len(s.apps) > maxApplications {
		errs = append(errs, fmt.Errorf("applications: %d selectors, at most %d are supported", len(s.apps), maxApplications))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.anyApps = len(s.apps) > 0
	s.valueDefaults = s.defaults || s.ips || s.extra
	// The shortest detected values are IPv4 addresses (7 bytes, "1.2.3.4"); the default
	// detectors' shortest is a US social security number (11).
	s.shortest = minDetected
	if s.words.minLen > 0 {
		s.shortest = min(s.shortest, s.words.minLen)
	}
	s.sessions.New = func() any { return &Session{s: s, stack: make([]level, 0, 32)} }
	return s, nil
}

// reachable reports whether an application naming a key or an index may select a value under a
// field Sentry does not scrub, whose path has the schema types seen. Below such a field every
// value has the same types on its path, for no value under one gets a type of its own.
func (s *Scrubber) reachable(seen uint16) bool {
	for i := range s.apps {
		if a := &s.apps[i]; a.specific && a.sel.reachable(seen) {
			return true
		}
	}
	return false
}

// Active reports whether the scrubber can change anything; an inactive one need not walk events.
func (s *Scrubber) Active() bool {
	return s != nil && (s.defaults || s.ips || s.extra || s.anyApps)
}

// Session starts the scrubbing of one event. Release it when Normalize has returned.
func (s *Scrubber) Session() *Session {
	ss := s.sessions.Get().(*Session)
	ss.stack = append(ss.stack[:0], level{pos: posEvent, types: typeEvent, narrow: s.anyApps && !s.walkAll && !s.reachable(0)})
	if s.anyApps {
		ss.keys = append(ss.keys[:0], "")
	}
	return ss
}

// Release returns the session to its scrubber's pool.
func (ss *Session) Release() {
	clear(ss.keys)
	ss.keys = ss.keys[:0]
	ss.s.sessions.Put(ss)
}

// ScrubText applies the scrubber to one free-form text outside an event (an OTel exception
// message): the value-based defaults and the $string applications, as for an event's
// exception.value. It returns the text unchanged and false when nothing matched.
func (s *Scrubber) ScrubText(text string) (string, []event.Remark, bool) {
	ss := s.Session()
	defer ss.Release()
	ss.enter("exception", -1, event.ObjectValue)
	ss.enter("values", -1, event.ArrayValue)
	ss.enter("", 0, event.ObjectValue)
	ss.enter("value", -1, event.StringValue)
	var c event.Change
	if !ss.Edit(text, event.StringValue, &c) {
		return text, nil, false
	}
	if c.Remove {
		return "", c.Remarks, true
	}
	return c.Text, c.Remarks, true
}
