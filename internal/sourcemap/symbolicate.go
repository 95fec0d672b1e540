// Package sourcemap symbolicates minified JavaScript stack frames of Sentry events: it finds each
// frame's source map (debug id → sourceMappingURL → release + dist + URL candidates), maps the
// position back to the original source, names the function, adds context lines, and reports
// what could not be resolved the way Sentry does.
//
// It works on the typed frames of internal/sentry/event and knows nothing of the collector, pdata
// or where artifacts are stored: those come through the Source interface, strictly per project.
// Sub-packages do one job each: decode (source map format), jsscope (function scopes of minified
// JS), locate (URL and comment rules), artifact (artifact bundles), cache (bounded LRU).
package sourcemap

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/jsontext"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sourcemap/cache"
	"github.com/faultline/faultline/internal/sourcemap/decode"
	"github.com/faultline/faultline/internal/sourcemap/jsscope"
	"github.com/faultline/faultline/internal/sourcemap/locate"
)

// Processing error types, as Sentry writes them into event.errors[].type.
const (
	ErrNoSource              = "js_no_source"
	ErrInvalidSource         = "js_invalid_source"
	ErrMissingSourcesContent = "js_missing_sources_content"
	ErrInvalidLocation       = "js_invalid_sourcemap_location"
	// ErrTooManySources is an error type Sentry's UI still knows from its scraping era: the
	// event names more source files than one event may make the symbolicator resolve.
	ErrTooManySources = "js_too_many_sources"
)

// MaxSourcesPerEvent bounds the distinct minified files one event may make the symbolicator
// resolve. A file that is not cached costs a few store lookups, so without a bound one event
// with thousands of frames from distinct URLs (25 exceptions × 250 frames fit in 1 MiB) took
// ~0.8 s and ~100 MB, and evicted everyone's cached resolutions. Real stack traces touch a few
// dozen files.
const MaxSourcesPerEvent = 100

// Budget counts the sources one event may still resolve; every stack trace of the event shares
// it. The zero value allows none: use NewBudget.
type Budget struct{ left int }

// NewBudget returns the budget of one event.
func NewBudget() *Budget { return &Budget{left: MaxSourcesPerEvent} }

func (b *Budget) take() bool {
	if b.left <= 0 {
		return false
	}
	b.left--
	return true
}

// overBudget is what the files beyond an event's budget resolve to: one error for the event,
// whatever the file.
var overBudget = &resolved{err: &ProcessingError{Type: ErrTooManySources,
	Reason: fmt.Sprintf("the event names more than %d source files; frames of the others stay as sent", MaxSourcesPerEvent)}}

// ProcessingError is one entry for the event's errors list.
type ProcessingError struct {
	Type      string `json:"type"`
	URL       string `json:"url,omitempty"`
	Source    string `json:"source,omitempty"`
	Sourcemap string `json:"sourcemap,omitempty"`
	Row       int    `json:"row,omitempty"`
	Column    int    `json:"column,omitempty"`
	// Reason is Faultline's explanation (e.g. the candidate names tried); Sentry has no such field.
	Reason string `json:"reason,omitempty"`
}

// Options tune a Symbolicator.
type Options struct {
	// CacheBytes bounds the memory of parsed maps and minified-file scope indexes (estimated).
	// Zero means 256 MiB.
	CacheBytes int64
	// MaxFileBytes rejects larger artifacts before parsing. Zero means 64 MiB.
	MaxFileBytes int64
	// ResolutionTTL is how long what a minified file resolved to (its map, or why there is none)
	// is reused without asking the Source again. Zero means 10 s; negative disables reuse.
	ResolutionTTL time.Duration
}

// resolutionEntries bounds how many file resolutions are remembered.
const resolutionEntries = 8192

