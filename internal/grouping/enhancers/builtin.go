package enhancers

import (
	"embed"
	"fmt"
	"strings"
)

// The base rule sets are our own rule text (rules/), written from the behaviour Sentry documents
// for each config. A config's rules are the shared sections and its own, in the order below:
// category and in-app rules run in that order (then grouping rules, in order), so where a
// section sits matters.
//
//go:embed rules
var ruleFiles embed.FS

var ruleSections = map[string][]string{
	// 2023 decides native in-app before it categorizes (so a block the bundle rules made
	// in-app is no internal); 2026 categorizes first.
	"newstyle:2023-01-11": {
		"native.txt", "2023-01-11/native.txt", "categories.txt", "2023-01-11/consequences.txt",
		"dependencies.txt", "2023-01-11/javascript.txt", "frameworks.txt",
	},
	"newstyle:2026-01-20": {
		"categories.txt", "native.txt", "2026-01-20/native.txt", "2026-01-20/consequences.txt",
		"dependencies.txt", "frameworks.txt",
	},
}

var builtins = map[string]*Rules{}

func init() {
	for id, sections := range ruleSections {
		var text strings.Builder
		for _, name := range sections {
			b, err := ruleFiles.ReadFile("rules/" + name)
			if err != nil {
				panic(fmt.Sprintf("built-in stack-trace rules of %s: %v", id, err))
			}
			text.Write(b)
			text.WriteByte('\n')
		}
		rs, err := parse(text.String(), true)
		if err != nil {
			panic(fmt.Sprintf("built-in stack-trace rules of %s: %v", id, err))
		}
		builtins[id] = rs
	}
}

// Builtin returns the base rules of a grouping config, or nil for an unknown config.
func Builtin(config string) *Rules { return builtins[config] }
