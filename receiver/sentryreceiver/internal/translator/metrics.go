package translator

import (
	"maps"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/internal/sentry/payload"
)

const (
	sessionsDescription    = "Release-health sessions reported by Sentry SDKs: started (status init) and ended, by how they ended."
	discardedDescription   = "Items Sentry SDKs dropped before sending, by reason and data category, from client reports."
	rateLimitedDescription = "Items the sentry receiver refused because they were over a quota of their project, by data category."
)

// sessionCounter adds data points to the sentry.sessions sum of one release and environment.
type sessionCounter struct {
	t          *translation
	k          resourceKey
	start, end pcommon.Timestamp
}

func (c *sessionCounter) add(status string, n int64) {
	if n <= 0 {
		return
	}
	dp := c.t.deltaSum(c.k, attrkey.SessionsMetric, "{session}", sessionsDescription).AppendEmpty()
	dp.SetStartTimestamp(c.start)
	dp.SetTimestamp(c.end)
	dp.SetIntValue(n)
	dp.Attributes().PutStr(attrkey.SessionStatus, status)
}

func (t *translation) sessionCounter(attrs payload.SessionAttrs, start, end time.Time) *sessionCounter {
	c := &sessionCounter{t: t, k: t.resource(attrs.Release, attrs.Environment, "", "", "", ""), start: t.at(start), end: t.at(end)}
	if c.start > c.end {
		c.start = c.end
	}
	return c
}

// session counts one session update: a start when it is the first update (init), an end when it
// carries a terminal status. An exited session that had errors counts as errored, matching the
// buckets of session aggregates. Updates in between count nothing.
func (t *translation) session(it *envelope.Item) error {
	s, err := payload.DecodeSession(it.Payload)
	if err != nil {
		return err
	}
	c := t.sessionCounter(s.Attrs, s.Started, s.Timestamp)
	if s.Init {
		c.add("init", 1)
	}
	switch s.Status {
	case "exited":
		if s.Errors > 0 {
			c.add("errored", 1)
		} else {
			c.add("exited", 1)
		}
	case "crashed", "abnormal", "errored":
		c.add(s.Status, 1)
	}
	return nil
}

// sessionAggregates counts a `sessions` item: every bucket's sessions started and ended, so
// request-mode (server) SDKs show up in the same metric as single-session SDKs.
func (t *translation) sessionAggregates(it *envelope.Item) (string, error) {
	s, err := payload.DecodeSessionAggregates(it.Payload)
	if err != nil {
		return "", err
	}
	for _, b := range s.Aggregates {
		c := t.sessionCounter(s.Attrs, b.Started, t.in.ReceivedAt)
		c.add("init", b.Exited+b.Errored+b.Abnormal+b.Crashed)
		c.add("exited", b.Exited)
		c.add("errored", b.Errored)
		c.add("abnormal", b.Abnormal)
		c.add("crashed", b.Crashed)
	}
	return lossReason("session buckets", len(s.Aggregates), 0, "", s.Cut), nil
}

// clientReport counts what the SDK discarded, one data point per reason and category.
func (t *translation) clientReport(it *envelope.Item) error {
	r, err := payload.DecodeClientReport(it.Payload)
	if err != nil {
		return err
	}
	if len(r.Discarded) == 0 {
		return nil
	}
	dps := t.deltaSum(t.resource("", "", "", "", "", ""), attrkey.DiscardedEventsMetric, "{item}", discardedDescription)
	dps.EnsureCapacity(dps.Len() + len(r.Discarded))
	ts := t.at(r.Timestamp)
	for _, d := range r.Discarded {
		dp := dps.AppendEmpty()
		dp.SetStartTimestamp(ts)
		dp.SetTimestamp(ts)
		dp.SetIntValue(d.Quantity)
		dp.Attributes().EnsureCapacity(3)
		dp.Attributes().PutStr(attrkey.DiscardReason, d.Reason)
		dp.Attributes().PutStr(attrkey.DataCategory, d.Category)
		dp.Attributes().PutStr(attrkey.ProjectID, t.in.ProjectID)
	}
	return nil
}

