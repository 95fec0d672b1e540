package projectdef

import (
	"fmt"
	"reflect"

	"github.com/faultline/faultline/internal/sentry/scrub"
)

// Scrubbing is a project's data-scrubbing settings, named as in Sentry's project settings
// ("Security & Privacy"). The zero value (no scrubbing block) means Sentry's defaults.
type Scrubbing struct {
	// ScrubDefaults applies Sentry's default scrubbing; nil means true.
	ScrubDefaults *bool `mapstructure:"scrub_defaults"`
	// ScrubIPAddresses removes the user's IP address and replaces IP addresses in text.
	ScrubIPAddresses bool `mapstructure:"scrub_ip_addresses"`
	// SensitiveFields are more words that make a key, or a value containing them, sensitive.
	SensitiveFields []string `mapstructure:"sensitive_fields"`
	// SafeFields are keys the defaults leave alone.
	SafeFields []string `mapstructure:"safe_fields"`
	// Rules and Applications are advanced rules in Relay's PII configuration syntax: named
	// custom rules, and selectors mapped to the rules applied where they match.
	Rules        map[string]ScrubRule `mapstructure:"rules"`
	Applications map[string][]string  `mapstructure:"applications"`
	_            struct{}
}

// ScrubRule is a custom rule (scrub.RuleSpec in configuration form).
type ScrubRule struct {
	Type          string         `mapstructure:"type"`
	Pattern       string         `mapstructure:"pattern"`
	KeyPattern    string         `mapstructure:"key_pattern"`
	ReplaceGroups []int          `mapstructure:"replace_groups"`
	Rules         []string       `mapstructure:"rules"`
	Rule          string         `mapstructure:"rule"`
	HideInner     bool           `mapstructure:"hide_inner"`
	Redaction     ScrubRedaction `mapstructure:"redaction"`
	_             struct{}
}

// ScrubRedaction says what replaces a match: method replace (text), mask, hash (key) or remove.
type ScrubRedaction struct {
	Method string `mapstructure:"method"`
	Text   string `mapstructure:"text"`
	Key    string `mapstructure:"key"`
	_      struct{}
}

// Config turns the settings into scrub.Config.
func (s *Scrubbing) Config() scrub.Config {
	if s == nil {
		return scrub.Config{ScrubDefaults: true}
	}
	cfg := scrub.Config{
		ScrubDefaults:    s.ScrubDefaults == nil || *s.ScrubDefaults,
		ScrubIPAddresses: s.ScrubIPAddresses,
		SensitiveFields:  s.SensitiveFields,
		SafeFields:       s.SafeFields,
		Applications:     s.Applications,
	}
	if len(s.Rules) > 0 {
		cfg.Rules = make(map[string]scrub.RuleSpec, len(s.Rules))
		for name, r := range s.Rules {
			cfg.Rules[name] = scrub.RuleSpec{
				Type: r.Type, Pattern: r.Pattern, KeyPattern: r.KeyPattern, ReplaceGroups: r.ReplaceGroups,
				Rules: r.Rules, Rule: r.Rule, HideInner: r.HideInner,
				Redaction: scrub.Redaction{Method: r.Redaction.Method, Text: r.Redaction.Text, Key: r.Redaction.Key},
			}
		}
	}
	return cfg
}

// Compile compiles the settings; a rule that cannot be compiled is an error naming it, prefixed
// with where.
func (s *Scrubbing) Compile(where string) (*scrub.Scrubber, error) {
	sc, err := scrub.Compile(s.Config())
	if err != nil {
		return nil, fmt.Errorf("%s: scrubbing: %w", where, err)
	}
	return sc, nil
}

// sameScrubbing compares two settings by what they configure.
func sameScrubbing(a, b *Scrubbing) bool {
	return reflect.DeepEqual(a.Config(), b.Config())
}
