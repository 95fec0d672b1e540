package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// statsField is the one field stats_v2 sums.
const statsField = "sum(quantity)"

// stats answers Sentry's organization stats_v2 with the outcomes Faultline keeps: items refused
// over quotas (rate_limited) and items the SDKs dropped themselves (client_discard).
//
//	GET /api/0/organizations/{org}/stats_v2/?field=sum(quantity)&groupBy=outcome&groupBy=category
//	    &statsPeriod=24h&interval=1h&project=1
func (a *API) stats(w http.ResponseWriter, r *http.Request) {
	if !a.checkOrg(w, r) {
		return
	}
	params := r.URL.Query()
	if f := params.Get("field"); f != "" && f != statsField {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("unsupported field %q (want %s)", f, statsField))
		return
	}
	period, err := parseStatsDuration(params.Get("statsPeriod"), 24*time.Hour)
	if err != nil || period > 90*24*time.Hour {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid statsPeriod %q (want e.g. 24h or 14d, at most 90d)", params.Get("statsPeriod")))
		return
	}
	interval, err := parseStatsDuration(params.Get("interval"), time.Hour)
	if err != nil || (interval != time.Hour && interval != 24*time.Hour) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid interval %q (want 1h or 1d)", params.Get("interval")))
		return
	}
	groupBy := params["groupBy"]
	for _, g := range groupBy {
		if g != "outcome" && g != "category" && g != "reason" && g != "project" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid groupBy %q (want outcome, category, reason or project)", g))
			return
		}
	}
	var projects []int64
	for _, p := range params["project"] {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid project %q", p))
			return
		}
		if id == -1 { // Sentry's "all projects"
			projects = nil
			break
		}
		projects = append(projects, id)
	}
	if len(projects) == 0 {
		for _, p := range a.cfg.Projects {
			projects = append(projects, p.ID)
		}
	}
	end := time.Now().UTC().Truncate(interval).Add(interval)
	start := end.Add(-period.Truncate(interval))
	if start.Equal(end) {
		start = end.Add(-interval)
	}
	outcomes, err := a.st.Outcomes(r.Context(), projects, start)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	buckets := int(end.Sub(start) / interval)
	intervals := make([]string, buckets)
	for i := range intervals {
		intervals[i] = start.Add(time.Duration(i) * interval).Format(time.RFC3339)
	}
	type group struct {
		by     map[string]any
		total  int64
		series []int64
	}
	groups := map[string]*group{}
	for _, o := range outcomes {
		b := int(o.Hour.Sub(start) / interval)
		if b < 0 || b >= buckets || !wanted(params["category"], o.Category) || !wanted(params["outcome"], o.Outcome) {
			continue
		}
		by := map[string]any{}
		var key strings.Builder
		for _, g := range groupBy {
			switch g {
			case "outcome":
				by[g] = o.Outcome
			case "category":
				by[g] = o.Category
			case "reason":
				by[g] = o.Reason
			case "project":
				by[g] = o.ProjectID
			}
			fmt.Fprintf(&key, "%v\x00", by[g])
		}
		gr := groups[key.String()]
		if gr == nil {
			gr = &group{by: by, series: make([]int64, buckets)}
			groups[key.String()] = gr
		}
		gr.total += o.Quantity
		gr.series[b] += o.Quantity
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		out = append(out, map[string]any{"by": g.by, "totals": map[string]int64{statsField: g.total}, "series": map[string][]int64{statsField: g.series}})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339), "intervals": intervals, "groups": out,
	})
}

// wanted reports whether a value passes an optional filter list.
func wanted(filter []string, v string) bool { return len(filter) == 0 || slices.Contains(filter, v) }

// parseStatsDuration reads Sentry's period syntax: a number and m, h, d or w; empty gives def.
func parseStatsDuration(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	units := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	unit, ok := units[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if !ok || err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return time.Duration(n) * unit, nil
}
