package locate

import (
	"slices"
	"testing"
)

func TestMagicComments(t *testing.T) {
	tests := []struct {
		name, src, wantMap, wantID string
	}{
		{name: "the last sourceMappingURL wins", src: "a\n//# sourceMappingURL=old.map\nb\n//# sourceMappingURL=new.map\n", wantMap: "new.map"},
		{name: "the legacy //@ prefix is accepted for maps only", src: "//@ sourceMappingURL=x.map\n//@ debugId=85314830-023f-4cf1-a267-535f4e37bb17\n", wantMap: "x.map"},
		{name: "the value ends at whitespace and leading blanks are trimmed", src: "//# sourceMappingURL=  a.map trailing\n", wantMap: "a.map"},
		{name: "a mention without the comment prefix is ignored", src: "var s = 'sourceMappingURL=fake.map';\n", wantMap: ""},
		{name: "the debug id comment is read", src: "code\n//# sourceMappingURL=a.map\n//# debugId=85314830-023f-4cf1-a267-535f4e37bb17\n", wantMap: "a.map", wantID: "85314830-023f-4cf1-a267-535f4e37bb17"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SourceMappingURL([]byte(tc.src)); got != tc.wantMap {
				t.Errorf("SourceMappingURL = %q, want %q", got, tc.wantMap)
			}
			if got := DebugIDComment([]byte(tc.src)); got != tc.wantID {
				t.Errorf("DebugIDComment = %q, want %q", got, tc.wantID)
			}
		})
	}
}

func TestDecodeDataURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "base64 with a charset", in: "data:application/json;charset=utf-8;base64,eyJ2ZXJzaW9uIjozfQ==", want: `{"version":3}`},
		{name: "base64 without padding", in: "data:application/json;base64,eyJ2ZXJzaW9uIjozfQ", want: `{"version":3}`},
		{name: "percent-encoded", in: "data:application/json,%7B%22version%22%3A3%7D", want: `{"version":3}`},
		{name: "invalid base64 is an error", in: "data:application/json;base64,!!!", wantErr: true},
		{name: "no comma is an error", in: "data:application/json", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeDataURL(tc.in)
			if (err != nil) != tc.wantErr || string(got) != tc.want {
				t.Fatalf("DecodeDataURL = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestJoin(t *testing.T) {
	tests := []struct{ base, right, want string }{
		{"https://example.com/assets/app.min.js", "app.min.js.map", "https://example.com/assets/app.min.js.map"},
		{"https://example.com/assets/app.min.js?v=1", "../src/a.js", "https://example.com/src/a.js"},
		{"https://example.com/a.js", "../../../x.js", "https://example.com/x.js"},
		{"https://example.com/assets/app.js", "~/foo.js", "https://example.com/foo.js"},
		{"https://example.com/assets/app.js", "/root.js", "https://example.com/root.js"},
		{"https://example.com/static//js/app.js", "./a.js", "https://example.com/static/js/a.js"},
		{"app:///_next/static/chunks/pages/_app-x.js.map", "./node_modules/@sentry/browser/esm/trycatch.js", "app:///_next/static/chunks/pages/node_modules/@sentry/browser/esm/trycatch.js"},
		{"https://example.com/a.js", "webpack:///./src/a.js", "webpack:///./src/a.js"},
		{"https://example.com/a.js", "https://cdn.example.com/b.js", "https://cdn.example.com/b.js"},
		{"/srv/app/app.min.js", "app.min.js.map", "/srv/app/app.min.js.map"},
		{"/srv/app/app.min.js", "../../app/src/index.js", "/app/src/index.js"},
	}
	for _, tc := range tests {
		if got := Join(tc.base, tc.right); got != tc.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tc.base, tc.right, got, tc.want)
		}
	}
}

func TestCandidatesListAbsoluteAndTildeNamesWithAndWithoutQuery(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://example.com/assets/bundle.min.js?foo=1#x", []string{
			"https://example.com/assets/bundle.min.js?foo=1", "https://example.com/assets/bundle.min.js",
			"~/assets/bundle.min.js?foo=1", "~/assets/bundle.min.js",
		}},
		{"app:///_next/x.js", []string{"app:///_next/x.js", "~/_next/x.js"}},
		{"/a/b.js", []string{"/a/b.js", "~/a/b.js"}},
		{"~/a/b.js", []string{"~/a/b.js"}},
	}
	for _, tc := range tests {
		if got := Candidates(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Candidates(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCleanFilenameDropsBundlerPrefixes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"webpack:///../node_modules/x.js", "../node_modules/x.js"},
		{"webpack://ns/./app/x.tsx", "./app/x.tsx"},
		{"webpack-internal:///./src/App.jsx", "./src/App.jsx"},
		{"webpack:///./~/lodash/index.js", "~/lodash/index.js"},
		{"turbopack:///[project]/app/x.tsx", "app/x.tsx"},
		{"../src/plain.ts", "../src/plain.ts"},
	}
	for _, tc := range tests {
		if got := CleanFilename(tc.in); got != tc.want {
			t.Errorf("CleanFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestModule(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/static/js/app.min.js", "app"},
		{"http://example.com/foo/bar/baz.js?v=1", "foo/bar/baz"},
		{"https://example.com/assets/0123456789abcdef0123456789abcdef/chunk/main.js", "chunk/main"},
		{"https://example.com/v1.2.3/lib/util.js", "lib/util"},
		{"./src/components/App.jsx", "src/components/App"},
		{"app:///node_modules/react/index.js", "react/index"},
		{"", "<unknown module>"},
	}
	for _, tc := range tests {
		if got := Module(tc.in); got != tc.want {
			t.Errorf("Module(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
