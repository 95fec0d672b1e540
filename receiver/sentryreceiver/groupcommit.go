package sentryreceiver

import (
	"context"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/groupcommit"
)

// groupLogs, groupTraces and groupMetrics put a group committer (internal/groupcommit) in front
// of a pipeline, unless cfg turns it off. Most requests carry one event, so without it each
// event is one call through the processors and one durable write (store transaction or
// persistent queue) at the end of the pipeline.

func groupLogs(cfg GroupCommitConfig, next consumer.Logs) consumer.Logs {
	if cfg.MaxInFlight == 0 {
		return next
	}
	consume := committer(cfg, next.ConsumeLogs, plog.Logs.LogRecordCount,
		func(dst, src plog.Logs) { src.ResourceLogs().MoveAndAppendTo(dst.ResourceLogs()) })
	grouped, _ := consumer.NewLogs(consume, consumer.WithCapabilities(next.Capabilities())) // fails only for a nil func
	return grouped
}

func groupTraces(cfg GroupCommitConfig, next consumer.Traces) consumer.Traces {
	if cfg.MaxInFlight == 0 {
		return next
	}
	consume := committer(cfg, next.ConsumeTraces, ptrace.Traces.SpanCount,
		func(dst, src ptrace.Traces) { src.ResourceSpans().MoveAndAppendTo(dst.ResourceSpans()) })
	grouped, _ := consumer.NewTraces(consume, consumer.WithCapabilities(next.Capabilities()))
	return grouped
}

func groupMetrics(cfg GroupCommitConfig, next consumer.Metrics) consumer.Metrics {
	if cfg.MaxInFlight == 0 {
		return next
	}
	consume := committer(cfg, next.ConsumeMetrics, pmetric.Metrics.DataPointCount,
		func(dst, src pmetric.Metrics) { src.ResourceMetrics().MoveAndAppendTo(dst.ResourceMetrics()) })
	grouped, _ := consumer.NewMetrics(consume, consumer.WithCapabilities(next.Capabilities()))
	return grouped
}

// committer returns the Consume of a group committer over consume, as cfg bounds it.
func committer[T any](cfg GroupCommitConfig, consume func(context.Context, T) error, size func(T) int, merge func(dst, src T)) func(context.Context, T) error {
	return groupcommit.New(groupcommit.Options[T]{
		Consume: consume, Merge: merge, Size: size, MaxInFlight: cfg.MaxInFlight, MaxItems: cfg.MaxItems,
	}).Consume
}
