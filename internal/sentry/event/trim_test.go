package event

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// normalizeToMap normalizes raw and returns the JSON as a generic value, for assertions on paths.
func normalizeToMap(t *testing.T, raw string) (map[string]any, *Event) {
	t.Helper()
	out, ev, err := Normalize([]byte(raw), baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("Normalize wrote invalid JSON: %v", err)
	}
	return m, ev
}

// at follows a path of keys and array indexes through a generic JSON value.
func at(v any, path ...string) any {
	for _, k := range path {
		switch c := v.(type) {
		case map[string]any:
			v = c[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// joined is n copies of item (with {i} replaced by the copy's number) separated by commas.
func joined(item string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strings.ReplaceAll(item, "{i}", strconv.Itoa(i))
	}
	return strings.Join(parts, ",")
}

func TestAStackTraceKeepsBothEndsAndRecordsTheGap(t *testing.T) {
	raw := `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[` + joined(`{"function":"f{i}"}`, 100_000) + `]}}]}}`
	m, ev := normalizeToMap(t, raw)
	frames := ev.Exceptions[0].Stacktrace.Frames
	if len(frames) != maxFrames {
		t.Fatalf("%d frames kept, want %d", len(frames), maxFrames)
	}
	if frames[0].Function != "f0" || frames[124].Function != "f124" || frames[125].Function != "f99875" || frames[249].Function != "f99999" {
		t.Errorf("kept frames %s…%s, %s…%s; want f0…f124, f99875…f99999",
			frames[0].Function, frames[124].Function, frames[125].Function, frames[249].Function)
	}
	st := []string{"exception", "values", "0", "stacktrace"}
	if got := at(m, append(st, "frames_omitted")...); got == nil || got.([]any)[0] != 125.0 || got.([]any)[1] != 99875.0 {
		t.Errorf("frames_omitted = %v, want [125 99875]", got)
	}
	if got := at(m, append(append([]string{"_meta"}, st...), "frames", "", "len")...); got != 100000.0 {
		t.Errorf("_meta …frames len = %v, want 100000", got)
	}
}

func TestListsAreBoundedAsRelayAndSentryBoundThem(t *testing.T) {
	tests := []struct {
		name, raw  string
		path       []string
		want       int
		first      string // the first kept entry's marker
		firstField string
	}{
		{"breadcrumbs keep the newest", `{"breadcrumbs":[` + joined(`{"message":"m{i}"}`, 50_000) + `]}`,
			[]string{"breadcrumbs", "values"}, maxBreadcrumbs, "m49900", "message"},
		{"exceptions keep the newest", `{"exception":{"values":[` + joined(`{"type":"E","value":"v{i}"}`, 10_000) + `]}}`,
			[]string{"exception", "values"}, maxExceptions, "v9975", "value"},
		{"threads keep the first", `{"threads":{"values":[` + joined(`{"id":{i},"name":"t{i}"}`, 10_000) + `]}}`,
			[]string{"threads", "values"}, maxThreads, "t0", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := normalizeToMap(t, tt.raw)
			list, _ := at(m, tt.path...).([]any)
			if len(list) != tt.want {
				t.Fatalf("%d entries kept, want %d", len(list), tt.want)
			}
			if got := at(list, "0", tt.firstField); got != tt.first {
				t.Errorf("first kept entry has %s %v, want %s", tt.firstField, got, tt.first)
			}
			if got := at(m, append(append([]string{"_meta"}, tt.path...), "", "len")...); got == nil {
				t.Errorf("_meta records no original length at %v", tt.path)
			}
		})
	}
}

func TestTagsAreBounded(t *testing.T) {
	m, ev := normalizeToMap(t, `{"tags":{`+joined(`"k{i}":"v"`, 10_000)+`}}`)
	// The bound is on the SDK's tags; the level tag is derived after it.
	if len(ev.Tags) != maxTags+1 || ev.Tags[maxTags].Key != "level" {
		t.Fatalf("%d tags kept, want %d and the level tag", len(ev.Tags), maxTags+1)
	}
	if got := at(m, "_meta", "tags", "", "len"); got != 10000.0 {
		t.Errorf("_meta tags len = %v, want 10000", got)
	}
}

func TestLongStringsAreCutWithALimitRemark(t *testing.T) {
	long := strings.Repeat("é", 900_000/2)
	m, ev := normalizeToMap(t, `{"message":"`+long+`","extra":{"blob":"`+long+`"}}`)
	if n := len([]rune(ev.LogEntry.Formatted)); n != maxMessageChars || !strings.HasSuffix(ev.LogEntry.Formatted, trimmedSuffix) {
		t.Errorf("message has %d characters, want %d ending in %q", n, maxMessageChars, trimmedSuffix)
	}
	if got := at(m, "_meta", "logentry", "formatted", ""); got == nil {
		t.Fatal("_meta records nothing for logentry.formatted")
	}
	rem := at(m, "_meta", "logentry", "formatted", "", "rem", "0").([]any)
	if rem[0] != "!limit" || rem[1] != "s" || rem[2] != float64(maxMessageChars-3) || rem[3] != float64(maxMessageChars) {
		t.Errorf("remark = %v, want [!limit s %d %d]", rem, maxMessageChars-3, maxMessageChars)
	}
	if got := at(m, "_meta", "logentry", "formatted", "", "len"); got != float64(len([]rune(long))) {
		t.Errorf("len = %v, want %d", got, len([]rune(long)))
	}
	blob := at(m, "extra", "blob").(string)
	if n := len([]rune(blob)); n != maxStringChars {
		t.Errorf("extra.blob has %d characters, want %d", n, maxStringChars)
	}
}

func TestDeepDataBecomesTextAtDatabagDepthAndNullBeyondTheParser(t *testing.T) {
	nested := strings.Repeat(`{"a":`, 10_000) + `1` + strings.Repeat(`}`, 10_000)
	m, _ := normalizeToMap(t, `{"extra":{"deep":`+nested+`}}`)
	// extra is the bag's root; the container 6 levels below it becomes its JSON text.
	text, ok := at(m, "extra", "deep", "a", "a", "a", "a", "a").(string)
	if !ok || !strings.HasPrefix(text, `{"a":{"a":`) || !strings.Contains(text, `{"a":null}`) {
		t.Fatalf("extra.deep.a.a.a.a.a = %.60q, want the rest as JSON text ending in the cut-off null", text)
	}
	errs, _ := m["errors"].([]any)
	if len(errs) != 1 || !strings.Contains(at(errs, "0", "reason").(string), "nested deeper than 128 levels") {
		t.Errorf("errors = %v, want one invalid_data entry about the nesting", errs)
	}
}

func TestAnEventsOwnMetaIsKeptAndAddedTo(t *testing.T) {
	m, _ := normalizeToMap(t, `{"message":"`+strings.Repeat("x", maxMessageChars+1)+`","_meta":{"extra":{"k":{"":{"len":9999}}}}}`)
	if got := at(m, "_meta", "extra", "k", "", "len"); got != 9999.0 {
		t.Errorf("the event's own _meta entry is %v, want kept", got)
	}
	if got := at(m, "_meta", "logentry", "formatted", "", "len"); got != float64(maxMessageChars+1) {
		t.Errorf("the new entry is %v, want added", got)
	}
}

func TestNormalizingATrimmedEventAgainChangesNothing(t *testing.T) {
	raw := `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[` + joined(`{"function":"f{i}"}`, 1000) + `]}}]},` +
		`"message":"` + strings.Repeat("x", 20000) + `","tags":{` + joined(`"k{i}":"v"`, 300) + `},` +
		`"extra":{"deep":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200) + `}}`
	out, _, err := Normalize([]byte(raw), baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := Normalize(out, baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(out) {
		t.Errorf("normalizing the trimmed event again changed it:\n%.300s\n%.300s", out, again)
	}
}

func TestMetaItselfIsBounded(t *testing.T) {
	long := strings.Repeat("x", maxStringChars+1)
	m, _ := normalizeToMap(t, `{"extra":{`+joined(`"k{i}":"`+long+`"`, 150)+`}}`)
	meta, _ := at(m, "_meta", "extra").(map[string]any)
	if len(meta) != maxMetaEntries {
		t.Errorf("_meta.extra has %d entries, want %d", len(meta), maxMetaEntries)
	}
}

// BenchmarkTrimReferenceEvent is trimming alone on the reference event, which needs none: the
// cost an ordinary event pays for the bounds. Compare it with BenchmarkNormalize and the
// receiver's BenchmarkHandleNodeErrorEnvelope.
func BenchmarkTrimReferenceEvent(b *testing.B) {
	raw := string(referenceEvent(b))
	t := treePool.Get().(*tree)
	defer t.release()
	if err := t.parse(raw, maxInputDepth); err != nil {
		b.Fatal(err)
	}
	t.normalizeValues(t.Root(), "exception")
	b.ReportAllocs()
	for b.Loop() {
		t.trim(t.Root())
	}
	if len(t.meta) != 0 {
		b.Fatalf("the reference event was trimmed: %v", t.meta)
	}
}

func TestDataBagsAreBoundedInSize(t *testing.T) {
	m, _ := normalizeToMap(t, `{"extra":{"small":1,"a":[`+joined(`[]`, 300_000)+`],"after":2},"modules":{`+joined(`"module-{i}":"1.0.{i}"`, 2000)+`}}`)
	extra, _ := json.Marshal(m["extra"])
	if len(extra) > maxExtraBytes {
		t.Errorf("extra has %d bytes of JSON, want at most %d", len(extra), maxExtraBytes)
	}
	if at(m, "extra", "small") != 1.0 || at(m, "extra", "after") != nil {
		t.Errorf("extra kept %v; want the entries before the cut and none after", m["extra"])
	}
	if got := at(m, "_meta", "extra", "a", "", "len"); got != 300000.0 {
		t.Errorf("_meta extra.a len = %v, want 300000", got)
	}
	if got := at(m, "_meta", "extra", "", "len"); got != 3.0 {
		t.Errorf("_meta extra len = %v, want 3", got)
	}
	modules, _ := json.Marshal(m["modules"])
	if len(modules) > maxModulesBytes || len(modules) < maxModulesBytes-64 {
		t.Errorf("modules has %d bytes of JSON, want just under %d", len(modules), maxModulesBytes)
	}
}

func TestBagTrimmingMeasuresWhatItWrites(t *testing.T) {
	entry := `"k\"{i}":{"s":"line\n{i} \u00e9","n":[1,2.5,-3e2,true,false,null],"o":{"x":{"y":"` + strings.Repeat("z", 500) + `"}}}`
	raw := `{"extra":{` + joined(entry, 1000) + `},"modules":{` + joined(`"m{i}":"`+strings.Repeat("v", 90)+`"`, 200) + `}}`
	out, _, err := Normalize([]byte(raw), baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if n := len(m["extra"]); n > maxExtraBytes || n < maxExtraBytes-2048 {
		t.Errorf("extra has %d bytes, want just under %d", n, maxExtraBytes)
	}
	if n := len(m["modules"]); n > maxModulesBytes || n < maxModulesBytes-256 {
		t.Errorf("modules has %d bytes, want just under %d", n, maxModulesBytes)
	}
	again, _, err := Normalize(out, baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(out) {
		t.Error("normalizing the trimmed event again changed it")
	}
}
