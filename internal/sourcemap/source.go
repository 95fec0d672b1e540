package sourcemap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/faultline/faultline/internal/sourcemap/artifact"
)

// Kind is the type of an artifact file, with the names artifact bundle manifests use.
type Kind string

// The kinds of files symbolication asks for.
const (
	KindMinified  Kind = artifact.TypeMinifiedSource
	KindSourceMap Kind = artifact.TypeSourceMap
	KindSource    Kind = artifact.TypeSource
)

// Resolution methods reported in a frame's data.resolved_with.
const (
	ResolvedDebugID = "debug-id"
	ResolvedRelease = "release"
)

// ErrNotFound is returned by a Source that has no such file.
var ErrNotFound = errors.New("artifact not found")

// File is one artifact a Source found.
type File struct {
	// Key identifies the file's content across all projects and versions (a path plus mtime, a
	// bundle id plus entry, a content hash …); parsed forms are cached under it.
	Key string
	// URL is the name the file was found under (artifact name or URL).
	URL string
	// Headers are the artifact's headers with lower-case keys (sourcemap, x-sourcemap, debug-id).
	Headers map[string]string
	// ResolvedWith says how it was found: ResolvedDebugID or ResolvedRelease.
	ResolvedWith string
	// Read returns the content; it is called only when the parsed form is not cached.
	Read func() ([]byte, error)
}

// Source finds artifacts for one project at a time. Every lookup names the project, and a Source
// must never answer with another project's files. Implementations: Dir (a local directory with
// loose files and artifact bundles); the store-backed source for sentry-cli uploads implements the
// same two methods.
type Source interface {
	// ByDebugID returns the file of the given kind that carries a debug id (normalized: lowercase,
	// hyphenated). It returns ErrNotFound when there is none.
	ByDebugID(ctx context.Context, project, debugID string, kind Kind) (*File, error)
	// ByURL returns the file uploaded for a release (and dist, "" for none) under one artifact
	// name, e.g. "https://example.com/app.js" or "~/app.js". It returns ErrNotFound when there is
	// none.
	ByURL(ctx context.Context, project, release, dist, name string) (*File, error)
}

// Dir is a Source over a local directory:
//
//	<root>/<project>/debug-id/<debug-id>/minified.js      the minified file (optional)
//	<root>/<project>/debug-id/<debug-id>/minified.js.map  its source map
//	<root>/<project>/release/<release>/<dist>/<name>      release files; <dist> is "_" for none;
//	                                                      <name> is "~/path" as "~/path" and
//	                                                      "scheme://host/path" as "scheme/host/path"
//	<root>/<project>/bundles/*.zip                        artifact bundles (sentry-cli format)
//
// <project> is the numeric project id. Debug ids are lowercase and hyphenated. Bundles are
// searched newest first (by modification time); a bundle answers release lookups when its
// manifest's release and dist match.
type Dir struct {
	root string

	mu      sync.Mutex
	bundles map[string]*bundleSet // per project
}

type bundleSet struct {
	modTime int64
	items   []openBundle // newest first
}

type openBundle struct {
	key string
	b   *artifact.Bundle // reads through its *os.File, which it keeps alive
}

// NewDir returns a Source over root.
func NewDir(root string) *Dir { return &Dir{root: root, bundles: map[string]*bundleSet{}} }

