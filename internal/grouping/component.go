package grouping

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// Component is one node of the grouping explanation tree: what was looked at, whether it counts
// toward the hash, and why not when it doesn't. A node holds either leaf values or children.
type Component struct {
	ID          string
	Contributes bool
	Hint        string
	Values      []string
	Children    []*Component
}

// computeContributes applies Sentry's default: a component contributes when it has a leaf value
// or a contributing child.
func (c *Component) computeContributes() {
	c.Contributes = len(c.Values) > 0
	for _, ch := range c.Children {
		if ch.Contributes {
			c.Contributes = true
			return
		}
	}
}

func (c *Component) set(contributes bool, hint string) {
	c.Contributes = contributes
	if hint != "" {
		c.Hint = hint
	}
}

// appendLeaves appends the contributing leaves below c (c itself included) in tree order: the
// byte sequence the hash is taken over.
func (c *Component) appendLeaves(dst []byte) []byte {
	if !c.Contributes {
		return dst
	}
	for _, v := range c.Values {
		dst = append(dst, v...)
	}
	for _, ch := range c.Children {
		dst = ch.appendLeaves(dst)
	}
	return dst
}

// leafStrings lists the contributing leaves below c, for fingerprints that embed {{ default }}.
func (c *Component) leafStrings(dst []string) []string {
	if !c.Contributes {
		return dst
	}
	dst = append(dst, c.Values...)
	for _, ch := range c.Children {
		dst = ch.leafStrings(dst)
	}
	return dst
}

// hasContributing reports whether a contributing component with the id exists below c along a
// path of contributing components.
func (c *Component) hasContributing(id string) bool {
	if !c.Contributes {
		return false
	}
	if c.ID == id {
		return true
	}
	for _, ch := range c.Children {
		if ch.hasContributing(id) {
			return true
		}
	}
	return false
}

// hashOf is the lowercase hex MD5 of the concatenated leaves, or "" when c doesn't contribute.
// buf is scratch space that is reused across calls.
func hashOf(c *Component, buf *[]byte) string {
	if !c.Contributes {
		return ""
	}
	*buf = c.appendLeaves((*buf)[:0])
	return md5Hex(*buf)
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func hashStrings(values []string) string {
	var buf [512]byte
	b := buf[:0]
	for _, v := range values {
		b = append(b, v...)
	}
	return md5Hex(b)
}

// MarshalJSON writes the node the way Sentry's grouping-info API does: values hold either leaf
// strings or child nodes; hint is null when there is none.
func (c *Component) MarshalJSON() ([]byte, error) {
	return c.appendJSON(make([]byte, 0, 256)), nil
}

func (c *Component) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendQuote(b, c.ID)
	b = append(b, `,"contributes":`...)
	b = strconv.AppendBool(b, c.Contributes)
	b = append(b, `,"hint":`...)
	b = appendNullableString(b, c.Hint)
	b = append(b, `,"values":[`...)
	n := 0
	for _, v := range c.Values {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, v)
		n++
	}
	for _, ch := range c.Children {
		if n > 0 {
			b = append(b, ',')
		}
		b = ch.appendJSON(b)
		n++
	}
	return append(b, "]}"...)
}

func appendNullableString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendJSONString quotes s as JSON without HTML escaping, so placeholders read "<int>".
// Invalid UTF-8 becomes U+FFFD, as Sentry's leaves are decoded with errors="replace".
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\\ufffd"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}

// arena hands out components from chunks so a whole tree costs a few allocations, not hundreds
// (BenchmarkGroup20Frames). Chunks are never reused, so pointers stay valid.
type arena struct {
	comps []Component
	ptrs  []*Component
	strs  []string
	// reused is set when comps holds components of an earlier event that must be reset.
	reused bool
}

func (a *arena) node(id string) *Component {
	if len(a.comps) == cap(a.comps) {
		a.comps = make([]Component, 0, max(32, 2*cap(a.comps)))
		a.reused = false
	}
	a.comps = a.comps[:len(a.comps)+1]
	c := &a.comps[len(a.comps)-1]
	if a.reused {
		c.Contributes, c.Hint, c.Values, c.Children = false, "", nil, nil
	}
	c.ID = id
	return c
}

// leaf is a component with one value, contributing.
func (a *arena) leaf(id, value string) *Component {
	c := a.node(id)
	if len(a.strs) == cap(a.strs) {
		a.strs = make([]string, 0, max(64, 2*cap(a.strs)))
	}
	a.strs = append(a.strs, value)
	c.Values = a.strs[len(a.strs)-1 : len(a.strs) : len(a.strs)]
	c.Contributes = true
	return c
}

// children returns an empty slice with room for n children, carved from a shared chunk.
func (a *arena) children(n int) []*Component {
	if cap(a.ptrs)-len(a.ptrs) < n {
		a.ptrs = make([]*Component, 0, max(128, n, 2*cap(a.ptrs)))
	}
	s := a.ptrs[len(a.ptrs) : len(a.ptrs) : len(a.ptrs)+n]
	a.ptrs = a.ptrs[:len(a.ptrs)+n]
	return s
}
