// Package locate holds the string rules that say where a minified file's source map and sources
// are: the `//# sourceMappingURL=` and `//# debugId=` comments, `data:` URLs, joining a relative
// reference to the file that names it, release-artifact candidate names, and the cleanup of
// webpack/turbopack source names.
//
// It is pure string work: it does no I/O and knows nothing of maps, frames or storage.
package locate

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// magic returns the value of the last `//# name=value` comment in src (`//@ ` too when legacy is
// set): the four bytes before the name must be exactly the comment prefix, the value is trimmed
// of leading blanks and ends at whitespace. Searching from the end matters: bundles contain the
// string "sourceMappingURL=" inside ordinary code.
func magic(src []byte, name string, legacy bool) string {
	needle := []byte(name + "=")
	end := len(src)
	for {
		i := bytes.LastIndex(src[:end], needle)
		if i < 0 {
			return ""
		}
		end = i
		if i < 4 {
			continue
		}
		prefix := string(src[i-4 : i])
		if prefix != "//# " && !(legacy && prefix == "//@ ") {
			continue
		}
		v := src[i+len(needle):]
		v = bytes.TrimLeft(v, " \t")
		if j := bytes.IndexAny(v, " \t\r\n"); j >= 0 {
			v = v[:j]
		}
		if len(v) == 0 {
			continue
		}
		return string(v)
	}
}

// SourceMappingURL returns the last sourceMappingURL comment's value, or "".
func SourceMappingURL(src []byte) string { return magic(src, "sourceMappingURL", true) }

// DebugIDComment returns the last `//# debugId=` comment's value, or "".
func DebugIDComment(src []byte) string { return magic(src, "debugId", false) }

// IsDataURL reports whether a reference is an inline `data:` URL.
func IsDataURL(ref string) bool { return strings.HasPrefix(ref, "data:") }

// DecodeDataURL returns the payload of a `data:` URL, base64 or percent-encoded.
func DecodeDataURL(ref string) ([]byte, error) {
	rest, ok := strings.CutPrefix(ref, "data:")
	if !ok {
		return nil, fmt.Errorf("%.40q is not a data URL", ref)
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, fmt.Errorf("data URL %.40q has no comma", ref)
	}
	if strings.HasSuffix(meta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			if b, err2 := base64.RawStdEncoding.DecodeString(payload); err2 == nil {
				return b, nil
			}
			return nil, fmt.Errorf("data URL has invalid base64: %w", err)
		}
		return b, nil
	}
	s, err := url.PathUnescape(payload)
	if err != nil {
		return nil, fmt.Errorf("data URL has invalid percent-encoding: %w", err)
	}
	return []byte(s), nil
}

// StripQuery drops a ?query and #fragment.
func StripQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

// splitHost splits "scheme://host/path" into "scheme://host" and "/path"; ok is false for
// references without a scheme and host.
func splitHost(u string) (prefix, path string, ok bool) {
	i := strings.Index(u, "://")
	if i <= 0 {
		return "", u, false
	}
	rest := u[i+3:]
	j := strings.IndexByte(rest, '/')
	if j < 0 {
		return u, "/", true
	}
	return u[:i+3+j], rest[j:], true
}

// Join resolves right against base, the file that references it: a right side with "://" or a
// webpack:/turbopack: scheme stands alone, "~/x" is relative to base's host, "/x" replaces base's
// path, anything else is relative to base's directory; "." and ".." are resolved (never above
// the host) and empty segments are dropped.
func Join(base, right string) string {
	if strings.Contains(right, "://") || strings.HasPrefix(right, "webpack:") || strings.HasPrefix(right, "turbopack:") || IsDataURL(right) {
		return right
	}
	prefix, basePath, hasHost := splitHost(StripQuery(base))
	var path string
	switch {
	case strings.HasPrefix(right, "~/"):
		path = right[1:]
		if !hasHost {
			return right
		}
	case strings.HasPrefix(right, "/"):
		path = right
	default:
		dir := basePath
		if i := strings.LastIndexByte(dir, '/'); i >= 0 {
			dir = dir[:i+1]
		} else {
			dir = ""
		}
		path = dir + right
	}
	return prefix + clean(path)
}

