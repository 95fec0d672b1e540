// Package search parses the issue search syntax people type into the API's `query` parameter and
// the UI's search box — a subset of Sentry's: is:unresolved|resolved|ignored (and archived),
// level:, release:, environment:, any other key:value (or tags[key]:value) as a tag the issue's
// events carry (browser:"Chrome 120.0.6099", handled:no, user:id:42, os.name:Windows), and free
// text matched against title and culprit. Values may be double-quoted to hold spaces.
//
// It turns text into a store.IssueQuery and knows nothing of HTTP.
package search

import (
	"fmt"
	"strings"

	"github.com/faultline/faultline/internal/store"
)

// Parse reads a search string into the selection part of an IssueQuery (no sort or paging).
func Parse(q string) (store.IssueQuery, error) {
	var out store.IssueQuery
	var text []string
	for _, tok := range tokenize(q) {
		key, val, ok := strings.Cut(tok, ":")
		val = strings.Trim(val, `"`)
		if !ok {
			text = append(text, strings.Trim(tok, `"`))
			continue
		}
		switch key {
		case "is":
			switch val {
			case store.StatusUnresolved, store.StatusResolved, store.StatusIgnored:
				out.Status = val
			case "archived":
				out.Status = store.StatusIgnored
			default:
				return out, fmt.Errorf("unsupported is: value %q (want unresolved, resolved or ignored)", val)
			}
		case "level":
			out.Level = val
		case "release":
			out.Release = val
		case "environment":
			out.Environment = val
		default:
			if tag, ok := tagKey(key); ok && val != "" {
				out.Tags = append(out.Tags, store.Tag{Key: tag, Value: val})
				continue
			}
			text = append(text, strings.Trim(tok, `"`))
		}
	}
	out.Text = strings.Join(text, " ")
	return out, nil
}

// tokenize splits at spaces outside double quotes.
func tokenize(q string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range q {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// tagKey reads a search key as a tag key: tags[k] is k, and a plain key is one made of the
// characters tag keys are (so "Error:" in free text stays text).
func tagKey(key string) (string, bool) {
	if k, ok := strings.CutPrefix(key, "tags["); ok && strings.HasSuffix(k, "]") {
		key = strings.TrimSuffix(k, "]")
	}
	if key == "" {
		return "", false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == ':') {
			return "", false
		}
	}
	return key, true
}

// TagQuery is the search text that selects issues with tag key=value, and false when the syntax
// cannot say it (a key with other characters, a value with a double quote).
func TagQuery(key, value string) (string, bool) {
	if _, ok := tagKey(key); !ok || value == "" || strings.Contains(value, `"`) {
		return "", false
	}
	return key + `:"` + value + `"`, true
}
