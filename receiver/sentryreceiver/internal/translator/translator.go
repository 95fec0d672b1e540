// Package translator turns one parsed Sentry envelope into OTel data: error, message, feedback,
// check-in and Sentry log items become plog records; transactions and span items become ptrace
// spans; sessions, client reports and trace metrics become pmetric data points. DESIGN.md §3 ("OTel mapping") is the
// contract; README.md beside this file lists every attribute and where it comes from.
//
// It owns the mapping only. Decoding belongs to the event (errors) and payload (everything else)
// packages, the envelope codec to package envelope, and HTTP, auth, limits and pipelines to the
// receiver around it. Every item gets an outcome, so nothing is dropped without a reason.
package translator

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sentry/scrub"
)

// ScopeName is the instrumentation scope of everything the translator emits.
const ScopeName = "github.com/faultline/faultline/receiver/sentryreceiver"

// Input is one envelope and what the receiver knows about the request that carried it.
type Input struct {
	ProjectID string
	Envelope  *envelope.Envelope
	// ReceivedAt is when the request arrived; it is the observed time of every record and the
	// reference for clock-drift correction. The zero value means now, as in event.Normalize.
	ReceivedAt time.Time
	ClientIP   string
	// ServiceName is the resource service.name; when empty it is "sentry-project-<ProjectID>"
	// because Sentry events name no service, and a per-project name keeps projects apart.
	ServiceName string
	// Scrubber scrubs error and message events while they are normalized, so that nothing
	// downstream sees what it removes; nil scrubs nothing.
	Scrubber *scrub.Scrubber
	// RateLimited is what the receiver refused of this envelope over its project's quotas, by
	// data category: it becomes sentry.rate_limited data points.
	RateLimited map[string]int64
}

// ItemOutcome is what happened to one envelope item; Outcomes follow the envelope's item order.
// Items the envelope codec skipped for size (Envelope.Dropped) never reach the translator: the
// receiver reports those itself.
type ItemOutcome struct {
	ItemType string
	Accepted bool
	// Reason explains a rejection, or a partial loss inside an accepted item ("2 of 9 spans dropped …").
	Reason string
}

// Output is the OTel data of one envelope. Empty signals have no resources.
type Output struct {
	Logs    plog.Logs
	Traces  ptrace.Traces
	Metrics pmetric.Metrics
	// EventID is the id to answer the SDK with: the envelope header's, else the first event's.
	EventID  string
	Outcomes []ItemOutcome
	// Events are the error and message events of the logs, each the text of its record's
	// attrkey.Event and the typed view Normalize returned with it: the receiver shares the views
	// with the errorgrouping processor while the pipeline runs (event.Share), so that it does not
	// parse them again. The views are recyclable (event.NormalizeOptions): once shared and
	// unshared, a view must not be used again.
	Events []Event
}

// Event is a normalized event: its text and its typed view.
type Event struct {
	Text string
	View *event.Event
}

// Decodes reports whether Translate reads the payload of an item type. It reads the others'
// sizes at most (Item.Size), so the envelope codec need not keep their bytes.
func Decodes(itemType string) bool {
	switch itemType {
	case "event", "transaction", "span", "log", "session", "sessions", "client_report", "trace_metric",
		"check_in", "feedback", "user_report":
		return true
	}
	return false
}

// Unsupported item types get this reason; the receiver counts them in its self-telemetry.
const reasonUnsupported = "item type not supported by the sentry receiver"

// minClockDrift is Relay's threshold for correcting client clocks (sentry-protocol.md §10): below
// it the difference between sent_at and receipt is network latency, not a wrong clock.
const minClockDrift = 55 * time.Minute

