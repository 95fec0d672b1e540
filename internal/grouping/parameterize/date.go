package parameterize

import "strings"

// matchDate is the <date> alternative: the date and time formats Sentry's parameterization
// recognises (research notes §4.5), tried in its order; the first that matches at i wins, as in
// a regular-expression alternation. Each returns the end of its match or -1.
func matchDate(s string, i int) int {
	for _, f := range dateFormats {
		if end := f(s, i); end > i {
			return end
		}
	}
	return -1
}

var dateFormats = [...]func(s string, i int) int{
	rfc822Date,          // Mon, 02 Jan 2006 15:04[:05] -0700|MST
	monthDayCommaYear,   // [Mon ]Jan 02, 2006
	rfc850Date,          // Monday, 02-Jan-06 15:04:05 MST
	rfc3339Date,         // 2006-01-02T15:04:05[.999][Z][±07:00]
	javaScriptDate,      // Mon Jan 02 2006 15:04:05 GMT+0000 (Zone)
	isoDateTimeWithZone, // 2006-01-02 15:04[:05[.999]] with Z or ±hh[:]mm
	isoDateTime,         // the same without a zone
	kitchen12,           // 3:04[:05][ ]PM
	kitchen24,           // 15:04[:05]
	isoDate,             // 2006-01-02
	clockTime,           // 15:04:05
	asctimeDate,         // [Mon ]Jan 2 15:04:05 2006
	dayMonthYearDate,    // [Mon, ]02 Jan 2006 15:04[:05] -0700|MST
	pythonDatetime,      // datetime.datetime(…)
}

// Building blocks. Each takes a position (possibly -1 from a failed step) and returns the end of
// what it matched, or -1.

func word(s string, i int, words []string) int {
	if i < 0 {
		return -1
	}
	return oneOf(s, i, words)
}

func space(s string, i int) int {
	if i >= 0 && i < len(s) && isSpace(s[i]) {
		return i + 1
	}
	return -1
}

