package sourcemap

import (
	"context"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// BenchmarkSymbolicateCachedFrame is one event with one minified frame whose map is already
// parsed: the steady-state cost per frame, lookups in the local directory included.
func BenchmarkSymbolicateCachedFrame(b *testing.B) {
	frames := stackFixtures(b)["esbuild"]["amount"]
	top := frames[len(frames)-1]
	for _, how := range []string{"release", "debug-id"} {
		b.Run(how, func(b *testing.B) {
			s := New(NewDir(layout(b, "esbuild", how)), Options{})
			req := Request{Project: projectID, Release: releaseVer, Frames: []event.Frame{top}}
			if how == "debug-id" {
				req.DebugImages = []event.DebugImage{{Type: "sourcemap", CodeFile: appPath, DebugID: testDebug}}
			}
			if res := s.Symbolicate(context.Background(), req); res.Symbolicated != 1 {
				b.Fatalf("warm-up did not resolve: %+v", res.Errors)
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Symbolicate(context.Background(), req)
			}
		})
	}
}
