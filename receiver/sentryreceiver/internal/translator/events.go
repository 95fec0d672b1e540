package translator

import (
	"encoding/json"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sentry/payload"
)

// severity maps Sentry event levels and Sentry log levels onto OTel severity numbers, following
// semconv for exceptions as logs: fatal crashes are FATAL, errors ERROR.
func severity(level string) plog.SeverityNumber {
	switch level {
	case "fatal", "critical":
		return plog.SeverityNumberFatal
	case "error":
		return plog.SeverityNumberError
	case "warning", "warn":
		return plog.SeverityNumberWarn
	case "info", "log":
		return plog.SeverityNumberInfo
	case "debug":
		return plog.SeverityNumberDebug
	case "trace":
		return plog.SeverityNumberTrace
	}
	return plog.SeverityNumberUnspecified
}

// event maps an error or message event onto one LogRecord. The normalized event travels whole
// as attrkey.Event (JSON text: nearly free, where a structured body would cost ~170 µs per event,
// DESIGN §3); the fields people filter and route on are attributes besides.
func (t *translation) event(it *envelope.Item) error {
	h := &t.in.Envelope.Header
	opts := event.NormalizeOptions{
		EventID:    h.EventID,
		ReceivedAt: t.in.ReceivedAt,
		SentAt:     h.SentAt,
		ClientIP:   t.in.ClientIP,
		Recyclable: true, // Output.Events
	}
	if s := t.in.Scrubber; s.Active() {
		ss := s.Session()
		defer ss.Release()
		opts.Editor = ss
	}
	normalized, ev, err := event.Normalize(it.Payload, opts)
	if err != nil {
		return err // already says "normalize event: …"
	}
	t.noteEventID(ev.EventID)

	var sdkName, sdkVersion string
	if ev.SDK != nil {
		sdkName, sdkVersion = ev.SDK.Name, ev.SDK.Version
	}
	// ServerName comes back from the server_name tag, where normalization moves it.
	lr := t.logRecord(t.resource(ev.Release, ev.Environment, sdkName, sdkVersion, ev.Platform, ev.ServerName))
	lr.SetTimestamp(pcommon.NewTimestampFromTime(ev.Timestamp))
	lr.SetObservedTimestamp(t.observed)
	lr.SetSeverityNumber(severity(ev.Level))
	lr.SetSeverityText(ev.Level)
	lr.SetTraceID(traceID(ev.Trace.TraceID))
	lr.SetSpanID(spanID(ev.Trace.SpanID))

	m := lr.Attributes()
	m.EnsureCapacity(24 + len(ev.Tags))
	m.PutStr(attrkey.EventID, ev.EventID)
	m.PutStr(attrkey.ProjectID, t.in.ProjectID)
	m.PutStr(attrkey.ItemType, "event")
	// The normalized JSON is a buffer Normalize made for this call and nothing else references,
	// so the attribute takes it without a copy: ~10 KB less garbage per reference event.
	// TestNormalizedEventIsNotReused guards the assumption.
	text := unsafe.String(unsafe.SliceData(normalized), len(normalized))
	m.PutStr(attrkey.Event, text)
	t.out.Events = append(t.out.Events, Event{Text: text, View: ev})
	putNonEmpty(m, attrkey.Level, ev.Level)
	putNonEmpty(m, attrkey.Platform, ev.Platform)
	putNonEmpty(m, attrkey.Transaction, ev.Transaction)
	putNonEmpty(m, attrkey.Logger, ev.Logger)
	putNonEmpty(m, attrkey.Dist, ev.Dist)
	putNonEmpty(m, attrkey.SDKName, sdkName)
	putNonEmpty(m, attrkey.SDKVersion, sdkVersion)

	var title string
	if n := len(ev.Exceptions); n > 0 {
		// The last exception is the one raised; earlier ones are its causes.
		ex := &ev.Exceptions[n-1]
		lr.SetEventName(attrkey.ExceptionEventName)
		putNonEmpty(m, attrkey.ExceptionType, ex.Type)
		putNonEmpty(m, attrkey.ExceptionMessage, ex.Value)
		putNonEmpty(m, attrkey.ExceptionStacktrace, event.RenderStacktrace(ev))
		switch {
		case ex.Type == "":
			title = ex.Value
		case ex.Value == "":
			title = ex.Type
		default:
			title = ex.Type + ": " + ex.Value
		}
	}
	if ev.LogEntry != nil && ev.LogEntry.Formatted != "" {
		lr.Body().SetStr(ev.LogEntry.Formatted)
	} else {
		lr.Body().SetStr(title)
	}

	if u := ev.User; u != nil {
		putNonEmpty(m, attrkey.UserID, u.ID)
		putNonEmpty(m, attrkey.UserEmail, u.Email)
		putNonEmpty(m, attrkey.UserName, u.Username)
		putNonEmpty(m, attrkey.ClientAddress, u.IPAddress)
	}
	if r := ev.Request; r != nil {
		putNonEmpty(m, attrkey.URLFull, r.URL)
		putNonEmpty(m, attrkey.HTTPRequestMethod, r.Method)
	}
	for _, tg := range ev.Tags {
		m.PutStr(tagKey(tg.Key), tg.Value)
	}
	if len(ev.Fingerprint) > 0 {
		s := m.PutEmptySlice(attrkey.Fingerprint)
		s.EnsureCapacity(len(ev.Fingerprint))
		for _, f := range ev.Fingerprint {
			s.AppendEmpty().SetStr(f)
		}
	}
	// Attachments belong to the error event even when feedback came first.
	t.eventRecord, t.hasEventRecord = lr, true
	return nil
}

