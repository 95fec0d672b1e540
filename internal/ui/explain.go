package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// explanation is the grouping explanation stored on an issue (the JSON of `faultline group`):
// per variant its hash and the component tree that says what counted and why not.
type explanation struct {
	Config   string
	Hashes   []string
	Variants []variant
}

type variant struct {
	Name        string
	Type        string
	Hash        string
	Contributes bool
	Hint        string
	Values      []string
	MatchedRule string
	Tree        *component
}

type component struct {
	ID          string
	Contributes bool
	Hint        string
	Values      []string
	Children    []*component
}

// UnmarshalJSON reads a node whose "values" mix leaf strings and child nodes.
func (c *component) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID          string            `json:"id"`
		Contributes bool              `json:"contributes"`
		Hint        *string           `json:"hint"`
		Values      []json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	c.ID, c.Contributes = raw.ID, raw.Contributes
	if raw.Hint != nil {
		c.Hint = *raw.Hint
	}
	for _, v := range raw.Values {
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '{' {
			ch := &component{}
			if err := ch.UnmarshalJSON(t); err != nil {
				return err
			}
			c.Children = append(c.Children, ch)
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		c.Values = append(c.Values, s)
	}
	return nil
}

func parseExplanation(text string) (*explanation, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("no explanation stored")
	}
	var raw struct {
		Config   string   `json:"config"`
		Hashes   []string `json:"hashes"`
		Variants map[string]struct {
			Type        string     `json:"type"`
			Hash        *string    `json:"hash"`
			Contributes bool       `json:"contributes"`
			Hint        *string    `json:"hint"`
			Values      []string   `json:"values"`
			MatchedRule string     `json:"matched_rule"`
			Tree        *component `json:"tree"`
		} `json:"variants"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, err
	}
	if len(raw.Variants) == 0 {
		return nil, errors.New("the explanation has no variants")
	}
	out := &explanation{Config: raw.Config, Hashes: raw.Hashes}
	for name, v := range raw.Variants {
		vv := variant{Name: name, Type: v.Type, Contributes: v.Contributes, Values: v.Values, MatchedRule: v.MatchedRule, Tree: v.Tree}
		if v.Hash != nil {
			vv.Hash = *v.Hash
		}
		if v.Hint != nil {
			vv.Hint = *v.Hint
		}
		out.Variants = append(out.Variants, vv)
	}
	// The variants that made the hashes first, then by name.
	slices.SortFunc(out.Variants, func(a, b variant) int {
		if a.Contributes != b.Contributes {
			if a.Contributes {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}
