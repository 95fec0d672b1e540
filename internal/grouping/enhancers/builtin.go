package enhancers

import (
	_ "embed"
	"fmt"
)

// The base rule sets are our own rule text (rules/*.txt), written from the behaviour Sentry
// documents for each config; they are parsed once at start-up.
var (
	//go:embed rules/common.txt
	commonRules string
	//go:embed rules/2023-01-11.txt
	winter2023Rules string
	//go:embed rules/2026-01-20.txt
	fall2025Rules string
)

var builtins = map[string]*Rules{}

func init() {
	for id, text := range map[string]string{
		"newstyle:2023-01-11": commonRules + "\n" + winter2023Rules,
		"newstyle:2026-01-20": commonRules + "\n" + fall2025Rules,
	} {
		rs, err := parse(text, true)
		if err != nil {
			panic(fmt.Sprintf("built-in stack-trace rules of %s: %v", id, err))
		}
		builtins[id] = rs
	}
}

// Builtin returns the base rules of a grouping config, or nil for an unknown config.
func Builtin(config string) *Rules { return builtins[config] }
