package sentryreceiver

import (
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/groupcommit"
)

// groupLogs, groupTraces and groupMetrics put a group committer (internal/groupcommit) in front
// of a pipeline, unless cfg turns it off. Most requests carry one event, so without it each
// event is one call through the processors and one write of the exporter's persistent queue.

func groupLogs(cfg GroupCommitConfig, next consumer.Logs) consumer.Logs {
	if cfg.MaxInFlight == 0 {
		return next
	}
	c := groupcommit.New(groupcommit.Options[plog.Logs]{
		Consume:     next.ConsumeLogs,
		Merge:       func(dst, src plog.Logs) { src.ResourceLogs().MoveAndAppendTo(dst.ResourceLogs()) },
		Size:        plog.Logs.LogRecordCount,
		MaxInFlight: cfg.MaxInFlight,
		MaxItems:    cfg.MaxItems,
	})
	grouped, _ := consumer.NewLogs(c.Consume, consumer.WithCapabilities(next.Capabilities()))
	return grouped
}

func groupTraces(cfg GroupCommitConfig, next consumer.Traces) consumer.Traces {
	if cfg.MaxInFlight == 0 {
		return next
	}
	c := groupcommit.New(groupcommit.Options[ptrace.Traces]{
		Consume:     next.ConsumeTraces,
		Merge:       func(dst, src ptrace.Traces) { src.ResourceSpans().MoveAndAppendTo(dst.ResourceSpans()) },
		Size:        ptrace.Traces.SpanCount,
		MaxInFlight: cfg.MaxInFlight,
		MaxItems:    cfg.MaxItems,
	})
	grouped, _ := consumer.NewTraces(c.Consume, consumer.WithCapabilities(next.Capabilities()))
	return grouped
}

func groupMetrics(cfg GroupCommitConfig, next consumer.Metrics) consumer.Metrics {
	if cfg.MaxInFlight == 0 {
		return next
	}
	c := groupcommit.New(groupcommit.Options[pmetric.Metrics]{
		Consume:     next.ConsumeMetrics,
		Merge:       func(dst, src pmetric.Metrics) { src.ResourceMetrics().MoveAndAppendTo(dst.ResourceMetrics()) },
		Size:        pmetric.Metrics.DataPointCount,
		MaxInFlight: cfg.MaxInFlight,
		MaxItems:    cfg.MaxItems,
	})
	grouped, _ := consumer.NewMetrics(c.Consume, consumer.WithCapabilities(next.Capabilities()))
	return grouped
}
