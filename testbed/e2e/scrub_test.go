package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/faultline/faultline/testbed/harness"
)

// secretSet is what one SDK sends that must never be kept: a card number (in the exception
// message), a password (in extra for @sentry/node, contexts for sentry-go, which has no extra), an Authorization header and a cookie (in the request) and the
// user's IP address (with IP scrubbing on).
type secretSet struct {
	card, password, auth, cookie, ip string
}

func (s secretSet) all() []string {
	// The header's token alone, too: "Bearer " is not the secret.
	return []string{s.card, strings.ReplaceAll(s.card, " ", ""), s.password, s.auth, strings.TrimPrefix(s.auth, "Bearer "), s.cookie, s.ip}
}

var (
	goSecrets   = secretSet{"4111 1111 1111 1111", "go-hunter2-extra", "Bearer go-auth-header-secret", "go-cookie-secret", "203.0.113.77"}
	nodeSecrets = secretSet{"5555555555554444", "node-hunter2-extra", "Bearer node-auth-header-secret", "node-cookie-secret", "203.0.113.88"}
)

type cardDeclined struct{ card string }

func (e *cardDeclined) Error() string { return "card " + e.card + " was declined" }

// sendGoSecrets sends one error with sentry-go carrying goSecrets.
func sendGoSecrets(t *testing.T, dsn string) {
	t.Helper()
	s := goSecrets
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, Release: "shop@1.0.0", SendDefaultPII: true,
		Transport: sentry.NewHTTPSyncTransport(),
		BeforeSend: func(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event {
			ev.Request = &sentry.Request{URL: "https://shop.example/pay", Method: "POST",
				Headers: map[string]string{"Authorization": s.auth, "User-Agent": "go-e2e"}, Cookies: "sid=" + s.cookie}
			// sentry-go has no extra any more: its free-form data goes into contexts.
			if ev.Contexts == nil {
				ev.Contexts = map[string]sentry.Context{}
			}
			ev.Contexts["database"] = sentry.Context{"db_password": s.password}
			ev.User = sentry.User{ID: "go-user", IPAddress: s.ip}
			return ev
		}})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	if id := hub.CaptureException(&cardDeclined{card: s.card}); id == nil {
		t.Fatal("sentry-go did not send the event")
	}
	hub.Flush(10 * time.Second)
}

// scrubbingConfig is config/default.yaml with IP scrubbing on for project 1, the debug exporter
// at detailed verbosity and an OTLP/HTTP exporter to sink in the logs pipeline.
func scrubbingConfig(t *testing.T, sink string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	for _, edit := range [][2]string{
		{"        allowed_origins: [\"*\"]\n", "        allowed_origins: [\"*\"]\n        scrubbing:\n          scrub_ip_addresses: true\n"},
		{"  debug:\n    verbosity: basic\n", "  debug:\n    verbosity: basic\n  debug/detailed:\n    verbosity: detailed\n  otlphttp/sink:\n    endpoint: " + sink + "\n    compression: none\n    retry_on_failure:\n      enabled: false\n"},
		{"      processors: [memory_limiter, errorgrouping]\n      exporters: [issuestore]\n", "      processors: [memory_limiter, errorgrouping]\n      exporters: [issuestore, debug/detailed, otlphttp/sink]\n"},
	} {
		if !strings.Contains(cfg, edit[0]) {
			t.Fatalf("config/default.yaml no longer has %q", edit[0])
		}
		cfg = strings.Replace(cfg, edit[0], edit[1], 1)
	}
	return cfg
}

// startScrubbing runs scrubbingConfig with env added, and returns the data directory.
func startScrubbing(t *testing.T, sink string, env ...string) (faultline, string) {
	t.Helper()
	config := scrubbingConfig(t, sink)
	config, _ = harness.MoveAddrs(t, config, harness.FixedAddrs...)
	dir := t.TempDir()
	sentryAddr, uiAddr := harness.FreeAddr(t), harness.FreeAddr(t)
	c := harness.StartCollector(t, config, append([]string{
		"FAULTLINE_SENTRY_ENDPOINT=" + sentryAddr, "FAULTLINE_UI_ENDPOINT=" + uiAddr, "FAULTLINE_DATA_DIR=" + dir,
	}, env...), sentryAddr, uiAddr)
	return faultline{dsn: fmt.Sprintf("http://%s@%s/1", demoKey, sentryAddr), api: "http://" + uiAddr + "/api/0", process: c}, dir
}

// get fetches a page of the UI or API with the demo token.
func (f faultline) get(t *testing.T, url string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+demoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return string(b)
}

