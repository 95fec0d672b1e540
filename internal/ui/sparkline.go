package ui

import (
	"net/http"
	"time"

	"github.com/faultline/faultline/internal/store"
)

const sparkHours = 24

// sparkline is an issue's events per hour over the last day, drawn as bars in an inline SVG
// (sparkHours × sparkBarWidth wide, sparkHeight high — the 96×20 viewBox of layout.html).
type sparkline struct {
	Bars  []sparkBar
	Total int64
}

type sparkBar struct {
	X, Y, Height int
}

const (
	sparkBarWidth = 4
	sparkHeight   = 20
)

func (u *UI) sparklines(r *http.Request, list []store.Issue, now time.Time) (map[int64]sparkline, error) {
	out := make(map[int64]sparkline, len(list))
	if len(list) == 0 {
		return out, nil
	}
	ids := make([]int64, len(list))
	for i, is := range list {
		ids[i] = is.ID
	}
	start := now.UTC().Truncate(time.Hour).Add(-(sparkHours - 1) * time.Hour)
	hourly, err := u.st.IssueHourly(r.Context(), ids, start)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = drawSparkline(hourly[id], start)
	}
	return out, nil
}

func drawSparkline(hours []store.HourCount, start time.Time) sparkline {
	var counts [sparkHours]int64
	var s sparkline
	var peak int64
	for _, h := range hours {
		if b := int(h.Hour.Sub(start) / time.Hour); b >= 0 && b < sparkHours {
			counts[b] += h.Count
			s.Total += h.Count
			peak = max(peak, counts[b])
		}
	}
	for i, n := range counts {
		if n == 0 {
			continue
		}
		// Every hour with events gets at least a visible sliver.
		height := max(int(n*sparkHeight/peak), 2)
		s.Bars = append(s.Bars, sparkBar{X: i * sparkBarWidth, Y: sparkHeight - height, Height: height})
	}
	return s
}
