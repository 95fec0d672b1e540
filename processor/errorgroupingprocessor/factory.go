package errorgroupingprocessor

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/faultline/faultline/internal/grouping"
	"github.com/faultline/faultline/processor/errorgroupingprocessor/internal/metadata"
)

// NewFactory returns the errorgrouping processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability),
		processor.WithTraces(createTraces, metadata.TracesStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		GroupingConfig: grouping.DefaultConfig,
		Sourcemaps:     SourcemapsConfig{CacheSizeMiB: 256},
		OTelExceptions: OTelExceptionsConfig{ProjectID: 1},
		// An explanation is 10–20 KB of JSON, several times the event: carried on every event it
		// doubled what the queue and the store move. Issues keep only their latest anyway.
		ExplanationInterval: time.Minute,
	}
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := processors.get(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(processors.shutdown(cfg.(*Config))),
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}))
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := processors.get(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return processorhelper.NewTraces(ctx, set, cfg, next, p.processTraces,
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(processors.shutdown(cfg.(*Config))),
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}))
}
