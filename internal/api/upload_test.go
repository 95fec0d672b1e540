package api

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/store"
)

// sentryCLI returns the sentry-cli that `make test` installs into testbed/node_modules.
func sentryCLI(t *testing.T) string {
	t.Helper()
	cli, err := filepath.Abs("../../testbed/node_modules/.bin/sentry-cli")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cli); err != nil {
		t.Skipf("sentry-cli not installed (run `make test` or `npm ci` in testbed): %v", err)
	}
	return cli
}

// uploadServer serves the API over an empty SQLite store with projects demo (1) and other (2).
func uploadServer(t *testing.T, limits UploadLimits) (*httptest.Server, store.Store) {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "upload.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(New(st, Config{Token: token, Org: "faultline", Upload: limits,
		Projects: []Project{{ID: 1, Slug: "demo"}, {ID: 2, Slug: "other"}}}))
	t.Cleanup(srv.Close)
	return srv, st
}

const testDebugID = "2f259f80-58b7-44cb-d7cd-de1505e7e718"

// makeBundle builds an artifact bundle as sentry-cli does: "SYSB", version 2, then a ZIP whose
// offsets count from the start of the file. files maps ZIP paths to contents; every path is
// listed in the manifest (as minified_source with the test debug id unless it ends in .map).
func makeBundle(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("SYSB\x02\x00\x00\x00")
	zw := zip.NewWriter(&buf)
	zw.SetOffset(8)
	manifest := map[string]any{}
	entries := map[string]any{}
	for path, content := range files {
		typ := "minified_source"
		if strings.HasSuffix(path, ".map") {
			typ = "source_map"
		}
		entries[path] = map[string]any{"type": typ, "url": "~/" + filepath.Base(path), "headers": map[string]string{"debug-id": testDebugID}}
		// Stored, not deflated, so that tests can corrupt a file's bytes in place.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	manifest["files"] = entries
	manifest["debug_id"] = "9e77a589-21d2-5428-829a-414ebcccce2a"
	w, _ := zw.Create("manifest.json")
	json.NewEncoder(w).Encode(manifest)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// makeDeflatedBundle is a bundle of one compressed file, which a hostile client can make unpack to
// far more than the bundle's own size.
func makeDeflatedBundle(t testing.TB, path, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("SYSB\x02\x00\x00\x00")
	zw := zip.NewWriter(&buf)
	zw.SetOffset(8)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, content)
	w, _ = zw.Create("manifest.json")
	json.NewEncoder(w).Encode(map[string]any{"debug_id": "9e77a589-21d2-5428-829a-414ebcccce2a", "files": map[string]any{
		path: map[string]any{"type": "minified_source", "url": "~/bomb.js", "headers": map[string]string{"debug-id": testDebugID}}}})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sum(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

type part struct {
	field, name string
	data        []byte
}

// postChunks sends parts as sentry-cli does and returns the status and body.
func postChunks(t testing.TB, srv *httptest.Server, parts ...part) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		w, err := mw.CreateFormFile(p.field, p.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/0/organizations/faultline/chunk-upload/", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func chunkParts(data []byte, size int) []part {
	var out []part
	for len(data) > 0 {
		n := min(size, len(data))
		out = append(out, part{"file", sum(data[:n]), data[:n]})
		data = data[n:]
	}
	return out
}

// assemble posts an assemble request and returns the status and decoded response.
func assemble(t testing.TB, srv *httptest.Server, org string, req map[string]any) (int, assembleResponse) {
	t.Helper()
	b, _ := json.Marshal(req)
	r, _ := http.NewRequest("POST", srv.URL+"/api/0/organizations/"+org+"/artifactbundle/assemble/", bytes.NewReader(b))
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out assembleResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("assemble answer %d is not JSON: %s", resp.StatusCode, raw)
	}
	if out.State == "" && out.Detail == nil {
		var e struct{ Detail string }
		json.Unmarshal(raw, &e)
		out.Detail = &e.Detail
	}
	return resp.StatusCode, out
}

func detail(r assembleResponse) string {
	if r.Detail == nil {
		return ""
	}
	return *r.Detail
}

func TestChunkUploadOptionsAreWhatSentryCLIReads(t *testing.T) {
	srv, _ := uploadServer(t, UploadLimits{})
	var opts map[string]any
	call(t, srv, "GET", "/api/0/organizations/faultline/chunk-upload/", "", &opts)
	want := map[string]any{
		"url": srv.URL + "/api/0/organizations/faultline/chunk-upload/", "chunkSize": float64(8 << 20),
		"chunksPerRequest": float64(2), "maxRequestSize": float64(16 << 20), "maxFileSize": float64(256 << 20),
		"concurrency": float64(2), "hashAlgorithm": "sha1",
	}
	for k, v := range want {
		if opts[k] != v {
			t.Errorf("%s = %v, want %v", k, opts[k], v)
		}
	}
	if c, _ := opts["compression"].([]any); len(c) != 1 || c[0] != "gzip" {
		t.Errorf("compression %v, want [gzip]", opts["compression"])
	}
	if a, _ := opts["accept"].([]any); len(a) == 0 || a[0] != "artifact_bundles" {
		t.Errorf("accept %v", opts["accept"])
	}
	if resp := call(t, srv, "GET", "/api/0/organizations/elsewhere/chunk-upload/", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown organization: %d, want 404", resp.StatusCode)
	}
}

func TestBundleIsAssembledFromChunks(t *testing.T) {
	srv, st := uploadServer(t, UploadLimits{ChunkSize: 256, ChunksPerRequest: 2})
	ctx := context.Background()
	bundle := makeBundle(t, map[string]string{
		"files/_/_/app.js":     strings.Repeat("console.log('x');\n", 20) + "//# debugId=" + testDebugID,
		"files/_/_/app.js.map": `{"version":3,"sources":["a.js"],"names":[],"mappings":"AAAA","debugId":"` + testDebugID + `"}`,
	})
	parts := chunkParts(bundle, 256)
	if len(parts) < 3 {
		t.Fatalf("bundle of %d bytes should need several chunks", len(bundle))
	}
	var names []string
	for _, p := range parts {
		names = append(names, p.name)
	}
	req := map[string]any{"checksum": sum(bundle), "chunks": names, "projects": []string{"demo"}}

	code, r := assemble(t, srv, "faultline", req)
	if code != 200 || r.State != "not_found" || len(r.MissingChunks) != len(parts) {
		t.Fatalf("before upload: %d %+v, want not_found listing every chunk", code, r)
	}
	// The first chunk gzip-compressed, as sentry-cli sends them when the server offers gzip.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(parts[0].data)
	zw.Close()
	if code, body := postChunks(t, srv, part{"file_gzip", parts[0].name, gz.Bytes()}); code != 200 {
		t.Fatalf("gzip chunk: %d %s", code, body)
	}
	if _, r := assemble(t, srv, "faultline", req); r.State != "not_found" || len(r.MissingChunks) != len(parts)-1 {
		t.Fatalf("after one chunk: %+v", r)
	}
	for i := 1; i < len(parts); i += 2 {
		if code, body := postChunks(t, srv, parts[i:min(i+2, len(parts))]...); code != 200 {
			t.Fatalf("chunks %d: %d %s", i, code, body)
		}
	}
	if code, r := assemble(t, srv, "faultline", req); code != 200 || r.State != "ok" {
		t.Fatalf("assemble: %d %+v %s", code, r, detail(r))
	}
	// Asking again (sentry-cli polls) answers ok without reading chunks.
	if _, r := assemble(t, srv, "faultline", req); r.State != "ok" {
		t.Fatalf("second assemble: %+v", r)
	}
	a, err := st.ArtifactByDebugID(ctx, 1, testDebugID, "source_map")
	if err != nil {
		t.Fatal(err)
	}
	if a.URL != "~/app.js.map" {
		t.Errorf("stored map %+v", a)
	}
	if _, err := st.ArtifactByDebugID(ctx, 2, testDebugID, "source_map"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("project other sees demo's upload: %v", err)
	}
}

func TestBadUploadsAreRefusedAndLeaveNothing(t *testing.T) {
	srv, st := uploadServer(t, UploadLimits{ChunkSize: 1024, ChunksPerRequest: 2, MaxRequestSize: 1024, MaxBundleSize: 4096})
	ctx := context.Background()
	small := []byte("a chunk")

	chunkCases := []struct {
		name   string
		parts  []part
		status int
		want   string
	}{
		{"wrong hash", []part{{"file", sum([]byte("other")), small}}, 400, "has SHA-1"},
		{"name not a hash", []part{{"file", "chunk.bin", small}}, 400, "not the hex SHA-1"},
		{"chunk over chunkSize", []part{{"file", sum(make([]byte, 1025)), make([]byte, 1025)}}, 413, "chunk size too large"},
		{"too many chunks", []part{{"file", sum([]byte("1")), []byte("1")}, {"file", sum([]byte("2")), []byte("2")}, {"file", sum([]byte("3")), []byte("3")}}, 400, "Too many chunks"},
		{"request over maxRequestSize", []part{{"file", sum(make([]byte, 1020)), make([]byte, 1020)}}, 413, "Request too large"},
		{"gzip that is not", []part{{"file_gzip", sum(small), small}}, 400, "not gzip"},
		{"unknown field", []part{{"blob", sum(small), small}}, 400, "unexpected form field"},
	}
	for _, c := range chunkCases {
		t.Run(c.name, func(t *testing.T) {
			// A good chunk first: a refused request must not store it either.
			good := []byte("good chunk " + c.name)
			code, body := postChunks(t, srv, append([]part{{"file", sum(good), good}}, c.parts...)...)
			if code != c.status || !strings.Contains(body, c.want) {
				t.Errorf("%d %s, want %d with %q", code, body, c.status, c.want)
			}
			if missing, _ := st.MissingChunks(ctx, []string{sum(good)}); len(missing) != 1 {
				t.Error("a refused request stored its good chunk")
			}
		})
	}

	upload := func(t *testing.T, data []byte) map[string]any {
		t.Helper()
		var names []string
		for _, p := range chunkParts(data, 1024) {
			if code, body := postChunks(t, srv, p); code != 200 {
				t.Fatalf("chunk: %d %s", code, body)
			}
			names = append(names, p.name)
		}
		return map[string]any{"checksum": sum(data), "chunks": names, "projects": []string{"demo"}}
	}
	good := makeBundle(t, map[string]string{"files/_/_/app.js": "x()"})
	corruptEntry := bytes.Replace(makeBundle(t, map[string]string{"files/_/_/app.js": "content that the CRC guards"}), []byte("guards"), []byte("GUARDS"), 1)
	assembleCases := []struct {
		name   string
		req    func(t *testing.T) map[string]any
		status int
		want   string
	}{
		{"not a zip", func(t *testing.T) map[string]any {
			return upload(t, []byte("SYSB\x02\x00\x00\x00 definitely not a zip"))
		}, 400, "not a valid artifact bundle"},
		{"corrupt file in the zip", func(t *testing.T) map[string]any { return upload(t, corruptEntry) }, 400, "unreadable"},
		{"path traversal in the manifest", func(t *testing.T) map[string]any {
			return upload(t, makeBundle(t, map[string]string{"../../etc/cron.d/x.js": "x()"}))
		}, 400, "outside the bundle"},
		{"absolute path in the manifest", func(t *testing.T) map[string]any {
			return upload(t, makeBundle(t, map[string]string{"/etc/x.js": "x()"}))
		}, 400, "outside the bundle"},
		{"checksum of something else", func(t *testing.T) map[string]any {
			r := upload(t, good)
			r["checksum"] = sum([]byte("else"))
			return r
		}, 400, "not the checksum"},
		{"bundle over maxFileSize", func(t *testing.T) map[string]any {
			return upload(t, makeBundle(t, map[string]string{"files/_/_/big.js": string(bytes.Repeat([]byte("random-ish "), 600))}))
		}, 413, "over maxFileSize"},
		{"files unpacking to more than four times maxFileSize", func(t *testing.T) map[string]any {
			return upload(t, makeDeflatedBundle(t, "files/_/_/bomb.js", strings.Repeat("0", 20000)))
		}, 413, "unpack to more than 16384 bytes"},
		{"unknown project", func(t *testing.T) map[string]any {
			r := upload(t, good)
			r["projects"] = []string{"demo", "nope"}
			return r
		}, 400, `"nope" is not a project`},
		{"dist without release", func(t *testing.T) map[string]any {
			r := upload(t, good)
			r["dist"] = "d1"
			return r
		}, 400, "a dist needs a release"},
		{"malformed checksum", func(t *testing.T) map[string]any {
			return map[string]any{"checksum": "abc", "chunks": []string{}, "projects": []string{"demo"}}
		}, 400, "not the hex SHA-1"},
	}
	for _, c := range assembleCases {
		t.Run(c.name, func(t *testing.T) {
			code, r := assemble(t, srv, "faultline", c.req(t))
			if code != c.status || !strings.Contains(detail(r), c.want) {
				t.Errorf("%d %+v %q, want %d with %q", code, r, detail(r), c.status, c.want)
			}
		})
	}
	if _, err := st.ArtifactByURL(ctx, 1, "", "", "~/app.js"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused bundle was stored: %v", err)
	}
	if code, _ := assemble(t, srv, "elsewhere", map[string]any{}); code != http.StatusNotFound {
		t.Errorf("unknown organization: %d, want 404", code)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/0/organizations/faultline/artifactbundle/assemble/", strings.NewReader("{}"))
	if resp, err := srv.Client().Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("assemble without the token: %v %v, want 401", resp.StatusCode, err)
	}
}

// TestSentryCLIUploadsSourcemaps runs the real sentry-cli 3.8.0 against the API: debug-id and
// release uploads land in the store for the named project only. Small chunks make the bundle
// travel as several gzip-compressed chunks over several requests.
func TestSentryCLIUploadsSourcemaps(t *testing.T) {
	cli := sentryCLI(t)
	srv, st := uploadServer(t, UploadLimits{ChunkSize: 4096, ChunksPerRequest: 2, MaxRequestSize: 8192})
	ctx := context.Background()
	run := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SENTRY_URL="+srv.URL, "SENTRY_AUTH_TOKEN="+token, "SENTRY_ORG=faultline",
			"SENTRY_PROJECT=demo", "SENTRY_LOG_LEVEL=warn", "SENTRY_DISABLE_UPDATE_CHECK=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sentry-cli %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	dist := func() string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "app.js"), []byte("function a(){throw new Error('x')}a();\n//# sourceMappingURL=app.js.map\n"), 0o644)
		// A long comment in the original source makes the bundle span several chunks; random
		// text so the bundle's deflate cannot shrink it below one.
		noise := make([]byte, 12000)
		rand.Read(noise)
		source := "function boom() {\n  throw new Error('x')\n}\nboom()\n// " + base64.StdEncoding.EncodeToString(noise) + "\n"
		sm, _ := json.Marshal(map[string]any{"version": 3, "sources": []string{"src/a.js"}, "sourcesContent": []string{source}, "names": []string{"boom"}, "mappings": "AAAA,SAASA"})
		os.WriteFile(filepath.Join(dir, "app.js.map"), sm, 0o644)
		return dir
	}

	withIDs := dist()
	run(withIDs, "sourcemaps", "inject", ".")
	var sm struct{ DebugID string }
	b, _ := os.ReadFile(filepath.Join(withIDs, "app.js.map"))
	if err := json.Unmarshal(b, &sm); err != nil || sm.DebugID == "" {
		t.Fatalf("inject wrote no debugId: %v", err)
	}
	out := run(withIDs, "sourcemaps", "upload", ".")
	if !strings.Contains(out, "debug id "+sm.DebugID) {
		t.Errorf("upload report:\n%s", out)
	}
	if f, err := st.ArtifactByDebugID(ctx, 1, sm.DebugID, "source_map"); err == nil {
		body, err := st.ArtifactContent(ctx, f.Bundle, f.Path)
		if err != nil || len(body) < 16000 {
			t.Errorf("stored map of %d bytes (%v), want the whole multi-chunk upload", len(body), err)
		}
	}
	for _, kind := range []string{"minified_source", "source_map"} {
		if _, err := st.ArtifactByDebugID(ctx, 1, sm.DebugID, kind); err != nil {
			t.Errorf("%s by debug id: %v", kind, err)
		}
		if _, err := st.ArtifactByDebugID(ctx, 2, sm.DebugID, kind); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("project other sees demo's %s: %v", kind, err)
		}
	}
	run(withIDs, "sourcemaps", "upload", ".") // uploading the same files again is fine

	plain := dist()
	run(plain, "sourcemaps", "upload", "--release", "web@1.2.0", "--dist", "d1", "--url-prefix", "~/static", ".")
	a, err := st.ArtifactByURL(ctx, 1, "web@1.2.0", "d1", "~/static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	if a.Headers["sourcemap"] != "app.js.map" {
		t.Errorf("release file headers %v, want the sourcemap reference sentry-cli adds", a.Headers)
	}
	if _, err := st.ArtifactByURL(ctx, 1, "web@1.2.0", "", "~/static/app.js"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a dist d1 upload answers for no dist: %v", err)
	}
}