func spaces(s string, i int) int {
	if i < 0 || i >= len(s) || !isSpace(s[i]) {
		return -1
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// digitsExactRun matches a run of between lo and hi digits that is not followed by another
// digit (a counted \d followed by a non-digit in the pattern).
func digitsExactRun(s string, i, lo, hi int) int {
	if i < 0 {
		return -1
	}
	return digits(s, i, lo, hi)
}

// digitsUpTo matches between lo and hi digits, taking as many as there are (a counted \d at the
// end of a pattern, which stops at hi even if more digits follow).
func digitsUpTo(s string, i, lo, hi int) int {
	if i < 0 {
		return -1
	}
	n := runLen(s, i, isDigit)
	if n < lo {
		return -1
	}
	return i + min(n, hi)
}

func digitIn(s string, i int, lo, hi byte) int {
	if i >= 0 && i < len(s) && lo <= s[i] && s[i] <= hi {
		return i + 1
	}
	return -1
}

func optLit(s string, i int, l string) int {
	if j := lit(s, i, l); j > 0 {
		return j
	}
	return i
}

// zoneName is UT, GMT, EST/EDT/CST/CDT/MST/MDT/PST/PDT, or a military letter (not J), tried in
// that order.
func zoneName(s string, i int) int {
	if i < 0 || i >= len(s) {
		return -1
	}
	if j := oneOf(s, i, []string{"UT", "GMT"}); j > 0 {
		return j
	}
	if strings.IndexByte("ECMP", s[i]) >= 0 {
		if j := oneOf(s, i+1, []string{"ST", "DT"}); j > 0 {
			return j
		}
	}
	if c := s[i]; 'A' <= c && c <= 'Z' && c != 'J' {
		return i + 1
	}
	return -1
}

// numericZone is ±hhmm with minutes below 60.
func numericZone(s string, i int) int {
	if i < 0 || i >= len(s) || (s[i] != '+' && s[i] != '-') {
		return -1
	}
	return digitIn(s, digitIn(s, digitIn(s, digitIn(s, i+1, '0', '9'), '0', '9'), '0', '5'), '0', '9')
}

func zoneOrNumeric(s string, i int) int {
	if j := numericZone(s, i); j > 0 {
		return j
	}
	return zoneName(s, i)
}

// hhmmss matches \d{2}:\d{2}:\d{2}.
func hhmmss(s string, i int) int {
	return digitsFixed(s, lit(s, digitsFixed(s, lit(s, digitsFixed(s, i, 2), ":"), 2), ":"), 2)
}

// digitsFixed matches exactly n digits (more may follow).
func digitsFixed(s string, i, n int) int {
	if i < 0 || i+n > len(s) {
		return -1
	}
	for k := i; k < i+n; k++ {
		if !isDigit(s[k]) {
			return -1
		}
	}
	return i + n
}

func rfc822Date(s string, i int) int {
	p := digitsExactRun(s, space(s, lit(s, word(s, i, weekdays), ",")), 1, 2)
	p = digitsExactRun(s, space(s, word(s, space(s, p), months)), 2, 4)
	p = lit(s, digitsExactRun(s, space(s, p), 1, 2), ":")
	p = digitsExactRun(s, p, 1, 2)
	if p < 0 {
		return -1
	}
	// Optional seconds: taken only when what follows still matches.
	if q := digitsExactRun(s, lit(s, p, ":"), 1, 2); q > 0 {
		if end := zoneOrNumeric(s, space(s, q)); end > 0 {
			return end
		}
	}
	return zoneOrNumeric(s, space(s, p))
}

func monthDayCommaYear(s string, i int) int {
	if q := word(s, space(s, word(s, i, weekdays)), months); q > 0 {
		if end := monthDayCommaYearFrom(s, q); end > 0 {
			return end
		}
	}
	return monthDayCommaYearFrom(s, word(s, i, months))
}

func monthDayCommaYearFrom(s string, p int) int {
	p = digitsFixed(s, digitIn(s, space(s, p), '0', '3'), 1)
	return digitsUpTo(s, space(s, lit(s, p, ",")), 2, 4)
}

func rfc850Date(s string, i int) int {
	p := word(s, i, longWeekdays)
	if p < 0 || lit(s, p, ",") < 0 {
		p = word(s, i, weekdays)
	}
	p = digitsExactRun(s, space(s, lit(s, p, ",")), 2, 2)
	p = digitsExactRun(s, lit(s, word(s, lit(s, p, "-"), months), "-"), 2, 2)
	p = hhmmss(s, space(s, p))
	return zoneName(s, space(s, p))
}

func rfc3339Date(s string, i int) int {
	p := digitsFixed(s, lit(s, digitsFixed(s, lit(s, digitsFixed(s, i, 4), "-"), 2), "-"), 2)
	p = hhmmss(s, lit(s, p, "T"))
	if p < 0 {
		return -1
	}
	if q := digitsUpTo(s, lit(s, p, "."), 1, len(s)); q > 0 {
		p = q
	}
	p = optLit(s, p, "Z")
	q := p
	if q < len(s) && (s[q] == '+' || s[q] == '-') {
		q++
	}
	if z := digitsFixed(s, lit(s, digitsFixed(s, q, 2), ":"), 2); z > 0 {
		return z
	}
	return p
}

func javaScriptDate(s string, i int) int {
	p := digitsFixed(s, space(s, word(s, space(s, word(s, i, weekdays)), months)), 2)
	p = hhmmss(s, space(s, digitsFixed(s, space(s, p), 4)))
	p = digitsFixed(s, numericSign(s, lit(s, space(s, p), "GMT")), 4)
	if p < 0 {
		return -1
	}
	if q := space(s, p); q > 0 && q < len(s) && s[q] == '(' {
		if k := strings.IndexByte(s[q+1:], ')'); k > 0 {
			return q + 1 + k + 1
		}
	}
	return p
}

func numericSign(s string, i int) int {
	if i >= 0 && i < len(s) && (s[i] == '+' || s[i] == '-') {
		return i + 1
	}
	return -1
}

// isoDateAndTime matches \d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d and returns the end and
// where optional seconds may begin.
func isoDateAndTime(s string, i int) int {
	p := digitsFixed(s, i, 4)
	p = digitIn(s, digitIn(s, optLit(s, p, "-"), '0', '1'), '0', '9')
	p = digitIn(s, digitIn(s, optLit(s, p, "-"), '0', '3'), '0', '9')
	if p < 0 || p >= len(s) || !(isSpace(s[p]) || s[p] == 'T') {
		return -1
	}
	p = digitIn(s, digitIn(s, p+1, '0', '2'), '0', '9')
	return digitIn(s, digitIn(s, optLit(s, p, ":"), '0', '5'), '0', '9')
}

// isoSeconds matches :?[0-5]\d after a time.
func isoSeconds(s string, p int) int {
	return digitIn(s, digitIn(s, optLit(s, p, ":"), '0', '5'), '0', '9')
}

// isoOffset is [+-][0-2]\d:?[0-5]\d or Z.
func isoOffset(s string, p int) int {
	if p >= 0 && p < len(s) && s[p] == 'Z' {
		return p + 1
	}
	p = numericSign(s, p)
	p = digitIn(s, digitIn(s, p, '0', '2'), '0', '9')
	return digitIn(s, digitIn(s, optLit(s, p, ":"), '0', '5'), '0', '9')
}

// isoForms tries decimal seconds, then seconds, then none, each followed by tail.
func isoForms(s string, i int, tail func(s string, p int) int) int {
	hm := isoDateAndTime(s, i)
	if hm < 0 {
		return -1
	}
	if sec := isoSeconds(s, hm); sec > 0 {
		if f := digitsUpTo(s, lit(s, sec, "."), 1, len(s)); f > 0 {
			if end := tail(s, f); end > 0 {
				return end
			}
		}
		if end := tail(s, sec); end > 0 {
			return end
		}
	}
	return tail(s, hm)
}

func isoDateTimeWithZone(s string, i int) int { return isoForms(s, i, isoOffset) }

func isoDateTime(s string, i int) int {
	return isoForms(s, i, func(_ string, p int) int { return p })
}

// kitchenEnd checks the end of a clock time: not followed by a digit or ":".
func kitchenEnd(s string, p int) bool {
	return p >= 0 && (p >= len(s) || !(isDigit(s[p]) || s[p] == ':'))
}

// kitchenMinutes matches :[0-5]\d(:[0-5]\d)? followed by no digit or colon.
func kitchenMinutes(s string, p int) int {
	p = digitIn(s, digitIn(s, lit(s, p, ":"), '0', '5'), '0', '9')
	if p < 0 {
		return -1
	}
	if q := digitIn(s, digitIn(s, lit(s, p, ":"), '0', '5'), '0', '9'); q > 0 && kitchenEnd(s, q) {
		return q
	}
	if kitchenEnd(s, p) {
		return p
	}
	return -1
}

func kitchen12(s string, i int) int {
	if i > 0 && isDigit(s[i-1]) {
		return -1
	}
	p := kitchenMinutes(s, digitIn(s, i, '1', '9'))
	if p < 0 && lit(s, i, "1") > 0 {
		p = kitchenMinutes(s, digitIn(s, i+1, '0', '2'))
	}
	if p < 0 {
		return -1
	}
	q := p
	if q < len(s) && isSpace(s[q]) {
		q++
	}
	if q+1 < len(s) && strings.IndexByte("aApP", s[q]) >= 0 && (s[q+1] == 'm' || s[q+1] == 'M') {
		return q + 2
	}
	return p
}

func kitchen24(s string, i int) int {
	if i > 0 && isDigit(s[i-1]) {
		return -1
	}
	// (0?\d|1\d|2[0-3]): "0" and a digit, a single digit, "1" and a digit, "2" and 0-3.
	for _, hour := range [...]int{
		digitIn(s, lit(s, i, "0"), '0', '9'),
		digitIn(s, i, '0', '9'),
		digitIn(s, lit(s, i, "1"), '0', '9'),
		digitIn(s, lit(s, i, "2"), '0', '3'),
	} {
		if p := kitchenMinutes(s, hour); p > 0 {
			return p
		}
	}
	return -1
}

func isoDate(s string, i int) int {
	p := digitIn(s, digitIn(s, lit(s, digitsFixed(s, i, 4), "-"), '0', '1'), '0', '9')
	return digitIn(s, digitIn(s, lit(s, p, "-"), '0', '3'), '0', '9')
}

func clockTime(s string, i int) int {
	p := digitIn(s, digitIn(s, i, '0', '2'), '0', '9')
	p = digitIn(s, digitIn(s, lit(s, p, ":"), '0', '5'), '0', '9')
	return digitIn(s, digitIn(s, lit(s, p, ":"), '0', '5'), '0', '9')
}

// asctimeDate is the C library's date format, also with one- or two-digit days and any spacing.
func asctimeDate(s string, i int) int {
	if !boundary(s, i) {
		return -1
	}
	if p := asctimeFrom(s, word(s, spaces(s, word(s, i, weekdays)), months)); p > 0 {
		return p
	}
	return asctimeFrom(s, word(s, i, months))
}

func asctimeFrom(s string, p int) int {
	p = spaces(s, digitsExactRun(s, spaces(s, p), 1, 2))
	p = spaces(s, hhmmss(s, p))
	return digitsFixed(s, p, 4)
}

// dayMonthYearDate is RFC 2822's "02 Jan 2006 15:04:05 -0700", optionally after "Mon,".
func dayMonthYearDate(s string, i int) int {
	if !boundary(s, i) {
		return -1
	}
	if p := dayMonthYearFrom(s, spaces(s, lit(s, word(s, i, weekdays), ","))); p > 0 {
		return p
	}
	return dayMonthYearFrom(s, i)
}

func dayMonthYearFrom(s string, p int) int {
	if p < 0 {
		return -1
	}
	// Day: 0[1-9] | [1-2]?\d | 3[01], tried in that order; each must be followed by spaces and
	// a month.
	for _, day := range [...]int{
		digitIn(s, lit(s, p, "0"), '1', '9'),
		digitIn(s, digitIn(s, p, '1', '2'), '0', '9'),
		digitIn(s, p, '0', '9'),
		digitIn(s, lit(s, p, "3"), '0', '1'),
	} {
		if end := dayMonthYearRest(s, word(s, spaces(s, day), months)); end > 0 {
			return end
		}
	}
	return -1
}

func dayMonthYearRest(s string, p int) int {
	p = spaces(s, p)
	if p < 0 {
		return -1
	}
	year := -1
	if lit(s, p, "19") > 0 {
		year = digitsFixed(s, p+2, 2)
	}
	if year < 0 {
		year = digitsFixed(s, digitIn(s, p, '2', '9'), 3)
	}
	p = spaces(s, year)
	hour := digitIn(s, lit(s, p, "2"), '0', '3')
	if hour < 0 {
		hour = digitIn(s, digitIn(s, p, '0', '1'), '0', '9')
	}
	p = digitIn(s, digitIn(s, lit(s, hour, ":"), '0', '5'), '0', '9')
	if p < 0 {
		return -1
	}
	if sec := lit(s, p, ":"); sec > 0 {
		q := lit(s, sec, "60")
		if q < 0 {
			q = digitIn(s, digitIn(s, sec, '0', '5'), '0', '9')
		}
		if end := zoneOrNumeric(s, spaces(s, q)); end > 0 {
			return end
		}
	}
	return zoneOrNumeric(s, spaces(s, p))
}

// pythonDatetime is a Python datetime repr: "datetime", any character, "datetime(" and the
// shortest text up to ")" on the same line.
func pythonDatetime(s string, i int) int {
	if !strings.HasPrefix(s[i:], "datetime") || i+18 > len(s) || s[i+8] == '\n' || !strings.HasPrefix(s[i+9:], "datetime(") {
		return -1
	}
	rest := s[i+18:]
	for k := 0; k < len(rest); k++ {
		switch rest[k] {
		case ')':
			return i + 18 + k + 1
		case '\n':
			return -1
		}
	}
	return -1
}
