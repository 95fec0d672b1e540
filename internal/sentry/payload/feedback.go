package payload

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/jsontext"
)

// Feedback is user feedback, from a `feedback` event (contexts.feedback) or a legacy
// `user_report` item; both decode to this one shape.
type Feedback struct {
	EventInfo
	Timestamp         time.Time // zero for user_report, which carries none
	Message           string
	ContactEmail      string
	Name              string
	URL               string
	AssociatedEventID string // the error event the feedback is about, if any
	ReplayID          string
	Trace             TraceContext
}

// DecodeFeedback decodes a `feedback` item: an event whose contexts.feedback holds the message.
func DecodeFeedback(raw []byte) (*Feedback, error) {
	f := &Feedback{}
	err := parseObject("feedback", raw, func(v node) error {
		f.EventInfo = eventInfo(v)
		var err error
		if f.Timestamp, err = optionalTimestamp(v, "timestamp"); err != nil {
			return fmt.Errorf("decode %s: %w", named("feedback", f.EventID), err)
		}
		fb := v.Get("contexts", "feedback")
		if fb.kind() != jsontext.Object {
			return fmt.Errorf("decode %s: contexts.feedback is missing", named("feedback", f.EventID))
		}
		f.Message = str(fb, "message")
		if f.Message == "" {
			return fmt.Errorf("decode %s: contexts.feedback.message is empty", named("feedback", f.EventID))
		}
		f.ContactEmail = str(fb, "contact_email")
		f.Name = str(fb, "name")
		f.URL = str(fb, "url")
		f.AssociatedEventID = eventID(str(fb, "associated_event_id"))
		f.ReplayID = str(fb, "replay_id")
		f.Trace = traceContext(v.Get("contexts", "trace"))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// DecodeUserReport decodes a legacy `user_report` item {event_id, email, name, comments}.
func DecodeUserReport(raw []byte) (*Feedback, error) {
	f := &Feedback{}
	err := parseObject("user report", raw, func(v node) error {
		f.AssociatedEventID = eventID(str(v, "event_id"))
		f.ContactEmail = str(v, "email")
		f.Name = str(v, "name")
		f.Message = str(v, "comments")
		if f.Message == "" {
			return fmt.Errorf("decode %s: comments are empty", named("user report for event", f.AssociatedEventID))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}
