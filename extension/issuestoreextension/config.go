package issuestoreextension

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"

	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/internal/store"
)

// DemoToken is the API token of the demo configuration (printed in the README). It is accepted
// only while the server listens on a loopback address.
const DemoToken = "flt_demo_4c1f0e8a2b7d49e6a3c5f0d1b2e8c7a9"

// Config configures the issuestore extension.
type Config struct {
	// ServerConfig is the HTTP server of the API and UI (endpoint, tls, cors, auth …).
	confighttp.ServerConfig `mapstructure:",squash"`
	// APIToken is the bearer token /api/0/ requires.
	APIToken configopaque.String `mapstructure:"api_token"`
	// SQLite is the embedded database, used when neither PostgresDSN nor MySQLDSN is set.
	SQLite SQLiteConfig `mapstructure:"sqlite"`
	// PostgresDSN selects PostgreSQL when set (e.g. postgres://user@host:5432/faultline).
	PostgresDSN configopaque.String `mapstructure:"postgres_dsn"`
	// PostgresMaxConns bounds the PostgreSQL connection pool.
	PostgresMaxConns int `mapstructure:"postgres_max_conns"`
	// MySQLDSN selects MySQL / MariaDB when set (go-sql-driver form, e.g.
	// faultline:secret@tcp(db:3306)/faultline).
	MySQLDSN configopaque.String `mapstructure:"mysql_dsn"`
	// MySQLMaxConns bounds the MySQL connection pool.
	MySQLMaxConns int `mapstructure:"mysql_max_conns"`
	// Projects are the projects the API shows (organization "faultline").
	Projects []ProjectConfig `mapstructure:"projects"`
	// RetentionDays is how long events are kept (projects may override it).
	RetentionDays int `mapstructure:"retention_days"`
	// MaxSize is the store's disk budget, a size such as "10GiB"; empty means none.
	MaxSize string `mapstructure:"max_size"`
	// ArtifactRetentionDays is how long an artifact bundle no lookup used is kept.
	ArtifactRetentionDays int `mapstructure:"artifact_retention_days"`
	// SweepInterval is how often the store is swept (retention, budget, artifacts).
	SweepInterval time.Duration `mapstructure:"sweep_interval"`
	// UI configures the web pages served at /.
	UI UIConfig `mapstructure:"ui"`
	// Alerts configures alert rules and the targets they notify.
	Alerts AlertsConfig `mapstructure:"alerts"`
	_      struct{}
}

// UIConfig configures the web UI.
type UIConfig struct {
	// TraceURL links trace ids to a tracing UI; "{trace_id}" is replaced by the id.
	TraceURL string `mapstructure:"trace_url"`
	// SessionTTL is how long a login lasts.
	SessionTTL time.Duration `mapstructure:"session_ttl"`
	_          struct{}
}

// SQLiteConfig configures the SQLite backend.
type SQLiteConfig struct {
	// Path is the database file; its directory is created when missing.
	Path string `mapstructure:"path"`
	// MaxBatch is the most events one write transaction takes.
	MaxBatch int `mapstructure:"max_batch"`
	_        struct{}
}

// ProjectConfig is one project.
type ProjectConfig struct {
	ID       int64  `mapstructure:"id"`
	Slug     string `mapstructure:"slug"`
	Platform string `mapstructure:"platform"`
	// RetentionDays overrides the store's retention_days for this project; 0 means the default.
	RetentionDays int `mapstructure:"retention_days"`
	// Keys, AllowedOrigins and Quotas are what the sentry receiver applies when it takes its
	// projects from this extension (projects_from): the public keys that may send, the browser
	// origins allowed (empty: any) and the quotas per data category.
	Keys           []string           `mapstructure:"keys"`
	AllowedOrigins []string           `mapstructure:"allowed_origins"`
	Quotas         []projectdef.Quota `mapstructure:"quotas"`
	// Scrubbing is the project's data scrubbing, applied by the sentry receiver and the
	// errorgrouping processor when they take their projects from this extension; absent means
	// Sentry's defaults.
	Scrubbing *projectdef.Scrubbing `mapstructure:"scrubbing"`
	_         struct{}
}

