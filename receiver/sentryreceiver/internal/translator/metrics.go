package translator

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/internal/sentry/payload"
)

const (
	sessionsDescription  = "Release-health sessions reported by Sentry SDKs: started (status init) and ended, by how they ended."
	discardedDescription = "Items Sentry SDKs dropped before sending, by reason and data category, from client reports."
)

// sessionCounter adds data points to the sentry.sessions sum of one release and environment.
type sessionCounter struct {
	t          *translation
	k          resourceKey
	start, end pcommon.Timestamp
}

func (c *sessionCounter) add(status string, n int64) {
	if n <= 0 {
		return
	}
	dp := c.t.deltaSum(c.k, attrkey.SessionsMetric, "{session}", sessionsDescription).AppendEmpty()
	dp.SetStartTimestamp(c.start)
	dp.SetTimestamp(c.end)
	dp.SetIntValue(n)
	dp.Attributes().PutStr(attrkey.SessionStatus, status)
}

func (t *translation) sessionCounter(attrs payload.SessionAttrs, start, end time.Time) *sessionCounter {
	c := &sessionCounter{t: t, k: t.resource(attrs.Release, attrs.Environment, "", "", "", ""), start: t.at(start), end: t.at(end)}
	if c.start > c.end {
		c.start = c.end
	}
	return c
}

// session counts one session update: a start when it is the first update (init), an end when it
// carries a terminal status. An exited session that had errors counts as errored, matching the
// buckets of session aggregates. Updates in between count nothing.
func (t *translation) session(it *envelope.Item) error {
	s, err := payload.DecodeSession(it.Payload)
	if err != nil {
		return err
	}
	c := t.sessionCounter(s.Attrs, s.Started, s.Timestamp)
	if s.Init {
		c.add("init", 1)
	}
	switch s.Status {
	case "exited":
		if s.Errors > 0 {
			c.add("errored", 1)
		} else {
			c.add("exited", 1)
		}
	case "crashed", "abnormal", "errored":
		c.add(s.Status, 1)
	}
	return nil
}

// sessionAggregates counts a `sessions` item: every bucket's sessions started and ended, so
// request-mode (server) SDKs show up in the same metric as single-session SDKs.
func (t *translation) sessionAggregates(it *envelope.Item) error {
	s, err := payload.DecodeSessionAggregates(it.Payload)
	if err != nil {
		return err
	}
	for _, b := range s.Aggregates {
		c := t.sessionCounter(s.Attrs, b.Started, t.in.ReceivedAt)
		c.add("init", b.Exited+b.Errored+b.Abnormal+b.Crashed)
		c.add("exited", b.Exited)
		c.add("errored", b.Errored)
		c.add("abnormal", b.Abnormal)
		c.add("crashed", b.Crashed)
	}
	return nil
}

// clientReport counts what the SDK discarded, one data point per reason and category.
func (t *translation) clientReport(it *envelope.Item) error {
	r, err := payload.DecodeClientReport(it.Payload)
	if err != nil {
		return err
	}
	if len(r.Discarded) == 0 {
		return nil
	}
	dps := t.deltaSum(t.resource("", "", "", "", "", ""), attrkey.DiscardedEventsMetric, "{item}", discardedDescription)
	dps.EnsureCapacity(dps.Len() + len(r.Discarded))
	ts := t.at(r.Timestamp)
	for _, d := range r.Discarded {
		dp := dps.AppendEmpty()
		dp.SetStartTimestamp(ts)
		dp.SetTimestamp(ts)
		dp.SetIntValue(d.Quantity)
		dp.Attributes().EnsureCapacity(2)
		dp.Attributes().PutStr(attrkey.DiscardReason, d.Reason)
		dp.Attributes().PutStr(attrkey.DataCategory, d.Category)
	}
	return nil
}
