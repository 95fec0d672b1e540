package grouping

import (
	"strings"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/grouping/enhancers"
	"github.com/faultline/faultline/internal/grouping/glob"
	"github.com/faultline/faultline/internal/sentry/event"
)

// contextLinePlatforms are the platforms whose source lines are stable enough to hash.
func contextLinePlatform(p string) bool {
	switch p {
	case "javascript", "node", "python", "php", "ruby":
		return true
	}
	return false
}

// frame returns a frame component as the system variant sees it; its children are shared with
// the app variant's copy and, through the Grouper's frame cache, with other events' trees.
func (s *state) frame(fi *frameInfo, prev *event.Frame) *Component {
	e := fi.cached
	fc := s.a.node("frame")
	if s.trees {
		fc.Children = e.children
	} else {
		// No tree is shown: the frame's leaves, concatenated once per cached frame, hash the
		// same as its children and cost one append instead of a walk.
		fc.Values = e.leafValues
	}
	fc.Contributes, fc.Hint = e.contributes, e.hint
	if prev != nil && isRecursion(fi.f, prev) {
		fc.set(false, "ignored due to recursion")
	}
	return fc
}

// cachedFrame returns the frame's cache entry (components and static rule matches), building it
// on first sight.
func (s *state) cachedFrame(fi *frameInfo, m *enhancers.Frame) *frameEntry {
	if e := s.g.frames.lookup(fi); e != nil {
		return e
	}
	// Built outside the event's arena: the cache keeps these components.
	saved := s.a
	s.a = arena{comps: make([]Component, 0, 6), ptrs: make([]*Component, 0, 5), strs: make([]string, 0, 5)}
	base := s.buildFrame(fi)
	s.a = saved
	folded := *m
	folded.Path, folded.Package = glob.Fold(m.Path), glob.Fold(m.Package)
	return s.g.frames.store(fi, base, s.g.stackRules.StaticMatches(&folded))
}

// buildFrame computes a frame's components from the frame alone.
func (s *state) buildFrame(fi *frameInfo) *Component {
	f := fi.f
	filenameC := s.filenameComponent(fi)
	moduleC := s.moduleComponent(fi)
	if moduleC.Contributes && filenameC.Contributes {
		filenameC.set(false, "ignored because module takes precedence")
	}
	var ctxC *Component
	if contextLinePlatform(fi.platform) {
		ctxC = s.contextLineComponent(fi)
	}
	fnC := s.functionComponent(fi, ctxC != nil && ctxC.Contributes)
	n := 3
	if ctxC != nil {
		n++
	}
	fc := s.a.node("frame")
	fc.Children = s.a.children(n)
	fc.Children = append(fc.Children, moduleC, filenameC, fnC)
	if ctxC != nil {
		fc.Children = append(fc.Children, ctxC)
	}
	fc.computeContributes()

	if fi.family == enhancers.FamilyJavaScript {
		fn := fi.rawFunction
		if fn == "" {
			fn = fi.function
		}
		if k := strings.LastIndexByte(fn, '.'); k >= 0 {
			fn = fn[k+1:]
		}
		switch {
		case fn == "":
			fnC.Contributes = false
		case fn == "?" || fn == "<anonymous function>" || fn == "<anonymous>" || fn == "Anonymous function" || strings.HasSuffix(fn, "/<"):
			fnC.set(false, "ignored unknown function name")
		}
		if fn == "eval" || f.AbsPath == "[native code]" || f.AbsPath == "native code" || f.AbsPath == "eval code" || f.AbsPath == "<anonymous>" {
			fc.set(false, "ignored low quality javascript frame")
		}
		if fc.Contributes {
			fc.computeContributes()
		}
	}
	return fc
}

func isRecursion(f, prev *event.Frame) bool {
	return f.AbsPath == prev.AbsPath && f.Package == prev.Package && f.Module == prev.Module &&
		f.Filename == prev.Filename && f.Function == prev.Function && f.Lineno == prev.Lineno && f.Colno == prev.Colno
}

func basename(p string) string {
	i := strings.LastIndexByte(p, '/')
	if j := strings.LastIndexByte(p, '\\'); j > i {
		i = j
	}
	return p[i+1:]
}

// hasURLOrigin: http(s), applewebdata and blob URLs always; file: URLs only when fileCounts.
func hasURLOrigin(path string, fileCounts bool) bool {
	switch {
	case path == "":
		return false
	case strings.HasPrefix(path, "http:"), strings.HasPrefix(path, "https:"),
		strings.HasPrefix(path, "applewebdata:"), strings.HasPrefix(path, "blob:"):
		return true
	case strings.HasPrefix(path, "file:"):
		return fileCounts
	}
	return false
}

