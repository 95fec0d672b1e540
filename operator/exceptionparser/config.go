package exceptionparser

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/helper"
)

// Type is the operator's type in a receiver's `operators:` list.
const Type = "exception_parser"

func init() {
	operator.Register(Type, func() operator.Builder { return NewConfig() })
}

// Defaults. The flush period must outlast the receiver's poll interval (filelog: 200ms), so that
// a trace written in two writes that land in two polls is still joined.
const (
	DefaultFlushPeriod  = time.Second
	DefaultMaxLines     = 1000
	DefaultMaxTraceSize = 256 * 1024
	DefaultMaxSources   = 1000
)

// Config is the configuration of an exception_parser operator.
type Config struct {
	helper.TransformerConfig `mapstructure:",squash"`

	// ParseFrom is the field holding a line's text, or a JSON logger's record (a string or a map).
	ParseFrom entry.Field `mapstructure:"parse_from"`
	// SourceIdentifier names the stream a line belongs to: lines of different sources are never
	// joined. filelog's log.file.path by default; e.g. a journald unit or a syslog app name.
	SourceIdentifier entry.Field `mapstructure:"source_identifier"`
	// FlushPeriod is how long a trace (or a line that may start one) waits for its next line
	// before it is sent as it is.
	FlushPeriod time.Duration `mapstructure:"flush_period"`
	// MaxLines and MaxTraceSize bound one joined trace: reaching either sends it.
	MaxLines     int             `mapstructure:"max_lines"`
	MaxTraceSize helper.ByteSize `mapstructure:"max_trace_size"`
	// MaxSources bounds the sources with a trace in progress: past it the oldest is sent.
	MaxSources int `mapstructure:"max_sources"`
}

// NewConfig returns the default configuration.
func NewConfig() *Config { return NewConfigWithID(Type) }

// NewConfigWithID returns the default configuration with an operator id.
func NewConfigWithID(operatorID string) *Config {
	return &Config{
		TransformerConfig: helper.NewTransformerConfig(operatorID, Type),
		ParseFrom:         entry.NewBodyField(),
		SourceIdentifier:  entry.NewAttributeField(attrs.LogFilePath),
		FlushPeriod:       DefaultFlushPeriod,
		MaxLines:          DefaultMaxLines,
		MaxTraceSize:      DefaultMaxTraceSize,
		MaxSources:        DefaultMaxSources,
	}
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.FlushPeriod <= 0:
		return fmt.Errorf("flush_period must be positive, got %s", c.FlushPeriod)
	case c.MaxLines < 2:
		return fmt.Errorf("max_lines must be at least 2 (a trace is a header and a frame), got %d", c.MaxLines)
	case c.MaxTraceSize < 1024:
		return fmt.Errorf("max_trace_size must be at least 1KiB, got %d bytes", c.MaxTraceSize)
	case c.MaxSources < 1:
		return fmt.Errorf("max_sources must be at least 1, got %d", c.MaxSources)
	case c.ParseFrom.FieldInterface == nil:
		return errors.New("parse_from must name a field")
	}
	return nil
}

// Build makes the operator.
func (c *Config) Build(set component.TelemetrySettings) (operator.Operator, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s %q: %w", Type, c.ID(), err)
	}
	transformer, err := c.TransformerConfig.Build(set)
	if err != nil {
		return nil, err
	}
	return &Parser{
		TransformerOperator: transformer,
		parseFrom:           c.ParseFrom,
		sourceIdentifier:    c.SourceIdentifier,
		joiner: joiner{
			flushPeriod:  c.FlushPeriod,
			maxLines:     c.MaxLines,
			maxTraceSize: int(c.MaxTraceSize),
			maxSources:   c.MaxSources,
			sources:      map[string]*source{},
		},
		now:  time.Now,
		done: make(chan struct{}),
	}, nil
}
