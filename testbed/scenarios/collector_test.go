package scenarios

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers the "mysql" database/sql driver
	"github.com/jackc/pgx/v5"

	"github.com/faultline/faultline/testbed/harness"
	"github.com/faultline/faultline/testbed/loadgen"
	"github.com/faultline/faultline/testbed/storeprobe"
)

const (
	projectKey = "e2a7c1f04b9d4e3a8f6b5c2d1a0e9f87" // the demo key of config/default.yaml
	projectID  = 1
	// postgresAdmin is the server the PostgreSQL scenario creates its fresh database on.
	postgresAdmin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	// mysqlAdmin is the server the MariaDB scenario creates its fresh database on.
	mysqlAdmin = "root@tcp(127.0.0.1:3306)/"
)

// faultline is a running distribution under test.
type faultline struct {
	col        *harness.Collector
	sentryAddr string
	otlpAddr   string // OTLP/HTTP
	pprofAddr  string // the pprof extension, when -profile is set
	dataDir    string
	mysqlDSN   string // the store, when on MySQL / MariaDB
	config     string
	env        []string
}

// collectorOptions vary config/default.yaml for a scenario.
type collectorOptions struct {
	postgresDSN string
	mysqlDSN    string
	// replace holds exact substitutions in the default config (old → new); each must match.
	replace map[string]string
	// env is added to the collector's environment (FAULTLINE_* settings).
	env []string
	// prepare, when set, sees the fresh data directory before the collector starts.
	prepare func(dataDir string)
}

// startFaultline runs config/default.yaml — what `make run` starts — with free ports and a fresh
// data directory.
func startFaultline(t *testing.T, opts collectorOptions) *faultline {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := &faultline{mysqlDSN: opts.mysqlDSN}
	f.col = startCollector(t, func() (string, []string, []string) {
		config := string(raw)
		for old, repl := range opts.replace {
			config = replaceOnce(t, config, old, repl)
		}
		f.sentryAddr, f.dataDir = harness.FreeAddr(t), t.TempDir()
		if opts.prepare != nil {
			opts.prepare(f.dataDir)
		}
		config, moved := harness.MoveAddrs(t, config, harness.FixedAddrs...)
		f.otlpAddr = moved["127.0.0.1:4318"]
		if *flagProfile != "" {
			f.pprofAddr = harness.FreeAddr(t)
			config = replaceOnce(t, config, "extensions:\n  health_check:", "extensions:\n  pprof:\n    endpoint: "+f.pprofAddr+"\n  health_check:")
			config = replaceOnce(t, config, "extensions: [health_check,", "extensions: [pprof, health_check,")
		}
		f.config = config
		f.env = []string{
			"FAULTLINE_SENTRY_ENDPOINT=" + f.sentryAddr,
			"FAULTLINE_UI_ENDPOINT=" + harness.FreeAddr(t),
			"FAULTLINE_DATA_DIR=" + f.dataDir,
			"FAULTLINE_POSTGRES_DSN=" + opts.postgresDSN,
			"FAULTLINE_MYSQL_DSN=" + opts.mysqlDSN,
		}
		f.env = append(f.env, opts.env...)
		return f.config, f.env, []string{f.sentryAddr, f.otlpAddr}
	})
	return f
}

// startCollector starts the distribution with what render returns (config, environment, the
// addresses to wait for), rendering again with fresh ports when one was taken between FreeAddr
// and the collector's bind: other tests on the machine open ports all the time.
func startCollector(t *testing.T, render func() (config string, env []string, waitFor []string)) *harness.Collector {
	t.Helper()
	for attempt := 1; ; attempt++ {
		config, env, waitFor := render()
		c, err := harness.TryStartCollector(t, config, withGOGC(env), waitFor...)
		if err == nil {
			return c
		}
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("a port was taken meanwhile; starting again with other ports")
	}
}

// replaceOnce replaces old in the default config, which must contain it.
func replaceOnce(t *testing.T, config, old, repl string) string {
	t.Helper()
	if !strings.Contains(config, old) {
		t.Fatalf("config/default.yaml no longer contains %q: update the scenario", old)
	}
	return strings.Replace(config, old, repl, 1)
}

