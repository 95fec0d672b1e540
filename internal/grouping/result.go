package grouping

import (
	"sort"
	"strconv"
)

// Result is the grouping of one event.
type Result struct {
	// Config is the grouping config id that produced the result.
	Config string
	// Hashes are the contributing variants' hashes in Sentry's order; Hashes[0] is the primary.
	Hashes []string
	// Variants are keyed by variant name (app, system, default, custom_client_fingerprint …).
	Variants map[string]Variant
	Title    string
	Culprit  string
	Metadata Metadata
}

// Variant is one way of grouping the event.
type Variant struct {
	// Hash is empty when the variant does not contribute (JSON null).
	Hash        string
	Contributes bool
	Hint        string
	// Tree is the component tree of component variants; nil for fingerprint, fallback and
	// checksum variants.
	Tree *Component
	// Values are the resolved fingerprint entries of fingerprint variants and of component
	// variants salted with a fingerprint that contains {{ default }}.
	Values []string
	// MatchedRule is the server-side fingerprint rule that produced the fingerprint, if any.
	MatchedRule string
	// Type says which kind of variant this is: component, salted_component,
	// custom_fingerprint, built_in_fingerprint, fallback or checksum.
	Type string
}

// Metadata is what Sentry stores as an issue's metadata.
type Metadata struct {
	Type     string `json:"type,omitempty"`
	Value    string `json:"value,omitempty"`
	Filename string `json:"filename,omitempty"`
	Function string `json:"function,omitempty"`
	Title    string `json:"title,omitempty"`
}

// Primary is the primary hash (the first), or "" when there is none.
func (r *Result) Primary() string {
	if len(r.Hashes) == 0 {
		return ""
	}
	return r.Hashes[0]
}

// MarshalJSON writes the `faultline group` contract (DESIGN §6):
// {"config", "hashes", "variants": {name: {"hash" (null when not contributing), "contributes",
// "hint", "tree" …}}}, followed by title, culprit and metadata. Variants are sorted by name.
// Placeholders stay readable ("<int>"); encoding/json's Marshal would re-escape them as
// "\u003cint\u003e" (equal JSON), so writers should call MarshalJSON or an Encoder with
// SetEscapeHTML(false).
func (r *Result) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2048)
	b = append(b, `{"config":`...)
	b = strconv.AppendQuote(b, r.Config)
	b = append(b, `,"hashes":[`...)
	for i, h := range r.Hashes {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, h)
	}
	b = append(b, `],"variants":{`...)
	names := make([]string, 0, len(r.Variants))
	for name := range r.Variants {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		v := r.Variants[name]
		b = appendJSONString(b, name)
		b = append(b, `:{"type":`...)
		b = appendJSONString(b, v.Type)
		b = append(b, `,"hash":`...)
		b = appendNullableString(b, v.Hash)
		b = append(b, `,"contributes":`...)
		b = strconv.AppendBool(b, v.Contributes)
		b = append(b, `,"hint":`...)
		b = appendNullableString(b, v.Hint)
		if v.Values != nil {
			b = append(b, `,"values":[`...)
			for k, s := range v.Values {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, s)
			}
			b = append(b, ']')
		}
		if v.MatchedRule != "" {
			b = append(b, `,"matched_rule":`...)
			b = appendJSONString(b, v.MatchedRule)
		}
		if v.Tree != nil {
			b = append(b, `,"tree":`...)
			b = v.Tree.appendJSON(b)
		}
		b = append(b, '}')
	}
	b = append(b, `},"title":`...)
	b = appendJSONString(b, r.Title)
	b = append(b, `,"culprit":`...)
	b = appendJSONString(b, r.Culprit)
	b = append(b, `,"metadata":{`...)
	n := 0
	for _, kv := range [...][2]string{{"type", r.Metadata.Type}, {"value", r.Metadata.Value}, {"filename", r.Metadata.Filename}, {"function", r.Metadata.Function}, {"title", r.Metadata.Title}} {
		if kv[1] == "" {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, kv[0])
		b = append(b, ':')
		b = appendJSONString(b, kv[1])
		n++
	}
	return append(b, "}}"...), nil
}