// Symbolicator resolves frames against one Source. It is safe for concurrent use; parsed maps
// are shared between events through its cache.
type Symbolicator struct {
	src     Source
	maxFile int64
	cache   *cache.Cache[*parsed]
	// resolutions remembers per project, release, dist, abs_path and debug id what the file
	// resolved to, so steady traffic does not touch the Source for every event
	// (BenchmarkSymbolicateCachedFrame). Each entry counts 1 against resolutionEntries.
	resolutions *cache.Cache[*resolution]
	ttl         time.Duration
}

type resolution struct {
	r  *resolved
	at time.Time
}

// parsed is a cached artifact: a decoded map, or a scanned minified file, or why it failed.
type parsed struct {
	m   *decode.Map
	min *minified
	err error
}

// minified is what symbolication needs from a minified file.
type minified struct {
	debugID string // from its //# debugId= comment
	mapRef  string // its last sourceMappingURL
	scopes  *jsscope.Index
}

// New returns a Symbolicator reading artifacts from src.
func New(src Source, opts Options) *Symbolicator {
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 256 << 20
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 64 << 20
	}
	if opts.ResolutionTTL == 0 {
		opts.ResolutionTTL = 10 * time.Second
	}
	return &Symbolicator{
		src: src, maxFile: opts.MaxFileBytes, ttl: opts.ResolutionTTL,
		cache:       cache.New[*parsed](opts.CacheBytes),
		resolutions: cache.New[*resolution](resolutionEntries),
	}
}

// CacheStats reports the parsed-artifact cache's counters.
func (s *Symbolicator) CacheStats() cache.Stats { return s.cache.Stats() }

// Request is one stack trace to symbolicate.
type Request struct {
	Project  string // project id: artifacts of other projects are never used
	Release  string
	Dist     string
	Platform string // event platform; "node" enables Node's built-in module rule
	// DebugImages are the event's debug_meta.images; type "sourcemap" entries map code_file to
	// debug_id.
	DebugImages []event.DebugImage
	// Frames caller first, as in event.Stacktrace.
	Frames []event.Frame
	// Budget, when set, bounds the files resolved for the event this stack trace belongs to.
	Budget *Budget
}

// Result is the outcome for one stack trace.
type Result struct {
	// Frames has one entry per input frame: symbolicated, or the input frame when it could not be
	// (with data.symbolicated=false when it was attempted).
	Frames []event.Frame
	// Symbolicated counts frames that were resolved.
	Symbolicated int
	// Errors lists what could not be resolved, de-duplicated.
	Errors []ProcessingError
}

// nodeUserPath says whether the abs_path of a node frame is the application's rather than a
// Node built-in such as node:internal/…: Sentry's `^((app|webpack|[a-zA-Z]):|/)`, written out
// because the regexp was an eighth of the processor's work per node event (BenchmarkNodeEvent).
func nodeUserPath(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "app:") || strings.HasPrefix(p, "webpack:") {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && ('a' <= p[0] && p[0] <= 'z' || 'A' <= p[0] && p[0] <= 'Z')
}

// resolved is what one minified abs_path resolves to; frames of the same file share it.
type resolved struct {
	min          *minified // nil when the minified file was not available
	m            *decode.Map
	mapURL       string // data.sourcemap
	sourceBase   string // what original source names are joined to for abs_path
	resolvedWith string
	err          *ProcessingError // set when the frame must stay raw
	skip         bool             // plain JS without a map: leave the frame alone, no error
	// filenames, absPaths and modules are the output names of each source, computed once.
	filenames, absPaths, modules []string
}

// Symbolicate resolves the frames of one stack trace. It never fails as a whole: frames that
// cannot be resolved stay as they were and are reported in Result.Errors.
func (s *Symbolicator) Symbolicate(ctx context.Context, req Request) Result {
	images := map[string]string{}
	addDebugImages(images, req.DebugImages)
	return s.symbolicate(ctx, req, images, map[string]*resolved{}, true)
}

