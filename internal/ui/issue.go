package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/search"
	"github.com/faultline/faultline/internal/store"
)

// tagValuesShown is how many top values the tag breakdown shows per key.
const tagValuesShown = 5

type tagBar struct {
	Value   string
	Count   int64
	Percent int
	// Filter links the value to the issue list filtered by it, for the keys the list filters on.
	Filter string
}

type tagView struct {
	Key    string
	Unique int64
	Values []tagBar
}

type issueData struct {
	Issue       store.Issue
	Project     string
	Sparkline   sparkline
	Tags        []tagView
	Event       *eventView
	Older       string
	Newer       string
	Latest      bool
	Explanation *explanation
	// ExplanationText is the stored explanation when it is not in the shape we read.
	ExplanationText string
	Actions         []action
	IgnoreActions   []action
	// Alerts are the alerts rules fired for the issue, newest first, with their delivery.
	Alerts []alertView
}

// action is one button of the issue page: value is what the form posts.
type action struct {
	Value, Label string
}

func (u *UI) loadIssue(r *http.Request) (*store.Issue, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", r.PathValue("id"), store.ErrNotFound)
	}
	is, err := u.st.Issue(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if _, ok := u.byID[is.ProjectID]; !ok {
		return nil, fmt.Errorf("issue %d of an unconfigured project: %w", id, store.ErrNotFound)
	}
	return is, nil
}

func (u *UI) issuePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	is, err := u.loadIssue(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data := issueData{Issue: *is, Project: u.projectSlug(is.ProjectID)}
	spark, err := u.sparklines(r, []store.Issue{*is}, time.Now())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data.Sparkline = spark[is.ID]
	tags, err := u.st.IssueTags(ctx, is.ID, tagValuesShown)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	for _, t := range tags {
		tv := tagView{Key: t.Key, Unique: t.UniqueValues}
		for _, v := range t.Top {
			bar := tagBar{Value: v.Value, Count: v.Count, Percent: int(v.Count * 100 / max(t.TotalValues, 1))}
			switch t.Key {
			case "level", "release", "environment":
				bar.Filter = listParams{Status: statusAll, Project: data.Project}.url(t.Key, v.Value)
			default:
				if q, ok := search.TagQuery(t.Key, v.Value); ok {
					bar.Filter = listParams{Status: statusAll, Project: data.Project}.url("q", q)
				}
			}
			tv.Values = append(tv.Values, bar)
		}
		data.Tags = append(data.Tags, tv)
	}

	var ev *store.StoredEvent
	if id := r.URL.Query().Get("event"); id != "" {
		ev, err = u.st.EventByID(ctx, is.ProjectID, id)
		if err == nil && ev.IssueID != is.ID {
			err = fmt.Errorf("event %s is not in issue %d: %w", id, is.ID, store.ErrNotFound)
		}
	} else {
		data.Latest = true
		ev, err = u.st.LatestEvent(ctx, is.ID)
		if errors.Is(err, store.ErrNotFound) {
			ev, err = nil, nil // an issue whose events were all deleted still shows
		}
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if ev != nil {
		if data.Older, data.Newer, err = u.st.AdjacentEvents(ctx, ev); err != nil {
			u.fail(w, r, err)
			return
		}
		data.Latest = data.Newer == ""
		data.Event = viewEvent(ev, u.cfg.TraceURL)
	}
	data.Explanation, err = parseExplanation(is.Explanation)
	if err != nil {
		data.ExplanationText = is.Explanation
	}
	alerts, err := u.st.IssueAlerts(ctx, is.ID, alertsShown)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data.Alerts = viewAlerts(alerts)
	data.Actions, data.IgnoreActions = actionsFor(is)
	u.render(w, r, http.StatusOK, "issue", is.Title, data)
}

// Ignore variants: for a while, or until it happens N more times.
var (
	ignoreDurations = []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}
	ignoreCounts    = []int64{10, 100, 1000}
)