// BenchmarkUploadAndAssemble measures the server side of one `sentry-cli sourcemaps upload` of a
// 4 MiB bundle (a minified file and its map): the chunk POST, then the assemble request that
// verifies, indexes and stores it (SQLite).
func BenchmarkUploadAndAssemble(b *testing.B) {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "bench.db"), store.SQLiteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(New(st, Config{Token: token, Org: "faultline", Projects: []Project{{ID: 1, Slug: "demo"}}}))
	defer srv.Close()
	js := strings.Repeat("function f(a){return a+1};", 80_000)
	sm := `{"version":3,"sources":["a.js"],"names":[],"mappings":"` + strings.Repeat("AAAA,", 400_000) + `AAAA"}`
	b.SetBytes(int64(len(js) + len(sm)))
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		bundle := makeBundle(b, map[string]string{"files/_/_/app.js": js + fmt.Sprintf("//%d", i), "files/_/_/app.js.map": sm})
		parts := chunkParts(bundle, 8<<20)
		b.StartTimer()
		if code, body := postChunks(b, srv, parts...); code != 200 {
			b.Fatalf("chunks: %d %s", code, body)
		}
		if code, r := assemble(b, srv, "faultline", map[string]any{"checksum": sum(bundle), "chunks": []string{parts[0].name}, "projects": []string{"demo"}}); code != 200 || r.State != "ok" {
			b.Fatalf("assemble: %d %+v", code, r)
		}
	}
}

