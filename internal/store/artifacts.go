package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ChunkTTL is how long an uploaded chunk waits for the assemble request that names it; the
// sweep deletes it after that.
const ChunkTTL = time.Hour

// lastUsedEvery is how often a lookup records that it used a bundle: the sweep counts unused
// time in days, and a lookup should not become a write.
const lastUsedEvery = time.Hour

// Artifacts stores what `sentry-cli sourcemaps upload` sends: content-addressed chunks, then the
// artifact bundles assembled from them, indexed per project by debug id and by release, dist and
// URL. Bundles are validated and indexed by the caller; the store only keeps them.
type Artifacts interface {
	// PutChunks stores chunks (already verified against their checksums) in one transaction;
	// chunks it already has are kept.
	PutChunks(ctx context.Context, chunks []Chunk) error
	// MissingChunks returns the checksums of the list that the store does not have, in order.
	MissingChunks(ctx context.Context, checksums []string) ([]string, error)
	// ChunkData returns the chunks' bytes in the order given; ErrNotFound when one is missing.
	ChunkData(ctx context.Context, checksums []string) ([][]byte, error)
	// ReuseBundle links an already stored bundle (same checksum, release and dist) to the
	// projects and makes it the newest; it reports whether there was such a bundle.
	ReuseBundle(ctx context.Context, checksum, release, dist string, projects []int64, now time.Time) (bool, error)
	// PutBundle stores a bundle with its files and project links, and drops the chunks it was
	// assembled from, in one transaction.
	PutBundle(ctx context.Context, b *ArtifactBundle) error
	// ArtifactByDebugID returns the newest file of a type with a debug id among the project's
	// bundles; ErrNotFound when there is none.
	ArtifactByDebugID(ctx context.Context, project int64, debugID, typ string) (*Artifact, error)
	// ArtifactByURL returns the newest file stored under an artifact name in the project's
	// bundles of a release and dist ("" for none); ErrNotFound when there is none.
	ArtifactByURL(ctx context.Context, project int64, release, dist, url string) (*Artifact, error)
	// ArtifactContent returns the bytes of one file of a stored bundle.
	ArtifactContent(ctx context.Context, bundle int64, path string) ([]byte, error)
}

// Chunk is one piece of an upload, named by the lowercase hex SHA-1 of its bytes.
type Chunk struct {
	Checksum string
	Data     []byte
}

// ArtifactBundle is an assembled, validated bundle.
type ArtifactBundle struct {
	Checksum string // SHA-1 of the whole bundle
	BundleID string // the manifest's debug_id
	Release  string
	Dist     string
	Size     int64
	Projects []int64
	Files    []ArtifactFile
	Created  time.Time
	// Chunks are the checksums of the chunks it was assembled from; they are no longer needed
	// once it is stored.
	Chunks []string
}

// ArtifactFile is one file of a bundle.
type ArtifactFile struct {
	Path    string // inside the bundle
	Type    string // minified_source, source_map, source, …
	URL     string // artifact name, "~/app.js" or absolute
	DebugID string // normalized, "" when none
	Headers map[string]string
	Content []byte
}

// Artifact is a file found by a lookup, without its content.
type Artifact struct {
	Bundle   int64  // storage id of its bundle, for ArtifactContent
	Checksum string // of its bundle: with Path it identifies the content
	Path     string
	Type     string
	URL      string
	DebugID  string
	Headers  map[string]string
}

