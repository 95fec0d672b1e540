package errorgroupingprocessor

import (
	"fmt"
	"strings"
)

// OTelExceptionsConfig says how exceptions recorded by OpenTelemetry SDKs (span events named
// "exception", log records with exception.* attributes) become Sentry events.
type OTelExceptionsConfig struct {
	// ProjectID is the Sentry project the events belong to (OTLP carries no project), which
	// also scopes the sourcemaps looked up for them.
	ProjectID int64 `mapstructure:"project_id"`
	// AppPrefixes are module/package/path prefixes of the application's own frames
	// (e.g. "com.acme.", "github.com/acme/", "src/"): those frames are in-app.
	AppPrefixes []string `mapstructure:"app_prefixes"`
	_           struct{}
}

// Validate is called by the collector for the otel_exceptions section.
func (c *OTelExceptionsConfig) Validate() error {
	if c.ProjectID <= 0 {
		return fmt.Errorf("otel_exceptions::project_id must be a positive Sentry project id, got %d", c.ProjectID)
	}
	for i, p := range c.AppPrefixes {
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("otel_exceptions::app_prefixes[%d] is empty", i)
		}
	}
	return nil
}
