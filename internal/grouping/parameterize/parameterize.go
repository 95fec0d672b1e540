// Package parameterize replaces the variable parts of error messages (ids, numbers, UUIDs, hashes,
// IP addresses, dates, URLs, e-mail addresses …) with placeholders such as "<int>" and "<uuid>",
// the way Sentry normalizes messages before hashing them, and trims messages to two lines.
//
// It owns only text → text rewriting; it knows nothing about events or grouping configs.
//
// Sentry does this with one alternation regex whose order matters and which uses look-behind;
// RE2 has no look-around, so each alternative is a small hand-written matcher tried in
// Sentry's order at every position, which also keeps it allocation-free until something matches.
package parameterize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize parameterizes s; with trim it first keeps only the first two non-blank lines (adding
// "..." when that changed the text), as Sentry does for messages and exception values (fingerprint
// values are not trimmed).
func Normalize(s string, trim bool) string {
	if trim {
		s = Trim(s)
	}
	return Replace(s)
}

// Trim keeps the first two non-blank lines of the whitespace-trimmed message, joined by "\n", and
// appends "..." when the result differs from the input.
func Trim(s string) string {
	t := strings.TrimSpace(s)
	if t == s && !hasLineBreak(s) {
		return s
	}
	var kept [2]string
	n := 0
	for rest := t; n < 2; {
		line, tail, more := cutLine(rest)
		if strings.TrimSpace(line) != "" {
			kept[n] = line
			n++
		}
		if !more {
			break
		}
		rest = tail
	}
	out := kept[0]
	if n == 2 {
		out = kept[0] + "\n" + kept[1]
	}
	if out != s {
		out += "..."
	}
	return out
}

func hasLineBreak(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e:
			return true
		case 0xc2, 0xe2:
			if _, _, ok := lineBreakAt(s, i); ok {
				return true
			}
		}
	}
	return false
}

// lineBreakAt reports a line boundary as Python's str.splitlines sees it.
func lineBreakAt(s string, i int) (start, end int, ok bool) {
	switch s[i] {
	case '\r':
		if i+1 < len(s) && s[i+1] == '\n' {
			return i, i + 2, true
		}
		return i, i + 1, true
	case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e:
		return i, i + 1, true
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == 0x85 || r == 0x2028 || r == 0x2029 {
		return i, i + size, true
	}
	return 0, 0, false
}

func cutLine(s string) (line, rest string, more bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 {
			if st, end, ok := lineBreakAt(s, i); ok {
				return s[:st], s[end:], true
			}
		}
	}
	return s, "", false
}

type matchFunc func(s string, i int) int

// alternatives in Sentry's order; the first that matches at a position wins.
var alternatives = []struct {
	name  string
	match matchFunc
}{
	{"email", matchEmail},
	{"url", matchURL},
	{"hostname", matchHostname},
	{"ip", matchIP},
	{"traceparent", matchTraceparent},
	{"uuid", matchUUID},
	{"sha1", func(s string, i int) int { return matchHexRun(s, i, 40) }},
	{"md5", func(s string, i int) int { return matchHexRun(s, i, 32) }},
	{"date", matchDate},
	{"duration", matchDuration},
	{"swift_txn_id", matchSwiftTxn},
	{"hex", matchHex},
	{"git_sha", matchGitSha},
	{"float", matchFloat},
	{"int", matchInt},
	{"quoted_str", matchQuoted},
	{"bool", matchBool},
}

