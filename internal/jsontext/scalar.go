package jsontext

import (
	"math"
	"strconv"
	"strings"
)

// Scalar is a value's kind and raw text, without a tree: Tree.Scalar and Reader.Scalar return
// them. Objects and arrays have only their kind here.
type Scalar struct {
	Kind Kind
	// Escaped reports that a string's Raw holds backslash escapes.
	Escaped bool
	// Raw is a string's escaped text without its quotes, or a number's literal.
	Raw string
}

// Text returns a string's text, "" for other kinds.
func (s Scalar) Text() string {
	if s.Kind != String {
		return ""
	}
	if !s.Escaped {
		return s.Raw
	}
	return unescape(s.Raw)
}

// Lenient returns strings as they are and numbers and booleans as their JSON text, "" for null
// and containers: the way Relay reads "lenient string" fields such as release and tag values.
func (s Scalar) Lenient() string {
	switch s.Kind {
	case String:
		return s.Text()
	case Number:
		return s.Raw
	case True:
		return "true"
	case False:
		return "false"
	}
	return ""
}

// Int returns an integral number's value (1.0 and 1e3 are integral); ok is false for other
// numbers, those out of int64's range and other kinds.
func (s Scalar) Int() (int64, bool) {
	if s.Kind != Number {
		return 0, false
	}
	if v, ok := s.SmallInt(); ok {
		return v, true
	}
	if i, err := strconv.ParseInt(s.Raw, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(s.Raw, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// IntLiteral returns the value of a number written as an integer, without fraction or exponent,
// that fits in an int64: what serde_json reads into an integer field.
func (s Scalar) IntLiteral() (int64, bool) {
	if v, ok := s.SmallInt(); ok {
		return v, true
	}
	if s.Kind != Number || strings.ContainsAny(s.Raw, ".eE") {
		return 0, false
	}
	v, err := strconv.ParseInt(s.Raw, 10, 64)
	return v, err == nil
}

// SmallInt reads a number written as up to 18 decimal digits and nothing else, which cannot
// overflow: line and column numbers, epoch seconds, the integers documents carry most. It is
// Int's fast path, for callers that parse other numbers their own way.
func (s Scalar) SmallInt() (int64, bool) {
	raw := s.Raw
	if s.Kind != Number || raw == "" || len(raw) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// Bool returns a boolean's value; ok is false for other kinds.
func (s Scalar) Bool() (value, ok bool) {
	switch s.Kind {
	case True:
		return true, true
	case False:
		return false, true
	}
	return false, false
}
