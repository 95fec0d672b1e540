package issuestoreexporter

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/store"
)

func TestOnlyOutcomeMetricsWithAProjectAreKept(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	add := func(name string, value int64, attrs map[string]string) {
		m := ms.AppendEmpty()
		m.SetName(name)
		dp := m.SetEmptySum().DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.NewTimestampFromTime(at))
		dp.SetIntValue(value)
		for k, v := range attrs {
			dp.Attributes().PutStr(k, v)
		}
	}
	add(attrkey.RateLimitedMetric, 3, map[string]string{attrkey.ProjectID: "1", attrkey.DataCategory: "error"})
	add(attrkey.DiscardedEventsMetric, 2, map[string]string{attrkey.ProjectID: "1", attrkey.DataCategory: "transaction", attrkey.DiscardReason: "sample_rate"})
	add(attrkey.DiscardedEventsMetric, 5, map[string]string{attrkey.DataCategory: "error", attrkey.DiscardReason: "queue_overflow"}) // no project
	add("http.server.duration", 7, map[string]string{attrkey.ProjectID: "1"})

	got := convertOutcomes(md)
	want := []store.Outcome{
		{ProjectID: 1, Hour: at, Category: "error", Outcome: store.OutcomeRateLimited, Reason: "quota", Quantity: 3},
		{ProjectID: 1, Hour: at, Category: "transaction", Outcome: store.OutcomeClientDiscard, Reason: "sample_rate", Quantity: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("outcomes %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Hour.Equal(want[i].Hour) || got[i].ProjectID != want[i].ProjectID || got[i].Category != want[i].Category ||
			got[i].Outcome != want[i].Outcome || got[i].Reason != want[i].Reason || got[i].Quantity != want[i].Quantity {
			t.Errorf("outcome %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	kept, ok := outcomeMetrics(md)
	if !ok || kept.MetricCount() != 3 {
		t.Errorf("the queue gets %d metrics, want the 3 outcome metrics and not the others", kept.MetricCount())
	}
}