// safeSegment reports whether s can be used as one path element without escaping the tree.
func safeSegment(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`+"\x00")
}

func looseFile(path, resolvedWith, url string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return nil, ErrNotFound
	}
	return &File{
		Key:          fmt.Sprintf("file:%s@%d:%d", path, st.ModTime().UnixNano(), st.Size()),
		URL:          url,
		ResolvedWith: resolvedWith,
		Read:         func() ([]byte, error) { return os.ReadFile(path) },
	}, nil
}

// ByDebugID implements Source.
func (d *Dir) ByDebugID(_ context.Context, project, debugID string, kind Kind) (*File, error) {
	if !safeSegment(project) || !safeSegment(debugID) {
		return nil, ErrNotFound
	}
	name := map[Kind]string{KindMinified: "minified.js", KindSourceMap: "minified.js.map"}[kind]
	if name != "" {
		if f, err := looseFile(filepath.Join(d.root, project, "debug-id", debugID, name), ResolvedDebugID, ""); err == nil {
			return f, nil
		}
	}
	for _, ob := range d.projectBundles(project) {
		if e, ok := ob.b.ByDebugID(debugID, string(kind)); ok {
			return bundleFile(ob, e, ResolvedDebugID), nil
		}
	}
	return nil, ErrNotFound
}

// ByURL implements Source.
func (d *Dir) ByURL(_ context.Context, project, release, dist, name string) (*File, error) {
	if !safeSegment(project) || !safeSegment(release) {
		return nil, ErrNotFound
	}
	distDir := dist
	if distDir == "" {
		distDir = "_"
	}
	if rel, ok := namePath(name); ok && safeSegment(distDir) {
		if f, err := looseFile(filepath.Join(d.root, project, "release", release, distDir, rel), ResolvedRelease, name); err == nil {
			return f, nil
		}
	}
	for _, ob := range d.projectBundles(project) {
		if ob.b.Release != release || ob.b.Dist != dist {
			continue
		}
		if e, ok := ob.b.ByURL(name); ok {
			return bundleFile(ob, e, ResolvedRelease), nil
		}
	}
	return nil, ErrNotFound
}

// namePath maps an artifact name to its relative path under a release/dist directory.
func namePath(name string) (string, bool) {
	var parts []string
	switch {
	case strings.HasPrefix(name, "~/"):
		parts = append([]string{"~"}, strings.Split(name[2:], "/")...)
	case strings.Contains(name, "://"):
		scheme, rest, _ := strings.Cut(name, "://")
		parts = append([]string{scheme}, strings.Split(rest, "/")...)
	default:
		return "", false
	}
	var out []string
	for _, p := range parts {
		if p == "" {
			continue
		}
		if !safeSegment(p) {
			return "", false
		}
		out = append(out, p)
	}
	return filepath.Join(out...), len(out) > 0
}

func bundleFile(ob openBundle, e *artifact.Entry, resolvedWith string) *File {
	return &File{
		Key:          ob.key + "!" + e.Path,
		URL:          e.URL,
		Headers:      e.Headers,
		ResolvedWith: resolvedWith,
		Read:         e.Read,
	}
}

// projectBundles returns the project's opened bundles, reopening them when the bundles directory
// changed since the last look.
func (d *Dir) projectBundles(project string) []openBundle {
	dir := filepath.Join(d.root, project, "bundles")
	st, err := os.Stat(dir)
	d.mu.Lock()
	defer d.mu.Unlock()
	// Replaced bundle sets are not closed here: a concurrent lookup may still be reading one of
	// their entries. The *os.File finalizer closes each once nothing refers to it any more.
	set := d.bundles[project]
	if err != nil {
		delete(d.bundles, project)
		return nil
	}
	if set != nil && set.modTime == st.ModTime().UnixNano() {
		return set.items
	}
	set = &bundleSet{modTime: st.ModTime().UnixNano()}
	entries, _ := os.ReadDir(dir)
	type dated struct {
		ob  openBundle
		mod int64
	}
	var found []dated
	for _, de := range entries {
		if de.IsDir() || !strings.HasSuffix(de.Name(), ".zip") {
			continue
		}
		path := filepath.Join(dir, de.Name())
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		fst, err := f.Stat()
		if err != nil {
			f.Close()
			continue
		}
		b, err := artifact.Open(f, fst.Size())
		if err != nil {
			f.Close()
			continue
		}
		key := fmt.Sprintf("bundle:%s@%d:%d", path, fst.ModTime().UnixNano(), fst.Size())
		found = append(found, dated{openBundle{key: key, b: b}, fst.ModTime().UnixNano()})
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].mod > found[j].mod })
	for _, x := range found {
		set.items = append(set.items, x.ob)
	}
	d.bundles[project] = set
	return set.items
}
