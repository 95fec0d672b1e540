package sourcemap

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/sourcemap/decode"
)

func TestTrimLineCutsLongLinesAroundTheColumn(t *testing.T) {
	long := strings.Repeat("a", 100) + "HERE" + strings.Repeat("b", 200)
	tests := []struct {
		name, line string
		col        int
		want       string
	}{
		{name: "short lines stay whole", line: "short", col: 3, want: "short"},
		{name: "a long line is cut 60 units before the column", line: long, col: 100, want: "{snip} " + long[40:180] + " {snip}"},
		{name: "a column near the start keeps the start", line: long, col: 0, want: long[:140] + " {snip}"},
		{name: "a column near the end keeps the end", line: long, col: 300, want: "{snip} " + long[len(long)-140:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := trimLine(tc.line, tc.col); got != tc.want {
				t.Errorf("trimLine = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestContextLinesStopAtTheEdgesOfTheFile(t *testing.T) {
	text := decode.NewText("l0\nl1\nl2\nl3\r\nl4\nl5\nl6\nl7")
	pre, ctx, post := contextLines(text, 2, 0)
	if strings.Join(pre, ",") != "l0,l1" || ctx != "l2" || strings.Join(post, ",") != "l3,l4,l5,l6,l7" {
		t.Fatalf("pre %q ctx %q post %q", pre, ctx, post)
	}
}

func TestFoldNameFoldsRepeatedParts(t *testing.T) {
	for in, want := range map[string]string{"a.b.b.b.c": "a.{b#3}.c", "a.b.c": "a.b.c", "x": "x"} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFrameDataIsValidJSONAndKeepsExistingKeys(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{name: "a frame without data", data: "", want: `{"resolved_with":"release","sourcemap":"https://x/a\"b\\c\n.map","symbolicated":true}`},
		{name: "existing keys stay", data: `{"orig_in_app":1}`, want: `{"orig_in_app":1,"resolved_with":"release","sourcemap":"https://x/a\"b\\c\n.map","symbolicated":true}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := frameData(tc.data, "https://x/a\"b\\c\n.map", "release")
			var a, b any
			if err := json.Unmarshal([]byte(got), &a); err != nil {
				t.Fatalf("%s: %v", got, err)
			}
			json.Unmarshal([]byte(tc.want), &b)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("frameData = %s, want %s", got, tc.want)
			}
		})
	}
}
