//go:build symbolic

// The oracle for function names and context lines is Sentry's own SourceMapCache (the code
// Symbolicator runs), reached through cgo. It stays behind the "symbolic" build tag so that the
// distribution and ordinary test runs remain pure Go:
//
//	CGO_ENABLED=1 go test -tags symbolic -run Symbolic ./internal/sourcemap/

package sourcemap

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"

	symbolic "github.com/honeycombio/symbolic-go"

	"github.com/faultline/faultline/internal/sentry/event"
)

// TestFramesAgreeWithSentrysSourceMapCache resolves every minified frame node printed for the
// esbuild and terser fixtures with both implementations and compares original position, source,
// scope function name and context lines.
func TestFramesAgreeWithSentrysSourceMapCache(t *testing.T) {
	stacks := stackFixtures(t)
	for _, variant := range []string{"esbuild", "terser"} {
		js, mp := readFixture(t, variant, "app.min.js"), readFixture(t, variant, "app.min.js.map")
		smc, err := symbolic.NewSourceMapCache(string(js), string(mp))
		if err != nil {
			t.Fatalf("%s: symbolic: %v", variant, err)
		}
		s := New(NewDir(layout(t, variant, "release")), Options{})
		for kind, frames := range stacks[variant] {
			for i, f := range frames {
				if f.AbsPath != appPath {
					continue
				}
				t.Run(variant+"/"+kind+"/"+f.Function, func(t *testing.T) {
					// the C ABI takes 1-based positions, as Sentry frames are
					want, err := smc.Lookup(uint32(f.Lineno), uint32(f.Colno), 5)
					if err != nil {
						t.Fatalf("symbolic lookup: %v", err)
					}
					res := s.Symbolicate(context.Background(), Request{Project: projectID, Release: releaseVer, Frames: []event.Frame{f}})
					if res.Symbolicated != 1 {
						t.Fatalf("not symbolicated: %+v", res.Errors)
					}
					got := res.Frames[0]
					name := got.Filename // no bundler prefixes here, so the source name as in the map
					if got.Lineno != want.Line || got.Colno != want.Col || name != want.Src {
						t.Errorf("position %s:%d:%d, symbolic %s:%d:%d", name, got.Lineno, got.Colno, want.Src, want.Line, want.Col)
					}
					// Symbolicator's rule on top of the scope name: an unknown scope (top-level
					// code) keeps the SDK's name; an anonymous one takes the caller's call-site
					// name, which a lone frame does not have, then the SDK's name.
					wantFn := want.FunctionName
					switch wantFn {
					case "<unknown>":
						wantFn = cmp.Or(f.Function, wantFn)
					case "", "<anonymous>":
						wantFn = cmp.Or(f.Function, "<anonymous>")
					}
					if got.Function != wantFn {
						t.Errorf("function %q, symbolic scope %q (frame %d, minified %q)", got.Function, want.FunctionName, i, f.Function)
					}
					// The C ABI returns whole lines; Symbolicator cuts long ones afterwards.
					trim := func(lines []string) []string {
						out := make([]string, len(lines))
						for i, l := range lines {
							out[i] = trimLine(strings.TrimSuffix(l, "\n"), 0)
						}
						return out
					}
					wantLine := trimLine(strings.TrimSuffix(want.ContextLine, "\n"), got.Colno-1)
					if got.ContextLine != wantLine || !slices.Equal(got.PreContext, trim(want.PreContext)) || !slices.Equal(got.PostContext, trim(want.PostContext)) {
						t.Errorf("context differs:\n got %q %q %q\nwant %q %q %q", got.PreContext, got.ContextLine, got.PostContext, want.PreContext, want.ContextLine, want.PostContext)
					}
				})
			}
		}
	}
}
