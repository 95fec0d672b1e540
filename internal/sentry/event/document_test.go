package event

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func normalized(t *testing.T, in string) []byte {
	t.Helper()
	out, _, err := Normalize([]byte(in), baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReplaceFramesKeepsTheOriginalAsRawStacktrace(t *testing.T) {
	in := `{"platform":"javascript","exception":{"values":[{"type":"TypeError","value":"x",
		"stacktrace":{"frames":[
			{"abs_path":"https://a.example/app.min.js","lineno":1,"colno":10,"function":"a","vars":{"k":"v"}},
			{"abs_path":"https://a.example/app.min.js","lineno":1,"colno":99,"function":"b"}]}}]}}`
	doc, err := ParseDocument(normalized(t, in))
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	frames := []Frame{
		{AbsPath: "webpack://app/src/a.ts", Filename: "src/a.ts", Function: "load", Lineno: 12, Colno: 3, InApp: &yes,
			ContextLine: "  load()", PreContext: []string{"function x() {"}, PostContext: []string{"}"},
			Data: `{"sourcemap":"https://a.example/app.min.js.map","resolved_with":"debug-id"}`},
		{AbsPath: "webpack://app/src/b.ts", Function: "run", Lineno: 40},
	}
	if err := doc.ReplaceFrames(StacktraceRef{Kind: ExceptionStacktrace, Index: 0}, frames); err != nil {
		t.Fatal(err)
	}
	// A second symbolication pass must not overwrite the original.
	if err := doc.ReplaceFrames(StacktraceRef{Kind: ExceptionStacktrace, Index: 0}, frames); err != nil {
		t.Fatal(err)
	}
	doc.AddProcessingError("js_no_source", []ErrorField{{Key: "url", Value: "https://a.example/other.js"}})
	out := doc.AppendTo(nil)

	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("document is not valid JSON: %v\n%s", err, out)
	}
	checks := map[string]any{
		"exception.values.0.stacktrace.frames.0.function":           "load",
		"exception.values.0.stacktrace.frames.0.in_app":             true,
		"exception.values.0.stacktrace.frames.0.data.resolved_with": "debug-id",
		"exception.values.0.stacktrace.frames.0.vars.k":             "v",
		"exception.values.0.stacktrace.frames.0.pre_context.0":      "function x() {",
		"exception.values.0.raw_stacktrace.frames.0.function":       "a",
		"exception.values.0.raw_stacktrace.frames.0.abs_path":       "https://a.example/app.min.js",
		"exception.values.0.raw_stacktrace.frames.1.colno":          99.0,
		"errors.0.type": "js_no_source", "errors.0.url": "https://a.example/other.js",
	}
	for path, want := range checks {
		if v, ok := lookup(got, path); !ok || !reflect.DeepEqual(v, want) {
			t.Errorf("%s = %#v, want %#v\n%s", path, v, want, out)
		}
	}
	if _, ok := lookup(got, "exception.values.0.stacktrace.frames.1.colno"); ok {
		t.Errorf("a zero Colno should remove the key: %s", out)
	}

	ev := doc.Event()
	if ev.Exceptions[0].Stacktrace.Frames[0].Function != "load" || ev.Exceptions[0].RawStacktrace.Frames[0].Function != "a" {
		t.Errorf("typed view not updated: %+v", ev.Exceptions[0])
	}
	dec, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dec, ev) {
		t.Errorf("Decode of the written document differs from the document's view")
	}
}

