package payload

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/jsontext"
)

// Log is one Sentry structured log (an entry of a `log` container).
type Log struct {
	Timestamp time.Time
	TraceID   string // 32 lowercase hex or ""
	SpanID    string // 16 lowercase hex or ""
	// Level is trace, debug, info, warn, error or fatal.
	Level string
	// SeverityNumber is the OTel severity number the SDK sent, 0 when it sent none.
	SeverityNumber int
	Body           string
	// Attributes are the typed attributes as sent, including sentry.release, sentry.environment,
	// sentry.sdk.* and sentry.message.template: the first MaxAttributes of them.
	Attributes []Attr
	// DroppedAttributes counts the attributes beyond MaxAttributes.
	DroppedAttributes int
}

// LogBatch is a decoded `log` container.
type LogBatch struct {
	Logs []Log
	// Dropped counts entries left out because they were not objects or had an unreadable timestamp.
	Dropped int
	// Cut is what the payload bounds left out (limitJSON).
	Cut Cut
}

// DecodeLogs decodes a `log` container {"items":[…]}. One bad entry is counted in Dropped and does
// not cost its siblings.
func DecodeLogs(raw []byte) (*LogBatch, error) {
	b := &LogBatch{}
	err := parseContainer("log container", raw, func(v node, cut Cut) error {
		b.Cut = cut
		items := v.Get("items")
		if items.kind() != jsontext.Array {
			return fmt.Errorf("decode log container: no items array")
		}
		b.Logs = make([]Log, 0, items.len())
		for it := range items.elems() {
			if it.kind() != jsontext.Object {
				b.Dropped++
				continue
			}
			ts, err := timestamp(it, "timestamp")
			if err != nil {
				b.Dropped++
				continue
			}
			l := Log{
				Timestamp:      ts,
				TraceID:        traceID(it.text("trace_id")),
				SpanID:         spanID(it.text("span_id")),
				Level:          str(it, "level"),
				SeverityNumber: int(integer(it, "severity_number")),
				Body:           str(it, "body"),
			}
			l.Attributes, l.DroppedAttributes = typedAttrs(it, "attributes")
			b.Logs = append(b.Logs, l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}