// TestAssembliesBeyondTheLimitAreToldToWait: with every assembly slot taken, a complete bundle
// is answered "assembling" (sentry-cli asks again), and assembled once a slot is free.
func TestAssembliesBeyondTheLimitAreToldToWait(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "upload.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := New(st, Config{Token: token, Org: "faultline", Projects: []Project{{ID: 1, Slug: "demo"}}})
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	bundle := makeBundle(t, map[string]string{"files/_/_/app.js": "console.log(1)\n//# debugId=" + testDebugID})
	if code, body := postChunks(t, srv, part{"file", sum(bundle), bundle}); code != 200 {
		t.Fatalf("chunk: %d %s", code, body)
	}
	req := map[string]any{"checksum": sum(bundle), "chunks": []string{sum(bundle)}, "projects": []string{"demo"}}

	for range maxConcurrentAssemblies {
		a.assemblySlots <- struct{}{}
	}
	if code, r := assemble(t, srv, "faultline", req); code != 200 || r.State != "assembling" {
		t.Fatalf("with no free slot: %d %+v, want assembling", code, r)
	}
	<-a.assemblySlots
	if code, r := assemble(t, srv, "faultline", req); code != 200 || r.State != "ok" {
		t.Fatalf("with a free slot: %d %+v %s", code, r, detail(r))
	}
}
