package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQLOptions tune the MySQL / MariaDB backend.
type MySQLOptions struct {
	// MaxConns bounds the connection pool (default 10).
	MaxConns int
	// Clock is what the store reads as now (default time.Now); tests pin it.
	Clock func() time.Time
}

// OpenMySQL connects to MySQL or MariaDB (go-sql-driver DSN: user:password@tcp(host:3306)/db)
// and brings the schema up to date. The server needs FOR UPDATE SKIP LOCKED (MariaDB 10.6,
// MySQL 8.0).
//
// It works as the PostgreSQL backend does: any number of collectors write at once, every
// transaction takes its locks in the same order (see writeBatch), and a transaction InnoDB
// aborts as a deadlock or lock wait timeout is retried. The session is set up so that the
// queries shared with the other backends mean the same here: READ COMMITTED (PostgreSQL's
// default; InnoDB's REPEATABLE READ would hide rows other writers committed since the
// transaction's first read), backslashes are not escapes, and tables compare strings by
// their bytes (utf8mb4_bin) as SQLite and PostgreSQL do. sql_mode leaves strict mode off: a
// value longer than its key column (see mysqlColumns) is cut short rather than failing the
// write of its event.
func OpenMySQL(ctx context.Context, dsn string, opts MySQLOptions) (Store, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	cfg.InterpolateParams = true // one round trip per statement instead of prepare, execute, close
	cfg.ClientFoundRows = false  // an upsert that changes nothing reports 0 rows, as ON CONFLICT DO NOTHING does
	cfg.Collation = "utf8mb4_bin"
	cfg.MaxAllowedPacket = 0 // the server's
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "'NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES'"
	isolation, err := mysqlIsolationVariable(ctx, cfg)
	if err != nil {
		return nil, err
	}
	cfg.Params[isolation] = "'READ-COMMITTED'"
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	db := sql.OpenDB(conn)
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10
	}
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	// Servers close idle sessions after wait_timeout; a pooled connection is retired well before.
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := migrate(ctx, db, mysqlDialect); err != nil {
		db.Close()
		return nil, fmt.Errorf("mysql: %w", err)
	}
	s := &sqlStore{d: mysqlDialect, db: db, wdb: db, clock: clockOrDefault(opts.Clock), alerts: newAlertState()}
	if err := db.QueryRowContext(ctx, `SELECT @@max_allowed_packet`).Scan(&s.maxPacket); err != nil {
		db.Close()
		return nil, fmt.Errorf("mysql: read max_allowed_packet: %w", err)
	}
	s.write = s.writeConcurrent
	s.append = s.writeConcurrent // no inbox here yet (see the package doc)
	s.closeFn = db.Close
	return s, nil
}

// mysqlIsolationVariable connects once to learn the name of the session's isolation variable:
// MariaDB before 11.1 knows only tx_isolation, MySQL 8 only transaction_isolation.
func mysqlIsolationVariable(ctx context.Context, cfg *mysql.Config) (string, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return "", fmt.Errorf("mysql: %w", err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var version string
	if err := db.QueryRowContext(ctx, `SELECT VERSION()`).Scan(&version); err != nil {
		return "", fmt.Errorf("mysql: connect: %w", err)
	}
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return "tx_isolation", nil
	}
	return "transaction_isolation", nil
}

// mysqlLock takes a named server lock (GET_LOCK) on a connection of its own, waiting at most
// wait (0: not at all). Lock names are server-wide, so they carry the database's name.
func mysqlLock(ctx context.Context, db *sql.DB, name string, wait time.Duration) (release func(), ok bool, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(CONCAT(DATABASE(), '.faultline.', ?), ?)`, name, int64(wait/time.Second)).Scan(&got); err != nil || got.Int64 != 1 {
		if err != nil {
			// The server may have granted the lock before the call failed: ending the session
			// releases it.
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // it returns the ErrBadConn that discards the connection
			conn.Close()
			return nil, false, fmt.Errorf("take lock %s: %w", name, err)
		}
		conn.Close()
		return nil, false, nil
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.faultline.', ?))`, name); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // it returns the ErrBadConn that discards the connection
		}
		conn.Close()
	}, true, nil
}

// errConflict means another writer changed rows this transaction had just read; it is retried.
var errConflict = errors.New("concurrent write conflict")

// mysqlRetryable reports the InnoDB errors a fresh transaction can get past.
func mysqlRetryable(err error) bool {
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case 1213, 1205, 1062: // deadlock, lock wait timeout, duplicate key
			return true
		}
	}
	return false
}