func TestReplaceFramesRejectsWhatItCannotWrite(t *testing.T) {
	doc, err := ParseDocument(normalized(t, `{"exception":[{"type":"E","stacktrace":{"frames":[{"function":"f"}]}}],"threads":[{"id":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ref     StacktraceRef
		frames  []Frame
		wantErr string
	}{
		{"a missing exception", StacktraceRef{Kind: ExceptionStacktrace, Index: 3}, nil, "event has no exception 3"},
		{"a thread without stacktrace", StacktraceRef{Kind: ThreadStacktrace, Index: 0}, nil, "thread 0 has no stacktrace"},
		{"frame data that is not an object", StacktraceRef{}, []Frame{{Function: "f", Data: `[1]`}}, "frame data is an array"},
		{"frame data that is not JSON", StacktraceRef{}, []Frame{{Function: "f", Data: `{`}}, "invalid JSON at offset 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := doc.ReplaceFrames(tt.ref, tt.frames)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDocumentWritesBackWhatItDidNotTouch(t *testing.T) {
	norm := normalized(t, string(referenceEvent(t)))
	doc, err := ParseDocument(norm)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.AppendTo(nil); string(got) != string(norm) {
		t.Errorf("untouched document changed:\n%s\n%s", norm, got)
	}
	if refs := doc.Stacktraces(); len(refs) != 1 || refs[0] != (StacktraceRef{Kind: ExceptionStacktrace}) {
		t.Errorf("Stacktraces() = %v", refs)
	}
}

// A document opened on a view it already has reads that view, writes the text back unchanged
// without parsing it, and on an edit gets a view of its own, leaving the given one as it was.
func TestOpenDocumentParsesOnlyToEdit(t *testing.T) {
	in := `{"platform":"javascript","exception":{"values":[{"type":"TypeError","value":"x",
		"stacktrace":{"frames":[{"abs_path":"https://a.example/app.min.js","lineno":1,"colno":10,"function":"a"}]}}]}}`
	text, ev, err := Normalize([]byte(in), baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	doc := OpenDocument(string(text), ev)
	if doc.Event() != ev || doc.t != nil {
		t.Fatal("opening parsed the text or replaced the view")
	}
	if got := doc.AppendTo(nil); string(got) != string(text) {
		t.Errorf("untouched document changed:\n%s\n%s", text, got)
	}
	if err := doc.ReplaceFrames(StacktraceRef{Kind: ExceptionStacktrace, Index: 0}, []Frame{{Function: "load", Lineno: 3}}); err != nil {
		t.Fatal(err)
	}
	if err := doc.AddProcessingError("js_no_source", []ErrorField{{Key: "url", Value: "https://a.example/app.min.js"}}); err != nil {
		t.Fatal(err)
	}
	if ev.Exceptions[0].Stacktrace.Frames[0].Function != "a" {
		t.Error("the edit changed the view the document was opened on")
	}
	if doc.Event().Exceptions[0].Stacktrace.Frames[0].Function != "load" {
		t.Error("the document's view does not show the edit")
	}
	parsed, err := ParseDocument(text)
	if err != nil {
		t.Fatal(err)
	}
	if err := parsed.ReplaceFrames(StacktraceRef{Kind: ExceptionStacktrace, Index: 0}, []Frame{{Function: "load", Lineno: 3}}); err != nil {
		t.Fatal(err)
	}
	if err := parsed.AddProcessingError("js_no_source", []ErrorField{{Key: "url", Value: "https://a.example/app.min.js"}}); err != nil {
		t.Fatal(err)
	}
	if a, b := doc.AppendTo(nil), parsed.AppendTo(nil); string(a) != string(b) {
		t.Errorf("opened and parsed documents wrote different edits:\n%s\n%s", a, b)
	}
}

// Processing errors on a document not parsed are written after its last member without parsing
// it, byte for byte what the parsed document writes; an event that has an errors list already is
// parsed. A document opened on the view normalization read knows from it whether the event has
// an errors list; one opened on a view that does not say (from elsewhere) scans its text, and
// parses when its keys could spell one. All three write the same. A later edit keeps them.
func TestProcessingErrorsWithoutParsing(t *testing.T) {
	const frames = `"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"f"}]}}]}`
	for _, tt := range []struct {
		name, in string
		// parses and scanParses: whether the document opened on normalization's view, and on a
		// view that does not say, parse to add the errors.
		parses, scanParses bool
	}{
		{"no errors", `{"platform":"node","message":"m",` + frames + `}`, false, false},
		{"errors already", `{"platform":"node","errors":[{"type":"sent"}],` + frames + `}`, true, true},
		{"errors already, its key escaped", `{"platform":"node","err\u006frs":[{"type":"sent"}],` + frames + `}`, true, true},
		{"an escaped key", `{"platform":"node","extra":{"\u0065":1},` + frames + `}`, false, true},
		{"an errors key inside", `{"platform":"node","extra":{"errors":1},` + frames + `}`, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text, ev, err := Normalize([]byte(tt.in), baseOpts)
			if err != nil {
				t.Fatal(err)
			}
			unsaid, before := *ev, *ev
			unsaid.noErrors = false
			opened := OpenDocument(string(text), ev)
			scanned := OpenDocument(string(text), &unsaid)
			parsed, err := ParseDocument(text)
			if err != nil {
				t.Fatal(err)
			}
			docs := []*Document{opened, scanned, parsed}
			for _, d := range docs {
				for _, u := range []string{"/srv/app/a.js", "/srv/app/b\"é.js"} {
					if err := d.AddProcessingError("js_no_source", []ErrorField{{Key: "url", Value: u}, {Key: "reason", Value: "no minified file found"}}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if (opened.t != nil) != tt.parses || (scanned.t != nil) != tt.scanParses {
				t.Errorf("parsed: %v, and scanning %v; want %v and %v", opened.t != nil, scanned.t != nil, tt.parses, tt.scanParses)
			}
			want := parsed.AppendTo(nil)
			if !json.Valid(want) || strings.Count(string(want), `"type":"js_no_source"`) != 2 {
				t.Fatalf("the parsed document wrote %s", want)
			}
			for _, d := range docs {
				if got := d.AppendTo(nil); string(got) != string(want) {
					t.Fatalf("documents differ:\n%s\n%s", got, want)
				}
				if s := d.String(); s != string(want) {
					t.Fatalf("String differs from AppendTo:\n%s\n%s", s, want)
				}
				if dec, err := Decode(want); err != nil || !reflect.DeepEqual(dec, d.Event()) {
					t.Fatalf("Decode of the written document differs from the document's view (%v)", err)
				}
			}
			if !reflect.DeepEqual(*ev, before) {
				t.Fatal("adding errors changed the view the document was opened on")
			}
			for _, d := range docs {
				if err := d.ReplaceFrames(StacktraceRef{Kind: ExceptionStacktrace, Index: 0}, []Frame{{Function: "g"}}); err != nil {
					t.Fatal(err)
				}
			}
			want = parsed.AppendTo(nil)
			if !strings.Contains(string(want), `"/srv/app/a.js"`) {
				t.Fatalf("after an edit, the parsed document lost the errors: %s", want)
			}
			for _, d := range docs {
				if got := d.AppendTo(nil); string(got) != string(want) || d.String() != string(want) {
					t.Fatalf("after an edit, documents differ:\n%s\n%s\n%s", got, d.String(), want)
				}
			}
		})
	}
}

// AppendWithCulprit writes the culprit after the last member without parsing when the text
// certainly has none, byte for byte what the parsed document writes; a culprit the SDK sent is
// kept; an empty one is replaced.
func TestAppendWithCulprit(t *testing.T) {
	const culprit = `app/views.py in "index"`
	for _, tt := range []struct {
		name, in, want string
	}{
		{"no culprit", `{"platform":"node","exception":{"values":[{"type":"E"}]}}`, culprit},
		{"an SDK's culprit", `{"platform":"javascript","culprit":"views.js in updateMember"}`, "views.js in updateMember"},
		{"an empty culprit", `{"platform":"node","culprit":""}`, culprit},
		{"an escaped key", `{"platform":"node","extra":{"\u0065":1}}`, culprit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text, _, err := Normalize([]byte(tt.in), baseOpts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := AppendWithCulprit([]byte("x"), string(text), culprit)
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != 'x' || !json.Valid(got[1:]) {
				t.Fatalf("not appended to dst as JSON: %s", got)
			}
			var m map[string]any
			if err := json.Unmarshal(got[1:], &m); err != nil || m["culprit"] != tt.want {
				t.Errorf("culprit = %v, want %q in %s", m["culprit"], tt.want, got)
			}
			if tt.name == "no culprit" {
				d, _ := ParseDocument(text)
				if err := d.SetCulprit(culprit); err != nil {
					t.Fatal(err)
				}
				if want := d.AppendTo(nil); string(got[1:]) != string(want) {
					t.Errorf("appended without parsing:\n%s\nparsed:\n%s", got[1:], want)
				}
			}
		})
	}
}

// Over every event of the golden file, processing errors are written the same whether the
// document knows from normalization's view that the event has no errors list, scans its text
// for one, or is parsed.
func TestProcessingErrorsAgreeOnTheGoldenEvents(t *testing.T) {
	var known, scanned int // events written without parsing: by the view alone, by the scan
	for i, c := range goldenCases(t) {
		if c.Fn != "normalize" {
			continue
		}
		text, ev, err := Normalize(c.Raw, *c.Opts)
		if err != nil {
			continue
		}
		unsaid := *ev
		unsaid.noErrors = false
		docs := []*Document{OpenDocument(string(text), ev), OpenDocument(string(text), &unsaid)}
		parsed, err := ParseDocument(text)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		docs = append(docs, parsed)
		for _, d := range docs {
			for _, u := range []string{"/srv/app/a.js", "/srv/app/b\"é\u2028.js"} {
				if err := d.AddProcessingError("js_no_source", []ErrorField{{Key: "url", Value: u}}); err != nil {
					t.Fatalf("case %d: %v", i, err)
				}
			}
		}
		if docs[0].t == nil && docs[1].t != nil {
			known++
		} else if docs[1].t == nil {
			scanned++
		}
		want := parsed.String()
		for j, d := range docs[:2] {
			if got := d.String(); got != want {
				t.Errorf("case %d, document %d: wrote\n%s\nthe parsed document\n%s", i, j, got, want)
			}
		}
	}
	if known == 0 || scanned == 0 {
		t.Errorf("of the golden events, %d were written without parsing thanks to the view and %d thanks to the scan: want some of each", known, scanned)
	}
}

// containsQuoted answers as strings.Contains does: for every string of up to seven bytes over
// the quoted key's own bytes and one other, placed in a longer text at the start, middle and end.
func TestContainsQuoted(t *testing.T) {
	const quoted, alphabet = `"cul"`, `"culx`
	var texts []string
	var build func(prefix string)
	build = func(prefix string) {
		texts = append(texts, prefix)
		if len(prefix) < 7 {
			for i := range len(alphabet) {
				build(prefix + alphabet[i:i+1])
			}
		}
	}
	build("")
	pad := strings.Repeat(`{"a":"b",`, 4)
	for _, s := range texts {
		for _, text := range []string{s, pad + s, s + pad, pad + s + pad} {
			for _, q := range []string{quoted, `"culprit"`} {
				if got, want := containsQuoted(text, q), strings.Contains(text, q); got != want {
					t.Fatalf("containsQuoted(%q, %q) = %v, want %v", text, q, got, want)
				}
			}
		}
	}
}

// A document that adds errors to a borrowed recyclable view copies the view without its slabs,
// which stay the borrowed view's to recycle, and leaves the borrowed view as it was.
func TestProcessingErrorsCopyABorrowedViewWithoutItsSlabs(t *testing.T) {
	text, ev, err := Normalize([]byte(`{"platform":"node","exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"f"}]}}]}}`),
		NormalizeOptions{Recyclable: true})
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	Share(s, ev)
	defer Unshare(s)
	borrowed := Shared(s)
	if borrowed == nil {
		t.Fatal("nothing shared")
	}
	defer Return(borrowed)
	doc := OpenDocument(s, borrowed)
	if err := doc.AddProcessingError("js_no_source", []ErrorField{{Key: "url", Value: "/srv/app/a.js"}}); err != nil {
		t.Fatal(err)
	}
	got := doc.Event()
	if got == borrowed || got.slabs != nil || got.holders != 0 || got.noErrors {
		t.Errorf("the document's view: borrowed %v, slabs %p, holders %d, says no errors %v", got == borrowed, got.slabs, got.holders, got.noErrors)
	}
	if borrowed.slabs == nil || borrowed.holders != 2 || !borrowed.noErrors {
		t.Errorf("the borrowed view changed: slabs %p, holders %d, says no errors %v", borrowed.slabs, borrowed.holders, borrowed.noErrors)
	}
	if &got.Exceptions[0].Stacktrace.Frames[0] != &borrowed.Exceptions[0].Stacktrace.Frames[0] {
		t.Error("the copy does not share the borrowed view's frames")
	}
}