func (s *state) filenameComponent(fi *frameInfo) *Component {
	if fi.filename == "" {
		return s.a.node("filename")
	}
	name := basename(fi.filename)
	if hasUpper(name) {
		name = strings.ToLower(name)
	}
	c := s.a.leaf("filename", name)
	switch {
	case hasURLOrigin(fi.f.AbsPath, false):
		c.set(false, "ignored because frame points to a URL")
	case fi.filename == "<anonymous>":
		c.set(false, "anonymous filename discarded")
	case fi.filename == "[native code]":
		c.set(false, "native code indicated by filename")
	case fi.platform == "java":
		if cleaned := cleanJavassist(name); cleaned != name {
			c.Values[0] = cleaned
			c.Hint = "cleaned javassist parts"
		}
	}
	return c
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; ('A' <= c && c <= 'Z') || c >= 0x80 {
			return true
		}
	}
	return false
}

func (s *state) moduleComponent(fi *frameInfo) *Component {
	m := fi.module
	if m == "" {
		return s.a.node("module")
	}
	c := s.a.leaf("module", m)
	switch fi.platform {
	case "javascript":
		// A "module" that is just the tail of the path is a bad guess by the SDK.
		if strings.Contains(m, "/") && fi.f.AbsPath != "" && strings.HasSuffix(fi.f.AbsPath, m) {
			c.set(false, "ignored bad javascript module")
		}
	case "java":
		if strings.Contains(m, "$$Lambda$") {
			c.set(false, "ignored java lambda")
		}
		if cleaned := normalizeJavaModule(m); cleaned != m {
			c.Values[0] = cleaned
			if c.Hint == "" {
				c.Hint = "removed codegen marker"
			}
		}
	}
	return c
}

func (s *state) contextLineComponent(fi *frameInfo) *Component {
	raw := fi.contextLine
	if raw == "" {
		return s.a.node("context_line")
	}
	line := collapseWhitespace(raw)
	if line == "" {
		return s.a.node("context_line")
	}
	c := s.a.leaf("context_line", line)
	switch {
	case len(raw) > 120 && utf8.RuneCountInString(raw) > 120:
		c.set(false, "ignored because line is too long")
	case fi.family == enhancers.FamilyJavaScript && fi.f.Function == "" && hasURLOrigin(fi.f.AbsPath, true):
		c.set(false, "ignored because frame points to a URL")
	}
	return c
}

// collapseWhitespace joins the whitespace-separated words of s with single spaces. Indentation
// alone is cut without copying, since most source lines need nothing more.
func collapseWhitespace(s string) string {
	t := strings.TrimSpace(s)
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c >= 0x80 || (c == ' ' && t[i+1] == ' ') {
			return strings.Join(strings.Fields(t), " ")
		}
	}
	return t
}

func (s *state) functionComponent(fi *frameInfo, contextLineContributes bool) *Component {
	var fn string
	if fi.platform == "csharp" {
		// C# hashes the fullest name it has: the SDK's raw name, else the name as sent.
		fn = fi.rawFunction
		if fn == "" {
			fn = fi.function
		}
	} else {
		fn = fi.function
		if fn == "" {
			fn = fi.rawFunction
		}
	}
	if fn == "" {
		return s.a.node("function")
	}
	c := s.a.leaf("function", fn)
	switch {
	case fi.platform == "ruby":
		if strings.HasPrefix(fn, "block ") {
			c.Values[0], c.Hint = "block", "ruby block"
		} else if t := trimERBSuffix(fn); t != fn {
			c.Values[0], c.Hint = t, "removed generated erb template suffix"
		}
	case fi.platform == "php":
		if strings.HasPrefix(fn, "[Anonymous") || strings.HasPrefix(fn, "class@anonymous\x00") {
			c.set(false, "ignored anonymous function")
		}
		if strings.HasPrefix(fn, "class@anonymous") {
			if k := strings.LastIndex(fn, "::"); k >= 0 {
				c.Values[0], c.Hint = fn[k+2:], "anonymous class method"
			}
		}
	case fi.platform == "java":
		if strings.HasPrefix(fn, "lambda$") {
			c.set(false, "ignored lambda function")
		}
	case fi.family == enhancers.FamilyNative:
		// The name was trimmed when the stacktrace was normalized (trimFunctionName).
		if fn == "<redacted>" || fn == "<unknown>" {
			c.set(false, "ignored unknown function")
		}
	case fi.family == enhancers.FamilyJavaScript:
		if k := strings.LastIndexByte(fn, '.'); k >= 0 {
			c.Values[0], c.Hint = fn[k+1:], "trimmed javascript function"
		}
		if contextLineContributes && sourcemapUsed(fi.f) {
			c.set(false, "ignored because sourcemap used and context line available")
		}
	}
	return c
}