func (s *sqlStore) PutChunks(ctx context.Context, chunks []Chunk) error {
	now := s.now()
	return s.inTx(ctx, func(t *tx) error {
		for _, c := range chunks {
			if _, err := t.exec(`INSERT INTO artifact_chunks (checksum, data, created) VALUES (?, ?, ?) ON CONFLICT (checksum) DO UPDATE SET created = excluded.created`,
				c.Checksum, c.Data, now.UnixMicro()); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *sqlStore) MissingChunks(ctx context.Context, checksums []string) ([]string, error) {
	have := map[string]bool{}
	for part := range slices.Chunk(checksums, 500) {
		args := make([]any, len(part))
		for i, c := range part {
			args[i] = c
		}
		rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT checksum FROM artifact_chunks WHERE checksum IN (`+placeholders(len(part))+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("look up chunks: %w", err)
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up chunks: %w", err)
			}
			have[c] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("look up chunks: %w", err)
		}
	}
	missing := []string{}
	for _, c := range checksums {
		if !have[c] {
			missing = append(missing, c)
			have[c] = true // list each once
		}
	}
	return missing, nil
}

func (s *sqlStore) ChunkData(ctx context.Context, checksums []string) ([][]byte, error) {
	out := make([][]byte, len(checksums))
	for i, c := range checksums {
		err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT data FROM artifact_chunks WHERE checksum = ?`), c).Scan(&out[i])
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("chunk %s: %w", c, ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("read chunk %s: %w", c, err)
		}
	}
	return out, nil
}

func (s *sqlStore) ReuseBundle(ctx context.Context, checksum, release, dist string, projects []int64, now time.Time) (bool, error) {
	found := false
	err := s.inTx(ctx, func(t *tx) error {
		row, err := t.queryRow(`SELECT id FROM artifact_bundles WHERE checksum = ? AND release = ? AND dist = ?`, checksum, release, dist)
		if err != nil {
			return err
		}
		var id int64
		switch err := row.Scan(&id); {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("look up bundle %s: %w", checksum, err)
		}
		found = true
		return t.linkBundle(id, projects, now)
	})
	return found, err
}

func (t *tx) linkBundle(id int64, projects []int64, now time.Time) error {
	if _, err := t.exec(`UPDATE artifact_bundles SET created = ?, last_used = ? WHERE id = ?`, now.UnixMicro(), now.UnixMicro(), id); err != nil {
		return err
	}
	for _, p := range projects {
		if _, err := t.exec(`INSERT INTO artifact_bundle_projects (project_id, bundle_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, p, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlStore) PutBundle(ctx context.Context, b *ArtifactBundle) error {
	switch {
	case len(b.Checksum) != 40:
		return &InputError{Msg: fmt.Sprintf("bundle checksum %q is not a SHA-1", b.Checksum)}
	case len(b.Projects) == 0:
		return &InputError{Msg: "a bundle must belong to at least one project"}
	}
	created := b.Created
	if created.IsZero() {
		created = s.now()
	}
	// Marshalled and compressed before the transaction, so that it holds its locks no longer.
	type storedFile struct {
		headers []byte
		content []byte
	}
	files := make([]storedFile, len(b.Files))
	for i, f := range b.Files {
		headers, err := json.Marshal(f.Headers)
		if err != nil {
			return fmt.Errorf("bundle file %s headers: %w", f.Path, err)
		}
		files[i] = storedFile{headers, compress(f.Content)}
	}
	// On MySQL a statement, and so a stored value, is at most max_allowed_packet: a file whose
	// compressed content might not fit in one goes in parts (artifact_file_parts), its
	// artifact_files row left with empty content.
	partSize := s.filePartSize()
	return s.inTx(ctx, func(t *tx) error {
		for _, c := range b.Chunks {
			if _, err := t.exec(`DELETE FROM artifact_chunks WHERE checksum = ?`, c); err != nil {
				return err
			}
		}
		id, inserted, err := t.insertID(`INSERT INTO artifact_bundles (checksum, bundle_id, release, dist, size, created, last_used) VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (checksum, release, dist) DO NOTHING RETURNING id`, b.Checksum, b.BundleID, b.Release, b.Dist, b.Size, created.UnixMicro(), created.UnixMicro())
		switch {
		case err == nil && !inserted:
			// Stored by a concurrent upload of the same content: its files are already there.
			row, err := t.queryRow(`SELECT id FROM artifact_bundles WHERE checksum = ? AND release = ? AND dist = ?`, b.Checksum, b.Release, b.Dist)
			if err != nil {
				return err
			}
			if err := row.Scan(&id); err != nil {
				return fmt.Errorf("look up bundle %s: %w", b.Checksum, err)
			}
			return t.linkBundle(id, b.Projects, created)
		case err != nil:
			return fmt.Errorf("insert bundle %s: %w", b.Checksum, err)
		}
		for i, f := range b.Files {
			content := files[i].content
			// The headers go in the same statement as the content, escaped like it.
			inParts := partSize > 0 && len(content)+len(files[i].headers) > partSize
			whole := content
			if inParts {
				whole = []byte{}
			}
			if _, err := t.exec(`INSERT INTO artifact_files (bundle_id, path, type, url, debug_id, headers, content) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, f.Path, f.Type, f.URL, strings.ToLower(f.DebugID), string(files[i].headers), whole); err != nil {
				return err
			}
			if !inParts {
				continue
			}
			for part := 0; len(content) > 0; part++ {
				n := min(partSize, len(content))
				if _, err := t.exec(`INSERT INTO artifact_file_parts (bundle_id, path, part, content) VALUES (?, ?, ?, ?)`, id, f.Path, part, content[:n]); err != nil {
					return err
				}
				content = content[n:]
			}
		}
		return t.linkBundle(id, b.Projects, created)
	})
}

