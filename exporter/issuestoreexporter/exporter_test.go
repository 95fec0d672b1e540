package issuestoreexporter

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/faultline/faultline/exporter/issuestoreexporter/internal/metadata"
	"github.com/faultline/faultline/extension/issuestoreextension"
	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/store"
)

var extID = component.MustNewID("issuestore")

// host offers the extensions a component looks up in Start.
type host struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.exts }

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startExtension starts a real issuestore extension on SQLite (dsn empty) or PostgreSQL.
func startExtension(t *testing.T, dsn string) (extension.Extension, host) {
	t.Helper()
	f := issuestoreextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*issuestoreextension.Config)
	cfg.NetAddr.Endpoint = freeAddr(t)
	cfg.SQLite.Path = filepath.Join(t.TempDir(), "faultline.db")
	if dsn != "" {
		cfg.PostgresDSN = configopaque.String(dsn)
	}
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ext.Shutdown(context.Background()) })
	return ext, host{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{extID: ext}}
}

func startExporter(t *testing.T, h host) exporter.Logs {
	t.Helper()
	f := NewFactory()
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	return exp
}

var payload = func() string {
	b, err := os.ReadFile("testdata/node-error.json")
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(b))
}()

// record appends a LogRecord shaped like the receiver + errorgrouping output.
func record(ld plog.Logs, release string, i int, hash string, user string) {
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(attrkey.ServiceVersion, release)
	rl.Resource().Attributes().PutStr(attrkey.DeploymentEnv, "production")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(at))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(at))
	a := lr.Attributes()
	a.PutStr(attrkey.EventID, fmt.Sprintf("%032x", i+1))
	a.PutStr(attrkey.ProjectID, "1")
	a.PutStr(attrkey.Event, payload)
	a.PutStr(attrkey.Level, "error")
	a.PutStr(attrkey.Platform, "node")
	a.PutStr(attrkey.TagPrefix+"region", "eu")
	a.PutStr(attrkey.UserID, user)
	if hash != "" {
		a.PutStr(attrkey.GroupHash, hash)
		a.PutEmptySlice(attrkey.GroupHashes).FromRaw([]any{hash, "secondary-" + hash})
		a.PutStr(attrkey.GroupTitle, "TypeError: "+hash)
		a.PutStr(attrkey.GroupCulprit, "app.js in handler")
		a.PutStr(attrkey.GroupMetadataType, "TypeError")
		a.PutStr(attrkey.GroupMetadataValue, hash)
	} else {
		a.PutStr(attrkey.ExceptionType, "RangeError")
		a.PutStr(attrkey.ExceptionMessage, "out of range")
	}
}

// folded returns the extension's store once it has folded what the exporter appended.
func folded(t *testing.T, ext extension.Extension) store.Store {
	t.Helper()
	st := ext.(store.Provider).Store()
	if err := st.Fold(context.Background()); err != nil {
		t.Fatalf("fold: %v", err)
	}
	return st
}

