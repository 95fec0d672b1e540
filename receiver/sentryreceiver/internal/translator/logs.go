package translator

import (
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/internal/sentry/payload"
)

// logs maps a `log` container: each Sentry log becomes one LogRecord with its typed attributes
// as sent. They map 1:1 because Sentry logs follow the OTel log model.
func (t *translation) logs(it *envelope.Item) (string, error) {
	b, err := payload.DecodeLogs(it.Payload)
	if err != nil {
		return "", err
	}
	for i := range b.Logs {
		l := &b.Logs[i]
		lr := t.logRecord(t.resourceFromAttrs(l.Attributes))
		lr.SetTimestamp(t.at(l.Timestamp))
		lr.SetObservedTimestamp(t.observed)
		if l.SeverityNumber >= int(plog.SeverityNumberTrace) && l.SeverityNumber <= int(plog.SeverityNumberFatal4) {
			lr.SetSeverityNumber(plog.SeverityNumber(l.SeverityNumber))
		} else {
			lr.SetSeverityNumber(severity(l.Level))
		}
		lr.SetSeverityText(l.Level)
		lr.Body().SetStr(l.Body)
		lr.SetTraceID(traceID(l.TraceID))
		lr.SetSpanID(spanID(l.SpanID))
		lr.SetDroppedAttributesCount(uint32(l.DroppedAttributes))
		m := lr.Attributes()
		m.EnsureCapacity(2 + len(l.Attributes))
		putAttrs(m, l.Attributes)
		m.PutStr(attrkey.ProjectID, t.in.ProjectID)
		m.PutStr(attrkey.ItemType, "log")
	}
	return lossReason("logs", len(b.Logs), b.Dropped, "not an object or no valid timestamp", b.Cut), nil
}
