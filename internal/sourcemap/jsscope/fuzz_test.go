package jsscope

import "testing"

// FuzzScan checks that any input scans without panicking and that every scope lies within the
// input and nests properly (Lookup's parent walk relies on it).
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"class A{get b(){return`${x}`}}", "var a=(b,c)=>d,e=function(){/x}/g}", "a.b=async function*(){yield}",
		"`${`${'}'}`}`", "x=>{", "({a(){},b:()=>1,[c](){}})", "/*", "'unterminated", "function(",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ix := Scan(src)
		for i := range ix.scopes {
			s := &ix.scopes[i]
			if s.end() < s.start() {
				t.Fatalf("scope %d ends before it starts: %+v", i, s)
			}
			if p := s.parent; p >= 0 && (ix.scopes[p].start() > s.start() || ix.scopes[p].end() < s.end()) {
				t.Fatalf("scope %d is not inside its parent %d", i, p)
			}
			ix.Lookup(s.StartLine, s.StartCol)
		}
	})
}
