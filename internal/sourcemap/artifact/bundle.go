// Package artifact reads artifact bundles, the archives `sentry-cli sourcemaps upload` builds:
// the bytes "SYSB" and a little-endian u32 version (2), then a ZIP whose offsets count from the
// start of the file, holding manifest.json and files/…. Plain ZIPs with a manifest are accepted too.
//
// It owns the format and the per-bundle index (by debug id and file type, by URL); it knows
// nothing of projects, storage or maps. The local directory source and the store both open
// bundles through it.
package artifact

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/faultline/faultline/internal/sourcemap/decode"
	"github.com/faultline/faultline/internal/sourcemap/locate"
)

// File types used in manifests.
const (
	TypeSource         = "source"
	TypeMinifiedSource = "minified_source"
	TypeSourceMap      = "source_map"
)

// MaxEntrySize bounds one decompressed bundle entry, so a hostile bundle cannot exhaust memory.
const MaxEntrySize = 256 << 20

// Bundle is an opened artifact bundle.
type Bundle struct {
	// Attributes from the manifest: debug_id (the bundle id), release, dist, org, project …
	ID, Release, Dist string

	entries   []*Entry // in manifest path order
	byURL     map[string]*Entry
	byDebugID map[debugKey]*Entry
}

type debugKey struct{ id, typ string }

// Entry is one file of a bundle.
type Entry struct {
	Path    string // path inside the ZIP
	Type    string // source, minified_source, source_map, …
	URL     string // artifact name: "~/app.js" or an absolute URL
	DebugID string // normalized, "" when none
	Headers map[string]string
	zf      *zip.File
}

// Read returns the entry's bytes.
func (e *Entry) Read() ([]byte, error) {
	if e.zf.UncompressedSize64 > MaxEntrySize {
		return nil, fmt.Errorf("bundle entry %s is %d bytes, over the %d limit", e.Path, e.zf.UncompressedSize64, MaxEntrySize)
	}
	rc, err := e.zf.Open()
	if err != nil {
		return nil, fmt.Errorf("open bundle entry %s: %w", e.Path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxEntrySize+1))
	if err != nil {
		return nil, fmt.Errorf("read bundle entry %s: %w", e.Path, err)
	}
	return b, nil
}

type manifest struct {
	Files map[string]struct {
		Type    string            `json:"type"`
		URL     string            `json:"url"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
	} `json:"files"`
	DebugID string `json:"debug_id"`
	Release string `json:"release"`
	Dist    string `json:"dist"`
}

// Open reads a bundle's header and manifest and indexes its files. r must stay readable while the
// bundle is used.
func Open(r io.ReaderAt, size int64) (*Bundle, error) {
	head := make([]byte, 8)
	if _, err := r.ReadAt(head, 0); err != nil && size >= 8 {
		return nil, fmt.Errorf("read bundle header: %w", err)
	}
	if bytes.HasPrefix(head, []byte("SYSB")) {
		if v := uint32(head[4]) | uint32(head[5])<<8 | uint32(head[6])<<16 | uint32(head[7])<<24; v != 2 {
			return nil, fmt.Errorf("artifact bundle version %d is not supported (want 2)", v)
		}
	}
	// The ZIP's offsets count from the start of the file, header included, so archive/zip reads
	// the whole file as is.
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("artifact bundle is not a ZIP: %w", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	mf, ok := files["manifest.json"]
	if !ok {
		return nil, fmt.Errorf("artifact bundle has no manifest.json")
	}
	mb, err := (&Entry{Path: mf.Name, zf: mf}).Read()
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, fmt.Errorf("artifact bundle manifest.json: %w", err)
	}
	b := &Bundle{ID: m.DebugID, Release: m.Release, Dist: m.Dist, byURL: map[string]*Entry{}, byDebugID: map[debugKey]*Entry{}}
	for path, info := range m.Files {
		zf, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("manifest lists %s, which the bundle does not contain", path)
		}
		e := &Entry{Path: path, Type: info.Type, URL: info.URL, Headers: map[string]string{}, zf: zf}
		if e.URL == "" {
			e.URL = strings.ReplaceAll(info.Path, `\`, "/")
		}
		for k, v := range info.Headers {
			e.Headers[strings.ToLower(k)] = v
		}
		e.DebugID = entryDebugID(e)
		b.entries = append(b.entries, e)
		if e.URL != "" {
			b.byURL[e.URL] = e
		}
		if e.DebugID != "" {
			b.byDebugID[debugKey{e.DebugID, e.Type}] = e
		}
	}
	sort.Slice(b.entries, func(i, j int) bool { return b.entries[i].Path < b.entries[j].Path })
	return b, nil
}

// Entries lists every file the manifest describes, ordered by path (for indexing an upload).
func (b *Bundle) Entries() []*Entry { return b.entries }

// entryDebugID takes the debug-id header, else the id in the body: the `//# debugId=` comment of
// a JS file or the debugId field of a map.
func entryDebugID(e *Entry) string {
	if id, ok := decode.NormalizeDebugID(e.Headers["debug-id"]); ok {
		return id
	}
	switch e.Type {
	case TypeMinifiedSource, TypeSource:
		body, err := e.Read()
		if err != nil {
			return ""
		}
		id, _ := decode.NormalizeDebugID(locate.DebugIDComment(body))
		return id
	case TypeSourceMap:
		body, err := e.Read()
		if err != nil {
			return ""
		}
		var ids struct {
			DebugID  string `json:"debugId"`
			DebugID2 string `json:"debug_id"`
		}
		if json.Unmarshal(body, &ids) != nil {
			return ""
		}
		if id, ok := decode.NormalizeDebugID(ids.DebugID); ok {
			return id
		}
		id, _ := decode.NormalizeDebugID(ids.DebugID2)
		return id
	}
	return ""
}

// ByDebugID returns the file of the given type for a normalized debug id.
func (b *Bundle) ByDebugID(id, typ string) (*Entry, bool) {
	e, ok := b.byDebugID[debugKey{id, typ}]
	return e, ok
}

// ByURL returns the file stored under an artifact name.
func (b *Bundle) ByURL(url string) (*Entry, bool) {
	e, ok := b.byURL[url]
	return e, ok
}
