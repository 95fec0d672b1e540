package payload

import (
	"fmt"
	"time"
)

// Outcome lists of a client report. Current SDKs send only discarded_events; older ones split
// their counts over the other three lists, which have the same entry shape.
const (
	OutcomeDiscarded        = "discarded_events"
	OutcomeRateLimited      = "rate_limited_events"
	OutcomeFiltered         = "filtered_events"
	OutcomeFilteredSampling = "filtered_sampling_events"
)

// DiscardedEvent says how many items of a data category an SDK dropped, and why.
type DiscardedEvent struct {
	// Outcome is the list the entry came from (one of the Outcome… constants).
	Outcome  string
	Reason   string // queue_overflow, ratelimit_backoff, sample_rate, before_send …
	Category string // error, transaction, span, log_item, attachment …
	Quantity int64
}

// ClientReport is a `client_report` item: what the SDK did not send.
type ClientReport struct {
	Timestamp time.Time // zero when not sent
	Discarded []DiscardedEvent
}

// DecodeClientReport decodes a `client_report` item.
func DecodeClientReport(raw []byte) (*ClientReport, error) {
	r := &ClientReport{}
	err := parseObject("client report", raw, func(v node) error {
		var err error
		if r.Timestamp, err = optionalTimestamp(v, "timestamp"); err != nil {
			return fmt.Errorf("decode client report: %w", err)
		}
		for _, list := range [...]string{OutcomeDiscarded, OutcomeRateLimited, OutcomeFiltered, OutcomeFilteredSampling} {
			for e := range v.Get(list).elems() {
				q := integer(e, "quantity")
				if q <= 0 {
					continue
				}
				r.Discarded = append(r.Discarded, DiscardedEvent{
					Outcome:  list,
					Reason:   str(e, "reason"),
					Category: str(e, "category"),
					Quantity: q,
				})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
