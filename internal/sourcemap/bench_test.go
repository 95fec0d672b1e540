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

// BenchmarkSymbolicateCachedEvent is a whole node stack trace as node printed it (app frames
// plus node internals), maps already parsed.
func BenchmarkSymbolicateCachedEvent(b *testing.B) {
	frames := stackFixtures(b)["esbuild"]["field"]
	s := New(NewDir(layout(b, "esbuild", "release")), Options{})
	req := Request{Project: projectID, Release: releaseVer, Platform: "node", Frames: frames}
	if res := s.Symbolicate(context.Background(), req); res.Symbolicated == 0 || len(res.Errors) > 0 {
		b.Fatalf("warm-up: %+v", res)
	}
	b.ReportMetric(float64(len(frames)), "frames/op")
	b.ReportAllocs()
	for b.Loop() {
		s.Symbolicate(context.Background(), req)
	}
}
