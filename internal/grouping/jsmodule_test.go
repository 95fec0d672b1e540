package grouping

import "testing"

func TestGenerateJSModuleDropsAssetFoldersAndHashes(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://google.com/js/v1.0/foo/bar/baz.js", "foo/bar/baz"}, // the reference's example
		{"https://shop.example.com/static/js/main.4f3a2b1c.js", "main"},
		{"https://shop.example.com/static/js/main.4f3a2b1c0d9e8f7a6b5c.chunk.js", "main.4f3a2b1c0d9e8f7a6b5c.chunk"},
		{"https://cdn.example.com/assets/app-1a2b3c4d5e.min.js?v=3#x", "assets/app"},
		{"https://example.com/d41d8cd98f00b204e9800998ecf8427e/lib/util.js", "lib/util"},
		{"webpack:///./src/App.js", "src/App"},
		{"app:///_next/static/chunks/pages/index.js", "chunks/pages/index"},
		{"https://example.com/main.4f3a2b.js", "main.4f3a2b"}, // 6 hex digits are not a commit-ish
		{"", "<unknown module>"},
	}
	for _, c := range cases {
		if got := GenerateJSModule(c.in); got != c.want {
			t.Errorf("GenerateJSModule(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
