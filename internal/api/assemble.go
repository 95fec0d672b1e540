package api

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/sourcemap/artifact"
	"github.com/faultline/faultline/internal/store"
)

// Assemble states as sentry-cli reads them.
const (
	stateNotFound   = "not_found"
	stateAssembling = "assembling"
	stateOK         = "ok"
	stateError      = "error"
)

type assembleRequest struct {
	Checksum string   `json:"checksum"`
	Chunks   []string `json:"chunks"`
	Projects []string `json:"projects"`
	Version  string   `json:"version"`
	Dist     string   `json:"dist"`
}

type assembleResponse struct {
	State         string   `json:"state"`
	MissingChunks []string `json:"missingChunks"`
	Detail        *string  `json:"detail"`
}

// assembleBundle answers POST …/artifactbundle/assemble/. Assembly runs inside the request: when
// every chunk is there the answer is already "ok" (or an error naming the problem), so a client
// that does not wait still knows the bundle is stored. Repeating the request is cheap: a stored
// bundle is recognized by its checksum before any chunk is read.
func (a *API) assembleBundle(w http.ResponseWriter, r *http.Request) {
	if !a.checkOrg(w, r) {
		return
	}
	var req assembleRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&req); err != nil {
		writeBodyError(w, fmt.Errorf("assemble request is not valid JSON: %w", err), http.StatusBadRequest)
		return
	}
	projects, err := a.checkAssemble(&req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// Chunks are at most chunkSize each, so this bounds what assembly reads before the real size
	// is known.
	if most := a.limits.MaxBundleSize/a.limits.ChunkSize + 1; int64(len(req.Chunks)) > most {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%d chunks of up to %d bytes make a bundle over maxFileSize (%d bytes)", len(req.Chunks), a.limits.ChunkSize, a.limits.MaxBundleSize))
		return
	}
	ctx := r.Context()
	reused, err := a.st.ReuseBundle(ctx, req.Checksum, req.Version, req.Dist, projects, time.Now())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if reused {
		writeJSON(w, http.StatusOK, assembleResponse{State: stateOK, MissingChunks: []string{}})
		return
	}
	missing, err := a.st.MissingChunks(ctx, req.Chunks)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if len(req.Chunks) == 0 || len(missing) > 0 {
		writeJSON(w, http.StatusOK, assembleResponse{State: stateNotFound, MissingChunks: missing})
		return
	}

	key := req.Checksum + "\x00" + req.Version + "\x00" + req.Dist
	a.assemblingMu.Lock()
	busy := a.assembling[key]
	a.assembling[key] = true
	a.assemblingMu.Unlock()
	if busy {
		writeJSON(w, http.StatusOK, assembleResponse{State: stateAssembling, MissingChunks: []string{}})
		return
	}
	defer func() {
		a.assemblingMu.Lock()
		delete(a.assembling, key)
		a.assemblingMu.Unlock()
	}()
	select {
	case a.assemblySlots <- struct{}{}:
		defer func() { <-a.assemblySlots }()
	default:
		writeJSON(w, http.StatusOK, assembleResponse{State: stateAssembling, MissingChunks: []string{}})
		return
	}

	bundle, err := a.assemble(r, &req, projects)
	var bad *badBundleError
	switch {
	case errors.Is(err, store.ErrNotFound):
		// A chunk went away since the check (it expired, or a concurrent upload of a bundle that
		// shares it used it up): ask for the chunks again.
		missing, err := a.st.MissingChunks(ctx, req.Chunks)
		if err != nil {
			writeStoreError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, assembleResponse{State: stateNotFound, MissingChunks: missing})
		return
	case errors.As(err, &bad):
		detail := bad.Error()
		writeJSON(w, bad.status, assembleResponse{State: stateError, MissingChunks: []string{}, Detail: &detail})
		return
	case err != nil:
		writeStoreError(w, err)
		return
	}
	if err := a.st.PutBundle(ctx, bundle); err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, assembleResponse{State: stateOK, MissingChunks: []string{}})
}