const artifactColumns = `b.id, b.checksum, f.path, f.type, f.url, f.debug_id, f.headers, b.last_used`

func (s *sqlStore) findArtifact(ctx context.Context, what, where string, args ...any) (*Artifact, error) {
	q := `SELECT ` + artifactColumns + ` FROM artifact_files f
	JOIN artifact_bundle_projects p ON p.bundle_id = f.bundle_id
	JOIN artifact_bundles b ON b.id = f.bundle_id
	WHERE ` + where + ` ORDER BY b.created DESC, b.id DESC LIMIT 1`
	var a Artifact
	var headers string
	var lastUsed int64
	err := s.db.QueryRowContext(ctx, s.d.rebind(q), args...).Scan(&a.Bundle, &a.Checksum, &a.Path, &a.Type, &a.URL, &a.DebugID, &headers, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("artifact %s: %w", what, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("look up artifact %s: %w", what, err)
	}
	if err := json.Unmarshal([]byte(headers), &a.Headers); err != nil {
		return nil, fmt.Errorf("artifact %s headers: %w", what, err)
	}
	if now := s.now(); now.Sub(fromMicros(lastUsed)) >= lastUsedEvery {
		err := s.inTx(ctx, func(t *tx) error {
			_, err := t.exec(`UPDATE artifact_bundles SET last_used = ? WHERE id = ? AND last_used < ?`, now.UnixMicro(), a.Bundle, now.UnixMicro())
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("artifact %s: record its use: %w", what, err)
		}
	}
	return &a, nil
}

func (s *sqlStore) ArtifactByDebugID(ctx context.Context, project int64, debugID, typ string) (*Artifact, error) {
	return s.findArtifact(ctx, typ+" "+debugID, `p.project_id = ? AND f.debug_id = ? AND f.type = ?`, project, strings.ToLower(debugID), typ)
}

func (s *sqlStore) ArtifactByURL(ctx context.Context, project int64, release, dist, url string) (*Artifact, error) {
	return s.findArtifact(ctx, url, `p.project_id = ? AND f.url = ? AND b.release = ? AND b.dist = ?`, project, url, release, dist)
}

func (s *sqlStore) ArtifactContent(ctx context.Context, bundle int64, path string) ([]byte, error) {
	var blob []byte
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT content FROM artifact_files WHERE bundle_id = ? AND path = ?`), bundle, path).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("artifact %s of bundle %d: %w", path, bundle, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read artifact %s of bundle %d: %w", path, bundle, err)
	}
	if len(blob) == 0 && s.maxPacket > 0 {
		// Stored in parts (or empty: no parts). Each part is a row of its own: no row the server
		// sends is larger than max_allowed_packet either.
		if blob, err = s.fileParts(ctx, bundle, path); err != nil {
			return nil, fmt.Errorf("read artifact %s of bundle %d: %w", path, bundle, err)
		}
	}
	return decompress(blob)
}

// filePartSize is the most compressed content one stored value of a bundle file holds: on MySQL
// what fits in a statement within max_allowed_packet even when the driver doubles every byte
// (it escapes a quote by doubling it) with room for the rest of the statement; 0 (no limit) on
// the other backends.
func (s *sqlStore) filePartSize() int {
	if s.maxPacket <= 0 {
		return 0
	}
	return max((s.maxPacket-filePartOverhead)/2, 1024)
}

// filePartOverhead is what a statement storing a bundle file carries besides its content: the
// query, the path (700 characters) and the headers, escaped.
const filePartOverhead = 64 << 10

func (s *sqlStore) fileParts(ctx context.Context, bundle int64, path string) ([]byte, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT content FROM artifact_file_parts WHERE bundle_id = ? AND path = ? ORDER BY part`), bundle, path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []byte
	for rows.Next() {
		var part sql.RawBytes
		if err := rows.Scan(&part); err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, rows.Err()
}
