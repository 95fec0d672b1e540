package scrub

import (
	"net/netip"
	"strings"
)

// This file finds sensitive data in text without regular expressions: the defaults run over
// every string of every event, so each detector is a hand-written scan, and a cheap census of
// the text (gates) rules most detectors out before any of them looks at it.

// Which word set a text holds a word of.
const (
	hitDefault uint8 = 1 << iota // DefaultSensitiveWords
	hitExtra                     // Config.SensitiveFields
)

// wordIndex finds sensitive words in a text, ignoring ASCII case. Words are at least two bytes
// long, and a table of their first two bytes rules out nearly every position of a text with
// one lookup: keys and values are mostly lowercase letters, so the table's hot part is small.
// The table holds every ASCII case of a word's first two bytes, so a scan looks up the text's
// bytes as they are, without lowering them first.
type wordIndex struct {
	sets    [2]wordSet
	minLen  int            // the shortest word's length; 0 when there is none
	bigrams [1 << 16]uint8 // first<<8 | second, in any ASCII case → the sets with such a word
}

type wordSet struct {
	words   []string
	byFirst [256][]string // by lowercase first byte
}

var lower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i + 'a' - 'A')
		}
	}
	return t
}()

// add adds the words of set hit (hitDefault or hitExtra); words must be two bytes or longer.
func (x *wordIndex) add(hit uint8, words []string) {
	ws := &x.sets[hit>>1]
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(w))
		if len(w) < 2 {
			continue
		}
		ws.words = append(ws.words, w)
		if x.minLen == 0 || len(w) < x.minLen {
			x.minLen = len(w)
		}
		ws.byFirst[w[0]] = append(ws.byFirst[w[0]], w)
		for _, a := range asciiCases(w[0]) {
			for _, b := range asciiCases(w[1]) {
				x.bigrams[uint16(a)<<8|uint16(b)] |= hit
			}
		}
	}
}

// asciiCases returns the bytes that lower maps to c, a lowercase byte.
func asciiCases(c byte) []byte {
	if 'a' <= c && c <= 'z' {
		return []byte{c, c - ('a' - 'A')}
	}
	return []byte{c}
}

// find returns the sets one of whose words s contains.
func (x *wordIndex) find(s string) uint8 {
	if len(s) < x.minLen {
		return 0
	}
	var hit uint8
	for i := 1; i < len(s); i++ {
		if b := x.bigrams[uint16(s[i-1])<<8|uint16(s[i])]; b != 0 && b&^hit != 0 {
			hit |= x.startsAt(s, i-1, b&^hit)
		}
	}
	return hit
}

// startsAt returns which of the sets in sets have a word starting at s[i].
func (x *wordIndex) startsAt(s string, i int, sets uint8) uint8 {
	var hit uint8
	for k := range x.sets {
		if sets&(1<<k) == 0 {
			continue
		}
		for _, w := range x.sets[k].byFirst[lower[s[i]]] {
			if hasPrefixFold(s[i:], w) {
				hit |= 1 << k
				break
			}
		}
	}
	return hit
}

// hasPrefixFold reports whether s starts with lower, a lowercase word, ignoring ASCII case.
func hasPrefixFold(s, lower string) bool {
	if len(s) < len(lower) {
		return false
	}
	for j := 1; j < len(lower); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[j] {
			return false
		}
	}
	return true
}

func containsFold(s, lower string) bool {
	for i := 0; i+len(lower) <= len(s); i++ {
		if (s[i]|0x20) == lower[0] && hasPrefixFold(s[i:], lower) {
			return true
		}
	}
	return false
}

// gates is a census of a text that tells which detectors could match it.
type gates struct {
	length, digits, upper int
	flags                 uint8 // the classes of the bytes seen
}

// Byte classes for the census.
const (
	clDigit uint8 = 1 << iota
	clUpper
	clAt
	clColon
	clDot
	clDash
	clSlash
	clBackslash
)

var classes = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = clUpper
	}
	t['@'], t[':'], t['.'], t['-'], t['/'], t['\\'] = clAt, clColon, clDot, clDash, clSlash, clBackslash
	return t
}()

func (g *gates) has(cl uint8) bool { return g.flags&cl != 0 }

// byteInfo packs what the census needs of a byte into one word: one at bit 0 for a digit, one at
// bit 28 for an uppercase letter, and its class in bits 56-63. OR-ing the entries collects the
// classes; adding them counts digits (bits 0-27) and uppercase letters (bits 28-55) at once,
// the classes' sums spilling only into the top byte and out of the word.
var byteInfo = func() (t [256]uint64) {
	for c := range t {
		e := uint64(classes[c]) << 56
		switch classes[c] {
		case clDigit:
			e |= 1
		case clUpper:
			e |= 1 << 28
		}
		t[c] = e
	}
	return t
}()