// checkAssemble validates the request and resolves its projects to ids.
func (a *API) checkAssemble(req *assembleRequest) ([]int64, error) {
	req.Checksum = strings.ToLower(req.Checksum)
	if !isSHA1(req.Checksum) {
		return nil, fmt.Errorf("checksum %q is not the hex SHA-1 of the bundle", req.Checksum)
	}
	for i, c := range req.Chunks {
		req.Chunks[i] = strings.ToLower(c)
		if !isSHA1(req.Chunks[i]) {
			return nil, fmt.Errorf("chunks[%d] %q is not a hex SHA-1", i, c)
		}
	}
	if req.Dist != "" && req.Version == "" {
		return nil, errors.New("a dist needs a release: pass --release together with --dist")
	}
	if strings.ContainsAny(req.Version, "/\n\r\t") || req.Version == "." || req.Version == ".." {
		return nil, fmt.Errorf("release %q may not contain slashes or whitespace, nor be a dot path", req.Version)
	}
	if len(req.Projects) == 0 {
		return nil, errors.New("projects must name at least one project")
	}
	var ids []int64
	for _, ref := range req.Projects {
		p, ok := a.bySlug[ref]
		if !ok {
			if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
				p, ok = a.byID[id]
			}
		}
		if !ok {
			return nil, fmt.Errorf("one or more projects are invalid: %q is not a project of organization %s", ref, a.cfg.Org)
		}
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// badBundleError is an upload the server refuses because of its content.
type badBundleError struct {
	status int
	msg    string
}

func (e *badBundleError) Error() string { return e.msg }

func badBundle(status int, format string, args ...any) error {
	return &badBundleError{status: status, msg: fmt.Sprintf(format, args...)}
}

// assemble joins the chunks, checks the whole against its checksum, opens the bundle and reads
// every file it lists (archive/zip verifies each file's CRC), and returns it indexed.
func (a *API) assemble(r *http.Request, req *assembleRequest, projects []int64) (*store.ArtifactBundle, error) {
	parts, err := a.st.ChunkData(r.Context(), req.Chunks)
	if err != nil {
		return nil, err
	}
	var size int64
	for _, p := range parts {
		size += int64(len(p))
	}
	if size > a.limits.MaxBundleSize {
		return nil, badBundle(http.StatusRequestEntityTooLarge, "bundle is %d bytes, over maxFileSize %d", size, a.limits.MaxBundleSize)
	}
	data := bytes.Join(parts, nil)
	sum := sha1.Sum(data)
	if got := hex.EncodeToString(sum[:]); got != req.Checksum {
		return nil, badBundle(http.StatusBadRequest, "the chunks join to a file with SHA-1 %s, not the checksum %s", got, req.Checksum)
	}
	b, err := artifact.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, badBundle(http.StatusBadRequest, "not a valid artifact bundle: %v", err)
	}
	out := &store.ArtifactBundle{
		Checksum: req.Checksum, BundleID: b.ID, Release: req.Version, Dist: req.Dist,
		Size: size, Projects: projects, Created: time.Now(), Chunks: req.Chunks,
	}
	if out.Release == "" {
		out.Release, out.Dist = b.Release, b.Dist
	}
	// Each file is bounded by artifact.MaxEntrySize; the whole is bounded too, or a small bundle of
	// highly compressed files could hold the server's memory.
	maxUnpacked, unpacked := 4*a.limits.MaxBundleSize, int64(0)
	debugIDs := 0
	for _, e := range b.Entries() {
		if strings.Contains(e.Path, `\`) || !filepath.IsLocal(filepath.FromSlash(e.Path)) {
			return nil, badBundle(http.StatusBadRequest, "manifest.json names the file %q, a path outside the bundle", e.Path)
		}
		content, err := e.Read()
		if err != nil {
			return nil, badBundle(http.StatusBadRequest, "bundle file %s is unreadable: %v", e.Path, err)
		}
		if unpacked += int64(len(content)); unpacked > maxUnpacked {
			return nil, badBundle(http.StatusRequestEntityTooLarge, "the bundle's files unpack to more than %d bytes", maxUnpacked)
		}
		if e.DebugID != "" {
			debugIDs++
		}
		out.Files = append(out.Files, store.ArtifactFile{
			Path: e.Path, Type: e.Type, URL: e.URL, DebugID: e.DebugID, Headers: e.Headers, Content: content,
		})
	}
	if len(out.Files) == 0 {
		return nil, badBundle(http.StatusBadRequest, "the artifact bundle lists no files")
	}
	if debugIDs == 0 && out.Release == "" {
		return nil, badBundle(http.StatusBadRequest, "uploading a bundle without debug ids or release is prohibited: run `sentry-cli sourcemaps inject` first or pass --release")
	}
	return out, nil
}
