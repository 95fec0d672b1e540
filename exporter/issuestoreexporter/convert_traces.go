package issuestoreexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/exporter"

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

// exceptionsOnly hands the exporter helper (and its queue, when one is configured) only the spans
// the store keeps: those that recorded an exception. A traces pipeline's other spans (every
// transaction, every OTLP span) would otherwise fill the queue only to be dropped by push.
type exceptionsOnly struct {
	exporter.Traces
}

func (x exceptionsOnly) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	kept, ok := exceptionSpans(td)
	if !ok {
		return nil
	}
	return x.Traces.ConsumeTraces(ctx, kept)
}

// exceptionSpans copies the spans of td that have an "exception" event, with their resource and
// scope; ok is false when there are none.
func exceptionSpans(td ptrace.Traces) (kept ptrace.Traces, ok bool) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		var keptRS ptrace.ResourceSpans
		haveRS := false
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			var keptSS ptrace.ScopeSpans
			haveSS := false
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				if !hasException(spans.At(k)) {
					continue
				}
				if !ok {
					kept, ok = ptrace.NewTraces(), true
				}
				if !haveRS {
					keptRS, haveRS = kept.ResourceSpans().AppendEmpty(), true
					rs.Resource().CopyTo(keptRS.Resource())
					keptRS.SetSchemaUrl(rs.SchemaUrl())
				}
				if !haveSS {
					keptSS, haveSS = keptRS.ScopeSpans().AppendEmpty(), true
					ss.Scope().CopyTo(keptSS.Scope())
					keptSS.SetSchemaUrl(ss.SchemaUrl())
				}
				spans.At(k).CopyTo(keptSS.Spans().AppendEmpty())
			}
		}
	}
	return kept, ok
}

func hasException(span ptrace.Span) bool {
	events := span.Events()
	for e := 0; e < events.Len(); e++ {
		if events.At(e).Name() == attrkey.ExceptionEventName {
			return true
		}
	}
	return false
}