// maxCounted is the length from which the census's counts could overflow their 28 bits.
const maxCounted = 1<<28 - 1

// gatesOf turns a census's sums into gates. Past maxCounted bytes it counts every byte as a
// digit and an uppercase letter: the gates only rule detectors out, so counting too many is safe.
func gatesOf(length int, or, sum uint64) gates {
	g := gates{length: length, digits: int(sum & maxCounted), upper: int(sum >> 28 & maxCounted), flags: uint8(or >> 56)}
	if length > maxCounted {
		g.digits, g.upper = length, length
	}
	return g
}

func gate(s string) gates {
	var or, sum uint64
	for i := 0; i < len(s); i++ {
		e := byteInfo[s[i]]
		or |= e
		sum += e
	}
	return gatesOf(len(s), or, sum)
}

// minDetected is the length of the shortest text a value detector of the defaults or IP
// scrubbing finds: "1.2.3.4".
const minDetected = 7

// detector finds one kind of sensitive data.
type detector struct {
	name string
	gate func(gates) bool
	// find returns the next range to redact at or after from.
	find func(s string, from int) (start, end int, ok bool)
	// replaceText is what the type's "replace" method writes.
	replaceText string
	filter      *rule // @name:filter, for the defaults
	replace     *rule // @name:replace
}

var (
	detectCreditCard = &detector{name: "creditcard", replaceText: "[creditcard]",
		gate: func(g gates) bool { return g.digits >= 12 }, find: findCreditCard}
	detectPEMKey = &detector{name: "pemkey", replaceText: "[pemkey]",
		gate: func(g gates) bool { return g.has(clDash) && g.length >= 40 }, find: findPEMKey}
	detectURLAuth = &detector{name: "urlauth", replaceText: "[auth]",
		gate: func(g gates) bool { return g.has(clColon) && g.has(clAt) && g.has(clSlash) }, find: findURLAuth}
	detectUSSSN = &detector{name: "usssn", replaceText: "***-**-****",
		gate: func(g gates) bool { return g.digits >= 9 && g.has(clDash) }, find: findUSSSN}
	detectIBAN = &detector{name: "iban", replaceText: "[iban]",
		gate: func(g gates) bool { return g.upper >= 2 && g.digits >= 4 && g.length >= 15 }, find: findIBAN}
	detectUserPath = &detector{name: "userpath", replaceText: "[user]",
		gate: func(g gates) bool { return g.has(clSlash | clBackslash) }, find: findUserPath}
	detectIP = &detector{name: "ip", replaceText: "[ip]",
		gate: func(g gates) bool { return g.has(clDot) && g.digits >= 4 || g.has(clColon) }, find: findIP}
	detectEmail = &detector{name: "email", replaceText: "[email]",
		gate: func(g gates) bool { return g.has(clAt) && g.has(clDot) }, find: findEmail}
	detectIMEI = &detector{name: "imei", replaceText: "[imei]",
		gate: func(g gates) bool { return g.digits >= 15 }, find: findIMEI}
	detectMAC = &detector{name: "mac", replaceText: "[mac]",
		gate: func(g gates) bool { return g.has(clColon|clDash) && g.length >= 17 }, find: findMAC}
	detectUUID = &detector{name: "uuid", replaceText: "[uuid]",
		gate: func(g gates) bool { return g.has(clDash) && g.length >= 36 }, find: findUUID}
)

// detectors by the name rules use (@creditcard …).
var detectors = map[string]*detector{}

// defaultDetectors are the value detectors of Sentry's defaults (@common:filter without
// @password, which is key-based, and @userpath, which only matters in file paths Faultline
// does not scrub by default).
var defaultDetectors []*detector

