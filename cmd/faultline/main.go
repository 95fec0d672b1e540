// Command faultline is the developer CLI: group an event the way the processor does, symbolicate
// it against a local sourcemap tree, or send it to a Sentry-compatible endpoint like an SDK.
//
//	faultline group [--config newstyle:2026-01-20] [--stacktrace-rules FILE] [--fingerprint-rules FILE] EVENT.json
//	faultline symbolicate --sourcemaps DIR [--project 1] EVENT.json
//	faultline send --dsn DSN EVENT.json|ENVELOPE
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "faultline:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  faultline group [--config ID] [--stacktrace-rules FILE] [--fingerprint-rules FILE] EVENT.json
  faultline symbolicate --sourcemaps DIR [--project ID] EVENT.json
  faultline send --dsn DSN EVENT.json|ENVELOPE`

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("no command\n%s", usage)
	}
	switch args[0] {
	case "group":
		return groupCommand(args[1:], stdout)
	case "symbolicate":
		return symbolicateCommand(args[1:], stdout)
	case "send":
		return sendCommand(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