var _ confmap.Validator = (*Config)(nil)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Validate checks the configuration; it refuses the demo token on a non-loopback address.
func (c *Config) Validate() error {
	var errs []error
	if c.APIToken == "" {
		errs = append(errs, errors.New("api_token must be set"))
	}
	switch {
	case c.PostgresDSN != "" && c.MySQLDSN != "":
		errs = append(errs, errors.New("postgres_dsn and mysql_dsn are both set: the store has one backend"))
	case c.PostgresDSN == "" && c.MySQLDSN == "" && c.SQLite.Path == "":
		errs = append(errs, errors.New("one of sqlite::path, postgres_dsn or mysql_dsn must be set"))
	}
	if c.MySQLDSN != "" {
		if _, err := mysql.ParseDSN(string(c.MySQLDSN)); err != nil {
			// The driver's message can quote the DSN, password included: it is not repeated.
			errs = append(errs, errors.New("mysql_dsn is not a MySQL DSN (user:password@tcp(host:3306)/database)"))
		}
	}
	if c.MySQLMaxConns < 0 {
		errs = append(errs, fmt.Errorf("mysql_max_conns %d must not be negative", c.MySQLMaxConns))
	}
	if c.SQLite.MaxBatch < 0 {
		errs = append(errs, fmt.Errorf("sqlite::max_batch %d must not be negative", c.SQLite.MaxBatch))
	}
	if c.PostgresMaxConns < 0 {
		errs = append(errs, fmt.Errorf("postgres_max_conns %d must not be negative", c.PostgresMaxConns))
	}
	if c.RetentionDays <= 0 {
		errs = append(errs, fmt.Errorf("retention_days %d must be at least 1", c.RetentionDays))
	}
	if c.ArtifactRetentionDays <= 0 {
		errs = append(errs, fmt.Errorf("artifact_retention_days %d must be at least 1", c.ArtifactRetentionDays))
	}
	if _, err := c.maxSizeBytes(); err != nil {
		errs = append(errs, err)
	}
	if c.SweepInterval < time.Second {
		errs = append(errs, fmt.Errorf("sweep_interval %s must be at least 1s", c.SweepInterval))
	}
	ids, slugs, keys := map[int64]bool{}, map[string]bool{}, map[string]int64{}
	for i, p := range c.Projects {
		switch {
		case p.ID <= 0:
			errs = append(errs, fmt.Errorf("projects[%d]: id %d must be positive", i, p.ID))
		case ids[p.ID]:
			errs = append(errs, fmt.Errorf("projects[%d]: id %d is used twice", i, p.ID))
		}
		switch {
		case !slugRE.MatchString(p.Slug):
			errs = append(errs, fmt.Errorf("projects[%d]: slug %q must be lowercase letters, digits, - or _", i, p.Slug))
		case slugs[p.Slug]:
			errs = append(errs, fmt.Errorf("projects[%d]: slug %q is used twice", i, p.Slug))
		}
		for _, k := range p.Keys {
			switch other, dup := keys[k]; {
			case k == "":
				errs = append(errs, fmt.Errorf("projects[%d]: empty public key", i))
			case dup:
				errs = append(errs, fmt.Errorf("projects[%d]: public key %q is also a key of project %d; a key must identify one project", i, k, other))
			}
			keys[k] = p.ID
		}
		if _, err := p.Scrubbing.Compile(fmt.Sprintf("projects[%d]", i)); err != nil {
			errs = append(errs, err)
		}
		for j, q := range p.Quotas {
			errs = append(errs, q.Validate(fmt.Sprintf("projects[%d]: quotas[%d]", i, j), append([]string{}, p.Keys...))...)
		}
		if p.RetentionDays < 0 {
			errs = append(errs, fmt.Errorf("projects[%d]: retention_days %d must be at least 1 (or 0 for the store's retention_days)", i, p.RetentionDays))
		}
		ids[p.ID], slugs[p.Slug] = true, true
	}
	errs = append(errs, c.Alerts.validate(ids)...)
	if c.UI.TraceURL != "" {
		if u, err := url.Parse(c.UI.TraceURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.Contains(c.UI.TraceURL, "{trace_id}") {
			errs = append(errs, fmt.Errorf("ui::trace_url %q must be an http(s) URL containing {trace_id}", c.UI.TraceURL))
		}
	}
	if c.UI.SessionTTL < time.Minute {
		errs = append(errs, fmt.Errorf("ui::session_ttl %s must be at least 1m", c.UI.SessionTTL))
	}
	if string(c.APIToken) == DemoToken && !loopback(c.NetAddr.Endpoint) {
		errs = append(errs, fmt.Errorf("refusing to serve the API on %q with the demo api_token: anyone who can reach that address could read and change every issue; set api_token (FAULTLINE_API_TOKEN) to a secret of your own, or bind to 127.0.0.1", c.NetAddr.Endpoint))
	}
	return errors.Join(errs...)
}

// maxSizeBytes parses max_size: 0 when empty.
func (c *Config) maxSizeBytes() (int64, error) {
	if strings.TrimSpace(c.MaxSize) == "" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(c.MaxSize)
	if err != nil {
		return 0, fmt.Errorf("max_size %q is not a size such as 10GiB or 500MB: %w", c.MaxSize, err)
	}
	if n < store.MinMaxSize || n > math.MaxInt64 {
		return 0, fmt.Errorf("max_size %q must be at least %s", c.MaxSize, humanize.IBytes(store.MinMaxSize))
	}
	return int64(n), nil
}

// policy is what the sweep keeps.
func (c *Config) policy() store.Policy {
	maxSize, _ := c.maxSizeBytes() // checked by Validate
	p := store.Policy{
		Retention:         time.Duration(c.RetentionDays) * 24 * time.Hour,
		MaxSize:           maxSize,
		ArtifactRetention: time.Duration(c.ArtifactRetentionDays) * 24 * time.Hour,
	}
	for _, pc := range c.Projects {
		if pc.RetentionDays > 0 {
			if p.ProjectRetention == nil {
				p.ProjectRetention = map[int64]time.Duration{}
			}
			p.ProjectRetention[pc.ID] = time.Duration(pc.RetentionDays) * 24 * time.Hour
		}
	}
	return p
}

// loopback reports whether an endpoint only accepts connections from this machine.
func loopback(endpoint string) bool {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil {
		host = endpoint
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func defaultDataDir() string {
	if d := os.Getenv("FAULTLINE_DATA_DIR"); d != "" {
		return d
	}
	return "./data"
}

func defaultConfig() *Config {
	srv := confighttp.NewDefaultServerConfig()
	srv.NetAddr.Endpoint = "127.0.0.1:8080"
	return &Config{
		ServerConfig: srv,
		APIToken:     DemoToken,
		SQLite:       SQLiteConfig{Path: filepath.Join(defaultDataDir(), "faultline.db")},
		Projects:     []ProjectConfig{{ID: 1, Slug: "demo"}},
		UI:           UIConfig{SessionTTL: 12 * time.Hour},
		// Sentry's defaults: events 90 days, artifact bundles 90 days after their last use.
		RetentionDays:         90,
		ArtifactRetentionDays: 90,
		SweepInterval:         10 * time.Second,
		Alerts:                AlertsConfig{Timeout: 10 * time.Second, MaxAge: 24 * time.Hour},
	}
}