func actionsFor(is *store.Issue) (main, ignore []action) {
	if is.Status == store.StatusUnresolved {
		main = []action{{"resolve", "Resolve"}, {"resolve-next-release", "Resolve in next release"}}
		ignore = []action{{"ignore", "Ignore forever"}}
		for _, d := range ignoreDurations {
			ignore = append(ignore, action{fmt.Sprintf("ignore-for-%dm", int(d.Minutes())), "for " + humanDuration(d)})
		}
		for _, n := range ignoreCounts {
			ignore = append(ignore, action{fmt.Sprintf("ignore-count-%d", n), fmt.Sprintf("until %d more events", n)})
		}
		return main, ignore
	}
	return []action{{"reopen", "Reopen"}}, nil
}

func humanDuration(d time.Duration) string {
	switch {
	case d%(7*24*time.Hour) == 0:
		return plural(int(d/(7*24*time.Hour)), "week")
	case d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	}
	return d.String()
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// statusUpdate reads an action value posted by the issue page.
func statusUpdate(value string, now time.Time) (store.StatusUpdate, error) {
	u := store.StatusUpdate{Now: now}
	switch {
	case value == "resolve":
		u.Status = store.StatusResolved
	case value == "resolve-next-release":
		u.Status, u.Resolution = store.StatusResolved, store.ResolvedInNextRelease
	case value == "reopen":
		u.Status = store.StatusUnresolved
	case value == "ignore":
		u.Status = store.StatusIgnored
	case strings.HasPrefix(value, "ignore-for-"):
		d, err := time.ParseDuration(strings.TrimPrefix(value, "ignore-for-"))
		if err != nil || d <= 0 {
			return u, fmt.Errorf("unknown action %q", value)
		}
		u.Status, u.IgnoreUntil = store.StatusIgnored, now.Add(d)
	case strings.HasPrefix(value, "ignore-count-"):
		n, err := strconv.ParseInt(strings.TrimPrefix(value, "ignore-count-"), 10, 64)
		if err != nil || n <= 0 {
			return u, fmt.Errorf("unknown action %q", value)
		}
		u.Status, u.IgnoreCount = store.StatusIgnored, n
	default:
		return u, fmt.Errorf("unknown action %q", value)
	}
	return u, nil
}

func (u *UI) changeStatus(w http.ResponseWriter, r *http.Request) {
	is, err := u.loadIssue(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	upd, err := statusUpdate(r.PostFormValue("action"), time.Now().UTC())
	if err != nil {
		u.fail(w, r, &store.InputError{Msg: err.Error()})
		return
	}
	if _, err := u.st.UpdateStatus(r.Context(), is.ID, upd); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/issues/%d/", is.ID), http.StatusSeeOther)
}

// deleteIssue deletes an issue once the form's confirmation button was pressed, and goes back to
// its project's list.
func (u *UI) deleteIssue(w http.ResponseWriter, r *http.Request) {
	is, err := u.loadIssue(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		u.fail(w, r, &store.InputError{Msg: "deleting an issue needs its confirmation"})
		return
	}
	if err := u.st.DeleteIssue(r.Context(), is.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/?project="+url.QueryEscape(u.byID[is.ProjectID].Slug), http.StatusSeeOther)
}

// rawEvent downloads an event's stored JSON. It is an attachment of type JSON (with nosniff), so
// a browser never renders the attacker-controlled content as a page.
func (u *UI) rawEvent(w http.ResponseWriter, r *http.Request) {
	is, err := u.loadIssue(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ev, err := u.st.EventByID(r.Context(), is.ProjectID, r.PathValue("event"))
	if err == nil && ev.IssueID != is.ID {
		err = fmt.Errorf("event %s is not in issue %d: %w", r.PathValue("event"), is.ID, store.ErrNotFound)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Disposition", `attachment; filename="event-`+ev.EventID+`.json"`)
	h.Set("Cache-Control", "no-store")
	w.Write(ev.Payload) //nolint:errcheck // the client went away
}
