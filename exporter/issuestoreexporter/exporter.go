package issuestoreexporter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/faultline/faultline/exporter/issuestoreexporter/internal/metadata"
	"github.com/faultline/faultline/internal/store"
)

type issueExporter struct {
	cfg               *Config
	logger            *zap.Logger
	st                store.Store
	skipped           metric.Int64Counter
	skippedExceptions metric.Int64Counter
	writeDuration     metric.Float64Histogram
}

// writeBuckets are the bounds (ms) of the write duration histogram: fine enough that a p99 read
// from it (testbed scenario "1 sweep") is within about a quarter of the true value.
var writeBuckets = []float64{1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000}

func newExporter(cfg *Config, set exporter.Settings) (*issueExporter, error) {
	meter := set.MeterProvider.Meter(metadata.ScopeName)
	skipped, err := meter.Int64Counter(
		"otelcol_exporter_issuestore_skipped_log_records",
		metric.WithDescription("Log records the issuestore exporter did not store because they are not Sentry error events (no sentry.event_id or sentry.event, or a check-in/feedback record)."),
		metric.WithUnit("{record}"))
	if err != nil {
		return nil, fmt.Errorf("issuestore exporter: create skipped counter: %w", err)
	}
	skippedExceptions, err := meter.Int64Counter(
		"otelcol_exporter_issuestore_skipped_span_exceptions",
		metric.WithDescription("Span events named exception the issuestore exporter did not store because the errorgrouping processor did not make them Sentry events (it is missing from the traces pipeline)."),
		metric.WithUnit("{event}"))
	if err != nil {
		return nil, fmt.Errorf("issuestore exporter: create skipped exceptions counter: %w", err)
	}
	writeDuration, err := meter.Float64Histogram(
		"otelcol_exporter_issuestore_write_duration",
		metric.WithDescription("How long the store took to commit a batch of events (successful or not)."),
		metric.WithUnit("ms"), metric.WithExplicitBucketBoundaries(writeBuckets...))
	if err != nil {
		return nil, fmt.Errorf("issuestore exporter: create write duration histogram: %w", err)
	}
	return &issueExporter{cfg: cfg, logger: set.Logger, skipped: skipped, skippedExceptions: skippedExceptions, writeDuration: writeDuration}, nil
}

// start finds the issuestore extension; extensions start before pipelines, so its store is open.
func (e *issueExporter) start(_ context.Context, host component.Host) error {
	ext, ok := host.GetExtensions()[e.cfg.Extension]
	if !ok {
		return fmt.Errorf("issuestore exporter: extension %q is not configured (add it under extensions: and service::extensions)", e.cfg.Extension)
	}
	p, ok := ext.(store.Provider)
	if !ok {
		return fmt.Errorf("issuestore exporter: extension %q is not an issuestore extension", e.cfg.Extension)
	}
	if e.st = p.Store(); e.st == nil {
		return fmt.Errorf("issuestore exporter: extension %q has no open store", e.cfg.Extension)
	}
	return nil
}

// push stores a batch. It returns only after the store committed it durably (Store.Append: on
// SQLite to its inbox, folded into issues moments later), so the queue (and through it the
// receiver) acknowledges nothing that could still be lost. Events the store refuses for their
// content are permanent errors; anything else is retried.
func (e *issueExporter) push(ctx context.Context, ld plog.Logs) error {
	evs, skipped := convert(ld)
	if skipped > 0 {
		e.skipped.Add(ctx, int64(skipped))
		e.logger.Debug("skipped log records that are not Sentry error events", zap.Int("count", skipped))
	}
	return e.write(ctx, evs)
}

// pushTraces stores the exceptions recorded on the spans of a batch, like push.
func (e *issueExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	evs, skipped := convertTraces(td)
	if skipped > 0 {
		e.skippedExceptions.Add(ctx, int64(skipped))
		e.logger.Debug("skipped exception span events the errorgrouping processor did not reach", zap.Int("count", skipped))
	}
	return e.write(ctx, evs)
}

// pushMetrics stores the outcome counts of a batch (Sentry's Stats).
func (e *issueExporter) pushMetrics(ctx context.Context, md pmetric.Metrics) error {
	return e.st.WriteOutcomes(ctx, convertOutcomes(md))
}

func (e *issueExporter) write(ctx context.Context, evs []store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	start := time.Now()
	err := e.st.Append(ctx, evs)
	e.writeDuration.Record(context.WithoutCancel(ctx), float64(time.Since(start))/float64(time.Millisecond))
	var in *store.InputError
	if errors.As(err, &in) {
		return consumererror.NewPermanent(err)
	}
	return err
}
