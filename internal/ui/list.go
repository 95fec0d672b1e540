package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/internal/search"
	"github.com/faultline/faultline/internal/store"
)

const (
	pageSize = 25
	// menuValues bounds the releases and environments the filter menus offer.
	menuValues = 50
	// menuTTL is how long filter menus are reused: reading them walks every issue's tags
	// (BenchmarkListPage), and a release that appears a little later in a menu costs nothing.
	menuTTL = 30 * time.Second
	// countUpTo bounds the total the pager shows ("1–25 of 1000+"): counting stops there.
	countUpTo = 1000
	statusAll = "all"
)

// listParams are the list page's URL parameters. The search box takes the API's query syntax;
// the menus override what the query says, and show the effective value either way.
type listParams struct {
	Query       string
	Project     string // slug; empty for all projects
	Status      string // unresolved|resolved|ignored|all
	Level       string
	Release     string
	Environment string
	Sort        string
	Page        int
}

func readListParams(v url.Values) (listParams, store.IssueQuery, error) {
	p := listParams{Query: v.Get("q"), Project: v.Get("project"), Status: v.Get("status"), Level: v.Get("level"),
		Release: v.Get("release"), Environment: v.Get("environment"), Sort: v.Get("sort"), Page: 1}
	if n, err := strconv.Atoi(v.Get("page")); err == nil && n > 1 {
		p.Page = n
	}
	q, err := search.Parse(p.Query)
	if err != nil {
		return p, q, err
	}
	switch p.Status {
	case "":
		if q.Status == "" {
			q.Status = store.StatusUnresolved
		}
	case statusAll:
		q.Status = ""
	case store.StatusUnresolved, store.StatusResolved, store.StatusIgnored:
		q.Status = p.Status
	default:
		return p, q, fmt.Errorf("unknown status %q (want unresolved, resolved, ignored or all)", p.Status)
	}
	p.Status = q.Status
	if p.Status == "" {
		p.Status = statusAll
	}
	for _, f := range []struct{ param, query *string }{{&p.Level, &q.Level}, {&p.Release, &q.Release}, {&p.Environment, &q.Environment}} {
		if *f.param != "" {
			*f.query = *f.param
		}
		*f.param = *f.query
	}
	switch p.Sort {
	case "":
		p.Sort = store.SortDate
	case store.SortDate, store.SortNew, store.SortFreq, store.SortUser:
	default:
		return p, q, fmt.Errorf("unknown sort %q (want date, new, freq or user)", p.Sort)
	}
	q.Sort = p.Sort
	q.Limit, q.Offset = pageSize, (p.Page-1)*pageSize
	return p, q, nil
}

// url is the list URL with p's parameters changed by set (name, value pairs).
func (p listParams) url(set ...string) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": p.Query, "project": p.Project, "status": p.Status, "level": p.Level,
		"release": p.Release, "environment": p.Environment, "sort": p.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if p.Page > 1 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	return "/?" + v.Encode()
}

type issueRow struct {
	store.Issue
	Project   string
	Sparkline sparkline
}

type listData struct {
	Params       listParams
	Error        string
	Issues       []issueRow
	Total        int64
	TotalCapped  bool
	From, To     int64
	Prev, Next   string
	Releases     []string
	Environments []string
	Levels       []string
	Sorts        [][2]string
	Statuses     []string
}

func (u *UI) listPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	params, q, err := readListParams(r.URL.Query())
	data := listData{Params: params, Levels: []string{"fatal", "error", "warning", "info", "debug"},
		Sorts:    [][2]string{{store.SortDate, "Last seen"}, {store.SortNew, "First seen"}, {store.SortFreq, "Events"}, {store.SortUser, "Users"}},
		Statuses: []string{store.StatusUnresolved, store.StatusResolved, store.StatusIgnored, statusAll}}
	if params.Project != "" {
		for _, p := range u.cfg.Projects {
			if p.Slug == params.Project {
				q.ProjectIDs = []int64{p.ID}
			}
		}
		if q.ProjectIDs == nil && err == nil {
			err = fmt.Errorf("there is no project %q", params.Project)
		}
	} else {
		for _, p := range u.cfg.Projects {
			q.ProjectIDs = append(q.ProjectIDs, p.ID)
		}
	}
	if err != nil {
		data.Error = err.Error()
		u.render(w, r, http.StatusBadRequest, "list", "Issues", data)
		return
	}
	if data.Releases, err = u.menu(r, q.ProjectIDs, "release", params.Release); err != nil {
		u.fail(w, r, err)
		return
	}
	if data.Environments, err = u.menu(r, q.ProjectIDs, "environment", params.Environment); err != nil {
		u.fail(w, r, err)
		return
	}
	list, err := u.st.ListIssues(ctx, q)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	switch {
	case len(list) < q.Limit && (len(list) > 0 || q.Offset == 0):
		data.Total = int64(q.Offset + len(list)) // the last page: no need to count
	default:
		if data.Total, err = u.st.CountIssues(ctx, q, countUpTo+1); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	if data.Total > countUpTo {
		data.Total, data.TotalCapped = countUpTo, true
	}
	spark, err := u.sparklines(r, list, time.Now())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	for i := range list {
		is := &list[i]
		data.Issues = append(data.Issues, issueRow{Issue: *is, Project: u.projectSlug(is.ProjectID), Sparkline: spark[is.ID]})
	}
	if len(list) > 0 {
		data.From, data.To = int64(q.Offset)+1, int64(q.Offset+len(list))
	}
	if params.Page > 1 {
		data.Prev = params.url("page", strconv.Itoa(params.Page-1))
	}
	if len(list) == pageSize && (data.To < data.Total || data.TotalCapped) {
		data.Next = params.url("page", strconv.Itoa(params.Page+1))
	}
	u.render(w, r, http.StatusOK, "list", "Issues", data)
}

// menu lists a tag's values for a filter menu, keeping the selected one even when it is rare.
func (u *UI) menu(r *http.Request, projects []int64, key, selected string) ([]string, error) {
	vals, err := u.menus.get(fmt.Sprint(key, projects), time.Now(), func() ([]string, error) {
		return u.st.TagValues(r.Context(), projects, key, menuValues)
	})
	if err != nil {
		return nil, err
	}
	if selected != "" && !slices.Contains(vals, selected) {
		vals = append(slices.Clip(vals), selected)
	}
	return vals, nil
}

// menuCache keeps filter menus for menuTTL.
type menuCache struct {
	mu      sync.Mutex
	entries map[string]menuEntry
}

type menuEntry struct {
	values  []string
	expires time.Time
}

func (c *menuCache) get(key string, now time.Time, read func() ([]string, error)) ([]string, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.values, nil
	}
	vals, err := read()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]menuEntry{}
	}
	for k, old := range c.entries {
		if now.After(old.expires) {
			delete(c.entries, k)
		}
	}
	c.entries[key] = menuEntry{values: vals, expires: now.Add(menuTTL)}
	return vals, nil
}

func (u *UI) projectSlug(id int64) string {
	if p, ok := u.byID[id]; ok {
		return p.Slug
	}
	return strconv.FormatInt(id, 10)
}