func init() {
	for _, d := range []*detector{detectCreditCard, detectPEMKey, detectURLAuth, detectUSSSN, detectIBAN,
		detectUserPath, detectIP, detectEmail, detectIMEI, detectMAC, detectUUID} {
		detectors[d.name] = d
		d.filter = &rule{id: "@" + d.name + ":filter", det: d, red: Redaction{Method: "replace", Text: filtered}}
		d.replace = &rule{id: "@" + d.name + ":replace", det: d, red: Redaction{Method: "replace", Text: d.replaceText}}
	}
	defaultDetectors = []*detector{detectCreditCard, detectPEMKey, detectURLAuth, detectIBAN, detectUSSSN}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// luhn checks the Luhn checksum of the digits in s (other bytes are skipped).
func luhn(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// findCreditCard finds 12 to 19 digits, optionally grouped by spaces or dashes, that pass the
// Luhn check and stand alone (no digit or letter directly before or after).
func findCreditCard(s string, from int) (int, int, bool) {
	return findDigitNumber(s, from, 12, 19, true)
}

func findIMEI(s string, from int) (int, int, bool) {
	return findDigitNumber(s, from, 15, 15, true)
}

// findDigitNumber finds minDigits to maxDigits digits, in groups separated by single spaces or
// dashes, that stand alone and pass the Luhn check. Any run of consecutive groups may be the
// number: "order 12 4242 4242 4242 4242" holds a card number after the order number.
func findDigitNumber(s string, from, minDigits, maxDigits int, checkLuhn bool) (int, int, bool) {
	var groups [24][2]int
	for i := from; i < len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && isAlnum(s[i-1])) {
			continue
		}
		// Collect the groups of this run.
		n, j := 0, i
		for n < len(groups) {
			start := j
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			groups[n] = [2]int{start, j}
			n++
			if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
				j++
				continue
			}
			break
		}
		if j < len(s) && isAlnum(s[j]) {
			// The run runs into a word: its last group does not stand alone.
			n--
		}
		for a := 0; a < n; a++ {
			digits, best := 0, -1
			for b := a; b < n; b++ {
				digits += groups[b][1] - groups[b][0]
				if digits > maxDigits {
					break
				}
				if digits >= minDigits && (!checkLuhn || luhn(s[groups[a][0]:groups[b][1]])) {
					best = b // the longest number wins
				}
			}
			if best >= 0 {
				return groups[a][0], groups[best][1], true
			}
		}
		i = j
	}
	return 0, 0, false
}

// findUSSSN finds ddd-dd-dddd standing alone.
func findUSSSN(s string, from int) (int, int, bool) {
	for i := from; i+11 <= len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && isAlnum(s[i-1])) {
			continue
		}
		t := s[i : i+11]
		if isDigit(t[1]) && isDigit(t[2]) && t[3] == '-' && isDigit(t[4]) && isDigit(t[5]) && t[6] == '-' &&
			isDigit(t[7]) && isDigit(t[8]) && isDigit(t[9]) && isDigit(t[10]) && (i+11 == len(s) || !isAlnum(s[i+11])) {
			return i, i + 11, true
		}
	}
	return 0, 0, false
}

// findPEMKey finds the body of a PEM private key, between its BEGIN and END lines.
func findPEMKey(s string, from int) (int, int, bool) {
	for from < len(s) {
		b := strings.Index(s[from:], "-----BEGIN")
		if b < 0 {
			return 0, 0, false
		}
		b += from
		hdrEnd := strings.Index(s[b+10:], "-----")
		if hdrEnd < 0 {
			return 0, 0, false
		}
		hdrEnd += b + 10
		header := s[b:hdrEnd]
		start := hdrEnd + 5
		e := strings.Index(s[start:], "-----END")
		if e < 0 {
			return 0, 0, false
		}
		e += start
		if strings.Contains(header, "PRIVATE KEY") {
			return start, e, true
		}
		from = e + 8
	}
	return 0, 0, false
}

// findURLAuth finds the user:password of a URL's userinfo (scheme://user:pass@host).
func findURLAuth(s string, from int) (int, int, bool) {
	for from < len(s) {
		k := strings.Index(s[from:], "://")
		if k < 0 {
			return 0, 0, false
		}
		start := from + k + 3
		i := start
		colon := false
		for i < len(s) {
			c := s[i]
			if c == '@' {
				break
			}
			if c == '/' || c == ' ' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '\n' || c == '\t' {
				i = -1
				break
			}
			if c == ':' {
				colon = true
			}
			i++
		}
		if i > start && i < len(s) && colon {
			return start, i, true
		}
		from = start
	}
	return 0, 0, false
}

// findIBAN finds a country code, two check digits and 11 to 30 letters or digits that pass the
// ISO 13616 mod-97 check.
func findIBAN(s string, from int) (int, int, bool) {
	for i := from; i+15 <= len(s); i++ {
		if !(s[i] >= 'A' && s[i] <= 'Z' && s[i+1] >= 'A' && s[i+1] <= 'Z' && isDigit(s[i+2]) && isDigit(s[i+3])) ||
			(i > 0 && isAlnum(s[i-1])) {
			continue
		}
		end := i + 4
		for end < len(s) && (isDigit(s[end]) || s[end] >= 'A' && s[end] <= 'Z') {
			end++
		}
		if n := end - i; n >= 15 && n <= 34 && (end == len(s) || !isAlnum(s[end])) && ibanValid(s[i:end]) {
			return i, end, true
		}
	}
	return 0, 0, false
}

