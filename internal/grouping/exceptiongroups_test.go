package grouping

import (
	"encoding/json"
	"fmt"
	"testing"
)

// exc is one exception of a test exception group: id -1 leaves exception_id out, parent -1
// leaves parent_id out.
type exc struct {
	typ, value    string
	id, parent    int
	group         bool
	mechanismType string
}

func groupEventJSON(platform, sdkVersion string, excs ...exc) string {
	var values []map[string]any
	for _, e := range excs {
		m := map[string]any{"type": orDefault(e.mechanismType, "chained")}
		if e.id >= 0 {
			m["exception_id"] = e.id
		}
		if e.parent >= 0 {
			m["parent_id"] = e.parent
		}
		if e.group {
			m["is_exception_group"] = true
		}
		v := map[string]any{"value": e.value, "mechanism": m}
		if e.typ != "" {
			v["type"] = e.typ
		}
		values = append(values, v)
	}
	ev := map[string]any{"platform": platform, "exception": map[string]any{"values": values}}
	if sdkVersion != "" {
		ev["sdk"] = map[string]any{"name": "sentry.python", "version": sdkVersion}
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

// Exceptions without stack traces group by type and value, so each case lists the type/value
// pairs that remain, in the order they are chained.
func TestExceptionGroupFilter(t *testing.T) {
	root := exc{typ: "ExceptionGroup", value: "many", id: 0, parent: -1, group: true}
	cases := []struct {
		name      string
		sdk       string
		excs      []exc
		want      []string // type, value, type, value …
		wantTitle string
	}{
		{
			name: "identical children collapse to one, which titles the event",
			excs: []exc{
				{typ: "ValueError", value: "bad", id: 1, parent: 0},
				{typ: "ValueError", value: "bad", id: 2, parent: 0},
				root,
			},
			want: []string{"ValueError", "bad"}, wantTitle: "ValueError: bad",
		},
		{
			name: "distinct children are ordered by type, descending, then the root group",
			excs: []exc{
				{typ: "KeyError", value: "k", id: 1, parent: 0},
				{typ: "ValueError", value: "v", id: 2, parent: 0},
				{typ: "TypeError", value: "t", id: 3, parent: 0},
				root,
			},
			want:      []string{"ValueError", "v", "TypeError", "t", "KeyError", "k", "ExceptionGroup", "many"},
			wantTitle: "ExceptionGroup: many",
		},
		{
			name: "same-type children keep the order of the tree, which lists later exceptions first",
			excs: []exc{
				{typ: "ValueError", value: "first", id: 1, parent: 0},
				{typ: "ValueError", value: "second", id: 2, parent: 0},
				root,
			},
			want: []string{"ValueError", "second", "ValueError", "first", "ExceptionGroup", "many"},
		},
		{
			name: "only neighbours after sorting collapse: a duplicate with another value between stays",
			excs: []exc{
				{typ: "ValueError", value: "a", id: 1, parent: 0},
				{typ: "ValueError", value: "b", id: 2, parent: 0},
				{typ: "ValueError", value: "a", id: 3, parent: 0},
				root,
			},
			want: []string{"ValueError", "a", "ValueError", "b", "ValueError", "a", "ExceptionGroup", "many"},
		},
		{
			name: "children of nested groups are top-level exceptions too",
			excs: []exc{
				{typ: "OSError", value: "disk", id: 3, parent: 1},
				{typ: "ExceptionGroup", value: "inner", id: 1, parent: 0, group: true},
				{typ: "ZeroDivisionError", value: "zero", id: 2, parent: 0},
				root,
			},
			want: []string{"ZeroDivisionError", "zero", "OSError", "disk", "ExceptionGroup", "many"},
		},
		{
			name: "one distinct child brings its chain of first causes, the latest listed cause first",
			excs: []exc{
				{typ: "IOError", value: "older cause", id: 2, parent: 1},
				{typ: "KeyError", value: "newer cause", id: 3, parent: 1},
				{typ: "TimeoutError", value: "t", id: 1, parent: 0},
				root,
			},
			want: []string{"TimeoutError", "t", "KeyError", "newer cause"}, wantTitle: "TimeoutError: t",
		},
		{
			name: "a missing type sorts as None",
			excs: []exc{
				{typ: "Aardvark", value: "a", id: 1, parent: 0},
				{typ: "", value: "untyped", id: 2, parent: 0},
				{typ: "Zebra", value: "z", id: 3, parent: 0},
				root,
			},
			want: []string{"Zebra", "z", "untyped", "Aardvark", "a", "ExceptionGroup", "many"},
		},
	}
	malformed := []struct {
		name string
		excs []exc
	}{
		{"an exception without an id", []exc{{typ: "A", value: "a", id: -1, parent: 0}, {typ: "B", value: "b", id: 2, parent: 0}, root}},
		{"a duplicate id", []exc{{typ: "A", value: "a", id: 1, parent: 0}, {typ: "B", value: "b", id: 1, parent: 0}, root}},
		{"an exception that is its own parent", []exc{{typ: "A", value: "a", id: 1, parent: 1}, {typ: "B", value: "b", id: 2, parent: 0}, root}},
		{"no exception with id 0", []exc{{typ: "A", value: "a", id: 1, parent: 5}, {typ: "B", value: "b", id: 2, parent: 5}, {typ: "ExceptionGroup", value: "many", id: 5, parent: -1, group: true}}},
		{"a cycle of groups through the root", []exc{
			{typ: "A", value: "a", id: 2, parent: 1},
			{typ: "ExceptionGroup", value: "inner", id: 1, parent: 0, group: true},
			{typ: "ExceptionGroup", value: "many", id: 0, parent: 1, group: true}}},
		{"no top-level exception (all groups)", []exc{
			{typ: "ExceptionGroup", value: "inner", id: 1, parent: 0, group: true}, root}},
	}
	for _, m := range malformed {
		var want []string
		for _, e := range m.excs {
			want = append(want, orDefault(e.typ, ""), e.value)
		}
		cases = append(cases, struct {
			name      string
			sdk       string
			excs      []exc
			want      []string
			wantTitle string
		}{name: "malformed group, used as listed: " + m.name, excs: m.excs, want: want})
	}
	cases = append(cases, struct {
		name      string
		sdk       string
		excs      []exc
		want      []string
		wantTitle string
	}{
		name: "sentry-python 3.x events are used as listed", sdk: "3.0.0",
		excs: []exc{{typ: "ValueError", value: "bad", id: 1, parent: 0}, {typ: "ValueError", value: "bad", id: 2, parent: 0}, root},
		want: []string{"ValueError", "bad", "ValueError", "bad", "ExceptionGroup", "many"},
	})
	for _, config := range Configs() {
		for _, c := range cases {
			t.Run(config+"/"+c.name, func(t *testing.T) {
				ev := groupEventJSON("python", c.sdk, c.excs...)
				res := group(t, Options{Config: config}, ev)
				var leaves []string
				for _, l := range c.want {
					if l != "" {
						leaves = append(leaves, l)
					}
				}
				if want := md5Leaves(leaves); res.Primary() != want {
					b, _ := json.MarshalIndent(res.Variants["app"].Tree, "", " ")
					t.Errorf("primary = %s, want md5 of %q = %s\n%s", res.Primary(), leaves, want, b)
				}
				if c.wantTitle != "" && res.Title != c.wantTitle {
					t.Errorf("title = %q, want %q", res.Title, c.wantTitle)
				}
				g, _ := New(Options{Config: config})
				lite, _ := g.GroupHashes(mustEvent(t, ev))
				if fmt.Sprint(lite.Hashes) != fmt.Sprint(res.Hashes) || lite.Title != res.Title {
					t.Errorf("GroupHashes %v %q, Group %v %q", lite.Hashes, lite.Title, res.Hashes, res.Title)
				}
			})
		}
	}
}

// Duplicates are found by their whole grouping components, so values that differ only in what
// parameterization removes are duplicates, on both the tree and the hash-only path.
func TestExceptionGroupDuplicatesCompareParameterizedValues(t *testing.T) {
	ev := groupEventJSON("python", "",
		exc{typ: "ValueError", value: "order 17 failed", id: 1, parent: 0},
		exc{typ: "ValueError", value: "order 18 failed", id: 2, parent: 0},
		exc{typ: "ExceptionGroup", value: "many", id: 0, parent: -1, group: true})
	want := md5Leaves([]string{"ValueError", "order <int> failed"})
	g, _ := New(Options{})
	for _, lite := range []bool{false, true} {
		group := g.Group
		if lite {
			group = g.GroupHashes
		}
		res, _ := group(mustEvent(t, ev))
		if res.Primary() != want {
			t.Errorf("hash-only %v: primary = %s, want %s", lite, res.Primary(), want)
		}
	}
}

func TestMainExceptionOverrides(t *testing.T) {
	react := `{"platform": "javascript", "exception": {"values": [
	  {"type": "Error", "value": "There was an error while hydrating but React was able to recover by instead client rendering from the nearest Suspense boundary.", "mechanism": {"type": "generic", "exception_id": 0}},
	  {"type": "TypeError", "value": "x is undefined", "mechanism": {"type": "chained", "source": "cause", "exception_id": 1, "parent_id": 0}}]}}`
	if res := group(t, Options{}, react); res.Title != "TypeError: x is undefined" {
		t.Errorf("React recovered error: title %q", res.Title)
	}
	rx := `{"platform": "java", "exception": {"values": [
	  {"type": "IllegalStateException", "value": "inner", "mechanism": {"type": "chained", "exception_id": 1, "parent_id": 0}},
	  {"type": "OnErrorNotImplementedException", "module": "io.reactivex.rxjava3.exceptions", "value": "wrapped", "mechanism": {"type": "UncaughtExceptionHandler", "exception_id": 0}}]}}`
	if res := group(t, Options{}, rx); res.Title != "IllegalStateException: inner" {
		t.Errorf("RxJava wrapper: title %q", res.Title)
	}
}
