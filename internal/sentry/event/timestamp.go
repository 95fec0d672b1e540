package event

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/jsontext"
)

// maxEpochSeconds is the start of year 10000: later "timestamps" are garbage, not dates.
const maxEpochSeconds = 253402300800

// readTimestamp reads the two timestamp forms Relay accepts: epoch seconds as a number (int or
// float), or a date-time string (RFC 3339, or naive and then UTC). Numeric strings are read as
// epoch seconds too. Precision is kept to the microsecond, like Relay's.
func readTimestamp(n jsontext.Scalar) (time.Time, bool) {
	switch n.Kind {
	case jsontext.Number:
		// Integral epoch seconds, what most SDKs send, need no float parse: SmallInt's values
		// are exact as float64 below maxEpochSeconds, so epochToTime would give the same time.
		if sec, ok := n.SmallInt(); ok {
			if sec >= maxEpochSeconds {
				return time.Time{}, false
			}
			return time.Unix(sec, 0).UTC(), true
		}
		f, err := strconv.ParseFloat(n.Raw, 64)
		if err != nil {
			return time.Time{}, false
		}
		return epochToTime(f)
	case jsontext.String:
		s := strings.TrimSpace(n.Text())
		if t, ok := parseDateTime(s); ok {
			return t, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epochToTime(f)
		}
	}
	return time.Time{}, false
}

func epochToTime(f float64) (time.Time, bool) {
	if math.IsNaN(f) || f < 0 || f >= maxEpochSeconds {
		return time.Time{}, false
	}
	sec := math.Floor(f)
	us := math.Round((f - sec) * 1e6)
	if us >= 1e6 {
		sec++
		us = 0
	}
	return time.Unix(int64(sec), int64(us)*1000).UTC(), true
}

// timestampText writes ts the way Relay serializes timestamps: float epoch seconds, microsecond
// precision. The float round-trips through epochToTime unchanged, which keeps Normalize idempotent.
func timestampText(ts time.Time) string {
	ts = ts.Round(time.Microsecond)
	f := float64(ts.Unix()) + float64(ts.Nanosecond()/1000)/1e6
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseDateTime parses YYYY-MM-DD[T ]hh:mm:ss[.fraction][Z|±hh:mm|±hhmm|±hh]. Without a zone the
// time is UTC, as Relay reads naive date-times.
func parseDateTime(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z" || rest == "z":
	case rest[0] == '+' || rest[0] == '-':
		zone := strings.ReplaceAll(rest[1:], ":", "")
		if len(zone) != 2 && len(zone) != 4 {
			return time.Time{}, false
		}
		h, okh := digits(zone[:2])
		m := 0
		okm := true
		if len(zone) == 4 {
			m, okm = digits(zone[2:])
		}
		if !okh || !okm || h > 23 || m > 59 {
			return time.Time{}, false
		}
		offset = (h*60 + m) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day {
		return time.Time{}, false
	}
	t = t.Add(-time.Duration(offset) * time.Second)
	if t.Unix() < 0 || t.Unix() >= maxEpochSeconds {
		return time.Time{}, false
	}
	return t.Round(time.Microsecond), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
