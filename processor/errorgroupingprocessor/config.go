package errorgroupingprocessor

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"

	"github.com/faultline/faultline/internal/grouping"
)

// Config configures the errorgrouping processor.
type Config struct {
	// GroupingConfig is the Sentry grouping config id: newstyle:2026-01-20 (default) or newstyle:2023-01-11.
	GroupingConfig string `mapstructure:"grouping_config"`
	// StackTraceRules are extra stack-trace rules in Sentry's rule text syntax, one per line.
	StackTraceRules string `mapstructure:"stacktrace_rules"`
	// FingerprintRules are server-side fingerprint rules in Sentry's rule text syntax.
	FingerprintRules string `mapstructure:"fingerprint_rules"`
	// Sourcemaps configures JavaScript symbolication; without a directory or extension it is off.
	Sourcemaps SourcemapsConfig `mapstructure:"sourcemaps"`
	// OTelExceptions configures the grouping of exceptions recorded by OpenTelemetry SDKs.
	OTelExceptions OTelExceptionsConfig `mapstructure:"otel_exceptions"`
	// ProjectsFrom names the extension that defines the projects (the issuestore extension): at
	// start, otel_exceptions::project_id must be one of them.
	ProjectsFrom *component.ID `mapstructure:"projects_from"`
	// ExplanationInterval is how often an event of one grouping (config and primary hash) carries
	// the explanation; 0 puts it on every event.
	ExplanationInterval time.Duration `mapstructure:"explanation_interval"`
	_                   struct{}
}

// SourcemapsConfig says where minified files and maps come from. Directory and Extension may be
// used together; uploads are asked first.
type SourcemapsConfig struct {
	// Directory is the local sourcemap tree (layout in internal/sourcemap/README.md).
	Directory string `mapstructure:"directory"`
	// Extension is the issuestore extension whose uploads (`sentry-cli sourcemaps upload`) are
	// used, e.g. "issuestore".
	Extension *component.ID `mapstructure:"extension"`
	// CacheSizeMiB bounds the memory of parsed maps and scanned minified files.
	CacheSizeMiB int64 `mapstructure:"cache_size_mib"`
	_            struct{}
}

var _ confmap.Validator = (*Config)(nil)

// Validate checks the grouping config id and parses both rule texts, so a typo fails at start-up
// with the line it is on rather than on the first event.
func (c *Config) Validate() error {
	var errs []error
	if id := c.Sourcemaps.Extension; id != nil && id.Type().String() == "" {
		errs = append(errs, errors.New("sourcemaps::extension must name the issuestore extension, e.g. issuestore"))
	}
	if c.ExplanationInterval < 0 {
		errs = append(errs, fmt.Errorf("explanation_interval must not be negative, got %s", c.ExplanationInterval))
	}
	if c.Sourcemaps.CacheSizeMiB < 0 {
		errs = append(errs, fmt.Errorf("sourcemaps::cache_size_mib must not be negative, got %d", c.Sourcemaps.CacheSizeMiB))
	}
	if _, err := grouping.New(c.groupingOptions()); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (c *Config) groupingOptions() grouping.Options {
	return grouping.Options{Config: c.GroupingConfig, StackTraceRules: c.StackTraceRules, FingerprintRules: c.FingerprintRules}
}
