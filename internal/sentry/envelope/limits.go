package envelope

import "fmt"

const (
	kib = 1 << 10
	mib = 1 << 20
)

// Limits bounds what Parse and DecodeStoreBody accept. Sizes are bytes after decompression.
// DefaultLimits holds Relay's defaults (relay-config `Limits`); MaxHeaderSize and MaxItems are
// ours, because a streaming parser needs a bound on what it must hold before it can decide.
type Limits struct {
	// MaxEnvelopeSize caps the whole decompressed body; more is a KindTooLarge error.
	MaxEnvelopeSize int64
	// MaxHeaderSize caps one header line (envelope or item); more is a KindTooLarge error.
	MaxHeaderSize int64
	// MaxItems caps the number of items kept; further items are dropped (Envelope.Dropped).
	// Items of types outside Sentry's protocol are skipped and do not count.
	MaxItems int

	// Per-item limits: an item over its limit is dropped, its siblings are kept.
	MaxEventSize            int64 // event, transaction, feedback, user_report, replay_event, security, nel; the /store/ body
	MaxAttachmentSize       int64 // each attachment
	MaxAttachmentsSize      int64 // all attachments of one envelope together
	MaxAttachmentCount      int
	MaxCheckInSize          int64
	MaxClientReportSize     int64
	MaxClientReportCount    int
	MaxSessionSize          int64 // session and sessions items
	MaxSessionCount         int
	MaxProfileSize          int64 // profile, profile_chunk
	MaxLogSize              int64 // per log inside a log container (average)
	MaxTraceMetricSize      int64 // per metric inside a trace_metric container (average)
	MaxSpanSize             int64 // per span, standalone or inside a container (average)
	MaxStandaloneSpanCount  int   // span items that are not containers
	MaxContainerSize        int64 // a whole log, span or trace_metric container
	MaxReplayCompressedSize int64 // replay_recording, replay_video
	MaxStatsdSize           int64
	MaxMetricBucketsSize    int64

	// KeepPayload, when set, says which item types' payloads the caller reads: the others are
	// read past and only their size is kept (Item.Size), so that bytes nobody reads, such as
	// attachments a pipeline does not forward, cost no memory. nil keeps every payload.
	KeepPayload func(itemType string) bool
}

// DefaultLimits returns Relay's default limits (sentry-protocol.md §4.2).
func DefaultLimits() Limits {
	return Limits{
		MaxEnvelopeSize: 200 * mib,
		MaxHeaderSize:   256 * kib,
		MaxItems:        1000,

		MaxEventSize:            1 * mib,
		MaxAttachmentSize:       200 * mib,
		MaxAttachmentsSize:      200 * mib,
		MaxAttachmentCount:      30,
		MaxCheckInSize:          100 * kib,
		MaxClientReportSize:     100 * kib,
		MaxClientReportCount:    100,
		MaxSessionSize:          10 * mib,
		MaxSessionCount:         100,
		MaxProfileSize:          50 * mib,
		MaxLogSize:              2 * mib,
		MaxTraceMetricSize:      1 * mib,
		MaxSpanSize:             10 * mib,
		MaxStandaloneSpanCount:  25,
		MaxContainerSize:        12 * mib,
		MaxReplayCompressedSize: 10 * mib,
		MaxStatsdSize:           1 * mib,
		MaxMetricBucketsSize:    1 * mib,
	}
}

// accounting tracks the per-envelope totals that count limits and the attachment total apply to.
type accounting struct {
	attachments     int
	attachmentsSize int64
	clientReports   int
	sessions        int
	standaloneSpans int
}

// admit decides, before the payload is read, how many bytes an item of this type may have. A
// non-empty reason means the item is dropped whatever its size (a count limit is reached); max is
// then -1 so that nothing is kept.
func (a *accounting) admit(l *Limits, typ string, itemCount int) (max int64, reason string) {
	count := func(n *int, limit int, what string) string {
		*n++
		if *n > limit {
			return fmt.Sprintf("more than %d %s in one envelope", limit, what)
		}
		return ""
	}
	container := func(perItem int64) int64 {
		if itemCount <= 0 {
			return perItem
		}
		return min(l.MaxContainerSize, perItem*int64(itemCount))
	}
	switch typ {
	case "event", "transaction", "feedback", "user_report", "replay_event", "security", "raw_security", "nel", "form_data":
		max = l.MaxEventSize
	case "attachment", "unreal_report":
		reason = count(&a.attachments, l.MaxAttachmentCount, "attachments")
		max = min(l.MaxAttachmentSize, l.MaxAttachmentsSize-a.attachmentsSize)
	case "session", "sessions":
		reason = count(&a.sessions, l.MaxSessionCount, "session items")
		max = l.MaxSessionSize
	case "client_report":
		reason = count(&a.clientReports, l.MaxClientReportCount, "client reports")
		max = l.MaxClientReportSize
	case "check_in":
		max = l.MaxCheckInSize
	case "profile", "profile_chunk", "profile_chunk_ui":
		max = l.MaxProfileSize
	case "log":
		max = container(l.MaxLogSize)
	case "trace_metric":
		max = container(l.MaxTraceMetricSize)
	case "span":
		if itemCount <= 0 {
			reason = count(&a.standaloneSpans, l.MaxStandaloneSpanCount, "standalone spans")
		}
		max = container(l.MaxSpanSize)
	case "replay_recording", "replay_video":
		max = l.MaxReplayCompressedSize
	case "statsd":
		max = l.MaxStatsdSize
	case "metric_buckets":
		max = l.MaxMetricBucketsSize
	default:
		// Unknown types have no limit of their own, as in Relay; the envelope cap bounds them.
		max = l.MaxEnvelopeSize
	}
	if reason != "" {
		return -1, reason
	}
	return max, ""
}

// add books an accepted item against the envelope totals.
func (a *accounting) add(typ string, size int64) {
	if typ == "attachment" || typ == "unreal_report" {
		a.attachmentsSize += size
	}
}

// protocolTypes are the item types of Sentry's protocol (sentry-protocol.md §3.4). Items of any
// other type are skipped: Relay forwards them only to an upstream that may know them, and
// Faultline has none.
var protocolTypes = map[string]bool{
	"event": true, "transaction": true, "attachment": true, "session": true, "sessions": true,
	"client_report": true, "user_report": true, "feedback": true, "check_in": true, "log": true,
	"trace_metric": true, "span": true, "profile": true, "profile_chunk": true, "profile_chunk_ui": true,
	"replay_event": true, "replay_recording": true, "replay_video": true, "statsd": true,
	"metric_buckets": true, "security": true, "raw_security": true, "nel": true, "form_data": true,
	"unreal_report": true, "integration": true,
}

// TelemetryType is the item type to report an item under: its own when it is a type of Sentry's
// protocol, "unknown" for anything else a client invents, so telemetry stays bounded.
func TelemetryType(typ string) string {
	if protocolTypes[typ] {
		return typ
	}
	return "unknown"
}