// Replace substitutes every variable part of s with its placeholder.
func Replace(s string) string {
	var b *strings.Builder
	last := 0
	for i := 0; i < len(s); {
		// Inside a word nothing can start: every alternative either begins at a word boundary
		// or at a non-word character ("-", quotes, ":"), and an e-mail address that failed at
		// its word's start fails at every later position of the same run.
		if !startsAnything(s, i) || (i > 0 && isWordAt(s, i) && isWordBefore(s, i)) {
			i++
			continue
		}
		if end := plainWord(s, i); end > i {
			i = end
			continue
		}
		matched := false
		mask := startMask[s[i]]
		// Hash-like alternatives all need at least 7 hex digits here (or "0x").
		if mask&hexFamily != 0 && runLen(s, i, isHex) < 7 && !(s[i] == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X')) {
			mask &^= hexFamily
		}
		// The hostname alternative needs a label followed by a dot.
		if mask&hostnameBit != 0 {
			if n := runLen(s, i, func(c byte) bool { return isAlnum(c) || c == '-' }); i+n >= len(s) || s[i+n] != '.' {
				mask &^= hostnameBit
			}
		}
		for k := range alternatives {
			if mask&(1<<k) == 0 {
				continue
			}
			alt := &alternatives[k]
			end := alt.match(s, i)
			if end <= i {
				continue
			}
			if b == nil {
				b = &strings.Builder{}
				b.Grow(len(s))
			}
			b.WriteString(s[last:i])
			b.WriteByte('<')
			b.WriteString(alt.name)
			b.WriteByte('>')
			last, i, matched = end, end, true
			break
		}
		if !matched {
			i++
		}
	}
	if b == nil {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// startMask[c] has bit k set when alternative k can begin with byte c; it spares trying all
// seventeen matchers at every position (BenchmarkReplaceTypicalErrorValue).
var startMask = func() (m [256]uint32) {
	set := func(name, chars string) {
		for k, alt := range alternatives {
			if alt.name == name {
				for i := 0; i < len(chars); i++ {
					m[chars[i]] |= 1 << k
				}
			}
		}
	}
	const (
		digits  = "0123456789"
		hex     = digits + "abcdefABCDEF"
		lower   = "abcdefghijklmnopqrstuvwxyz"
		upper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		alnum   = digits + lower + upper
		special = ".!#$%&'*+/=?^_`{|}~-"
	)
	set("email", alnum+special)
	set("url", "wshf")
	set("hostname", alnum)
	set("ip", hex+":")
	set("traceparent", "01")
	set("uuid", hex)
	set("sha1", hex)
	set("md5", hex)
	set("date", digits+"MTWFSJAONDd")
	set("duration", digits)
	set("swift_txn_id", "t")
	set("hex", hex)
	set("git_sha", hex)
	set("float", digits+"-")
	set("int", digits+"-")
	set("quoted_str", `'"`)
	set("bool", "TtFf")
	for c := 0x80; c < 0x100; c++ {
		m[c] = 0 // non-ASCII starts nothing
	}
	return m
}()

var hexFamily, hostnameBit = func() (fam, host uint32) {
	for k, alt := range alternatives {
		switch alt.name {
		case "uuid", "sha1", "md5", "hex", "git_sha":
			fam |= 1 << k
		case "hostname":
			host |= 1 << k
		}
	}
	return
}()

// plainWord returns the end of the ASCII word starting at i when no alternative can match it:
// letters only (no digit for the number and hash patterns), not a weekday or month (dates), not after
// "=" (bools), and followed by a character that cannot continue an e-mail address, URL, host
// name or IPv6 address. Prose is mostly such words; skipping them whole is the fast path.
func plainWord(s string, i int) int {
	if i > 0 && s[i-1] == '=' {
		return -1
	}
	j := i
	for j < len(s) && (('a' <= s[j] && s[j] <= 'z') || ('A' <= s[j] && s[j] <= 'Z')) {
		j++
	}
	if j == i {
		return -1
	}
	if j < len(s) {
		switch s[j] {
		case ' ', ',', ')', ';', '!', '?', '(', '\n', '\t':
		default:
			return -1
		}
	}
	if oneOf(s[i:j], 0, weekdays) == j-i || oneOf(s[i:j], 0, longWeekdays) == j-i || oneOf(s[i:j], 0, months) == j-i {
		return -1
	}
	return j
}

// startsAnything is a cheap filter: every alternative begins with one of these bytes.
func startsAnything(s string, i int) bool {
	c := s[i]
	return isAlnum(c) || c == ':' || c == '-' || c == '\'' || c == '"' || isEmailLocal(c)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isWordAt is Python's Unicode \w for the character starting at byte i.
func isWordAt(s string, i int) bool {
	c := s[i]
	if c < 0x80 {
		return isAlnum(c) || c == '_'
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
}

// isWordBefore is \w for the character ending just before byte i.
func isWordBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	if s[i-1] < 0x80 {
		return isWordAt(s, i-1)
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
}

// boundary is \b at byte i.
func boundary(s string, i int) bool {
	before := isWordBefore(s, i)
	after := i < len(s) && isWordAt(s, i)
	return before != after
}

func isEmailLocal(c byte) bool {
	return isAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

func runLen(s string, i int, ok func(byte) bool) int {
	j := i
	for j < len(s) && ok(s[j]) {
		j++
	}
	return j - i
}

// domainLabel matches [a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])? and returns its end or -1.
func domainLabel(s string, i int) int {
	if i >= len(s) || !isAlnum(s[i]) {
		return -1
	}
	n := runLen(s, i, func(c byte) bool { return isAlnum(c) || c == '-' })
	end := i + n
	for end > i+1 && s[end-1] == '-' {
		end--
	}
	return end
}

func matchEmail(s string, i int) int {
	n := runLen(s, i, isEmailLocal)
	if n == 0 || i+n >= len(s) || s[i+n] != '@' {
		return -1
	}
	end := domainLabel(s, i+n+1)
	if end < 0 {
		return -1
	}
	for end+1 < len(s) && s[end] == '.' {
		e := domainLabel(s, end+1)
		if e < 0 {
			break
		}
		end = e
	}
	return end
}

func matchURL(s string, i int) int {
	if !boundary(s, i) {
		return -1
	}
	j := -1
	for _, prefix := range [...]string{"wss://", "ws://", "https://", "http://", "ftp://"} {
		if strings.HasPrefix(s[i:], prefix) {
			j = i + len(prefix)
			break
		}
	}
	if j < 0 || j+1 >= len(s) {
		return -1
	}
	if c := s[j]; isSpace(c) || strings.IndexByte("/$.?#", c) >= 0 || s[j+1] == '\n' {
		return -1
	}
	j += 2
	for j < len(s) && !isSpace(s[j]) {
		j++
	}
	return j
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

var tlds = strings.Fields(`com net org jp de uk fr br it ru es me gov pl ca au cn co in nl edu info eu ch
id at kr cz mx be tv se tr tw al ua ir vn cl sk ly cc to no fi us pt dk ar hu tk gr il news ro my biz ie
za nz sg ee th io xyz pe bg hk rs lt link ph club si site mobi by cat wiki la ga xxx cf hr ng jobs online
kz ug gq ae is lv pro fm tips ms sa app`)

var upperTLDs = func() []string {
	out := make([]string, len(tlds))
	for i, t := range tlds {
		out[i] = strings.ToUpper(t)
	}
	return out
}()

func matchHostname(s string, i int) int {
	if !boundary(s, i) {
		return -1
	}
	pos := i
	for {
		n := runLen(s, pos, func(c byte) bool { return isAlnum(c) || c == '-' })
		if n == 0 || n > 63 || pos+n >= len(s) || s[pos+n] != '.' {
			return -1
		}
		pos += n + 1
		for _, list := range [2][]string{upperTLDs, tlds} {
			for _, t := range list {
				if strings.HasPrefix(s[pos:], t) && boundary(s, pos+len(t)) {
					return pos + len(t)
				}
			}
		}
	}
}

// ipv4 matches a dotted quad starting at i (no boundary checks) and returns its end or -1.
func ipv4(s string, i int) int {
	pos := i
	for k := 0; k < 4; k++ {
		end := octet(s, pos, k == 3)
		if end < 0 {
			return -1
		}
		if k < 3 {
			if end >= len(s) || s[end] != '.' {
				return -1
			}
			end++
		}
		pos = end
	}
	return pos
}

// octet matches 25[0-5] | (2[0-4]|1?[0-9])?[0-9], longest alternative first; the last octet must
// be followed by a word boundary, the others by ".".
func octet(s string, i int, last bool) int {
	for n := 3; n >= 1; n-- {
		if i+n > len(s) {
			continue
		}
		d := s[i : i+n]
		if runLen(d, 0, isDigit) != n {
			continue
		}
		if n == 3 && !(d[0] == '1' || (d[0] == '2' && d[1] <= '4') || (d[0] == '2' && d[1] == '5' && d[2] <= '5')) {
			continue
		}
		end := i + n
		if last {
			if boundary(s, end) {
				return end
			}
		} else if end < len(s) && s[end] == '.' {
			return end
		}
	}
	return -1
}

func matchIP(s string, i int) int {
	if end := matchIPv6(s, i); end > 0 {
		return end
	}
	if !boundary(s, i) || !isDigit(s[i]) {
		return -1
	}
	return ipv4(s, i)
}

// matchIPv6 accepts the usual IPv6 text forms (eight groups, or fewer around one "::", optionally
// ending in a dotted quad). It refuses to start or end next to a word character or a colon, which
// is what keeps "Foo::bar" and "Cache::get" out.
func matchIPv6(s string, i int) int {
	if !(isHex(s[i]) || s[i] == ':') || isWordBefore(s, i) || (i > 0 && s[i-1] == ':') {
		return -1
	}
	pos, groups, compressed := i, 0, false
	if strings.HasPrefix(s[i:], "::") {
		pos, compressed = i+2, true
	}
	for groups < 8 {
		if groups == 6 || (compressed && groups < 6) {
			if end := ipv4(s, pos); end > 0 {
				pos, groups = end, groups+2
				break
			}
		}
		n := runLen(s, pos, isHex)
		if n == 0 || n > 4 {
			break
		}
		pos += n
		groups++
		if groups == 8 {
			break
		}
		if !compressed && strings.HasPrefix(s[pos:], "::") {
			pos, compressed = pos+2, true
			continue
		}
		if pos+1 < len(s) && s[pos] == ':' && isHex(s[pos+1]) {
			pos++
			continue
		}
		break
	}
	switch {
	case !compressed && groups != 8:
		return -1
	case compressed && groups == 0:
		return -1 // a bare "::" is not an address
	case groups > 8:
		return -1
	}
	if pos < len(s) && (isWordAt(s, pos) || s[pos] == ':') {
		return -1
	}
	return pos
}

func hexRun(s string, i int, n int, lowerOnly bool) bool {
	if i+n > len(s) {
		return false
	}
	for k := i; k < i+n; k++ {
		c := s[k]
		if !isHex(c) || (lowerOnly && 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func matchTraceparent(s string, i int) int {
	if !boundary(s, i) {
		return -1
	}
	// W3C: 00-<32 hex>-<16 hex>-0x
	if strings.HasPrefix(s[i:], "00-") && hexRun(s, i+3, 32, true) && i+35 < len(s) && s[i+35] == '-' &&
		hexRun(s, i+36, 16, true) && i+52 < len(s) && s[i+52] == '-' && i+54 <= len(s) && s[i+53] == '0' &&
		i+55 <= len(s) && isHex(s[i+54]) && boundary(s, i+55) {
		return i + 55
	}
	// AWS X-Ray: 1-<8 hex>-<24 hex>
	if strings.HasPrefix(s[i:], "1-") && hexRun(s, i+2, 8, false) && i+10 < len(s) && s[i+10] == '-' &&
		hexRun(s, i+11, 24, false) && boundary(s, i+35) {
		return i + 35
	}
	return -1
}

func matchUUID(s string, i int) int {
	if !boundary(s, i) {
		return -1
	}
	pos := i
	for k, n := range [...]int{8, 4, 4, 4, 12} {
		if k > 0 {
			if pos >= len(s) || s[pos] != '-' {
				return -1
			}
			pos++
		}
		if !hexRun(s, pos, n, false) {
			return -1
		}
		pos += n
	}
	if !boundary(s, pos) {
		return -1
	}
	return pos
}

func matchHexRun(s string, i, n int) int {
	if !boundary(s, i) || !hexRun(s, i, n, false) || !boundary(s, i+n) {
		return -1
	}
	return i + n
}

var (
	weekdays     = strings.Fields("Mon Tue Wed Thu Fri Sat Sun")
	longWeekdays = strings.Fields("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
	months       = strings.Fields("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec")
)

func oneOf(s string, i int, words []string) int {
	for _, w := range words {
		if strings.HasPrefix(s[i:], w) {
			return i + len(w)
		}
	}
	return -1
}

// digits matches between lo and hi digits at i, greedily, and returns the end or -1.
func digits(s string, i, lo, hi int) int {
	n := runLen(s, i, isDigit)
	if n < lo {
		return -1
	}
	if n > hi {
		return -1
	}
	return i + n
}

func lit(s string, i int, l string) int {
	if i >= 0 && strings.HasPrefix(s[i:], l) {
		return i + len(l)
	}
	return -1
}

func matchDuration(s string, i int) int {
	if !boundary(s, i) || !isDigit(s[i]) {
		return -1
	}
	p := i + runLen(s, i, isDigit)
	if strings.HasPrefix(s[p:], "ms") && boundary(s, p+2) {
		return p + 2
	}
	if q := lit(s, p, "."); q > 0 {
		if n := runLen(s, q, isDigit); n > 0 {
			p = q + n
		}
	}
	if p < len(s) && s[p] == 's' && boundary(s, p+1) {
		return p + 1
	}
	return -1
}

// matchSwiftTxn matches StoreKit transaction ids: tx<21 hex>-<10 hex>, optionally -<hex> more.
func matchSwiftTxn(s string, i int) int {
	if !boundary(s, i) || !strings.HasPrefix(s[i:], "tx") || !hexRun(s, i+2, 21, false) {
		return -1
	}
	p := i + 23
	if lit(s, p, "-") < 0 || !hexRun(s, p+1, 10, false) {
		return -1
	}
	p += 11
	for p < len(s) && s[p] == '-' && runLen(s, p+1, isHex) > 0 {
		p += 1 + runLen(s, p+1, isHex)
	}
	if !boundary(s, p) {
		return -1
	}
	return p
}

func matchHex(s string, i int) int {
	if !boundary(s, i) {
		return -1
	}
	if s[i] == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') {
		n := runLen(s, i+2, isHex)
		if n > 0 && boundary(s, i+2+n) {
			return i + 2 + n
		}
	}
	n := runLen(s, i, isHex)
	if n < 8 || n > 128 || !boundary(s, i+n) {
		return -1
	}
	hasDigit, lower, upper := false, false, false
	for k := i; k < i+n; k++ {
		c := s[k]
		switch {
		case isDigit(c):
			hasDigit = true
		case c >= 'a':
			lower = true
		default:
			upper = true
		}
	}
	if !hasDigit || (lower && upper) {
		return -1
	}
	return i + n
}

func matchGitSha(s string, i int) int {
	if !boundary(s, i) || !hexRun(s, i, 7, true) || !boundary(s, i+7) {
		return -1
	}
	letter, digit := false, false
	for k := i; k < i+7; k++ {
		if isDigit(s[k]) {
			digit = true
		} else {
			letter = true
		}
	}
	if !letter || !digit {
		return -1
	}
	return i + 7
}

// signedStart handles the optional "-" of numbers, which counts only when no word character
// precedes it; it returns where the digits start or -1.
func signedStart(s string, i int) int {
	if s[i] == '-' {
		if isWordBefore(s, i) || i+1 >= len(s) || !isDigit(s[i+1]) {
			return -1
		}
		return i + 1
	}
	if !isDigit(s[i]) || !boundary(s, i) {
		return -1
	}
	return i
}

func matchFloat(s string, i int) int {
	p := signedStart(s, i)
	if p < 0 {
		return -1
	}
	p += runLen(s, p, isDigit)
	if p >= len(s) || s[p] != '.' {
		return -1
	}
	n := runLen(s, p+1, isDigit)
	if n == 0 || !boundary(s, p+1+n) {
		return -1
	}
	return p + 1 + n
}

func matchInt(s string, i int) int {
	p := signedStart(s, i)
	if p < 0 {
		return -1
	}
	n := runLen(s, p, isDigit)
	if !boundary(s, p+n) {
		return -1
	}
	return p + n
}

func matchQuoted(s string, i int) int {
	if i == 0 || s[i-1] != '=' || (s[i] != '\'' && s[i] != '"') {
		return -1
	}
	end := strings.IndexByte(s[i+1:], s[i])
	if end <= 0 {
		return -1
	}
	return i + 1 + end + 1
}

func matchBool(s string, i int) int {
	if i == 0 || s[i-1] != '=' {
		return -1
	}
	if p := oneOf(s, i, []string{"True", "true", "False", "false"}); p > 0 && boundary(s, p) {
		return p
	}
	return -1
}