// addDebugImages maps the code_file of each source map debug image to its normalized debug id.
// The caller makes the map, so that a small one can stay on its stack.
func addDebugImages(images map[string]string, imgs []event.DebugImage) {
	for _, img := range imgs {
		if img.Type != "sourcemap" || img.CodeFile == "" {
			continue
		}
		if id, ok := decode.NormalizeDebugID(img.DebugID); ok {
			images[img.CodeFile] = id
		}
	}
}

// symbolicate is Symbolicate; without allFrames, Result.Frames is nil when no frame was resolved,
// since SymbolicateDocument writes frames back only when one was: copying every frame of a stack
// trace that mostly stays as sent was a fifth of the bytes the processor allocated per event
// (BenchmarkNodeEvent). The first resolved frame starts over with every frame; byPath, shared
// by both passes, keeps each file resolved (and charged to the budget) once.
func (s *Symbolicator) symbolicate(ctx context.Context, req Request, images map[string]string, byPath map[string]*resolved, allFrames bool) Result {
	var res Result
	if allFrames {
		res.Frames = make([]event.Frame, len(req.Frames))
	}
	var errs errorList
	callsite := "" // the caller frame's token name at its call position (caller naming)
	for i, raw := range req.Frames {
		var out *event.Frame // where changes to the frame go; nil when nobody keeps them
		if allFrames {
			res.Frames[i] = raw
			out = &res.Frames[i]
		}
		name := callsite
		callsite = ""
		absPath := strings.TrimPrefix(raw.AbsPath, "async ")
		if absPath == "" || raw.Lineno == 0 || absPath == "native" || absPath == "[native code]" {
			if out != nil && (absPath == "native" || absPath == "[native code]") {
				out.InApp = boolPtr(false)
			}
			continue
		}
		if req.Platform == "node" && !nodeUserPath(absPath) {
			if out != nil {
				out.InApp = boolPtr(false) // a Node built-in such as node:internal/…
			}
			continue
		}
		r, ok := byPath[absPath]
		if !ok {
			if req.Budget == nil || req.Budget.take() {
				r = s.resolve(ctx, req, absPath, images[absPath])
			} else {
				r = overBudget
			}
			byPath[absPath] = r
		}
		if r.skip {
			continue
		}
		if r.err != nil {
			fail(out, raw.AbsPath, *r.err, &errs)
			continue
		}
		line, col := uint32(raw.Lineno-1), uint32(0)
		if raw.Colno > 0 {
			col = uint32(raw.Colno - 1)
		}
		tok, ok := r.m.Lookup(line, col)
		if !ok {
			fail(out, raw.AbsPath, ProcessingError{Type: ErrInvalidLocation, Row: raw.Lineno, Column: raw.Colno, Source: absPath}, &errs)
			continue
		}
		if out == nil {
			return s.symbolicate(ctx, req, images, byPath, true)
		}
		built, perr := s.buildFrame(ctx, req, raw, r, tok, name)
		*out = built
		res.Symbolicated++
		if perr != nil {
			errs.add(*perr)
		}
		if tok.Name >= 0 {
			callsite = r.m.Name(tok.Name)
		}
	}
	res.Errors = errs.errs
	return res
}

// fail marks the frame out (when kept) unsymbolicated and reports perr for it once.
func fail(out *event.Frame, absPath string, perr ProcessingError, errs *errorList) {
	if out != nil {
		if out.Data == "" {
			// Most unresolved frames have no data yet: spare them the JSON round trip of mergeData.
			out.Data = `{"symbolicated":false}`
		} else {
			out.Data = mergeData(out.Data, map[string]any{"symbolicated": false})
		}
	}
	if thirdPartyMissingSource(perr, absPath) {
		return
	}
	errs.add(perr)
}

// errorList is a list of distinct processing errors. A stack trace has a few, and comparing a
// new one with each costs less than hashing the seven-field key of a map; past indexFrom errors
// a map takes over, so that a stack trace with many distinct errors (a bad location per frame)
// stays linear.
type errorList struct {
	errs  []ProcessingError
	index map[ProcessingError]struct{} // nil until errs is longer than indexFrom
}

