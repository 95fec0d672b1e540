package errorgroupingprocessor

import (
	"context"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/otelexception"
)

// processTraces groups every span event named "exception": the Sentry event and its grouping go
// on the span event's attributes. Spans without one are only looked at, so a traces pipeline
// pays for exceptions alone (BenchmarkTraces).
func (p *groupingProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		var service *otelexception.Exception // read from the resource at its first exception
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				events := span.Events()
				for e := 0; e < events.Len(); e++ {
					if events.At(e).Name() != attrkey.ExceptionEventName || !isOTelException(events.At(e).Attributes()) && !hasEvent(events.At(e).Attributes()) {
						continue // not an exception, or one that says nothing (no type, no message)
					}
					if service == nil {
						r := resourceException(rs.Resource())
						service = &r
					}
					if err := p.processSpanException(ctx, service, span, events.At(e), e); err != nil {
						p.logger.Warn("exception left ungrouped", zap.Error(err))
					}
				}
			}
		}
	}
	return td, nil
}

// processSpanException groups the index-th event of span. An event that already carries a Sentry
// event (grouped by a collector upstream) is regrouped from it like a sentry receiver record.
func (p *groupingProcessor) processSpanException(ctx context.Context, service *otelexception.Exception, span ptrace.Span, se ptrace.SpanEvent, index int) error {
	attrs := se.Attributes()
	if _, ok := attrs.Get(attrkey.Event); ok {
		return p.processRecord(ctx, attrs)
	}
	exc := *service
	readException(&exc, attrs)
	exc.SpanName = span.Name()
	ts := se.Timestamp()
	if ts == 0 {
		ts = span.EndTimestamp()
	}
	occ := otelexception.Occurrence{TraceID: span.TraceID().String(), SpanID: span.SpanID().String()}
	if ts != 0 {
		occ.Timestamp = ts.AsTime() // else the event is stamped when received, not in 1970
	}
	occ.EventID = otelexception.EventID("span", occ.TraceID, occ.SpanID, strconv.Itoa(index))
	return p.processOTelException(ctx, attrs, &exc, occ)
}

func hasEvent(attrs pcommon.Map) bool {
	_, ok := attrs.Get(attrkey.Event)
	return ok
}