// restart starts the collector again on the same ports and data directory (after a SIGKILL).
func (f *faultline) restart(t *testing.T) {
	t.Helper()
	f.col = harness.StartCollector(t, f.config, withGOGC(f.env), f.sentryAddr, f.otlpAddr)
}

// withGOGC adds the garbage collector setting of `make run` (-gogc) to a collector's environment.
func withGOGC(env []string) []string {
	if *flagGOGC == "" {
		return env
	}
	return append([]string{"GOGC=" + *flagGOGC}, env...)
}

// probe opens the store the collector writes to.
func (f *faultline) probe(t *testing.T, postgresDSN string) *storeprobe.Probe {
	t.Helper()
	var p *storeprobe.Probe
	var err error
	switch {
	case postgresDSN != "":
		p, err = storeprobe.Postgres(postgresDSN)
	case f.mysqlDSN != "":
		p, err = storeprobe.MySQL(f.mysqlDSN)
	default:
		p, err = storeprobe.SQLite(filepath.Join(f.dataDir, "faultline.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	harness.Eventually(t, 30*time.Second, "the store's schema", func() bool {
		_, err := p.Count(context.Background())
		return err == nil
	})
	return p
}

// target is the collector as a measured target.
func (f *faultline) target(t *testing.T, name, postgresDSN string) target {
	return target{name: name, pid: f.col.PID(), probe: f.probe(t, postgresDSN), pprofAddr: f.pprofAddr}
}

// sentryLoad is a load of SDK-shaped envelopes against the collector's Sentry endpoint.
func sentryLoad(addr string, templates []*loadgen.Template) loadgen.Config {
	h := http.Header{}
	h.Set("Content-Type", "application/x-sentry-envelope")
	h.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+projectKey+", sentry_client=sentry.javascript.node/11.12.0")
	return loadgen.Config{
		URL:         fmt.Sprintf("http://%s/api/%d/envelope/", addr, projectID),
		Header:      h,
		Templates:   templates,
		Concurrency: *flagConcurrency,
		Duration:    *flagDuration,
		Users:       *flagUsers,
		Gzip:        *flagGzip,
	}
}

// otlpLoad is a load of OTLP/HTTP protobuf log requests against the stock otlpreceiver.
func otlpLoad(addr string, templates []*loadgen.Template) loadgen.Config {
	cfg := sentryLoad(addr, templates)
	cfg.URL = "http://" + addr + "/v1/logs"
	cfg.Header = http.Header{}
	cfg.Header.Set("Content-Type", "application/x-protobuf")
	return cfg
}

// okServer is the ceiling's target: this test binary serving loadgen.OKHandler in its own process.
type okServer struct {
	addr string
	cmd  *exec.Cmd
}

func startOKServer(t *testing.T) *okServer {
	t.Helper()
	s := &okServer{addr: harness.FreeAddr(t)}
	s.cmd = exec.Command(os.Args[0])
	s.cmd.Env = append(os.Environ(), okServerEnv+"="+s.addr)
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	harness.Eventually(t, 10*time.Second, "the 200 server", func() bool {
		resp, err := http.Get("http://" + s.addr + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return s
}

// freshPostgres creates an empty database for one run and drops it when the test ends.
func freshPostgres(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, postgresAdmin)
	if err != nil {
		t.Fatalf("PostgreSQL at 127.0.0.1:5432: %v", err)
	}
	name := fmt.Sprintf("faultline_testbed_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		t.Fatal(err)
	}
	admin.Close(ctx)
	t.Cleanup(func() {
		admin, err := pgx.Connect(ctx, postgresAdmin)
		if err != nil {
			t.Logf("drop %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	return strings.Replace(postgresAdmin, "/postgres?", "/"+name+"?", 1)
}

// freshMySQL creates an empty database on the MariaDB (or MySQL) server at 127.0.0.1:3306 for one
// run and drops it when the test ends; it skips the test when no server answers there (MariaDB
// is optional: scripts/test-env.sh starts it when it is installed).
func freshMySQL(t *testing.T) string {
	t.Helper()
	admin, err := sql.Open("mysql", mysqlAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Skipf("no MariaDB or MySQL at 127.0.0.1:3306 (root, no password): %v", err)
	}
	name := fmt.Sprintf("faultline_testbed_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("mysql", mysqlAdmin)
		if err != nil {
			t.Logf("drop %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	return mysqlAdmin + name
}
