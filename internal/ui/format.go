package ui

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/store"
)

var funcs = template.FuncMap{
	"ago":      ago,
	"fulltime": fulltime,
	"isotime":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"count":    count,
	"badge":    badge,
}

// ago is a compact relative time ("4m ago", "3d ago").
func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 365*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
	return t.UTC().Format("2006-01-02")
}

func fulltime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// count writes large numbers compactly: 999, 1.2k, 35k, 1.4M.
func count(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10)
	case n < 10_000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	case n < 1_000_000:
		return strconv.FormatInt(n/1000, 10) + "k"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
}

// badge is the status label of an issue: its substatus while unresolved (new, regressed …),
// else its status, with the resolution or ignore condition.
func badge(is store.Issue) string {
	switch is.Status {
	case store.StatusResolved:
		switch is.Resolution {
		case store.ResolvedInNextRelease:
			return "resolved in next release"
		case store.ResolvedInRelease:
			return "resolved in " + is.ResolutionRelease
		}
		return "resolved"
	case store.StatusIgnored:
		switch {
		case !is.IgnoreUntil.IsZero():
			return "ignored until " + is.IgnoreUntil.UTC().Format("Jan 2 15:04")
		case is.IgnoreCount > 0:
			return fmt.Sprintf("ignored for %d more events", is.IgnoreCount)
		}
		return "ignored"
	}
	switch is.Substatus {
	case store.SubstatusRegressed, store.SubstatusEscalating, store.SubstatusNew:
		return is.Substatus
	}
	return "ongoing"
}

// display turns any JSON value into one line of text: strings as they are, everything else as
// compact JSON.
func display(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the template escapes for HTML
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
