package sentryreceiver

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/internal/sentry/envelope"
)

// quota counts the items of some data categories a project (each of its keys, or one key) sends in fixed
// windows aligned to the Unix epoch, as Relay's quotas do: a window's count starts from zero
// when the next window begins, and a refusal lasts until then.
type quota struct {
	categories map[string]bool // nil: every category
	header     string          // the categories as X-Sentry-Rate-Limits names them ("" = all)
	limit      int64
	window     time.Duration
	scope      string
	key        string // when set, the one key whose items this quota counts

	mu     sync.Mutex
	counts map[string]*windowCount // by public key for scope key, under "" for scope project
}

type windowCount struct {
	window int64 // index of the window counted in
	used   int64
}

func newQuota(qc QuotaConfig) *quota {
	q := &quota{limit: qc.Limit, window: qc.Window, scope: qc.EffectiveScope(), key: qc.Key, counts: map[string]*windowCount{}}
	if len(qc.Categories) > 0 {
		q.categories = map[string]bool{}
		cats := slices.Clone(qc.Categories)
		slices.Sort(cats)
		cats = slices.Compact(cats)
		for _, c := range cats {
			q.categories[c] = true
		}
		q.header = strings.Join(cats, ";")
	}
	return q
}

func (q *quota) covers(category string) bool { return q.categories == nil || q.categories[category] }

// appliesTo says whether the quota counts the items sent with a public key: a quota of one key
// counts that key's only.
func (q *quota) appliesTo(key string) bool { return q.key == "" || q.key == key }

// counter returns the count of the current window for a key; the caller holds q.mu.
func (q *quota) counter(key string, now time.Time) *windowCount {
	if q.scope == projectdef.ScopeProject {
		key = ""
	}
	w := now.UnixNano() / int64(q.window)
	c := q.counts[key]
	if c == nil {
		c = &windowCount{window: w}
		q.counts[key] = c
	}
	if c.window != w {
		c.window, c.used = w, 0
	}
	return c
}

// retryAfter is how long until the window that holds now ends.
func (q *quota) retryAfter(now time.Time) time.Duration {
	w := int64(q.window)
	return time.Duration(w - now.UnixNano()%w)
}

// limit is a refusal in force: its quota and how long it lasts.
type limit struct {
	q    *quota
	wait time.Duration
}

// exhausted lists the quotas of a key that refuse everything they cover until their window ends.
func exhausted(quotas []*quota, key string, now time.Time) []limit {
	var out []limit
	for _, q := range quotas {
		if !q.appliesTo(key) {
			continue
		}
		q.mu.Lock()
		full := q.counter(key, now).used >= q.limit
		q.mu.Unlock()
		if full {
			out = append(out, limit{q, q.retryAfter(now)})
		}
	}
	return out
}

// take counts an envelope's items against the quotas of a key and returns the items that fit
// (in order) and those refused. An item is taken whole or not at all: it fits only if every
// quota covering its category has room for its whole quantity.
func take(quotas []*quota, key string, items []envelope.Item, now time.Time) (kept, refused []envelope.Item) {
	kept = items[:0:0]
	for i := range items {
		it := &items[i]
		if cat := it.Category(); cat == "" || takeItem(quotas, key, cat, it.Quantity(), now) {
			kept = append(kept, *it)
		} else {
			refused = append(refused, *it)
		}
	}
	return kept, refused
}

// refusing lists the quotas of a key that refused items: those covering a refused item's
// category without room for its quantity, with their waits. A quota that covers the item but had
// room did not refuse it and is not named (unless a new window began since the refusal: then
// every quota covering a refused item is).
func refusing(quotas []*quota, key string, refused []envelope.Item, now time.Time) []limit {
	var full, covering []limit
	for _, q := range quotas {
		if !q.appliesTo(key) {
			continue
		}
		q.mu.Lock()
		used := q.counter(key, now).used
		q.mu.Unlock()
		covers, refusedOne := false, false
		for i := range refused {
			if q.covers(refused[i].Category()) {
				covers = true
				refusedOne = refusedOne || used+refused[i].Quantity() > q.limit
			}
		}
		if covers {
			covering = append(covering, limit{q, q.retryAfter(now)})
		}
		if refusedOne {
			full = append(full, limit{q, q.retryAfter(now)})
		}
	}
	if len(full) == 0 {
		return covering
	}
	return full
}

func takeItem(quotas []*quota, key, cat string, n int64, now time.Time) bool {
	var covering []*quota
	for _, q := range quotas {
		if q.covers(cat) && q.appliesTo(key) {
			covering = append(covering, q)
		}
	}
	// Quotas are locked in their configured order, so concurrent requests cannot deadlock.
	for _, q := range covering {
		q.mu.Lock()
	}
	defer func() {
		for _, q := range covering {
			q.mu.Unlock()
		}
	}()
	for _, q := range covering {
		if c := q.counter(key, now); c.used+n > q.limit {
			return false
		}
	}
	for _, q := range covering {
		q.counter(key, now).used += n
	}
	return true
}

// rateLimitsHeader is X-Sentry-Rate-Limits for the refusals in force:
// "<seconds>:<categories>:<scope>" per quota, categories ";"-separated, empty for all.
func rateLimitsHeader(limits []limit) string {
	parts := make([]string, len(limits))
	for i, l := range limits {
		parts[i] = seconds(l.wait) + ":" + l.q.header + ":" + l.q.scope
	}
	return strings.Join(parts, ", ")
}

// seconds rounds a wait up to whole seconds, as Retry-After carries it.
func seconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
