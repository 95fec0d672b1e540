package issuestoreexporter

import (
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/store"
)

// convertTraces turns the exceptions recorded on spans (span events named "exception") into
// store events. The errorgrouping processor put the Sentry event and its grouping on each span
// event; one it did not reach (no processor in the pipeline) is counted as skipped. Spans without
// an exception are not errors and are neither stored nor counted.
func convertTraces(td ptrace.Traces) (evs []store.Event, skipped int) {
	now := time.Now()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		release, env := releaseAndEnvironment(rs.Resource())
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				events := spans.At(k).Events()
				for e := 0; e < events.Len(); e++ {
					se := events.At(e)
					if se.Name() != attrkey.ExceptionEventName {
						continue
					}
					ev, ok := convertAttributes(se.Attributes(), se.Timestamp(), 0, "", release, env, now)
					if !ok {
						skipped++
						continue
					}
					evs = append(evs, ev)
				}
			}
		}
	}
	return evs, skipped
}
