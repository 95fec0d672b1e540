package glob

import "testing"

func TestMatchFollowsSentryGlobDialects(t *testing.T) {
	cases := []struct {
		name       string
		pattern    string
		path, fold bool
		value      string
		want       bool
	}{
		{"plain star crosses dots", "org.springframework.*", false, false, "org.springframework.web.Servlet", true},
		{"plain double star is a star", "@babel/**", false, false, "@babel/runtime/helpers", true},
		{"plain glob is case-sensitive", "Foo*", false, false, "foo", false},
		{"plain suffix", "*Error", false, false, "TypeError", true},
		{"plain contains", "*LogRocket*", false, false, "window.LogRocket.capture", true},
		{"plain question mark", "fo?", false, false, "foo", true},
		{"plain character class", "v[0-9]", false, false, "v7", true},
		{"path double star crosses slashes", "**/node_modules/**", true, true, "/srv/app/node_modules/x/y.js", true},
		{"relative path matches as if rooted", "**/vendor/**", true, true, "vendor/pkg/x.go", true},
		{"path single star stops at slash", "/src/*.js", true, true, "/src/lib/a.js", false},
		{"path single star inside a segment", "/src/*.js", true, true, "/src/a.js", true},
		{"path prefix", "/usr/lib/**", true, true, "/usr/lib/libc.so", true},
		{"relative value and rooted prefix", "/usr/lib/**", true, true, "usr/lib/libc.so", true},
		{"scheme prefix", "webpack:**", true, true, "webpack:///./src/a.js", true},
		{"generic path pattern", "webpack:**/~/**", true, true, "webpack:///~/lodash/x.js", true},
		{"exact path", "/app/main.go", true, true, "/app/main.go", true},
		{"non-match", "**/vendor/**", true, true, "/srv/app/src/x.go", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Compile(c.pattern, c.path, c.fold)
			v := c.value
			if c.fold {
				v = Fold(v)
			}
			if got := p.Match(v); got != c.want {
				t.Errorf("Compile(%q).Match(%q) = %v, want %v", c.pattern, c.value, got, c.want)
			}
		})
	}
}