const indexFrom = 16

// add appends e unless the list has it.
func (l *errorList) add(e ProcessingError) {
	if l.index != nil {
		if _, ok := l.index[e]; ok {
			return
		}
		l.index[e] = struct{}{}
	} else if slices.Contains(l.errs, e) {
		return
	}
	l.errs = append(l.errs, e)
	if l.index == nil && len(l.errs) > indexFrom {
		l.index = make(map[ProcessingError]struct{}, 2*len(l.errs))
		for _, x := range l.errs {
			l.index[x] = struct{}{}
		}
	}
}

// thirdPartyMissingSource reports a missing source of a dependency or a browser extension: code
// whose maps nobody uploads, so an error per such file only buries the ones that matter. Sentry
// means to skip these (should_skip_missing_source_error) but a missing return makes it report
// them; we skip them. The frame is still marked unsymbolicated.
func thirdPartyMissingSource(perr ProcessingError, absPath string) bool {
	if perr.Type != ErrNoSource {
		return false
	}
	return strings.Contains(absPath, "/node_modules/") ||
		strings.HasPrefix(absPath, "chrome-extension:") || strings.HasPrefix(absPath, "moz-extension:") ||
		strings.HasPrefix(absPath, "safari-web-extension:")
}

// resolve returns what a file resolves to, reusing a recent answer. A recent answer is found
// without making its key a string: steady traffic resolves every file of every event here, and
// joining the key was 7% of the processor's work per node event (BenchmarkNodeEvent).
func (s *Symbolicator) resolve(ctx context.Context, req Request, absPath, debugID string) *resolved {
	if s.ttl < 0 {
		return s.resolveFile(ctx, req, absPath, debugID)
	}
	var buf [256]byte
	key := buf[:0]
	for i, part := range [...]string{req.Project, req.Release, req.Dist, absPath, debugID} {
		if i > 0 {
			key = append(key, 0)
		}
		key = append(key, part...)
	}
	res, ok := s.resolutions.Lookup(key)
	if ok && time.Since(res.at) <= s.ttl {
		return res.r
	}
	k := string(key)
	if ok {
		s.resolutions.Delete(k)
	}
	res, _ = s.resolutions.Get(k, func() (*resolution, int64, error) {
		return &resolution{r: s.resolveFile(ctx, req, absPath, debugID), at: time.Now()}, 1, nil
	})
	return res.r
}

