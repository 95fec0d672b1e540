package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// PostgresOptions tune the PostgreSQL backend.
type PostgresOptions struct {
	// MaxConns bounds the connection pool (default 10).
	MaxConns int
	// Clock is what the store reads as now (default time.Now); tests pin it.
	Clock func() time.Time
}

// OpenPostgres connects to PostgreSQL and brings the schema up to date.
//
// Any number of collectors may write to one database at once: each Write is one transaction,
// issue creation is decided by the unique (project, hash) key of issue_hashes (INSERT … ON
// CONFLICT), and every transaction takes its locks in the same order (see writeBatch). Should the
// server still abort a transaction as a deadlock or serialization failure, it is retried.
func OpenPostgres(ctx context.Context, dsn string, opts PostgresOptions) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10
	}
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, db, postgresDialect); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &sqlStore{d: postgresDialect, db: db, wdb: db, clock: clockOrDefault(opts.Clock), alerts: newAlertState()}
	s.write = s.writeConcurrent
	s.append = s.writeConcurrent // no inbox here yet (see the package doc)
	s.closeFn = db.Close
	return s, nil
}

// writeConcurrent writes a batch on a server database (PostgreSQL, MySQL), where other writers
// run at once: a transaction the server aborted for a conflict with them is tried again.
func (s *sqlStore) writeConcurrent(ctx context.Context, evs []*prepared) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		if attempt > 0 {
			resetPrepared(evs)
			select {
			case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err = s.pipelinedTx(ctx, func(t *tx) error { return t.writeBatch(evs) })
		if err == nil || !retryable(err) {
			return err
		}
	}
	return fmt.Errorf("%s: write of %d events kept conflicting: %w", s.d.name, len(evs), err)
}

// retryable reports errors a fresh transaction can get past.
func retryable(err error) bool {
	if errors.Is(err, errIssueVanished) || errors.Is(err, errConflict) || mysqlRetryable(err) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "40P01", "40001", "23505": // deadlock, serialization failure, unique violation
			return true
		}
	}
	return false
}