// Translate maps every item of in.Envelope. It never fails as a whole: a bad item is reported in
// its outcome and its siblings are unaffected.
func Translate(in Input) Output {
	t := newTranslation(in)
	items := in.Envelope.Items
	t.out.Outcomes = make([]ItemOutcome, len(items))
	var attachments []int
	for i := range items {
		it := &items[i]
		o := &t.out.Outcomes[i]
		o.ItemType = it.Type
		var err error
		switch it.Type {
		case "event":
			err = t.event(it)
		case "transaction":
			o.Reason, err = t.transaction(it)
		case "span":
			o.Reason, err = t.span(it)
		case "log":
			o.Reason, err = t.logs(it)
		case "session":
			err = t.session(it)
		case "sessions":
			o.Reason, err = t.sessionAggregates(it)
		case "client_report":
			err = t.clientReport(it)
		case "trace_metric":
			o.Reason, err = t.traceMetrics(it)
		case "check_in":
			err = t.checkIn(it)
		case "feedback":
			err = t.feedback(it)
		case "user_report":
			err = t.userReport(it)
		case "attachment":
			// Attachments are referenced from their event's record once all items are seen,
			// because SDKs may put them before the event.
			attachments = append(attachments, i)
			continue
		default:
			o.Reason = reasonUnsupported
			continue
		}
		if err != nil {
			o.Reason = err.Error()
			continue
		}
		o.Accepted = true
	}
	if len(attachments) > 0 {
		t.attachments(attachments)
	}
	t.rateLimited()
	if t.out.EventID == "" {
		t.out.EventID = t.firstEventID
	}
	return t.out
}

// translation is the state of one Translate call.
type translation struct {
	in  Input
	out Output
	// shift corrects timestamps of non-error items for a client clock that is off by at least
	// minClockDrift; event.Normalize does the same for error events.
	shift        time.Duration
	observed     pcommon.Timestamp
	serviceName  string
	firstEventID string
	// sdkName and sdkVersion are the envelope header's sdk, read on first use (sdkRead).
	sdkName, sdkVersion string
	sdkRead             bool
	// eventRecord is the record of the error event or feedback that attachments belong to.
	eventRecord    plog.LogRecord
	hasEventRecord bool

	logResources    []resourceLogs
	spanResources   []resourceSpans
	metricResources []resourceMetrics
}

func newTranslation(in Input) *translation {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = time.Now()
	}
	t := &translation{
		in:          in,
		out:         Output{Logs: plog.NewLogs(), Traces: ptrace.NewTraces(), Metrics: pmetric.NewMetrics(), EventID: in.Envelope.Header.EventID},
		observed:    pcommon.NewTimestampFromTime(in.ReceivedAt),
		serviceName: in.ServiceName,
	}
	if t.serviceName == "" {
		t.serviceName = "sentry-project-" + in.ProjectID
	}
	if sent := in.Envelope.Header.SentAt; !sent.IsZero() {
		if d := in.ReceivedAt.Sub(sent); d >= minClockDrift || d <= -minClockDrift {
			t.shift = d
		}
	}
	return t
}

// noteEventID remembers the first event id seen, for Output.EventID when the header has none.
func (t *translation) noteEventID(id string) {
	if t.firstEventID == "" {
		t.firstEventID = id
	}
}

// at converts a payload time to a pcommon timestamp, corrected for clock drift.
func (t *translation) at(ts time.Time) pcommon.Timestamp {
	return t.shifted(ts, t.shift)
}

// shifted converts a payload time moved by shift; the zero time (not sent) is the receipt time.
func (t *translation) shifted(ts time.Time, shift time.Duration) pcommon.Timestamp {
	if ts.IsZero() {
		return t.observed
	}
	return pcommon.NewTimestampFromTime(ts.Add(shift))
}

// Relay's bounds for event timestamps (sentry-protocol.md §10): an event may end at most a minute
// after it was received, and no earlier than the retention period; event.Normalize applies the
// same bounds with the same 90-day default retention.
const (
	maxSecsInFuture = 60 * time.Second
	maxAgeInPast    = 90 * 24 * time.Hour
)

// eventShift is the correction for a transaction ending at end: the envelope's clock drift, or,
// when even the corrected end lies too far in the future or past, whatever moves the end to the
// receipt time, so the whole transaction keeps its shape but lands when it arrived.
func (t *translation) eventShift(end time.Time) time.Duration {
	corrected := end.Add(t.shift)
	if corrected.After(t.in.ReceivedAt.Add(maxSecsInFuture)) || corrected.Before(t.in.ReceivedAt.Add(-maxAgeInPast)) {
		return t.in.ReceivedAt.Sub(end)
	}
	return t.shift
}
