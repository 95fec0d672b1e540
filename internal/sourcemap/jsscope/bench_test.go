package jsscope

import (
	"fmt"
	"strings"
	"testing"
)

// minifiedLike builds ~1 MB of minified-looking JavaScript: one long line of classes, methods,
// arrows, object literals, strings, templates and regexes.
func minifiedLike() string {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, `var a%d=class{constructor(e){this.x=e}get v(){return this.x}m(t,n){return t.map(r=>r+n).filter(function(o){return /[}]/.test(o)})}};`, i)
		fmt.Fprintf(&b, `function f%d(e,t){const n={k:e,h(){return t},g:()=>"}{"+e};return n.k?`+"`${e}:${t}`"+`:n.h()}`, i)
	}
	return b.String()
}

func BenchmarkScan(b *testing.B) {
	src := minifiedLike()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Scan(src)
	}
}

func BenchmarkLookup(b *testing.B) {
	ix := Scan(minifiedLike())
	for i := 0; b.Loop(); i++ {
		ix.Lookup(0, uint32(i*7919%(1<<20)))
	}
}
