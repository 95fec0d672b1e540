package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
	"time"
)

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

func testBundle(checksum, release string, projects []int64, at time.Time) *ArtifactBundle {
	return &ArtifactBundle{
		Checksum: checksum, BundleID: "9e77a589-21d2-5428-829a-414ebcccce2a", Release: release, Size: 100,
		Projects: projects, Created: at,
		Files: []ArtifactFile{
			{Path: "files/_/_/app.js", Type: "minified_source", URL: "~/app.js", DebugID: "2F259F80-58B7-44CB-D7CD-DE1505E7E718",
				Headers: map[string]string{"sourcemap": "app.js.map"}, Content: []byte("console.log(1) // " + checksum)},
			{Path: "files/_/_/app.js.map", Type: "source_map", URL: "~/app.js.map", DebugID: "2f259f80-58b7-44cb-d7cd-de1505e7e718",
				Content: []byte(`{"version":3,"mappings":""}`)},
		},
	}
}

func TestChunksAreKeptUntilTheirBundleIsStored(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		a, b := []byte("first chunk"), []byte("second chunk")
		if err := s.PutChunks(ctx, []Chunk{{sha1Hex(a), a}}); err != nil {
			t.Fatal(err)
		}
		// Uploading a chunk twice is harmless (sentry-cli retries).
		if err := s.PutChunks(ctx, []Chunk{{sha1Hex(a), a}}); err != nil {
			t.Fatal(err)
		}
		missing, err := s.MissingChunks(ctx, []string{sha1Hex(a), sha1Hex(b), sha1Hex(b)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(missing, []string{sha1Hex(b)}) {
			t.Errorf("missing %v, want only the second chunk once", missing)
		}
		if _, err := s.ChunkData(ctx, []string{sha1Hex(a), sha1Hex(b)}); !errors.Is(err, ErrNotFound) {
			t.Errorf("reading a missing chunk: %v, want ErrNotFound", err)
		}
		if err := s.PutChunks(ctx, []Chunk{{sha1Hex(b), b}}); err != nil {
			t.Fatal(err)
		}
		data, err := s.ChunkData(ctx, []string{sha1Hex(b), sha1Hex(a)})
		if err != nil {
			t.Fatal(err)
		}
		if string(data[0]) != "second chunk" || string(data[1]) != "first chunk" {
			t.Errorf("chunk data out of order: %q", data)
		}
		// Storing the bundle they make up drops them.
		bundle := testBundle(sha1Hex([]byte("first chunksecond chunk")), "", []int64{1}, base)
		bundle.Chunks = []string{sha1Hex(a), sha1Hex(b)}
		if err := s.PutBundle(ctx, bundle); err != nil {
			t.Fatal(err)
		}
		if missing, _ := s.MissingChunks(ctx, bundle.Chunks); len(missing) != 2 {
			t.Errorf("chunks still stored after assembly: missing only %v", missing)
		}
	})
}

func TestBundlesAreFoundPerProjectNewestFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		old := testBundle(sha1Hex([]byte("old")), "web@1.0.0", []int64{1}, base)
		if err := s.PutBundle(ctx, old); err != nil {
			t.Fatal(err)
		}
		newer := testBundle(sha1Hex([]byte("new")), "web@1.0.0", []int64{1}, base.Add(time.Minute))
		if err := s.PutBundle(ctx, newer); err != nil {
			t.Fatal(err)
		}

		a, err := s.ArtifactByDebugID(ctx, 1, "2f259f80-58b7-44cb-d7cd-de1505e7e718", "minified_source")
		if err != nil {
			t.Fatal(err)
		}
		if a.Checksum != newer.Checksum || a.URL != "~/app.js" || a.Headers["sourcemap"] != "app.js.map" {
			t.Errorf("by debug id: %+v, want the newer bundle's app.js with its headers", a)
		}
		body, err := s.ArtifactContent(ctx, a.Bundle, a.Path)
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != "console.log(1) // "+newer.Checksum {
			t.Errorf("content %q", body)
		}
		m, err := s.ArtifactByURL(ctx, 1, "web@1.0.0", "", "~/app.js.map")
		if err != nil {
			t.Fatal(err)
		}
		if m.Type != "source_map" || m.Checksum != newer.Checksum {
			t.Errorf("by url: %+v", m)
		}

		// Re-uploading the old bundle makes it the newest again, without its chunks.
		ok, err := s.ReuseBundle(ctx, old.Checksum, "web@1.0.0", "", []int64{1}, base.Add(time.Hour))
		if err != nil || !ok {
			t.Fatalf("reuse: %v %v", ok, err)
		}
		if a, _ := s.ArtifactByDebugID(ctx, 1, "2f259f80-58b7-44cb-d7cd-de1505e7e718", "source_map"); a == nil || a.Checksum != old.Checksum {
			t.Errorf("after re-upload the old bundle should win: %+v", a)
		}

		for _, miss := range []func() error{
			func() error {
				_, err := s.ArtifactByDebugID(ctx, 2, "2f259f80-58b7-44cb-d7cd-de1505e7e718", "source_map")
				return err
			},
			func() error { _, err := s.ArtifactByURL(ctx, 2, "web@1.0.0", "", "~/app.js"); return err },
			func() error { _, err := s.ArtifactByURL(ctx, 1, "web@1.0.0", "prod", "~/app.js"); return err },
			func() error { _, err := s.ArtifactByURL(ctx, 1, "web@2.0.0", "", "~/app.js"); return err },
		} {
			if err := miss(); !errors.Is(err, ErrNotFound) {
				t.Errorf("lookup outside the project, release or dist: %v, want ErrNotFound", err)
			}
		}
		if ok, err := s.ReuseBundle(ctx, sha1Hex([]byte("never")), "", "", []int64{1}, base); ok || err != nil {
			t.Errorf("reuse of an unknown bundle: %v %v", ok, err)
		}

		// The same content uploaded for another project links it; project 2 then sees it too.
		if err := s.PutBundle(ctx, testBundle(newer.Checksum, "web@1.0.0", []int64{2}, base.Add(2*time.Hour))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ArtifactByURL(ctx, 2, "web@1.0.0", "", "~/app.js"); err != nil {
			t.Errorf("after uploading for project 2: %v", err)
		}
	})
}

func TestBundleWriteIsAllOrNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		b := testBundle(sha1Hex([]byte("dup")), "", []int64{1}, base)
		b.Files[1].Path = b.Files[0].Path // violates the primary key after the first file
		if err := s.PutBundle(ctx, b); err == nil {
			t.Fatal("a bundle with a duplicate path was stored")
		}
		if _, err := s.ArtifactByDebugID(ctx, 1, "2f259f80-58b7-44cb-d7cd-de1505e7e718", "minified_source"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a failed bundle write left files behind: %v", err)
		}
		if ok, _ := s.ReuseBundle(ctx, b.Checksum, "", "", []int64{1}, base); ok {
			t.Error("a failed bundle write left its bundle row behind")
		}
	})
}

// A file larger than MySQL's max_allowed_packet (the server's own value, whatever it is) is
// stored in parts and read back whole; deleting its bundle deletes the parts.
func TestMySQLStoresABundleFileOverMaxAllowedPacket(t *testing.T) {
	if !mysqlOn {
		t.Skip("MySQL off")
	}
	ctx := context.Background()
	st, err := OpenMySQL(ctx, mysqlDSN(t), MySQLOptions{Clock: testClock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*sqlStore)
	big := make([]byte, s.maxPacket+1)
	rand.Read(big) // incompressible
	b := testBundle(sha1Hex(big), "r1", []int64{1}, testNow)
	b.Files[0].Content = big
	if err := s.PutBundle(ctx, b); err != nil {
		t.Fatalf("PutBundle of a %d-byte file (max_allowed_packet %d): %v", len(big), s.maxPacket, err)
	}
	checkBundleContent(t, s, b)
	if n := countRows(t, s, `SELECT COUNT(*) FROM artifact_file_parts`); n < 2 {
		t.Errorf("%d parts stored for a file over max_allowed_packet, want at least 2", n)
	}
	if _, err := s.DeleteProject(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM artifact_file_parts`); n != 0 {
		t.Errorf("%d parts left after their bundle was deleted", n)
	}
}

// With a small max_allowed_packet (set on the store: the test server is shared, so its global
// value stays) files go in many parts, read back in order; small and empty files stay whole.
func TestMySQLBundleFilesInManyParts(t *testing.T) {
	if !mysqlOn {
		t.Skip("MySQL off")
	}
	ctx := context.Background()
	st, err := OpenMySQL(ctx, mysqlDSN(t), MySQLOptions{Clock: testClock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*sqlStore)
	s.maxPacket = 160 << 10 // parts of 48 KiB
	big := make([]byte, 800<<10)
	rand.Read(big)
	b := testBundle(sha1Hex(big), "r1", []int64{1}, testNow)
	b.Files[0].Content = big
	b.Files[1].Content = nil
	if err := s.PutBundle(ctx, b); err != nil {
		t.Fatal(err)
	}
	checkBundleContent(t, s, b)
	if n := countRows(t, s, `SELECT COUNT(*) FROM artifact_file_parts`); n < 12 {
		t.Errorf("%d parts for %d bytes in parts of %d, want at least 12", n, len(big), s.filePartSize())
	}
}

func checkBundleContent(t *testing.T, s Store, b *ArtifactBundle) {
	t.Helper()
	ctx := context.Background()
	for _, f := range b.Files {
		a, err := s.ArtifactByURL(ctx, 1, b.Release, "", f.URL)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		got, err := s.ArtifactContent(ctx, a.Bundle, f.Path)
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if !bytes.Equal(got, f.Content) {
			t.Errorf("%s: read %d bytes back, stored %d (or they differ)", f.Path, len(got), len(f.Content))
		}
	}
}

func countRows(t *testing.T, s *sqlStore, q string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
