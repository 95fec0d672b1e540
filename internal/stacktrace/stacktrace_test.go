package stacktrace

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// sample is one stack trace as a runtime prints it, with the chain the parser must produce.
type sample struct {
	name string
	hint string // telemetry.sdk.language the exporter would report
	text string // the trace; or file, under testdata/
	file string
	opts Options
	want []wantException // oldest first
}

type wantException struct {
	typ, module, value string
	frames             []string // oldest first, in frameString's notation
}

// frameString writes the frame fields the parsers fill as "fn=… mod=… file=… line=… app",
// leaving out empty fields, so expectations read like the frames they describe.
func frameString(f event.Frame) string {
	var b strings.Builder
	add := func(key, value string) {
		if value != "" {
			b.WriteString(key + "=" + value + " ")
		}
	}
	add("fn", f.Function)
	add("mod", f.Module)
	add("pkg", f.Package)
	add("file", f.Filename)
	add("abs", f.AbsPath)
	if f.Lineno != 0 {
		add("line", strconv.Itoa(f.Lineno))
	}
	if f.Colno != 0 {
		add("col", strconv.Itoa(f.Colno))
	}
	add("ctx", f.ContextLine)
	switch {
	case f.InApp == nil:
		b.WriteString("in_app-unset")
	case *f.InApp:
		b.WriteString("app")
	default:
		b.WriteString("sys")
	}
	return b.String()
}

func (s sample) input(t testing.TB) string {
	if s.file == "" {
		return s.text
	}
	data, err := os.ReadFile(filepath.Join("testdata", s.file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkChain compares a parsed trace with a sample's expectation, naming every difference.
func checkChain(t *testing.T, platform string, s sample, got Trace) {
	t.Helper()
	if got.Platform != platform {
		t.Errorf("platform = %q, want %q", got.Platform, platform)
	}
	if len(got.Exceptions) != len(s.want) {
		t.Errorf("%d exceptions, want %d:", len(got.Exceptions), len(s.want))
		for _, e := range got.Exceptions {
			t.Logf("  %s (%s): %q, %d frames", e.Type, e.Module, e.Value, len(e.Frames))
		}
		return
	}
	for i, w := range s.want {
		e := got.Exceptions[i]
		if e.Type != w.typ || e.Module != w.module || e.Value != w.value {
			t.Errorf("exception %d = %q %q %q, want %q %q %q", i, e.Type, e.Module, e.Value, w.typ, w.module, w.value)
		}
		frames := make([]string, len(e.Frames))
		for j, f := range e.Frames {
			frames[j] = frameString(f)
		}
		if strings.Join(frames, "\n") != strings.Join(w.frames, "\n") {
			t.Errorf("exception %d (%s) frames:\n%s\nwant:\n%s", i, w.typ, strings.Join(frames, "\n"), strings.Join(w.frames, "\n"))
		}
	}
}

func runSamples(t *testing.T, platform string, samples []sample) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			got, ok := Parse(s.input(t), s.hint, s.opts)
			if !ok {
				t.Fatal("not recognised")
			}
			checkChain(t, platform, s, got)
		})
	}
}

func benchSamples(b *testing.B, samples []sample) {
	texts := make([]string, len(samples))
	for i, s := range samples {
		texts[i] = s.input(b)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := samples[i%len(samples)]
		if _, ok := Parse(texts[i%len(samples)], s.hint, s.opts); !ok {
			b.Fatal(s.name, "not recognised")
		}
	}
}

// samplesByPlatform holds every language's table, for the tests that run across formats.
var samplesByPlatform = map[string][]sample{
	"java":       javaSamples,
	"python":     pythonSamples,
	"javascript": javascriptSamples,
	"go":         goSamples,
}

func TestDetectsTheFormatWithoutOrWithAWrongHint(t *testing.T) {
	for platform, samples := range samplesByPlatform {
		for _, s := range samples {
			for _, hint := range []string{"", "unknown-lang", wrongHint(platform)} {
				t.Run(platform+"/"+hint+"/"+s.name, func(t *testing.T) {
					got, ok := Parse(s.input(t), hint, s.opts)
					if !ok {
						t.Fatal("not recognised")
					}
					checkChain(t, platform, s, got)
				})
			}
		}
	}
}

// wrongHint is an SDK language whose format differs from platform's.
func wrongHint(platform string) string {
	if platform == "python" {
		return "java"
	}
	return "python"
}

func TestUnknownFormatsAreNotParsed(t *testing.T) {
	for _, text := range []string{
		"",
		"connection refused",
		"java.lang.IllegalStateException: no frames were printed",
		"Traceback (most recent call last):\nValueError: x",
		"at the end of the day\nat dawn",
		"goroutine 1 [running]:\n",
		"\tat \n\tat ()\n",
	} {
		if got, ok := Parse(text, "", Options{}); ok {
			t.Errorf("Parse(%q) = %+v, want not recognised", text, got)
		}
	}
}

func TestTheHintDecidesBetweenFormatsThatBothReadTheText(t *testing.T) {
	// A class method in the OTel PHP SDK's Java-shaped text is also a valid Java frame.
	const text = "App.Billing.InvoiceException: locked\n\tat App.Billing.Invoice.lock(Invoice.php:88)\n"
	for hint, platform := range map[string]string{"php": "php", "java": "java", "": "java"} {
		got, ok := Parse(text, hint, Options{})
		if !ok || got.Platform != platform {
			t.Errorf("hint %q: platform %q (ok %v), want %q", hint, got.Platform, ok, platform)
		}
	}
}

func TestHintsAcceptSDKLanguagesAndSentryPlatforms(t *testing.T) {
	const node = "Error: x\n    at f (/srv/app/a.js:1:2)\n"
	for _, hint := range []string{"nodejs", "webjs", "javascript", "node", " NodeJS "} {
		if got, ok := Parse(node, hint, Options{}); !ok || got.Platform != "javascript" {
			t.Errorf("hint %q: platform %q (ok %v)", hint, got.Platform, ok)
		}
	}
}

// BenchmarkParseDetectingFormat parses every sample without a hint, so every format reads it:
// the cost of a resource without telemetry.sdk.language, against the per-language benchmarks.
func BenchmarkParseDetectingFormat(b *testing.B) {
	var all []sample
	for _, samples := range samplesByPlatform {
		for _, s := range samples {
			s.hint = ""
			all = append(all, s)
		}
	}
	benchSamples(b, all)
}