// rateLimited counts what the receiver refused of the envelope over its project's quotas, one
// data point per category at receipt.
func (t *translation) rateLimited() {
	if len(t.in.RateLimited) == 0 {
		return
	}
	dps := t.deltaSum(t.resource("", "", "", "", "", ""), attrkey.RateLimitedMetric, "{item}", rateLimitedDescription)
	ts := t.at(t.in.ReceivedAt)
	for _, cat := range slices.Sorted(maps.Keys(t.in.RateLimited)) {
		dp := dps.AppendEmpty()
		dp.SetStartTimestamp(ts)
		dp.SetTimestamp(ts)
		dp.SetIntValue(t.in.RateLimited[cat])
		dp.Attributes().EnsureCapacity(2)
		dp.Attributes().PutStr(attrkey.DataCategory, cat)
		dp.Attributes().PutStr(attrkey.ProjectID, t.in.ProjectID)
	}
}

// traceMetrics maps a `trace_metric` container. Each sample becomes one data point of the metric
// it names: counters a delta sum, gauges a gauge, distributions a delta histogram of one
// observation (count 1, no bucket bounds), because SDKs send raw samples, not aggregates. The
// sample's typed attributes are the point's attributes, and its trace and span ids an exemplar,
// so a metric leads back to the trace it was recorded in.
func (t *translation) traceMetrics(it *envelope.Item) (string, error) {
	b, err := payload.DecodeTraceMetrics(it.Payload)
	if err != nil {
		return "", err
	}
	for i := range b.Metrics {
		s := &b.Metrics[i]
		k := t.resourceFromAttrs(s.Attributes)
		ts := t.at(s.Timestamp)
		var attrs pcommon.Map
		var exemplars pmetric.ExemplarSlice
		switch s.Type {
		case payload.MetricCounter:
			m, created := t.metric(k, s.Name, pmetric.MetricTypeSum, s.Unit)
			if created {
				sum := m.SetEmptySum()
				sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
				sum.SetIsMonotonic(true)
			}
			dp := m.Sum().DataPoints().AppendEmpty()
			setNumber(dp, ts, &s.Value)
			attrs, exemplars = dp.Attributes(), dp.Exemplars()
		case payload.MetricGauge:
			m, created := t.metric(k, s.Name, pmetric.MetricTypeGauge, s.Unit)
			if created {
				m.SetEmptyGauge()
			}
			dp := m.Gauge().DataPoints().AppendEmpty()
			setNumber(dp, ts, &s.Value)
			attrs, exemplars = dp.Attributes(), dp.Exemplars()
		case payload.MetricDistribution:
			m, created := t.metric(k, s.Name, pmetric.MetricTypeHistogram, s.Unit)
			if created {
				m.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
			}
			dp := m.Histogram().DataPoints().AppendEmpty()
			dp.SetStartTimestamp(ts)
			dp.SetTimestamp(ts)
			x := number(&s.Value)
			dp.SetCount(1)
			dp.SetSum(x)
			dp.SetMin(x)
			dp.SetMax(x)
			dp.BucketCounts().Append(1)
			attrs, exemplars = dp.Attributes(), dp.Exemplars()
		}
		attrs.EnsureCapacity(len(s.Attributes))
		putAttrs(attrs, s.Attributes)
		if s.TraceID != "" {
			ex := exemplars.AppendEmpty()
			ex.SetTimestamp(ts)
			ex.SetDoubleValue(number(&s.Value))
			ex.SetTraceID(traceID(s.TraceID))
			ex.SetSpanID(spanID(s.SpanID))
		}
	}
	if b.Dropped > 0 || b.Cut != (payload.Cut{}) {
		return lossReason("metric samples", len(b.Metrics), b.Dropped, "no name, unknown type, non-numeric value or no valid timestamp", b.Cut), nil
	}
	return "", nil
}

// setNumber fills a sum or gauge point of one sample, keeping integers integers.
func setNumber(dp pmetric.NumberDataPoint, ts pcommon.Timestamp, v *payload.Value) {
	dp.SetStartTimestamp(ts)
	dp.SetTimestamp(ts)
	if v.Kind == payload.KindInt {
		dp.SetIntValue(v.Int)
	} else {
		dp.SetDoubleValue(v.Double)
	}
}

// number is a sample's value as a float, for histograms and exemplars.
func number(v *payload.Value) float64 {
	if v.Kind == payload.KindInt {
		return float64(v.Int)
	}
	return v.Double
}