// unzstd appends the decoded zstd frames found in b to b itself: the store keeps event payloads
// compressed, so reading its bytes means reading them decompressed too.
func unzstd(t *testing.T, b []byte) []byte {
	t.Helper()
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	magic := []byte{0x28, 0xb5, 0x2f, 0xfd}
	out := append([]byte(nil), b...)
	for i := bytes.Index(b, magic); i >= 0; {
		if err := dec.Reset(bytes.NewReader(b[i:])); err == nil {
			if plain, err := io.ReadAll(io.LimitReader(dec, 8<<20)); len(plain) > 0 {
				_ = err // a frame cut by a page boundary decodes as far as it goes
				out = append(out, plain...)
			}
		}
		next := bytes.Index(b[i+4:], magic)
		if next < 0 {
			break
		}
		i += 4 + next
	}
	return out
}

// sqliteBytes is every file of the SQLite store (database, WAL), decompressed where compressed.
func sqliteBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	files, _ := filepath.Glob(filepath.Join(dir, "faultline.db*"))
	if len(files) == 0 {
		t.Fatalf("no SQLite files in %s", dir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, unzstd(t, b)...)
	}
	return all
}

// postgresBytes is every row of every table of the database as text, bytea columns decoded
// and decompressed.
func postgresBytes(t *testing.T, dsn string) []byte {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, table := range tables {
		rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT t::text FROM %q t`, table))
		if err != nil {
			t.Fatal(err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range texts {
			all = append(all, text...)
			// bytea columns print as \x<hex>: decode them and their zstd frames.
			for _, part := range strings.Split(text, `\\x`) {
				if h := strings.FieldsFunc(part, func(r rune) bool { return !strings.ContainsRune("0123456789abcdef", r) }); len(h) > 0 {
					if raw, err := hex.DecodeString(h[0][:len(h[0])&^1]); err == nil {
						all = append(all, unzstd(t, raw)...)
					}
				}
			}
		}
	}
	return all
}

// otlpBytes is what the OTLP exporter sent, as OTLP JSON.
func otlpBytes(t *testing.T, sink *harness.Sink) []byte {
	t.Helper()
	var all []byte
	for _, r := range sink.LogRecords() {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		r.Resource.CopyTo(rl.Resource())
		r.Record.CopyTo(rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
		b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestSecretsAreNeverStoredShownOrForwarded(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			harness.NodeModules(t)
			sink := harness.NewSink(t)
			var env []string
			pgDSN := ""
			if backend == "postgres" {
				pgDSN = freshPostgresDB(t)
				env = append(env, "FAULTLINE_POSTGRES_DSN="+pgDSN)
			}
			f, dir := startScrubbing(t, sink.URL, env...)

			sendGoSecrets(t, f.dsn)
			s := nodeSecrets
			harness.RunNode(t, "e2e/node-secrets.cjs", "SENTRY_DSN="+f.dsn, "SECRET_CARD="+s.card, "SECRET_PASSWORD="+s.password,
				"SECRET_AUTH="+s.auth, "SECRET_COOKIE="+s.cookie, "SECRET_IP="+s.ip)
			f.waitForIssues(t, 2)
			harness.Eventually(t, 20*time.Second, "both events exported over OTLP", func() bool { return len(sink.LogRecords()) >= 2 })

			// What a user sees: the API's issues and events, and the UI's issue pages and raw events.
			var seen strings.Builder
			for _, is := range f.issues(t) {
				seen.WriteString(f.get(t, f.api+"/issues/"+is.ID+"/"))
				latest := f.get(t, f.api+"/issues/"+is.ID+"/events/latest/")
				seen.WriteString(latest)
				seen.WriteString(f.get(t, f.api+"/issues/"+is.ID+"/events/"))
				ui := strings.TrimSuffix(f.api, "/api/0")
				seen.WriteString(f.get(t, ui+"/issues/"+is.ID+"/"))
			}
			f.process.Stop()

			places := map[string][]byte{
				"the API and UI":           []byte(seen.String()),
				"the debug exporter":       []byte(f.process.Output()),
				"the OTLP exporter's data": otlpBytes(t, sink),
			}
			if backend == "sqlite" {
				places["the SQLite files"] = sqliteBytes(t, dir)
			} else {
				places["PostgreSQL"] = postgresBytes(t, pgDSN)
			}
			for where, data := range places {
				// Each place holds the events, scrubbed: otherwise the check proves nothing.
				for _, want := range []string{"[Filtered] was declined"} {
					if !bytes.Contains(data, []byte(want)) {
						t.Errorf("%s lacks %q: the check did not see the events", where, want)
					}
				}
				for _, secret := range append(goSecrets.all(), nodeSecrets.all()...) {
					if bytes.Contains(data, []byte(secret)) {
						t.Errorf("%s contains the secret %q", where, secret)
					}
				}
			}
			if !strings.Contains(seen.String(), "@password:filter") || !strings.Contains(seen.String(), "Scrubbed on ingest") {
				t.Error("the API and UI do not say what was scrubbed and why")
			}
		})
	}
}
