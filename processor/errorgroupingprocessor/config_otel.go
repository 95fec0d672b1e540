package errorgroupingprocessor

import (
	"fmt"
	"strings"

	"github.com/faultline/faultline/internal/projectdef"
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
	// Scrubbing is the data scrubbing applied to exception.message and to the events built
	// from OTel exceptions, with the sentry receiver's keys; absent means the project's
	// scrubbing when projects_from defines it, else Sentry's defaults.
	Scrubbing *projectdef.Scrubbing `mapstructure:"scrubbing"`
	_         struct{}
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
	if _, err := c.Scrubbing.Compile("otel_exceptions"); err != nil {
		return err
	}
	return nil
}
