package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Outcomes, as Sentry's Stats page names them.
const (
	OutcomeRateLimited   = "rate_limited"   // refused by a quota of the project
	OutcomeClientDiscard = "client_discard" // dropped by the SDK itself, from its client reports
)

// Outcome counts items of one project, hour, data category, outcome and reason.
type Outcome struct {
	ProjectID int64
	Hour      time.Time // the start of the hour (a time inside it when writing)
	Category  string
	Outcome   string
	Reason    string
	Quantity  int64
}

type outcomeKey struct {
	project, hour             int64
	category, outcome, reason string
}

func (s *sqlStore) WriteOutcomes(ctx context.Context, outcomes []Outcome) error {
	sums := map[outcomeKey]int64{}
	for _, o := range outcomes {
		if o.ProjectID <= 0 || o.Quantity <= 0 {
			continue
		}
		k := outcomeKey{o.ProjectID, o.Hour.UnixMicro() / hourMicros * hourMicros, o.Category, o.Outcome, o.Reason}
		sums[k] += o.Quantity
	}
	if len(sums) == 0 {
		return nil
	}
	keys := make([]outcomeKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	// Key order: concurrent PostgreSQL writers lock the rows in the same order.
	slices.SortFunc(keys, func(a, b outcomeKey) int {
		return cmp.Or(cmp.Compare(a.project, b.project), cmp.Compare(a.hour, b.hour), strings.Compare(a.category, b.category),
			strings.Compare(a.outcome, b.outcome), strings.Compare(a.reason, b.reason))
	})
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = []any{k.project, k.hour, k.category, k.outcome, k.reason, sums[k]}
	}
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.insertRows(`INSERT INTO outcomes (project_id, hour, category, outcome, reason, quantity) VALUES `, 6, `
ON CONFLICT (project_id, hour, category, outcome, reason) DO UPDATE SET quantity = outcomes.quantity + excluded.quantity`, "", rows)
		return err
	})
}

func (s *sqlStore) Outcomes(ctx context.Context, projectIDs []int64, since time.Time) ([]Outcome, error) {
	q := `SELECT project_id, hour, category, outcome, reason, quantity FROM outcomes WHERE hour >= ?`
	args := []any{since.UnixMicro() / hourMicros * hourMicros}
	if len(projectIDs) > 0 {
		q += ` AND project_id IN (` + placeholders(len(projectIDs)) + `)`
		for _, id := range projectIDs {
			args = append(args, id)
		}
	}
	q += ` ORDER BY hour, project_id, category, outcome, reason`
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read outcomes: %w", err)
	}
	defer rows.Close()
	var out []Outcome
	for rows.Next() {
		var o Outcome
		var hour int64
		if err := rows.Scan(&o.ProjectID, &hour, &o.Category, &o.Outcome, &o.Reason, &o.Quantity); err != nil {
			return nil, fmt.Errorf("read outcomes: %w", err)
		}
		o.Hour = fromMicros(hour)
		out = append(out, o)
	}
	return out, rows.Err()
}
