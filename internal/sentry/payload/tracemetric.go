package payload

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/jsontext"
)

// Metric types of a trace metric.
const (
	MetricCounter      = "counter"
	MetricGauge        = "gauge"
	MetricDistribution = "distribution"
)

// TraceMetric is one sample of a `trace_metric` container: a counter increment, a gauge reading
// or one observation of a distribution, linked to the span it was recorded in.
type TraceMetric struct {
	Timestamp time.Time
	TraceID   string // 32 lowercase hex or ""
	SpanID    string // 16 lowercase hex or ""
	Type      string // counter, gauge or distribution
	Name      string
	// Value is KindInt or KindDouble.
	Value      Value
	Unit       string
	Attributes []Attr
}

// TraceMetricBatch is a decoded `trace_metric` container.
type TraceMetricBatch struct {
	Metrics []TraceMetric
	// Dropped counts samples left out: not an object, no name, an unknown type, a non-numeric
	// value or an unreadable timestamp.
	Dropped int
	// Cut is what the payload bounds left out (limitJSON).
	Cut Cut
}

// DecodeTraceMetrics decodes a `trace_metric` container {"items":[…]}. One bad sample is counted
// in Dropped and does not cost its siblings.
func DecodeTraceMetrics(raw []byte) (*TraceMetricBatch, error) {
	b := &TraceMetricBatch{}
	err := parseContainer("trace metric container", raw, func(v node, cut Cut) error {
		b.Cut = cut
		items := v.Get("items")
		if items.kind() != jsontext.Array {
			return fmt.Errorf("decode trace metric container: no items array")
		}
		b.Metrics = make([]TraceMetric, 0, items.len())
		for it := range items.elems() {
			m, ok := decodeTraceMetric(it)
			if !ok {
				b.Dropped++
				continue
			}
			b.Metrics = append(b.Metrics, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func decodeTraceMetric(v node) (TraceMetric, bool) {
	if v.kind() != jsontext.Object {
		return TraceMetric{}, false
	}
	m := TraceMetric{
		TraceID: traceID(v.text("trace_id")),
		SpanID:  spanID(v.text("span_id")),
		Type:    str(v, "type"),
		Name:    str(v, "name"),
		Unit:    str(v, "unit"),
	}
	m.Attributes, _ = typedAttrs(v, "attributes")
	switch m.Type {
	case MetricCounter, MetricGauge, MetricDistribution:
	default:
		return TraceMetric{}, false
	}
	if m.Name == "" {
		return TraceMetric{}, false
	}
	val := v.Get("value")
	if val.kind() != jsontext.Number {
		return TraceMetric{}, false
	}
	m.Value = toValue(val)
	var err error
	if m.Timestamp, err = timestamp(v, "timestamp"); err != nil {
		return TraceMetric{}, false
	}
	return m, true
}
