package ui

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/store"
)

// statsPeriods are the periods the Stats page offers, the first the default.
var statsPeriods = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

type statsData struct {
	Project string
	Period  string
	Periods []string
	Rows    []store.Outcome // summed over the period; Hour unused
}

// statsPage is Sentry's Stats page in small: per data category, outcome and reason, how many
// items of a project (or of all) were refused or dropped in the period.
func (u *UI) statsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := statsData{Project: q.Get("project"), Period: q.Get("period"), Periods: []string{"24h", "7d", "30d"}}
	period, ok := statsPeriods[d.Period]
	if !ok {
		d.Period, period = "24h", statsPeriods["24h"]
	}
	var projects []int64
	for _, p := range u.cfg.Projects {
		if d.Project == "" || p.Slug == d.Project {
			projects = append(projects, p.ID)
		}
	}
	if len(projects) == 0 {
		u.fail(w, r, &store.InputError{Msg: "There is no project " + d.Project + "."})
		return
	}
	outcomes, err := u.st.Outcomes(r.Context(), projects, time.Now().Add(-period))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	type key struct{ category, outcome, reason string }
	sums := map[key]int64{}
	for _, o := range outcomes {
		sums[key{o.Category, o.Outcome, o.Reason}] += o.Quantity
	}
	for k, n := range sums {
		d.Rows = append(d.Rows, store.Outcome{Category: k.category, Outcome: k.outcome, Reason: k.reason, Quantity: n})
	}
	slices.SortFunc(d.Rows, func(a, b store.Outcome) int {
		return cmp.Or(strings.Compare(a.Category, b.Category), strings.Compare(a.Outcome, b.Outcome), strings.Compare(a.Reason, b.Reason))
	})
	u.render(w, r, http.StatusOK, "stats", "Stats", d)
}
