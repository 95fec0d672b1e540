package grouping

import (
	"strings"
)

// GenerateJSModule derives the module name Sentry's JavaScript processing gives a frame that has
// a URL but no module: the URL path without extension, ".min", leading asset folders (js,
// static, build, node_modules, version and hash folders, "_"/"."/"~" folders) and a trailing
// "-<hex>" / ".<hex>" commit-ish of 7+ digits; everything up to a 32/40-hex folder is dropped.
// e.g. "http://google.com/js/v1.0/foo/bar/baz.js" → "foo/bar/baz".
//
// Grouping applies it to JavaScript frames without a module (as Sentry does before grouping), so
// a deploy that only changes hashed chunk names keeps its issues. It is exported for the
// symbolication step, which shows the same module on frames.
func GenerateJSModule(src string) string {
	const unknown = "<unknown module>"
	if src == "" {
		return unknown
	}
	path := src
	if i := strings.Index(path, "://"); i >= 0 {
		rest := path[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			path = rest[j:]
		} else {
			path = ""
		}
	} else if i := strings.IndexByte(path, ':'); i >= 0 && !strings.Contains(path[:i], "/") {
		path = path[i+1:]
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	// splitext: the extension starts at the last dot of the last segment, unless that segment
	// only starts with dots.
	base := path[strings.LastIndexByte(path, '/')+1:]
	trimmed := strings.TrimLeft(base, ".")
	if dot := strings.LastIndexByte(trimmed, '.'); dot >= 0 {
		path = path[:len(path)-(len(trimmed)-dot)]
	}
	path = strings.TrimSuffix(path, ".min")
	tokens := strings.Split(path, "/")
	// A folder that starts with an md5 (or is a sha1) is a build id: the module is what follows.
	for i, tok := range tokens {
		if hexPrefix(tok) >= 32 {
			return strings.Join(tokens[i+1:], "/")
		}
	}
	path = stripAssetFolders(path)
	path = stripCommitish(path)
	if path == "" {
		return unknown
	}
	return path
}

func hexPrefix(s string) int {
	n := 0
	for n < len(s) && isHexByte(s[n]) {
		n++
	}
	return n
}

// stripAssetFolders removes leading "/" and folder segments that carry no meaning.
func stripAssetFolders(p string) string {
	for {
		if strings.HasPrefix(p, "/") {
			p = p[1:]
			continue
		}
		slash := strings.IndexByte(p, '/')
		if slash < 0 || !meaninglessFolder(p[:slash]) {
			return p
		}
		p = p[slash+1:]
	}
}

func meaninglessFolder(seg string) bool {
	l := strings.ToLower(seg)
	switch l {
	case "js", "build", "static", "node_modules", "bower_components",
		"script", "scripts", "javascript", "javascripts":
		return true
	}
	if l == "" {
		return false
	}
	switch l[0] {
	case '_', '.', '~':
		return true
	}
	// Version numbers: v1, 1.0.0, v2.3
	v := strings.TrimPrefix(l, "v")
	if v != "" && isVersion(v) {
		return true
	}
	n := hexPrefix(l)
	return n == len(l) && (n == 7 || n == 8 || n == 32 || n == 40)
}

func isVersion(v string) bool {
	for _, part := range strings.Split(v, ".") {
		if part == "" || !allDigits(part) {
			return false
		}
	}
	return true
}

// stripCommitish drops a trailing "-<7+ hex>" or ".<7+ hex>".
func stripCommitish(p string) string {
	i := len(p)
	for i > 0 && isHexByte(p[i-1]) {
		i--
	}
	if len(p)-i >= 7 && i > 0 && (p[i-1] == '-' || p[i-1] == '.') {
		return p[:i-1]
	}
	return p
}
