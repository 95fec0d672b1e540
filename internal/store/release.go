package store

import (
	"strconv"
	"strings"
)

// Release ordering decides whether an event from release R reopens an issue resolved in (or
// before the next) release B. The rule, in order:
//
//  1. Releases are split into a package and a version at the last "@" ("app@1.2.3" →
//     "app", "1.2.3"); releases of different packages are not comparable as versions.
//  2. When both versions parse as versions (optional "v", 1–4 dot-separated numbers, optional
//     "-prerelease", optional "+build"), they compare by semver precedence: numbers, then a
//     release is newer than its pre-releases, pre-release identifiers compare numerically when
//     numeric and lexically otherwise.
//  3. Equal semver precedence is broken by build metadata: no build < any build; numeric builds
//     compare as numbers, others lexically.
//  4. Anything else (free-form release names such as git SHAs, different packages) compares by
//     the order in which the project first saw the releases; the caller supplies that order.
//
// This is what fixes getsentry/sentry#104513: an event from an older release still running
// somewhere does not reopen an issue resolved in a newer one.

// version is a parsed release version.
type version struct {
	nums  []int64
	pre   []string
	build string
}

// compareVersions compares two release names by rules 1–3. ok is false when they are not
// comparable that way and the caller must fall back to first-seen order.
func compareVersions(a, b string) (cmp int, ok bool) {
	pa, va := splitRelease(a)
	pb, vb := splitRelease(b)
	if pa != pb {
		return 0, false
	}
	x, okA := parseVersion(va)
	y, okB := parseVersion(vb)
	if !okA || !okB {
		return 0, false
	}
	for i := 0; i < max(len(x.nums), len(y.nums)); i++ {
		var p, q int64
		if i < len(x.nums) {
			p = x.nums[i]
		}
		if i < len(y.nums) {
			q = y.nums[i]
		}
		if c := cmpInt(p, q); c != 0 {
			return c, true
		}
	}
	if c := comparePrerelease(x.pre, y.pre); c != 0 {
		return c, true
	}
	return compareBuild(x.build, y.build), true
}

func splitRelease(r string) (pkg, ver string) {
	if i := strings.LastIndexByte(r, '@'); i >= 0 {
		return r[:i], r[i+1:]
	}
	return "", r
}

func parseVersion(s string) (version, bool) {
	var v version
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		v.build = s[i+1:]
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.pre = strings.Split(s[i+1:], ".")
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return v, false
	}
	for _, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			return v, false
		}
		v.nums = append(v.nums, n)
	}
	return v, true
}

func comparePrerelease(a, b []string) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return 1 // a release is newer than any of its pre-releases
	case len(b) == 0:
		return -1
	}
	for i := 0; i < min(len(a), len(b)); i++ {
		if c := compareIdent(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmpInt(int64(len(a)), int64(len(b)))
}

func compareBuild(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	return compareIdent(a, b)
}

// compareIdent compares numerically when both are numbers (numbers sort before words), else lexically.
func compareIdent(a, b string) int {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return cmpInt(x, y)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