// clean resolves . and .. and drops empty segments, keeping a leading slash if there was one.
func clean(p string) string {
	abs := strings.HasPrefix(p, "/")
	var out []string
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 && out[len(out)-1] != ".." {
				out = out[:len(out)-1]
			} else if !abs {
				out = append(out, "..")
			}
		default:
			out = append(out, seg)
		}
	}
	s := strings.Join(out, "/")
	if abs {
		return "/" + s
	}
	return s
}

// Candidates lists the artifact names a release file may have been uploaded under, most specific
// first: the URL itself (fragment dropped), without its query, and the same two as "~/path"
// (any scheme and host). A bare path "/a/b.js" also yields "~/a/b.js".
func Candidates(u string) []string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(u)
	add(StripQuery(u))
	_, path, hasHost := splitHost(u)
	if !hasHost && !strings.HasPrefix(u, "/") {
		return out
	}
	if strings.HasPrefix(u, "~/") {
		return out
	}
	add("~" + path)
	add("~" + StripQuery(path))
	return out
}

// CleanFilename turns a bundler's source name into the filename Sentry shows: webpack:// and
// webpack-internal:/// prefixes and their namespace are dropped, "…/~/…" becomes "~/…", and
// turbopack:///[project]/ is dropped.
func CleanFilename(name string) string {
	switch {
	case strings.HasPrefix(name, "webpack-internal:///"):
		name = strings.TrimPrefix(name, "webpack-internal:///")
	case strings.HasPrefix(name, "webpack:///"):
		name = strings.TrimPrefix(name, "webpack:///")
	case strings.HasPrefix(name, "webpack://"):
		rest := strings.TrimPrefix(name, "webpack://")
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			name = rest[i+1:]
		} else {
			name = rest
		}
	case strings.HasPrefix(name, "turbopack:///[project]/"):
		return strings.TrimPrefix(name, "turbopack:///[project]/")
	case strings.HasPrefix(name, "turbopack://"):
		return strings.TrimPrefix(name, "turbopack://")
	default:
		return name
	}
	if i := strings.Index(name, "/~/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// Module derives a frame's module from a source URL or cleaned filename the way Sentry's
// generate_module does: the URL's path without extension and ".min"; everything after a path
// segment that is an md5/sha1 hash; else with leading slashes, common folders (js, scripts,
// static, build, node_modules, bower_components, dot/underscore/tilde folders), version and hash
// folders, and a trailing commit-ish removed. It returns "<unknown module>" when nothing is left.
func Module(src string) string {
	const unknown = "<unknown module>"
	if src == "" {
		return unknown
	}
	path := src
	if u, err := url.Parse(src); err == nil {
		path = u.Path
	} else {
		path = StripQuery(src)
	}
	if i := strings.LastIndexByte(path, '.'); i > strings.LastIndexByte(path, '/') {
		path = path[:i]
	}
	path = strings.TrimSuffix(path, ".min")
	tokens := strings.Split(path, "/")
	for i, tok := range tokens {
		if versionRE.MatchString(tok) {
			return strings.Join(tokens[i+1:], "/")
		}
	}
	if m := cleanModuleRE.ReplaceAllString(path, ""); m != "" {
		return m
	}
	return unknown
}

var (
	versionRE     = regexp.MustCompile(`(?i)^[a-f0-9]{32}|[a-f0-9]{40}$`)
	cleanModuleRE = regexp.MustCompile(`(?i)^(?:/|(?:(?:java)?scripts?|js|build|static|node_modules|bower_components|[_.~].*?|v?(?:\d+\.)*\d+|[a-f0-9]{7,8}|[a-f0-9]{32}|[a-f0-9]{40})/)+|(?:[-.][a-f0-9]{7,}$)`)
)

// HasModule reports whether Sentry sets a module for a frame with this abs_path.
func HasModule(absPath string) bool {
	for _, p := range []string{"http:", "https:", "webpack:", "turbopack:", "app:"} {
		if strings.HasPrefix(absPath, p) {
			return true
		}
	}
	return false
}
