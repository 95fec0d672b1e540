package api

import (
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/faultline/faultline/internal/store"
)

// UploadLimits bound what sentry-cli may upload; the chunk-upload options tell the client.
type UploadLimits struct {
	// ChunkSize is the largest chunk (uncompressed); a power of two, as sentry-cli ≤ 2.39.1 needs.
	ChunkSize int64
	// ChunksPerRequest is the most chunks one POST may carry.
	ChunksPerRequest int
	// MaxRequestSize bounds the sum of the (uncompressed) chunks of one POST.
	MaxRequestSize int64
	// MaxBundleSize bounds an assembled artifact bundle (sentry-cli's maxFileSize).
	MaxBundleSize int64
	// Concurrency is how many chunk requests the client may run at once.
	Concurrency int
}

// DefaultUploadLimits are the limits when Config.Upload is zero: 8 MiB chunks as Sentry uses,
// but fewer per request and less concurrency, since chunks pass through the database. A request
// (16 MiB of chunks plus framing) stays under the collector HTTP server's default
// max_request_body_size of 20 MiB, which cuts off anything larger before it reaches the API.
var DefaultUploadLimits = UploadLimits{
	ChunkSize: 8 << 20, ChunksPerRequest: 2, MaxRequestSize: 16 << 20, MaxBundleSize: 256 << 20, Concurrency: 2,
}

func (l UploadLimits) orDefaults() UploadLimits {
	d := DefaultUploadLimits
	if l.ChunkSize > 0 {
		d.ChunkSize = l.ChunkSize
	}
	if l.ChunksPerRequest > 0 {
		d.ChunksPerRequest = l.ChunksPerRequest
	}
	if l.MaxRequestSize > 0 {
		d.MaxRequestSize = l.MaxRequestSize
	}
	if l.MaxBundleSize > 0 {
		d.MaxBundleSize = l.MaxBundleSize
	}
	if l.Concurrency > 0 {
		d.Concurrency = l.Concurrency
	}
	return d
}

// multipartSlack is what the multipart framing of one chunk may add to a request body.
const multipartSlack = 4 << 10

// chunkUploadOptions answers sentry-cli's first question: where and how to upload.
func (a *API) chunkUploadOptions(w http.ResponseWriter, r *http.Request) {
	if !a.checkOrg(w, r) {
		return
	}
	l := a.limits
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"url":              scheme + "://" + r.Host + "/api/0/organizations/" + a.cfg.Org + "/chunk-upload/",
		"chunkSize":        l.ChunkSize,
		"chunksPerRequest": l.ChunksPerRequest,
		"maxFileSize":      l.MaxBundleSize,
		"maxRequestSize":   l.MaxRequestSize,
		"concurrency":      l.Concurrency,
		"hashAlgorithm":    "sha1",
		"compression":      []string{"gzip"},
		// sentry-cli 3.x ignores this list; 2.x reads it as capabilities.
		"accept": []string{"artifact_bundles", "artifact_bundles_v2"},
	})
}

// uploadChunks takes a multipart POST of chunks: parts named "file" (raw) or "file_gzip"
// (gzip-compressed), each with the lowercase hex SHA-1 of its uncompressed bytes as filename.
// Every chunk is checked against its name and the limits before any is stored, and all are
// stored in one transaction, so a refused request leaves nothing behind.
func (a *API) uploadChunks(w http.ResponseWriter, r *http.Request) {
	if !a.checkOrg(w, r) {
		return
	}
	l := a.limits
	bodyLimit := l.MaxRequestSize + int64(l.ChunksPerRequest)*multipartSlack
	if r.ContentLength > bodyLimit {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request too large: %d bytes, the limit is %d (maxRequestSize %d plus framing)", r.ContentLength, bodyLimit, l.MaxRequestSize))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, bodyLimit)
	mr, err := r.MultipartReader()
	if errors.Is(err, http.ErrNotMultipart) && r.ContentLength <= 0 {
		w.WriteHeader(http.StatusOK) // sentry-cli may probe with an empty POST
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "chunk upload must be multipart/form-data: "+err.Error())
		return
	}
	var chunks []store.Chunk
	var total int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeBodyError(w, fmt.Errorf("read multipart body: %w", err), http.StatusBadRequest)
			return
		}
		if len(chunks) == l.ChunksPerRequest {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Too many chunks: at most %d per request", l.ChunksPerRequest))
			return
		}
		c, status, err := readChunk(part, l.ChunkSize)
		part.Close()
		if err != nil {
			writeBodyError(w, err, status)
			return
		}
		total += int64(len(c.Data))
		if total > l.MaxRequestSize {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request too large: the chunks add up to more than maxRequestSize %d bytes", l.MaxRequestSize))
			return
		}
		chunks = append(chunks, c)
	}
	if len(chunks) > 0 {
		if err := a.st.PutChunks(r.Context(), chunks); err != nil {
			writeStoreError(w, err)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// readChunk reads and verifies one part; on error it also returns the status to answer with.
func readChunk(part *multipart.Part, chunkSize int64) (store.Chunk, int, error) {
	field := part.FormName()
	if field != "file" && field != "file_gzip" {
		return store.Chunk{}, http.StatusBadRequest, fmt.Errorf("unexpected form field %q: chunks go in fields file or file_gzip", field)
	}
	want := strings.ToLower(part.FileName())
	if !isSHA1(want) {
		return store.Chunk{}, http.StatusBadRequest, fmt.Errorf("chunk filename %q is not the hex SHA-1 of the chunk", part.FileName())
	}
	var body io.Reader = part
	if field == "file_gzip" {
		zr, err := gzip.NewReader(part)
		if err != nil {
			return store.Chunk{}, http.StatusBadRequest, fmt.Errorf("chunk %s: not gzip: %w", want, err)
		}
		defer zr.Close()
		body = zr
	}
	data, err := io.ReadAll(io.LimitReader(body, chunkSize+1))
	if err != nil {
		return store.Chunk{}, http.StatusBadRequest, fmt.Errorf("chunk %s: %w", want, err)
	}
	if int64(len(data)) > chunkSize {
		return store.Chunk{}, http.StatusRequestEntityTooLarge, fmt.Errorf("chunk size too large: chunk %s is over the chunk size of %d bytes", want, chunkSize)
	}
	sum := sha1.Sum(data)
	if got := hex.EncodeToString(sum[:]); got != want {
		return store.Chunk{}, http.StatusBadRequest, fmt.Errorf("chunk %s: its content has SHA-1 %s; the upload was corrupted or the name is wrong", want, got)
	}
	return store.Chunk{Checksum: want, Data: data}, 0, nil
}

// writeBodyError answers a failed body read: 413 when the body passed its limit, else status.
func writeBodyError(w http.ResponseWriter, err error, status int) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request too large: the body is over %d bytes", tooLarge.Limit))
		return
	}
	writeError(w, status, err.Error())
}

func isSHA1(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && s == strings.ToLower(s)
}
