package store

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// A new database gets pageSize pages with incremental vacuum and the write-ahead log; one
// created before with other pages keeps them and opens as it did.
func TestSQLitePageSize(t *testing.T) {
	dir := t.TempDir()
	older := filepath.Join(dir, "older.db")
	db, err := sql.Open("sqlite", "file:"+older)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, c := range []struct {
		path string
		want int
	}{{filepath.Join(dir, "new.db"), pageSize}, {older, 4096}} {
		st, err := OpenSQLite(c.path, SQLiteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s := st.(*sqlStore)
		var size, vacuum int
		var journal string
		for q, dest := range map[string]any{`PRAGMA page_size`: &size, `PRAGMA auto_vacuum`: &vacuum, `PRAGMA journal_mode`: &journal} {
			if err := s.wdb.QueryRow(q).Scan(dest); err != nil {
				t.Fatal(err)
			}
		}
		if size != c.want || vacuum != 2 || journal != "wal" {
			t.Errorf("%s: page size %d, auto_vacuum %d, journal %s; want %d, 2 (incremental), wal", filepath.Base(c.path), size, vacuum, journal, c.want)
		}
		write(t, st, ev(0, "a"))
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
