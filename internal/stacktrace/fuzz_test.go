package stacktrace

import "testing"

// FuzzParse checks that no input makes a parser panic, and that a recognised trace always has
// a platform and frames with in_app decided.
func FuzzParse(f *testing.F) {
	for _, samples := range samplesByPlatform {
		for _, s := range samples {
			f.Add(s.input(f), s.hint)
		}
	}
	f.Fuzz(func(t *testing.T, text, hint string) {
		trace, ok := Parse(text, hint, Options{AppPrefixes: []string{"com.acme.", "src/"}})
		if !ok {
			return
		}
		if trace.Platform == "" || frameCount(trace) == 0 {
			t.Fatalf("recognised trace without platform or frames: %+v", trace)
		}
		for _, e := range trace.Exceptions {
			for _, fr := range e.Frames {
				if fr.InApp == nil {
					t.Fatalf("frame without in_app: %+v", fr)
				}
			}
		}
	})
}