// mysqlColumns are the MySQL types of the text columns in keys and indexes: MySQL indexes no
// TEXT column without a prefix length, so these are VARCHARs sized to stay within InnoDB's
// 3072-byte key (4 bytes a character). Every other TEXT column is a MEDIUMTEXT. A migration that
// keys or indexes a new text column names it here.
var mysqlColumns = map[string]string{
	"issues.status":             "VARCHAR(32)",
	"issue_hashes.hash":         "VARCHAR(255)",
	"events.event_id":           "VARCHAR(64)",
	"issue_users.user_key":      "VARCHAR(512)",
	"issue_tags.key":            "VARCHAR(255)",
	"issue_tags.value":          "VARCHAR(400)",
	"releases.version":          "VARCHAR(255)",
	"artifact_chunks.checksum":  "VARCHAR(64)",
	"artifact_bundles.checksum": "VARCHAR(64)",
	"artifact_bundles.release":  "VARCHAR(255)",
	"artifact_bundles.dist":     "VARCHAR(64)",
	"artifact_files.path":       "VARCHAR(700)",
	"artifact_files.type":       "VARCHAR(64)",
	"artifact_files.url":        "VARCHAR(700)",
	"artifact_files.debug_id":   "VARCHAR(64)",
	"artifact_file_parts.path":  "VARCHAR(700)",
	"alerts.target":             "VARCHAR(255)",
	"alerts.state":              "VARCHAR(32)",
	"alert_last_fired.rule_key": "VARCHAR(255)",
	"alert_users.user_key":      "VARCHAR(512)",
	"outcomes.category":         "VARCHAR(64)",
	"outcomes.outcome":          "VARCHAR(64)",
	"outcomes.reason":           "VARCHAR(255)",
}

var (
	mysqlCreateTable = regexp.MustCompile(`^CREATE TABLE (?:IF NOT EXISTS )?(\w+)`)
	mysqlAddColumn   = regexp.MustCompile(`^(\s*ALTER TABLE (\w+) ADD COLUMN )(\w+) TEXT\b(.*)$`)
	mysqlTextColumn  = regexp.MustCompile(`^(\s*)(\w+) TEXT\b(.*)$`)
	mysqlTableEnd    = regexp.MustCompile(`^\)\s*;\s*$`)
	mysqlDropIndex   = regexp.MustCompile(`^DROP INDEX (\w+);$`)
	mysqlIndexOn     = regexp.MustCompile(`CREATE (?:UNIQUE )?INDEX (\w+) ON (\w+)`)
)

// mysqlDDL translates a migration (its placeholders already replaced) into MySQL's DDL: column
// types (mysqlColumns), table options, DROP INDEX naming its table, and quoted reserved words.
func mysqlDDL(s string) string {
	var b strings.Builder
	table := ""
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case mysqlCreateTable.MatchString(t):
			table = mysqlCreateTable.FindStringSubmatch(t)[1]
		case table != "" && mysqlTableEnd.MatchString(t):
			line = ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;"
			table = ""
		case table != "" && mysqlTextColumn.MatchString(line):
			m := mysqlTextColumn.FindStringSubmatch(line)
			line = m[1] + m[2] + " " + mysqlTextType(table, m[2]) + m[3]
		case mysqlAddColumn.MatchString(line):
			m := mysqlAddColumn.FindStringSubmatch(line)
			line = m[1] + m[3] + " " + mysqlTextType(m[2], m[3]) + m[4]
		case mysqlDropIndex.MatchString(t):
			name := mysqlDropIndex.FindStringSubmatch(t)[1]
			line = "DROP INDEX " + name + " ON " + indexTable(name) + ";"
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return quoteReserved(b.String())
}

func mysqlTextType(table, column string) string {
	if t := mysqlColumns[table+"."+column]; t != "" {
		return t
	}
	return "MEDIUMTEXT"
}

// indexTable is the table an index of the migrations was created on.
func indexTable(name string) string {
	for _, m := range migrations {
		for _, idx := range mysqlIndexOn.FindAllStringSubmatch(m, -1) {
			if idx[1] == name {
				return idx[2]
			}
		}
	}
	return "unknown_table_of_" + name
}

var mysqlRewritten sync.Map // query as written → MySQL's