func ibanValid(s string) bool {
	rem := 0
	for k := 0; k < len(s); k++ {
		c := s[(k+4)%len(s)]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	return rem == 1
}

// findUserPath finds the user name in /Users/<name>, /home/<name> or \Users\<name>.
func findUserPath(s string, from int) (int, int, bool) {
	for i := from; i < len(s); i++ {
		sep := s[i]
		if sep != '/' && sep != '\\' {
			continue
		}
		var n int
		switch {
		case hasPrefixFold(s[i+1:], "users") && len(s) > i+6 && s[i+6] == sep:
			n = i + 7
		case hasPrefixFold(s[i+1:], "home") && len(s) > i+5 && s[i+5] == sep:
			n = i + 6
		default:
			continue
		}
		end := n
		for end < len(s) && s[end] != '/' && s[end] != '\\' && s[end] != ' ' && s[end] != '"' {
			end++
		}
		if end > n {
			return n, end, true
		}
	}
	return 0, 0, false
}

// findIP finds IPv4 and IPv6 addresses standing alone.
func findIP(s string, from int) (int, int, bool) {
	// An IPv6 address has two colons, an IPv4 address three dots: most texts with a colon, URLs
	// among them, have neither, and need no reading byte by byte.
	if rest := s[from:]; strings.Count(rest, ":") < 2 && strings.Count(rest, ".") < 3 {
		return 0, 0, false
	}
	for i := from; i < len(s); i++ {
		c := s[i]
		if !(isHex(c) || c == ':') || (i > 0 && (isAlnum(s[i-1]) || s[i-1] == '.' || s[i-1] == ':')) {
			continue
		}
		end := i
		colons := 0
		for end < len(s) && (isHex(s[end]) || s[end] == ':' || s[end] == '.') {
			if s[end] == ':' {
				colons++
			}
			end++
		}
		if end-i < 7 {
			i = end // too short, and trimming only shortens it
			continue
		}
		tok := strings.TrimRight(s[i:end], ".:")
		if (end == len(s) || !isAlnum(s[end])) && len(tok) >= 7 && (colons >= 2 || strings.Count(tok, ".") == 3) {
			if a, err := netip.ParseAddr(tok); err == nil && a.Zone() == "" {
				return i, i + len(tok), true
			}
		}
		i = end
	}
	return 0, 0, false
}

func isEmailLocal(c byte) bool {
	return isAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

// findEmail finds local@domain.tld.
func findEmail(s string, from int) (int, int, bool) {
	for from < len(s) {
		k := strings.IndexByte(s[from:], '@')
		if k < 0 {
			return 0, 0, false
		}
		at := from + k
		start := at
		for start > 0 && isEmailLocal(s[start-1]) {
			start--
		}
		end, dot := at+1, false
		for end < len(s) && (isAlnum(s[end]) || s[end] == '-' || s[end] == '.') {
			if s[end] == '.' {
				dot = true
			}
			end++
		}
		for end > at+1 && s[end-1] == '.' {
			end--
		}
		if start < at && end > at+1 && dot && strings.IndexByte(s[at+1:end], '.') > 0 {
			return start, end, true
		}
		from = at + 1
	}
	return 0, 0, false
}

// findMAC finds six hex pairs separated by ':' or '-'.
func findMAC(s string, from int) (int, int, bool) {
	for i := from; i+17 <= len(s); i++ {
		if i > 0 && (isHex(s[i-1]) || s[i-1] == ':') {
			continue
		}
		t := s[i : i+17]
		sep := t[2]
		if sep != ':' && sep != '-' {
			continue
		}
		ok := true
		for k := 0; k < 17 && ok; k++ {
			if k%3 == 2 {
				ok = t[k] == sep
			} else {
				ok = isHex(t[k])
			}
		}
		if ok && (i+17 == len(s) || !isHex(s[i+17])) {
			return i, i + 17, true
		}
	}
	return 0, 0, false
}

// findUUID finds 8-4-4-4-12 hex digits.
func findUUID(s string, from int) (int, int, bool) {
	for i := from; i+36 <= len(s); i++ {
		if i > 0 && isHex(s[i-1]) {
			continue
		}
		t := s[i : i+36]
		ok := true
		for k := 0; k < 36 && ok; k++ {
			if k == 8 || k == 13 || k == 18 || k == 23 {
				ok = t[k] == '-'
			} else {
				ok = isHex(t[k])
			}
		}
		if ok && (i+36 == len(s) || !isHex(s[i+36])) {
			return i, i + 36, true
		}
	}
	return 0, 0, false
}
