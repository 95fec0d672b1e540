package issuestoreexporter

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/store"
)

// reasonQuota is the reason of the items the sentry receiver refused over a quota.
const reasonQuota = "quota"

// isOutcomeMetric reports the metrics the store keeps: the sentry receiver's counts of what it
// refused over quotas and of what SDKs say they dropped (client reports). Every other metric of
// the pipeline is someone else's.
func isOutcomeMetric(name string) bool {
	return name == attrkey.RateLimitedMetric || name == attrkey.DiscardedEventsMetric
}

// convertOutcomes reads the outcome metrics of a batch; points without a project id are skipped.
func convertOutcomes(md pmetric.Metrics) []store.Outcome {
	var out []store.Outcome
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				if !isOutcomeMetric(m.Name()) || m.Type() != pmetric.MetricTypeSum {
					continue
				}
				dps := m.Sum().DataPoints()
				for l := 0; l < dps.Len(); l++ {
					if o, ok := outcomeOf(m.Name(), dps.At(l)); ok {
						out = append(out, o)
					}
				}
			}
		}
	}
	return out
}

func outcomeOf(metric string, dp pmetric.NumberDataPoint) (store.Outcome, bool) {
	attrs := dp.Attributes()
	pid, ok := attrs.Get(attrkey.ProjectID)
	if !ok {
		return store.Outcome{}, false
	}
	project, err := strconv.ParseInt(pid.AsString(), 10, 64)
	if err != nil || project <= 0 {
		return store.Outcome{}, false
	}
	o := store.Outcome{ProjectID: project, Hour: dp.Timestamp().AsTime(), Quantity: dp.IntValue()}
	if v, ok := attrs.Get(attrkey.DataCategory); ok {
		o.Category = v.AsString()
	}
	if metric == attrkey.RateLimitedMetric {
		o.Outcome, o.Reason = store.OutcomeRateLimited, reasonQuota
	} else {
		o.Outcome = store.OutcomeClientDiscard
		if v, ok := attrs.Get(attrkey.DiscardReason); ok {
			o.Reason = v.AsString()
		}
	}
	return o, o.Quantity > 0
}

// outcomeMetrics copies the outcome metrics of md with their resources and scopes; ok is false
// when there are none. A queue in front of the store then holds only what the
// store keeps, not every metric of the pipeline.
func outcomeMetrics(md pmetric.Metrics) (kept pmetric.Metrics, ok bool) {
	kept = pmetric.NewMetrics()
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			sm := sms.At(j)
			ms := sm.Metrics()
			for k := 0; k < ms.Len(); k++ {
				if !isOutcomeMetric(ms.At(k).Name()) {
					continue
				}
				krm := kept.ResourceMetrics().AppendEmpty()
				rm.Resource().CopyTo(krm.Resource())
				ksm := krm.ScopeMetrics().AppendEmpty()
				sm.Scope().CopyTo(ksm.Scope())
				ms.At(k).CopyTo(ksm.Metrics().AppendEmpty())
				ok = true
			}
		}
	}
	return kept, ok
}