// sourcemapUsed reports whether symbolication recorded a sourcemap in the frame's data.
func sourcemapUsed(f *event.Frame) bool {
	i := strings.Index(f.Data, `"sourcemap"`)
	if i < 0 {
		return false
	}
	rest := strings.TrimLeft(f.Data[i+len(`"sourcemap"`):], " \t\r\n")
	if !strings.HasPrefix(rest, ":") {
		return false
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	return !strings.HasPrefix(rest, "null")
}

// trimERBSuffix removes the "__1234_5678" suffix Rails gives compiled ERB template methods.
func trimERBSuffix(fn string) string {
	j := len(fn)
	k := j
	for k > 0 && isDigit(fn[k-1]) {
		k--
	}
	if j-k < 4 || k == 0 || fn[k-1] != '_' {
		return fn
	}
	m := k - 1
	for m > 0 && isDigit(fn[m-1]) {
		m--
	}
	if k-1-m < 4 || m < 2 || fn[m-1] != '_' || fn[m-2] != '_' {
		return fn
	}
	return fn[:m-2]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// normalizeJavaModule replaces the generated parts of JVM class names with <auto>.
func normalizeJavaModule(m string) string {
	if !strings.Contains(m, "$") && !strings.Contains(m, "Generated") {
		return m
	}
	for _, p := range [...]string{"sun.reflect.GeneratedMethodAccessor", "jdk.internal.reflect.GeneratedMethodAccessor"} {
		if strings.HasPrefix(m, p) && allDigits(m[len(p):]) {
			return p
		}
	}
	for _, p := range [...]string{
		"sun.reflect.GeneratedConstructorAccessor", "sun.reflect.GeneratedSerializationConstructorAccessor",
		"jdk.internal.reflect.GeneratedConstructorAccessor", "jdk.internal.reflect.GeneratedSerializationConstructorAccessor",
	} {
		if strings.HasPrefix(m, p) && allDigits(m[len(p):]) {
			return p + "<auto>"
		}
	}
	m = replaceMarkerHex(m, "CGLIB$$")
	m = replaceMarkerHex(m, "$$EnhancerBy")
	m = replaceMarkerHex(m, "$$FastClassBy")
	if i := strings.Index(m, "$HibernateProxy$"); i >= 0 {
		j := i + len("$HibernateProxy$")
		k := j
		for k < len(m) && (isAlnumByte(m[k]) || m[k] == '_') {
			k++
		}
		if k > j {
			m = m[:j] + "<auto>" + m[k:]
		}
	}
	m = cleanJavassist(m)
	if i := strings.Index(m, "$fn__"); i >= 0 {
		j := i + len("$fn__")
		k := j
		for k < len(m) && isDigit(m[k]) {
			k++
		}
		if k > j {
			m = m[:j] + "<auto>" + m[k:]
		}
	}
	return m
}

// replaceMarkerHex handles "$$<Name>CGLIB$$<hex>[_<n>]" style markers: for "CGLIB$$" the hex
// follows the marker; for "$$EnhancerBy…" / "$$FastClassBy…" it follows the next "$$".
func replaceMarkerHex(m, marker string) string {
	i := strings.Index(m, marker)
	if i < 0 {
		return m
	}
	j := i + len(marker)
	if marker != "CGLIB$$" {
		k := strings.Index(m[j:], "$$")
		if k < 0 {
			return m
		}
		j += k + 2
	} else if !strings.Contains(m[:i], "$$") {
		return m
	}
	k := j
	for k < len(m) && isHexByte(m[k]) {
		k++
	}
	if k == j {
		return m
	}
	if k < len(m) && m[k] == '_' {
		e := k + 1
		for e < len(m) && isDigit(m[e]) {
			e++
		}
		if e > k+1 {
			k = e
		}
	}
	return m[:j] + "<auto>" + m[k:]
}

// cleanJavassist turns "$$_javassist[_seam][_NN]" into "$$_javassist<auto>".
func cleanJavassist(s string) string {
	i := strings.Index(s, "$$_javassist")
	if i < 0 {
		return s
	}
	j := i + len("$$_javassist")
	k := j
	if strings.HasPrefix(s[k:], "_seam") {
		k += len("_seam")
	}
	if k < len(s) && s[k] == '_' {
		e := k + 1
		for e < len(s) && isDigit(s[e]) {
			e++
		}
		if e > k+1 {
			k = e
		}
	}
	return s[:j] + "<auto>" + s[k:]
}

func isHexByte(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func isAlnumByte(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// inAppHint explains a frame's in-app status in the app variant.
func inAppHint(st *enhancers.FrameState) string {
	switch {
	case st.InAppRule != nil && st.InApp:
		return st.InAppRule.Hint(enhancers.HintInApp)
	case st.InAppRule != nil:
		return st.InAppRule.Hint(enhancers.HintOutOfApp)
	case st.InAppSet && st.InApp:
		return "marked in-app by the client"
	case st.InAppSet:
		return "marked out of app by the client"
	}
	return "non app frame"
}
