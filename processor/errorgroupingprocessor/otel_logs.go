package errorgroupingprocessor

import (
	"context"
	"crypto/rand"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/faultline/faultline/internal/attrkey"
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
	occ := otelexception.Occurrence{TraceID: lr.TraceID().String(), SpanID: lr.SpanID().String()}
	readLogLocation(&occ, lr.Attributes())
	// What the record says is all that identifies it: a re-sent record gets the same id. Without
	// a time nothing tells two records of one exception apart, so each gets an id of its own
	// (a re-sent one is then stored twice, which is better than storing one of two).
	when := rand.Text()
	if ts != 0 {
		occ.Timestamp = ts.AsTime() // else the event is stamped when received, not in 1970
		when = strconv.FormatUint(uint64(ts), 10)
	}
	occ.EventID = otelexception.EventID("log", exc.ServiceName, exc.HostName, occ.TraceID, occ.SpanID,
		when, occ.LogFile, strconv.FormatInt(occ.LogLine, 10), exc.Type, exc.Message, exc.Stacktrace)
	return p.processOTelException(ctx, lr.Attributes(), &exc, occ)
}

// readLogLocation reads where a log file recorded the exception, as stanza's file input notes it.
func readLogLocation(occ *otelexception.Occurrence, attrs pcommon.Map) {
	occ.LogFile = attrkey.Str(attrs, attrkey.LogFilePath)
	if occ.LogFile == "" {
		occ.LogFile = attrkey.Str(attrs, attrkey.LogFileName)
	}
	if v, ok := attrs.Get(attrkey.LogFileRecordNumber); ok && v.Type() == pcommon.ValueTypeInt {
		occ.LogLine = v.Int()
	}
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