// mysqlQuery translates a query written for PostgreSQL and SQLite into MySQL's dialect: reserved
// words quoted, ON CONFLICT as ON DUPLICATE KEY UPDATE, and subqueries with a LIMIT inside IN (…)
// made derived tables (MySQL allows neither LIMIT there nor the table a DELETE deletes from).
// RETURNING has no translation: the callers branch on the dialect where they use it.
func mysqlQuery(q string) string {
	if r, ok := mysqlRewritten.Load(q); ok {
		return r.(string)
	}
	r := wrapLimitedSubqueries(upsert(quoteReserved(q)))
	mysqlRewritten.Store(q, r)
	return r
}

// mysqlReserved are the column names our schema uses that MySQL reserves.
var mysqlReserved = map[string]bool{"key": true, "release": true}

// quoteReserved puts backquotes around the lowercase words MySQL reserves, outside string
// literals. SQL keywords are written in capitals in our queries, so "PRIMARY KEY" stays.
func quoteReserved(q string) string {
	var b strings.Builder
	inString := false
	for i := 0; i < len(q); {
		c := q[i]
		if c == '\'' {
			inString = !inString
		}
		if inString || !isWordByte(c) {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(q) && isWordByte(q[j]) {
			j++
		}
		w := q[i:j]
		if mysqlReserved[w] && (i == 0 || q[i-1] != '`') {
			b.WriteString("`" + w + "`")
		} else {
			b.WriteString(w)
		}
		i = j
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

var (
	onConflict     = regexp.MustCompile(`(?s)\s*ON CONFLICT\s*(?:\([^)]*\))?\s*DO (NOTHING|UPDATE SET (.*))$`)
	insertFirstCol = regexp.MustCompile(`INSERT INTO \S+ \(\s*([^,)\s]+)`)
	excludedColumn = regexp.MustCompile(`excluded\.(\w+|` + "`\\w+`" + `)`)
)

// upsert turns ON CONFLICT … DO NOTHING into an update that changes nothing (0 rows affected, as
// PostgreSQL reports), and DO UPDATE SET … [WHERE cond] into ON DUPLICATE KEY UPDATE with
// excluded.c as VALUES(c) and the condition inside each assignment. MySQL assigns left to right,
// so a condition must not read a column an earlier assignment of the same statement sets.
func upsert(q string) string {
	m := onConflict.FindStringSubmatchIndex(q)
	if m == nil {
		return q
	}
	head := q[:m[0]]
	if q[m[2]:m[3]] == "NOTHING" {
		col := insertFirstCol.FindStringSubmatch(head)
		if col == nil {
			return q
		}
		return head + " ON DUPLICATE KEY UPDATE " + col[1] + " = " + col[1]
	}
	set := excludedColumn.ReplaceAllString(q[m[4]:m[5]], "VALUES($1)")
	cond := ""
	if i := strings.LastIndex(set, " WHERE "); i >= 0 {
		set, cond = set[:i], strings.TrimSpace(set[i+len(" WHERE "):])
	}
	if cond != "" {
		parts := splitTopLevel(set)
		for i, p := range parts {
			col, expr, _ := strings.Cut(p, "=")
			col = strings.TrimSpace(col)
			parts[i] = col + " = IF(" + cond + ", " + strings.TrimSpace(expr) + ", " + col + ")"
		}
		set = strings.Join(parts, ", ")
	}
	return head + " ON DUPLICATE KEY UPDATE " + strings.TrimSpace(set)
}

// splitTopLevel splits at the commas outside parentheses.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// wrapLimitedSubqueries makes "IN (SELECT … LIMIT n)" into "IN (SELECT * FROM (SELECT … LIMIT
// n) AS limited)".
func wrapLimitedSubqueries(q string) string {
	const open = "IN (SELECT "
	var b strings.Builder
	for {
		i := strings.Index(q, open)
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		start := i + len("IN (")
		end, depth := -1, 1
		for j := start; j < len(q) && end < 0; j++ {
			switch q[j] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = j
				}
			}
		}
		if end < 0 {
			b.WriteString(q)
			return b.String()
		}
		inner := q[start:end]
		b.WriteString(q[:start])
		if strings.Contains(inner, " LIMIT ") && !strings.Contains(inner, "(SELECT") {
			b.WriteString("SELECT * FROM (" + inner + ") AS limited")
		} else {
			b.WriteString(wrapLimitedSubqueries(inner))
		}
		b.WriteByte(')')
		q = q[end+1:]
	}
}
