package ruletext

import "testing"

func TestStripComment(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a trailing comment is cut", `family:native -app # system libs`, `family:native -app `},
		{"a hash inside quotes stays", `message:"issue #42" -> x`, `message:"issue #42" -> x`},
		{"an escaped quote does not end the value", `message:"a \" # b" # c`, `message:"a \" # b" `},
		{"a line without comment is unchanged", `path:**/vendor/** -group`, `path:**/vendor/** -group`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripComment(tt.in); got != tt.want {
				t.Errorf("StripComment(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
