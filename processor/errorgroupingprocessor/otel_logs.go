package errorgroupingprocessor

import (
	"context"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/faultline/faultline/internal/otelexception"
)

// processOTelRecord turns a log record with exception.* attributes (an OTel SDK's log bridge, or
// a semconv exception event) into a grouped Sentry event.
func (p *groupingProcessor) processOTelRecord(ctx context.Context, res pcommon.Resource, lr plog.LogRecord) error {
	exc := resourceException(res)
	readException(&exc, lr.Attributes())
	ts := lr.Timestamp()
	if ts == 0 {
		ts = lr.ObservedTimestamp()
	}
	exc.Level = sentryLevel(lr.SeverityNumber())
	occ := otelexception.Occurrence{TraceID: lr.TraceID().String(), SpanID: lr.SpanID().String(), Timestamp: ts.AsTime()}
	// What the record says is all that identifies it: a re-sent record gets the same id.
	occ.EventID = otelexception.EventID("log", exc.ServiceName, occ.TraceID, occ.SpanID,
		strconv.FormatUint(uint64(ts), 10), exc.Type, exc.Message, exc.Stacktrace)
	return p.processOTelException(ctx, lr.Attributes(), &exc, occ)
}

// sentryLevel maps an OTel severity to the Sentry level; an exception without one is an error.
func sentryLevel(s plog.SeverityNumber) string {
	switch {
	case s >= plog.SeverityNumberFatal:
		return "fatal"
	case s >= plog.SeverityNumberError:
		return "error"
	case s >= plog.SeverityNumberWarn:
		return "warning"
	case s >= plog.SeverityNumberInfo:
		return "info"
	case s >= plog.SeverityNumberTrace:
		return "debug"
	}
	return "error"
}
