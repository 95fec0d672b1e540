package enhancers

import (
	"testing"

	"github.com/faultline/faultline/internal/grouping/glob"
)

func frames(fns ...string) []Frame {
	out := make([]Frame, len(fns))
	for i, fn := range fns {
		out[i] = Frame{Family: FamilyNative, Function: fn, ClientInApp: -1}
	}
	return out
}

func apply(t *testing.T, text string, fs []Frame, exc *Exception) ([]FrameState, Stack) {
	t.Helper()
	rs, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	rs = Concat(nil, rs)
	states := make([]FrameState, len(fs))
	st := rs.Apply(fs, exc, states)
	return states, st
}

func TestRangeActionsTouchFramesTowardOrAwayFromTheCrash(t *testing.T) {
	fs := frames("a", "b", "mark", "c", "d")
	states, _ := apply(t, "function:mark ^-group v+app", fs, nil)
	wantGroup := []int8{0, 0, 0, -1, -1}
	wantInApp := []bool{true, true, false, false, false}
	for i := range states {
		if states[i].Group != wantGroup[i] || states[i].InApp != wantInApp[i] {
			t.Errorf("frame %d: group %d in-app %v, want %d %v", i, states[i].Group, states[i].InApp, wantGroup[i], wantInApp[i])
		}
	}
}

func TestLaterRulesSeeEarlierInAppDecisions(t *testing.T) {
	fs := frames("a", "b")
	states, _ := apply(t, "function:a +app\napp:yes -group", fs, nil)
	if states[0].Group != -1 || states[1].Group != 0 {
		t.Errorf("groups = %d %d, want -1 0", states[0].Group, states[1].Group)
	}
	if states[0].InAppRule == nil || states[0].InAppRule.String() != "function:a +app" {
		t.Errorf("in-app rule = %v", states[0].InAppRule)
	}
}

func TestCallerAndCalleeMatchersLookAtNeighbours(t *testing.T) {
	fs := frames("outer", "middle", "inner")
	states, _ := apply(t, "[ function:outer ] | function:middle | [ function:inner ] -group", fs, nil)
	if states[1].Group != -1 || states[0].Group != 0 || states[2].Group != 0 {
		t.Errorf("only the middle frame should be ignored: %+v", states)
	}
	states, _ = apply(t, "[ function:nobody ] | function:middle -group", fs, nil)
	if states[1].Group != 0 {
		t.Errorf("caller mismatch must not match")
	}
}

func TestStackVariablesAndErrorMatchers(t *testing.T) {
	fs := frames("a")
	_, st := apply(t, "error.type:Boom family:native max-frames=3\nerror.value:*TIMEOUT* min-frames=2", fs, &Exception{Type: "Boom", Value: "read timeout"})
	if st.MaxFrames != 3 || st.MinFrames != 2 {
		t.Errorf("stack = %+v", st)
	}
	_, st = apply(t, "error.type:Boom max-frames=3", fs, &Exception{Type: "Other"})
	if st.MaxFrames != 0 {
		t.Errorf("error.type must not match another type")
	}
}

func TestPathMatchersFoldCaseAndBackslashes(t *testing.T) {
	fs := []Frame{{Family: FamilyOther, Path: glob.Fold(`C:\Users\Dev\Vendor\lib\x.php`), ClientInApp: 1}}
	states, _ := apply(t, "path:**/vendor/** -app", fs, nil)
	if states[0].InApp {
		t.Errorf("vendor path should be out of app")
	}
}

func TestRuleTextKeepsItsCanonicalForm(t *testing.T) {
	rs, err := Parse(`  family:javascript   function:"foo bar"  -group  # comment` + "\n" + `!app:yes category=x`)
	if err != nil {
		t.Fatal(err)
	}
	if got := rs.rules[0].String(); got != `family:javascript function:"foo bar" -group` {
		t.Errorf("rule text = %q", got)
	}
	if got := rs.rules[1].Hint(HintIgnored); got != "ignored by stack trace rule (!app:yes category=x)" {
		t.Errorf("hint = %q", got)
	}
	var vendor *Rule
	for _, r := range Builtin("newstyle:2026-01-20").rules {
		if r.String() == "path:**/vendor/** -app" {
			vendor = r
		}
	}
	if vendor == nil {
		t.Fatal("built-in rule path:**/vendor/** -app not found")
	}
	if got := vendor.Hint(HintOutOfApp); got != "marked out of app by built-in stack trace rule (path:**/vendor/** -app)" {
		t.Errorf("built-in hint = %q", got)
	}
}

func TestBuiltinRuleSetsExistForBothConfigs(t *testing.T) {
	for _, id := range []string{"newstyle:2023-01-11", "newstyle:2026-01-20"} {
		if Builtin(id).Len() < 50 {
			t.Errorf("%s has %d built-in rules", id, Builtin(id).Len())
		}
	}
	if Builtin("legacy:2019-03-12") != nil {
		t.Errorf("unknown config must have no rules")
	}
}

// client_in_app:unset lets a built-in rule fill in an in_app the SDK left open without
// overriding one it sent; project rules cannot use it, and hints do not show it.
func TestBuiltinRulesCanDeferToTheClient(t *testing.T) {
	if _, err := Parse("client_in_app:unset path:webpack:** +app"); err == nil {
		t.Errorf("project rules must not accept client_in_app")
	}
	rs, err := parse("family:javascript client_in_app:unset path:webpack:** +app", true)
	if err != nil {
		t.Fatal(err)
	}
	rs = Concat(rs, nil)
	fs := []Frame{
		{Family: FamilyJavaScript, Path: "webpack:///./src/a.js", ClientInApp: 0},
		{Family: FamilyJavaScript, Path: "webpack:///./src/b.js", ClientInApp: -1},
		{Family: FamilyJavaScript, Path: "webpack:///./src/c.js", ClientInApp: 1},
	}
	states := make([]FrameState, len(fs))
	rs.Apply(fs, nil, states)
	if states[0].InApp || !states[1].InApp || !states[2].InApp || states[0].InAppRule != nil || states[1].InAppRule == nil {
		t.Errorf("states = %+v", states)
	}
	if got := states[1].InAppRule.Hint(HintInApp); got != "marked in-app by built-in stack trace rule (family:javascript path:webpack:** +app)" {
		t.Errorf("hint = %q", got)
	}
}