// resolveFile finds the minified file and the map for one abs_path.
func (s *Symbolicator) resolveFile(ctx context.Context, req Request, absPath, debugID string) *resolved {
	r := &resolved{}
	// 1. the minified file: by debug id, else by release + URL candidates
	var minFile *File
	if debugID != "" {
		minFile, _ = s.src.ByDebugID(ctx, req.Project, debugID, KindMinified)
	}
	var tried []string
	if minFile == nil {
		minFile, tried = s.byCandidates(ctx, req, absPath)
	}
	if minFile != nil {
		p := s.load(req.Project, minFile, false)
		if p.err != nil {
			return &resolved{err: &ProcessingError{Type: ErrNoSource, URL: absPath, Reason: p.err.Error()}}
		}
		r.min = p.min
		if debugID == "" {
			debugID = p.min.debugID
		}
	}
	// 2. the map: by debug id, else by the sourcemap header or sourceMappingURL comment
	var mapFile *File
	if debugID != "" {
		if f, err := s.src.ByDebugID(ctx, req.Project, debugID, KindSourceMap); err == nil {
			mapFile = f
			r.mapURL, r.sourceBase = absPath, absPath
		}
	}
	if mapFile == nil {
		ref := ""
		if minFile != nil {
			ref = minFile.Headers["sourcemap"]
			if ref == "" {
				ref = minFile.Headers["x-sourcemap"]
			}
			if ref == "" && r.min != nil {
				ref = r.min.mapRef
			}
		}
		switch {
		case ref == "" && minFile == nil && debugID == "":
			reason := "no minified file found"
			if req.Release == "" {
				reason += " (the event has no release and no debug id matches)"
			} else if len(tried) > 0 {
				reason += "; tried " + strings.Join(tried, ", ")
			}
			return &resolved{err: &ProcessingError{Type: ErrNoSource, URL: absPath, Reason: reason}}
		case ref == "" && debugID != "" && minFile == nil:
			return &resolved{err: &ProcessingError{Type: ErrNoSource, URL: absPath, Reason: "no file for debug id " + debugID}}
		case ref == "":
			return &resolved{skip: true} // plain JS: nothing says it has a map
		case locate.IsDataURL(ref):
			body, err := locate.DecodeDataURL(ref)
			if err != nil {
				return &resolved{err: &ProcessingError{Type: ErrInvalidSource, URL: absPath, Reason: err.Error()}}
			}
			mapFile = &File{Key: "inline:" + minFile.Key, URL: absPath, ResolvedWith: minFile.ResolvedWith, Read: func() ([]byte, error) { return body, nil }}
			r.mapURL, r.sourceBase = absPath, absPath
		default:
			mapURL := locate.Join(absPath, locate.StripQuery(ref))
			f, tried := s.byCandidates(ctx, req, mapURL)
			if f == nil {
				return &resolved{err: &ProcessingError{Type: ErrNoSource, URL: mapURL, Reason: "source map not found; tried " + strings.Join(tried, ", ")}}
			}
			mapFile = f
			r.mapURL, r.sourceBase = mapURL, mapURL
		}
	}
	r.resolvedWith = mapFile.ResolvedWith
	p := s.load(req.Project, mapFile, true)
	if p.err != nil {
		return &resolved{err: &ProcessingError{Type: ErrInvalidSource, URL: r.mapURL, Reason: p.err.Error()}}
	}
	r.m = p.m
	r.filenames = make([]string, r.m.SourceCount())
	r.absPaths = make([]string, r.m.SourceCount())
	r.modules = make([]string, r.m.SourceCount())
	for i := range r.filenames {
		name, _ := r.m.Source(i)
		r.filenames[i] = locate.CleanFilename(name)
		r.absPaths[i] = locate.Join(r.sourceBase, name)
		// Sentry derives a module for bundler names and for URL-like paths
		switch {
		case strings.HasPrefix(name, "webpack:") || strings.HasPrefix(name, "turbopack:"):
			r.modules[i] = locate.Module(r.filenames[i])
		case locate.HasModule(r.absPaths[i]):
			r.modules[i] = locate.Module(r.absPaths[i])
		}
	}
	return r
}

// byCandidates looks a URL up as a release artifact under each candidate name.
func (s *Symbolicator) byCandidates(ctx context.Context, req Request, url string) (*File, []string) {
	if req.Release == "" {
		return nil, nil
	}
	cands := locate.Candidates(url)
	for _, c := range cands {
		if f, err := s.src.ByURL(ctx, req.Project, req.Release, req.Dist, c); err == nil {
			return f, nil
		}
	}
	return nil, cands
}

// load returns the parsed form of a file from the cache, parsing it on first use.
func (s *Symbolicator) load(project string, f *File, isMap bool) *parsed {
	kind := "min"
	if isMap {
		kind = "map"
	}
	p, err := s.cache.Get(project+"\x00"+kind+"\x00"+f.Key, func() (*parsed, int64, error) {
		body, err := f.Read()
		if err != nil {
			// I/O failures are not remembered: the next event tries again.
			return nil, 0, err
		}
		if int64(len(body)) > s.maxFile {
			return &parsed{err: fmt.Errorf("%s is %d bytes, over the %d limit", f.URL, len(body), s.maxFile)}, 64, nil
		}
		if isMap {
			m, err := decode.Decode(body)
			if err != nil {
				return &parsed{err: err}, 64, nil
			}
			return &parsed{m: m}, m.SizeBytes(), nil
		}
		min := &minified{scopes: jsscope.Scan(string(body)), mapRef: locate.SourceMappingURL(body)}
		min.debugID, _ = decode.NormalizeDebugID(locate.DebugIDComment(body))
		return &parsed{min: min}, int64(min.scopes.Len())*96 + 256, nil
	})
	if err != nil {
		return &parsed{err: err}
	}
	return p
}