// scrub applies the project's data scrubbing to a payload that is not normalized as an error
// event (a transaction: its request, user, extra, contexts, tags, breadcrumbs and spans' data),
// before it is decoded. It returns the payload itself when nothing was scrubbed.
func (t *translation) scrub(raw []byte) ([]byte, error) {
	s := t.in.Scrubber
	if !s.Active() {
		return raw, nil
	}
	ss := s.Session()
	defer ss.Release()
	return event.Edit(raw, ss)
}

// feedback maps a `feedback` event onto a LogRecord named sentry.feedback with the message as body.
func (t *translation) feedback(it *envelope.Item) error {
	f, err := payload.DecodeFeedback(it.Payload)
	if err != nil {
		return err
	}
	// The envelope header's event id takes precedence over the payload's, as for error events.
	id := t.in.Envelope.Header.EventID
	if id == "" {
		id = f.EventID
	}
	t.noteEventID(id)
	lr := t.feedbackRecord(f, "feedback", id)
	// Screenshots arrive as attachments of the feedback; an error event in the same envelope
	// keeps them, though, since attachments belong to the event first.
	if !t.hasEventRecord {
		t.eventRecord, t.hasEventRecord = lr, true
	}
	return nil
}

// userReport maps a legacy `user_report` onto the same record shape as feedback. It has no event
// id of its own: it points at the error event it comments on.
func (t *translation) userReport(it *envelope.Item) error {
	f, err := payload.DecodeUserReport(it.Payload)
	if err != nil {
		return err
	}
	t.feedbackRecord(f, "user_report", "")
	return nil
}

func (t *translation) feedbackRecord(f *payload.Feedback, itemType, eventID string) plog.LogRecord {
	lr := t.logRecord(t.resource(f.Release, f.Environment, f.SDKName, f.SDKVersion, f.Platform, f.ServerName))
	lr.SetTimestamp(t.at(f.Timestamp))
	lr.SetObservedTimestamp(t.observed)
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetSeverityText("info")
	lr.SetEventName(attrkey.FeedbackEventName)
	lr.Body().SetStr(f.Message)
	lr.SetTraceID(traceID(f.Trace.TraceID))
	lr.SetSpanID(spanID(f.Trace.SpanID))
	m := lr.Attributes()
	m.EnsureCapacity(12 + len(f.Tags))
	putNonEmpty(m, attrkey.EventID, eventID)
	m.PutStr(attrkey.ProjectID, t.in.ProjectID)
	m.PutStr(attrkey.ItemType, itemType)
	putNonEmpty(m, attrkey.Platform, f.Platform)
	putNonEmpty(m, attrkey.FeedbackContactEmail, f.ContactEmail)
	putNonEmpty(m, attrkey.FeedbackName, f.Name)
	putNonEmpty(m, attrkey.FeedbackURL, f.URL)
	putNonEmpty(m, attrkey.FeedbackAssociatedEventID, f.AssociatedEventID)
	putNonEmpty(m, attrkey.FeedbackReplayID, f.ReplayID)
	putUser(m, &f.User)
	putTags(m, f.Tags)
	return lr
}