func issues(t *testing.T, st store.Store) []store.Issue {
	t.Helper()
	list, err := st.ListIssues(context.Background(), store.IssueQuery{Sort: store.SortFreq})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestTheExporterWritesThroughTheExtension(t *testing.T) {
	ext, h := startExtension(t, "")
	exp := startExporter(t, h)
	ld := plog.NewLogs()
	record(ld, "shop@1.0.0", 0, "h1", "u1")
	record(ld, "shop@1.0.1", 1, "h1", "u2")
	record(ld, "shop@1.0.1", 2, "", "u1") // no grouping processor: grouped by exception type and value
	record(ld, "shop@1.0.1", 3, "", "u3")
	plain := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	plain.Body().SetStr("a plain OTel log line")
	if err := exp.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	// Shutdown drains the sending queue.
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := folded(t, ext)
	list := issues(t, st)
	slices.SortFunc(list, func(a, b store.Issue) int { return -strings.Compare(a.Title, b.Title) })
	if len(list) != 2 {
		t.Fatalf("want 2 issues, got %d", len(list))
	}
	got := fmt.Sprintf("%s %d %d %s..%s | %s %d %d", list[0].Title, list[0].TimesSeen, list[0].UserCount, list[0].FirstRelease, list[0].LastRelease,
		list[1].Title, list[1].TimesSeen, list[1].UserCount)
	if got != "TypeError: h1 2 2 shop@1.0.0..shop@1.0.1 | RangeError: out of range 2 2" {
		t.Errorf("issues: %s", got)
	}
	hashes, _ := st.IssueHashes(context.Background(), list[0].ID)
	if fmt.Sprint(hashes) != "[h1 secondary-h1]" {
		t.Errorf("hashes = %v", hashes)
	}
	// The stored event carries the culprit grouping derived, as Sentry stores it; an event
	// without one is stored as it came.
	withCulprit := payload[:len(payload)-1] + `,"culprit":"app.js in handler"}`
	for i, want := range map[int]string{1: withCulprit, 3: payload} {
		ev, err := st.EventByID(context.Background(), 1, fmt.Sprintf("%032x", i))
		if err != nil {
			t.Fatalf("event %d by id: %v", i, err)
		}
		if string(ev.Payload) != want {
			t.Errorf("event %d payload\n%s\nwant\n%s", i, ev.Payload, want)
		}
	}
	tags, _ := st.IssueTags(context.Background(), list[0].ID, 5)
	var keys []string
	for _, tg := range tags {
		keys = append(keys, tg.Key)
	}
	if fmt.Sprint(keys) != "[environment level region release]" {
		t.Errorf("tag keys = %v", keys)
	}
}

// TestTheExporterRecordsHowLongEachWriteTook: one batch, one write, one duration in the histogram
// testbed scenario "1 sweep" reads its p99 from.
func TestTheExporterRecordsHowLongEachWriteTook(t *testing.T) {
	_, h := startExtension(t, "")
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { tel.Shutdown(context.Background()) })
	set := exportertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	f := NewFactory()
	exp, err := f.CreateLogs(context.Background(), set, f.CreateDefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	ld := plog.NewLogs()
	record(ld, "shop@1.0.0", 0, "h1", "u1")
	record(ld, "shop@1.0.0", 1, "h1", "u2")
	if err := exp.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, err := tel.GetMetric("otelcol_exporter_issuestore_write_duration")
	if err != nil {
		t.Fatal(err)
	}
	hist, ok := m.Data.(metricdata.Histogram[float64])
	if !ok || len(hist.DataPoints) != 1 || hist.DataPoints[0].Count != 1 || !slices.Equal(hist.DataPoints[0].Bounds, writeBuckets) || m.Unit != "ms" {
		t.Errorf("write duration: %+v, want one write in the histogram's buckets (ms)", m)
	}
}

func TestTheExporterFailsToStartWithoutTheExtension(t *testing.T) {
	f := NewFactory()
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	if err == nil || !strings.Contains(err.Error(), `extension "issuestore" is not configured`) {
		t.Errorf("start without the extension: %v", err)
	}
	exp.Shutdown(context.Background())
}

// TestFourExportersIntoOnePostgresCountLikeOne runs four collectors' worth of extension+exporter
// against one PostgreSQL database, all writing the same issues at once, and compares the issue
// counts with what a single exporter stores.
func TestFourExportersIntoOnePostgresCountLikeOne(t *testing.T) {
	if os.Getenv("FAULTLINE_TEST_POSTGRES") == "off" {
		t.Skip("PostgreSQL skipped: FAULTLINE_TEST_POSTGRES=off")
	}
	const n, writers, batch = 1200, 4, 20
	batches := make([]plog.Logs, 0, n/batch)
	for i := 0; i < n; i += batch {
		ld := plog.NewLogs()
		for j := i; j < i+batch; j++ {
			record(ld, fmt.Sprintf("1.0.%d", j%3), j, fmt.Sprintf("h%d", j%10), fmt.Sprintf("u%d", j%7))
		}
		batches = append(batches, ld)
	}
	run := func(writers int) string {
		dsn := createDatabase(t)
		var exps []exporter.Logs
		var first store.Store
		for range writers {
			ext, h := startExtension(t, dsn)
			if first == nil {
				first = ext.(store.Provider).Store()
			}
			exps = append(exps, startExporter(t, h))
		}
		var wg sync.WaitGroup
		for w, exp := range exps {
			wg.Go(func() {
				for i := w; i < len(batches); i += writers {
					if err := exp.ConsumeLogs(context.Background(), batches[i]); err != nil {
						t.Error(err)
					}
				}
				if err := exp.Shutdown(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if err := first.Fold(context.Background()); err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, is := range issues(t, first) {
			lines = append(lines, fmt.Sprintf("%s:%d:%d:%s", is.Title, is.TimesSeen, is.UserCount, is.LastRelease))
		}
		slices.Sort(lines)
		return strings.Join(lines, " ")
	}
	want := run(1)
	if got := run(writers); got != want {
		t.Errorf("four exporters:\n%s\none exporter:\n%s", got, want)
	}
	if !strings.Contains(want, "TypeError: h0:120:7:") {
		t.Errorf("unexpected single-writer result: %s", want)
	}
}

// createDatabase makes a fresh database on the local PostgreSQL and drops it after the test.
func createDatabase(t *testing.T) string {
	t.Helper()
	admin, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "faultline_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("PostgreSQL at 127.0.0.1:5432 (user postgres) is needed; set FAULTLINE_TEST_POSTGRES=off to skip: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	return "postgres://postgres@127.0.0.1:5432/" + name + "?sslmode=disable"
}
