package issuestoreexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/faultline/faultline/exporter/issuestoreexporter/internal/metadata"
)

// NewFactory returns the factory of the `issuestore` exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(metadata.Type, createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
		exporter.WithTraces(createTraces, metadata.TracesStability),
		exporter.WithMetrics(createMetrics, metadata.MetricsStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		Extension: component.MustNewID("issuestore"),
		// Not the helper's 5 s: when several collectors share one PostgreSQL, a write waits for the
		// row locks of the issues every collector is updating, and a timed-out write is retried
		// later, which an in-memory queue abandons at shutdown.
		TimeoutConfig: exporterhelper.TimeoutConfig{Timeout: 30 * time.Second},
		QueueConfig:   configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
	}
}

// helperOptions are the exporterhelper settings the three signals share: one store writer each,
// started with the extension, behind the configured timeout, retry and queue.
func helperOptions(e *issueExporter, c *Config) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(e.start),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, e.push, helperOptions(e, c)...)
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set)
	if err != nil {
		return nil, err
	}
	exp, err := exporterhelper.NewTraces(ctx, set, cfg, e.pushTraces, helperOptions(e, c)...)
	if err != nil {
		return nil, err
	}
	return exceptionsOnly{exp}, nil
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set)
	if err != nil {
		return nil, err
	}
	exp, err := exporterhelper.NewMetrics(ctx, set, cfg, e.pushMetrics, helperOptions(e, c)...)
	if err != nil {
		return nil, err
	}
	return outcomesOnly{exp}, nil
}

// outcomesOnly hands the queue only the outcome metrics (see outcomeMetrics).
type outcomesOnly struct {
	exporter.Metrics
}

func (x outcomesOnly) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	kept, ok := outcomeMetrics(md)
	if !ok {
		return nil
	}
	return x.Metrics.ConsumeMetrics(ctx, kept)
}
