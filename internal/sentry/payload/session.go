package payload

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/jsontext"
)

// SessionAttrs are the attributes a session or a sessions aggregate is reported under.
type SessionAttrs struct {
	Release     string // required by the protocol
	Environment string
	IPAddress   string
	UserAgent   string
}

// Session is one `session` update. An SDK sends several per session: the first with Init, the
// last with a terminal Status (exited, crashed, abnormal).
type Session struct {
	SID               string
	DID               string
	Init              bool
	Started           time.Time
	Timestamp         time.Time // zero when not sent
	Seq               int64
	Duration          float64 // seconds; 0 when not sent
	Status            string  // ok, exited, crashed, abnormal (default ok)
	Errors            int64
	AbnormalMechanism string
	Attrs             SessionAttrs
}

// SessionAggregate counts the sessions of one bucket (server-mode SDKs, one per minute).
type SessionAggregate struct {
	Started  time.Time
	DID      string
	Exited   int64
	Errored  int64
	Abnormal int64
	Crashed  int64
}

// SessionAggregates is a `sessions` item.
type SessionAggregates struct {
	Aggregates []SessionAggregate
	Attrs      SessionAttrs
	// Cut is what the payload bounds left out (limitJSON).
	Cut Cut
}

// DecodeSession decodes a `session` item. Like Relay it requires attrs.release and started.
func DecodeSession(raw []byte) (*Session, error) {
	s := &Session{}
	err := parseObject("session", raw, func(v node) error {
		s.SID = str(v, "sid")
		s.DID = str(v, "did")
		s.Init = boolean(v, "init")
		s.Seq = integer(v, "seq")
		s.Duration, _ = number(v, "duration")
		s.Status = str(v, "status")
		if s.Status == "" {
			s.Status = "ok"
		}
		s.Errors = integer(v, "errors")
		s.AbnormalMechanism = str(v, "abnormal_mechanism")
		s.Attrs = sessionAttrs(v)
		if s.Attrs.Release == "" {
			return fmt.Errorf("decode %s: attrs.release is missing", named("session", s.SID))
		}
		var err error
		if s.Started, err = timestamp(v, "started"); err != nil {
			return fmt.Errorf("decode %s: %w", named("session", s.SID), err)
		}
		if s.Timestamp, err = optionalTimestamp(v, "timestamp"); err != nil {
			return fmt.Errorf("decode %s: %w", named("session", s.SID), err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// DecodeSessionAggregates decodes a `sessions` item. Buckets without a readable start time are
// skipped: they cannot be placed in time.
func DecodeSessionAggregates(raw []byte) (*SessionAggregates, error) {
	s := &SessionAggregates{}
	err := parseContainer("sessions", raw, func(v node, cut Cut) error {
		s.Cut = cut
		s.Attrs = sessionAttrs(v)
		if s.Attrs.Release == "" {
			return fmt.Errorf("decode sessions: attrs.release is missing")
		}
		buckets := v.Get("aggregates")
		s.Aggregates = make([]SessionAggregate, 0, buckets.len())
		for b := range buckets.elems() {
			started, err := timestamp(b, "started")
			if err != nil {
				continue
			}
			s.Aggregates = append(s.Aggregates, SessionAggregate{
				Started:  started,
				DID:      str(b, "did"),
				Exited:   integer(b, "exited"),
				Errored:  integer(b, "errored"),
				Abnormal: integer(b, "abnormal"),
				Crashed:  integer(b, "crashed"),
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func sessionAttrs(v node) SessionAttrs {
	a := v.Get("attrs")
	if a.kind() != jsontext.Object {
		return SessionAttrs{}
	}
	return SessionAttrs{
		Release:     str(a, "release"),
		Environment: str(a, "environment"),
		IPAddress:   str(a, "ip_address"),
		UserAgent:   str(a, "user_agent"),
	}
}
