package translator

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/sentry/envelope"
)

// The tests compare flattened views of pdata: one row per record, span or data point with its
// resource, so a failing case shows every field that differs and map order does not matter.

type logRow struct {
	Resource     map[string]any
	Scope        string
	Time         time.Time
	Observed     time.Time
	Severity     plog.SeverityNumber
	SeverityText string
	EventName    string
	Body         any
	TraceID      string
	SpanID       string
	Attrs        map[string]any
}

func logRows(ld plog.Logs) []logRow {
	var rows []logRow
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			for k := 0; k < sl.LogRecords().Len(); k++ {
				lr := sl.LogRecords().At(k)
				rows = append(rows, logRow{
					Resource: rl.Resource().Attributes().AsRaw(), Scope: sl.Scope().Name(),
					Time: lr.Timestamp().AsTime().UTC(), Observed: lr.ObservedTimestamp().AsTime().UTC(),
					Severity: lr.SeverityNumber(), SeverityText: lr.SeverityText(), EventName: lr.EventName(),
					Body: lr.Body().AsRaw(), TraceID: hexOrEmpty(lr.TraceID()), SpanID: hexOrEmpty(lr.SpanID()),
					Attrs: lr.Attributes().AsRaw(),
				})
			}
		}
	}
	return rows
}

type spanRow struct {
	Resource   map[string]any
	Scope      string
	TraceID    string
	SpanID     string
	ParentID   string
	Name       string
	Kind       ptrace.SpanKind
	Start, End time.Time
	Status     ptrace.StatusCode
	StatusMsg  string
	Attrs      map[string]any
	Links      []linkRow
}

type linkRow struct {
	TraceID, SpanID string
	Flags           uint32
	Attrs           map[string]any
}

func spanRows(td ptrace.Traces) []spanRow {
	var rows []spanRow
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				s := ss.Spans().At(k)
				row := spanRow{
					Resource: rs.Resource().Attributes().AsRaw(), Scope: ss.Scope().Name(),
					TraceID: hexOrEmpty(s.TraceID()), SpanID: hexOrEmpty(s.SpanID()), ParentID: hexOrEmpty(s.ParentSpanID()),
					Name: s.Name(), Kind: s.Kind(), Start: s.StartTimestamp().AsTime().UTC(), End: s.EndTimestamp().AsTime().UTC(),
					Status: s.Status().Code(), StatusMsg: s.Status().Message(), Attrs: s.Attributes().AsRaw(),
				}
				for l := 0; l < s.Links().Len(); l++ {
					ln := s.Links().At(l)
					row.Links = append(row.Links, linkRow{TraceID: hexOrEmpty(ln.TraceID()), SpanID: hexOrEmpty(ln.SpanID()), Flags: ln.Flags(), Attrs: ln.Attributes().AsRaw()})
				}
				rows = append(rows, row)
			}
		}
	}
	return rows
}

type pointRow struct {
	Resource    map[string]any
	Scope       string
	Metric      string
	Unit        string
	Type        pmetric.MetricType
	Temporality pmetric.AggregationTemporality
	Monotonic   bool
	Start, Time time.Time
	// Value is the int64 or float64 of a sum or gauge point, or for a histogram point
	// [count, sum, min, max] followed by its bucket counts.
	Value     any
	Attrs     map[string]any
	Exemplars []exemplarRow
}

type exemplarRow struct {
	Time            time.Time
	Value           float64
	TraceID, SpanID string
}

func pointRows(md pmetric.Metrics) []pointRow {
	var rows []pointRow
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			sm := rm.ScopeMetrics().At(j)
			for k := 0; k < sm.Metrics().Len(); k++ {
				m := sm.Metrics().At(k)
				base := pointRow{Resource: rm.Resource().Attributes().AsRaw(), Scope: sm.Scope().Name(), Metric: m.Name(), Unit: m.Unit(), Type: m.Type()}
				var numbers pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeSum:
					base.Temporality, base.Monotonic = m.Sum().AggregationTemporality(), m.Sum().IsMonotonic()
					numbers = m.Sum().DataPoints()
				case pmetric.MetricTypeGauge:
					numbers = m.Gauge().DataPoints()
				case pmetric.MetricTypeHistogram:
					base.Temporality = m.Histogram().AggregationTemporality()
					for p := 0; p < m.Histogram().DataPoints().Len(); p++ {
						dp := m.Histogram().DataPoints().At(p)
						row := base
						row.Start, row.Time = dp.StartTimestamp().AsTime().UTC(), dp.Timestamp().AsTime().UTC()
						row.Value = append([]float64{float64(dp.Count()), dp.Sum(), dp.Min(), dp.Max()}, bucketCounts(dp)...)
						row.Attrs, row.Exemplars = dp.Attributes().AsRaw(), exemplarRows(dp.Exemplars())
						rows = append(rows, row)
					}
					continue
				}
				for p := 0; p < numbers.Len(); p++ {
					dp := numbers.At(p)
					row := base
					row.Start, row.Time = dp.StartTimestamp().AsTime().UTC(), dp.Timestamp().AsTime().UTC()
					if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
						row.Value = dp.IntValue()
					} else {
						row.Value = dp.DoubleValue()
					}
					row.Attrs, row.Exemplars = dp.Attributes().AsRaw(), exemplarRows(dp.Exemplars())
					rows = append(rows, row)
				}
			}
		}
	}
	return rows
}

func bucketCounts(dp pmetric.HistogramDataPoint) []float64 {
	out := make([]float64, dp.BucketCounts().Len())
	for i := range out {
		out[i] = float64(dp.BucketCounts().At(i))
	}
	return out
}

func exemplarRows(es pmetric.ExemplarSlice) []exemplarRow {
	var rows []exemplarRow
	for i := 0; i < es.Len(); i++ {
		e := es.At(i)
		rows = append(rows, exemplarRow{Time: e.Timestamp().AsTime().UTC(), Value: e.DoubleValue(), TraceID: hexOrEmpty(e.TraceID()), SpanID: hexOrEmpty(e.SpanID())})
	}
	return rows
}

type hexID interface {
	IsEmpty() bool
	String() string
}

func hexOrEmpty(id hexID) string {
	if id.IsEmpty() {
		return ""
	}
	return id.String()
}

// readEnvelope parses a testdata envelope with the real codec and its default limits.
func readEnvelope(t testing.TB, path string) *envelope.Envelope {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	env, err := envelope.Parse(f, envelope.DefaultLimits())
	require.NoError(t, err)
	return env
}