// buildFrame turns a resolved token into the output frame. The error it returns (missing
// sourcesContent) does not undo the symbolication.
func (s *Symbolicator) buildFrame(ctx context.Context, req Request, raw event.Frame, r *resolved, tok decode.Token, callsite string) (event.Frame, *ProcessingError) {
	out := raw
	out.Lineno = int(tok.Line) + 1
	out.Colno = int(tok.Col) + 1
	out.Filename = r.filenames[tok.Source]
	out.AbsPath = r.absPaths[tok.Source]
	if r.modules[tok.Source] != "" {
		out.Module = r.modules[tok.Source]
	}
	out.Function = s.functionName(r, raw, tok, callsite)
	if strings.Contains(out.AbsPath, "/node_modules/") || strings.HasPrefix(out.Filename, "node_modules/") || r.m.Ignored(tok.Source) {
		out.InApp = boolPtr(false)
	}
	out.PreContext, out.ContextLine, out.PostContext = nil, "", nil
	var perr *ProcessingError
	if text := s.sourceText(ctx, req, r, tok.Source, out.AbsPath); text != nil {
		out.PreContext, out.ContextLine, out.PostContext = contextLines(text, int(tok.Line), int(tok.Col))
	} else {
		perr = &ProcessingError{Type: ErrMissingSourcesContent, Source: out.AbsPath, Sourcemap: r.mapURL}
	}
	out.Data = frameData(raw.Data, r.mapURL, r.resolvedWith)
	return out, perr
}

// sourceText returns the original source: from sourcesContent, else uploaded as a release file
// under the source's joined URL.
func (s *Symbolicator) sourceText(ctx context.Context, req Request, r *resolved, src int, absPath string) *decode.Text {
	if t := r.m.Content(src); t != nil {
		return t
	}
	f, _ := s.byCandidates(ctx, req, absPath)
	if f == nil {
		return nil
	}
	body, err := f.Read()
	if err != nil || int64(len(body)) > s.maxFile {
		return nil
	}
	return decode.NewText(string(body))
}

// frameData is the data object of a symbolicated frame. The common case, a frame without data,
// is written directly: encoding/json was a third of the per-frame cost.
func frameData(data, sourcemap, resolvedWith string) string {
	if data != "" && data != "{}" {
		return mergeData(data, map[string]any{"sourcemap": sourcemap, "resolved_with": resolvedWith, "symbolicated": true})
	}
	b := make([]byte, 0, 64+len(sourcemap))
	b = append(b, `{"resolved_with":`...)
	b = jsontext.AppendString(b, resolvedWith)
	b = append(b, `,"sourcemap":`...)
	b = jsontext.AppendString(b, sourcemap)
	b = append(b, `,"symbolicated":true}`...)
	return string(b)
}

// mergeData adds keys to a frame's data object (JSON text), keeping what was there.
func mergeData(data string, add map[string]any) string {
	obj := map[string]json.RawMessage{}
	if data != "" {
		if err := json.Unmarshal([]byte(data), &obj); err != nil {
			obj = map[string]json.RawMessage{}
		}
	}
	for k, v := range add {
		b, _ := json.Marshal(v)
		obj[k] = b
	}
	b, _ := json.Marshal(obj)
	return string(b)
}

func boolPtr(b bool) *bool { return &b }
