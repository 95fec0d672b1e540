package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The same suite runs against all three backends. MariaDB (or MySQL) is the real server at
// 127.0.0.1:3306 (root, no password): every test gets a database of its own, dropped after;
// FAULTLINE_TEST_MYSQL=off skips it. PostgreSQL is the real server at 127.0.0.1:5432
// (user postgres, trust auth): TestMain creates a fresh database for the run and drops it after;
// every test gets its own schema in it. FAULTLINE_TEST_POSTGRES=off skips PostgreSQL; otherwise
// an unreachable server fails the run.

const pgAdminDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var pgDatabase string // the run's database; empty when PostgreSQL is off

func TestMain(m *testing.M) {
	if os.Getenv("FAULTLINE_TEST_POSTGRES") != "off" {
		name, err := createTestDatabase()
		if err != nil {
			fmt.Fprintf(os.Stderr, "store tests need PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); set FAULTLINE_TEST_POSTGRES=off to skip it: %v\n", err)
			os.Exit(1)
		}
		pgDatabase = name
	}
	if os.Getenv("FAULTLINE_TEST_MYSQL") != "off" {
		if err := pingMySQL(); err != nil {
			fmt.Fprintf(os.Stderr, "store tests need MariaDB or MySQL at 127.0.0.1:3306 (user root, no password); set FAULTLINE_TEST_MYSQL=off to skip it: %v\n", err)
			os.Exit(1)
		}
		mysqlOn = true
	}
	code := m.Run()
	if pgDatabase != "" {
		if err := dropTestDatabase(pgDatabase); err != nil {
			fmt.Fprintf(os.Stderr, "drop test database %s: %v\n", pgDatabase, err)
		}
	}
	os.Exit(code)
}

func createTestDatabase() (string, error) {
	db, err := sql.Open("pgx", pgAdminDSN)
	if err != nil {
		return "", err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	name := "faultline_test_" + randomHex(6)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return name, nil
}

func dropTestDatabase(name string) error {
	db, err := sql.Open("pgx", pgAdminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// postgresDSN returns a DSN for a fresh schema of the run's database.
func postgresDSN(t testing.TB) string {
	t.Helper()
	schema := "t_" + randomHex(6)
	db, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres@127.0.0.1:5432/%s?sslmode=disable", pgDatabase))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:5432/%s?sslmode=disable&search_path=%s", pgDatabase, schema)
}

// mysqlAdminDSN is the test server's root account (the tests' database server is local and
// throwaway; every test makes a database of its own on it).
const mysqlAdminDSN = "root@tcp(127.0.0.1:3306)/"

var mysqlOn bool // false when FAULTLINE_TEST_MYSQL=off

func pingMySQL() error {
	db, err := sql.Open("mysql", mysqlAdminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// mysqlDSN returns a DSN for a fresh database, dropped when the test ends.
func mysqlDSN(t testing.TB) string {
	t.Helper()
	name := "faultline_t_" + randomHex(6)
	db, err := sql.Open("mysql", mysqlAdminDSN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return mysqlAdminDSN + name
}

type backend struct {
	name string
	open func(t testing.TB) Store
}

func backends() []backend { return backendsOn(testClock) }

// backendsOn is backends whose stores read the given clock.
func backendsOn(clock func() time.Time) []backend {
	bs := []backend{{"sqlite", func(t testing.TB) Store {
		s, err := OpenSQLite(filepath.Join(t.TempDir(), "faultline.db"), SQLiteOptions{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}}}
	if pgDatabase != "" {
		bs = append(bs, backend{"postgres", func(t testing.TB) Store {
			s, err := OpenPostgres(context.Background(), postgresDSN(t), PostgresOptions{Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}})
	}
	if mysqlOn {
		bs = append(bs, backend{"mysql", func(t testing.TB) Store {
			s, err := OpenMySQL(context.Background(), mysqlDSN(t), MySQLOptions{Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}})
	}
	return bs
}

// eachBackend runs fn once per backend with a fresh, empty store.
func eachBackend(t *testing.T, fn func(t *testing.T, s Store)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open(t)) })
	}
	if pgDatabase == "" {
		t.Log("PostgreSQL skipped: FAULTLINE_TEST_POSTGRES=off")
	}
}

// serverBackend is a database server several stores can share, as several collectors do.
type serverBackend struct {
	name string
	// database makes a fresh database and returns what opens a store on it (with its own pool).
	database func(t testing.TB, clock func() time.Time) func(t testing.TB, maxConns int) Store
}

// serverBackends are PostgreSQL and MySQL, when on.
func serverBackends() []serverBackend {
	var bs []serverBackend
	if pgDatabase != "" {
		bs = append(bs, serverBackend{"postgres", func(t testing.TB, clock func() time.Time) func(testing.TB, int) Store {
			dsn := postgresDSN(t)
			return func(t testing.TB, maxConns int) Store {
				s, err := OpenPostgres(context.Background(), dsn, PostgresOptions{MaxConns: maxConns, Clock: clock})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
		}})
	}
	if mysqlOn {
		bs = append(bs, serverBackend{"mysql", func(t testing.TB, clock func() time.Time) func(testing.TB, int) Store {
			dsn := mysqlDSN(t)
			return func(t testing.TB, maxConns int) Store {
				s, err := OpenMySQL(context.Background(), dsn, MySQLOptions{MaxConns: maxConns, Clock: clock})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
		}})
	}
	return bs
}