func putUser(m pcommon.Map, u *payload.User) {
	putNonEmpty(m, attrkey.UserID, u.ID)
	putNonEmpty(m, attrkey.UserEmail, u.Email)
	putNonEmpty(m, attrkey.UserName, u.Username)
	putNonEmpty(m, attrkey.ClientAddress, u.IPAddress)
}

// checkIn maps a cron check-in onto a LogRecord named sentry.check_in. Check-ins carry no time of
// their own: the record's time is when it arrived.
func (t *translation) checkIn(it *envelope.Item) error {
	c, err := payload.DecodeCheckIn(it.Payload)
	if err != nil {
		return err
	}
	lr := t.logRecord(t.resource(c.Release, c.Environment, "", "", "", ""))
	lr.SetTimestamp(t.observed)
	lr.SetObservedTimestamp(t.observed)
	if c.Status == "error" {
		lr.SetSeverityNumber(plog.SeverityNumberError)
		lr.SetSeverityText("error")
	} else {
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("info")
	}
	lr.SetEventName(attrkey.CheckInEventName)
	lr.Body().SetStr(c.MonitorSlug + ": " + c.Status)
	lr.SetTraceID(traceID(c.Trace.TraceID))
	lr.SetSpanID(spanID(c.Trace.SpanID))
	m := lr.Attributes()
	m.EnsureCapacity(8)
	m.PutStr(attrkey.ProjectID, t.in.ProjectID)
	m.PutStr(attrkey.ItemType, "check_in")
	putNonEmpty(m, attrkey.CheckInID, c.ID)
	m.PutStr(attrkey.MonitorSlug, c.MonitorSlug)
	m.PutStr(attrkey.CheckInStatus, c.Status)
	if c.HasDuration {
		m.PutDouble(attrkey.CheckInDuration, c.Duration)
	}
	putNonEmpty(m, attrkey.MonitorConfig, c.MonitorConfig)
	return nil
}

// attachmentRef is one entry of attrkey.Attachments.
type attachmentRef struct {
	Name           string `json:"name"`
	ContentType    string `json:"content_type,omitempty"`
	AttachmentType string `json:"attachment_type"`
	Size           int    `json:"size"`
}

// attachments lists the envelope's attachments on its event's (or feedback's) record. The bytes
// are not forwarded: pdata is the wrong carrier for megabytes of minidumps, and the store will
// take them by another path.
func (t *translation) attachments(idx []int) {
	items := t.in.Envelope.Items
	if !t.hasEventRecord {
		for _, i := range idx {
			t.out.Outcomes[i].Reason = "attachment without an accepted event or feedback in the envelope"
		}
		return
	}
	refs := make([]attachmentRef, len(idx))
	for n, i := range idx {
		it := &items[i]
		typ := it.AttachmentType
		if typ == "" {
			typ = "event.attachment"
		}
		refs[n] = attachmentRef{Name: it.Filename, ContentType: it.ContentType, AttachmentType: typ, Size: int(it.Size)}
		t.out.Outcomes[i].Accepted = true
		t.out.Outcomes[i].Reason = "referenced from its event; bytes not forwarded"
	}
	text, _ := json.Marshal(refs) // cannot fail: strings and ints only
	t.eventRecord.Attributes().PutStr(attrkey.Attachments, string(text))
}
