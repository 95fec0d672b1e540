// Package grouping computes Sentry-compatible issue grouping for an event: the variants
// (app, system, default, custom fingerprints …), their component trees with contribution marks
// and hints, the MD5 hashes Sentry derives from them, and the event's title and culprit.
//
// It implements the grouping configs newstyle:2026-01-20 (default) and newstyle:2023-01-11,
// their built-in stack-trace and fingerprint rules, project rules in Sentry's rule syntax, custom
// fingerprints with variables, and message parameterization. It is a pure function of the typed
// event (internal/sentry/event) and the config; it knows nothing of the collector, pdata, HTTP
// or storage, and it never modifies the event.
//
// Group returns everything including the explanation trees; GroupHashes returns the same result
// without trees and is the cheaper call for every event (BenchmarkGroup20Frames,
// BenchmarkGroupHashes20Frames). Result.MarshalJSON is the `faultline group` output contract.
package grouping

import (
	"fmt"

	"github.com/faultline/faultline/internal/grouping/enhancers"
	"github.com/faultline/faultline/internal/grouping/fingerprint"
	"github.com/faultline/faultline/internal/sentry/event"
)

// Grouping config ids.
const (
	// ConfigFall2025 is Sentry's current default (FALL_2025_GROUPING_CONFIG).
	ConfigFall2025 = "newstyle:2026-01-20"
	// ConfigWinter2023 is the config most existing Sentry projects still run.
	ConfigWinter2023 = "newstyle:2023-01-11"
	// DefaultConfig is used when Options.Config is empty.
	DefaultConfig = ConfigFall2025
)

// Options configures a Grouper.
type Options struct {
	// Config is a grouping config id; empty means DefaultConfig.
	Config string
	// StackTraceRules are project stack-trace rules, applied after the config's built-in rules.
	StackTraceRules string
	// FingerprintRules are project fingerprint rules, tried before the built-in ones.
	FingerprintRules string
}

// config holds the behaviour switches that differ between grouping configs.
type config struct {
	id string
	// legacyExceptionOrder puts an exception's stacktrace before its type and value.
	legacyExceptionOrder bool
	// jsSingleFrameURLBackwards drops lone function-less JS frames that HAVE a URL (2023's bug).
	jsSingleFrameURLBackwards bool
	// keepMultiprocessingContext leaves spawn_main(...) context lines unparameterized.
	keepMultiprocessingContext bool
	// legacyUnknownVariables leaves unknown {{ vars }} in fingerprints as literal text.
	legacyUnknownVariables bool
	// parameterizeFingerprints parameterizes {{ message }}, {{ value }} and literal raw messages.
	parameterizeFingerprints     bool
	clientVariant, serverVariant string
	clientName, serverName       string // how the root hint names the winning fingerprint
}

var configs = map[string]config{
	ConfigWinter2023: {
		id:                         ConfigWinter2023,
		legacyExceptionOrder:       true,
		jsSingleFrameURLBackwards:  true,
		keepMultiprocessingContext: true,
		legacyUnknownVariables:     true,
		clientVariant:              "custom_fingerprint",
		serverVariant:              "custom_fingerprint",
		clientName:                 "custom fingerprint",
		serverName:                 "custom fingerprint",
	},
	ConfigFall2025: {
		id:                       ConfigFall2025,
		parameterizeFingerprints: true,
		clientVariant:            "custom_client_fingerprint",
		serverVariant:            "custom_server_fingerprint",
		clientName:               "custom client fingerprint",
		serverName:               "custom server fingerprint",
	},
}

// Configs lists the supported grouping config ids, default first.
func Configs() []string { return []string{ConfigFall2025, ConfigWinter2023} }

// Grouper groups events under one config and rule set. It is immutable and safe for
// concurrent use.
type Grouper struct {
	cfg              config
	stackRules       *enhancers.Rules
	fingerprintRules *fingerprint.Rules
	builtinFP        *fingerprint.Rules
	frames           *frameCache
	stacks           *stackCache
}

// New validates the options and compiles the rules. Errors name the rule line and the problem.
func New(opts Options) (*Grouper, error) {
	id := opts.Config
	if id == "" {
		id = DefaultConfig
	}
	cfg, ok := configs[id]
	if !ok {
		return nil, fmt.Errorf("grouping config %q is not supported (want %s or %s)", id, ConfigFall2025, ConfigWinter2023)
	}
	project, err := enhancers.Parse(opts.StackTraceRules)
	if err != nil {
		return nil, err
	}
	fp, err := fingerprint.Parse(opts.FingerprintRules)
	if err != nil {
		return nil, err
	}
	return &Grouper{
		cfg:              cfg,
		stackRules:       enhancers.Concat(enhancers.Builtin(id), project),
		fingerprintRules: fp,
		builtinFP:        fingerprint.Builtin(),
		frames:           newFrameCache(),
		stacks:           newStackCache(),
	}, nil
}

// Config is the grouping config id this Grouper applies.
func (g *Grouper) Config() string { return g.cfg.id }

// Group computes the grouping result of ev, with each variant's explanation tree. ev is not
// modified.
func (g *Grouper) Group(ev *event.Event) (*Result, error) {
	return g.group(ev, true)
}

// GroupHashes is Group without the explanation: the same hashes, title, culprit and metadata
// at a fraction of the cost, for the per-event hot path; Result.Variants is nil. Call Group
// when the variants and their trees are wanted (e.g. for the first event of a new issue).
func (g *Grouper) GroupHashes(ev *event.Event) (*Result, error) {
	return g.group(ev, false)
}

func (g *Grouper) group(ev *event.Event, trees bool) (*Result, error) {
	if ev == nil {
		return nil, fmt.Errorf("grouping: nil event")
	}
	s := newState(g, ev, trees)
	res := s.run()
	s.release()
	return res, nil
}
