package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestAcknowledgedEventsSurviveSIGKILL runs a writer in a child process (this test binary
// again), lets it acknowledge events, kills it with SIGKILL mid-stream and checks that every
// event whose Write returned survived in the database, on each backend; and on SQLite the same
// with Append ("sqlite-append"): what the kill left in the inbox is folded at the next open,
// each event counted once.
func TestAcknowledgedEventsSurviveSIGKILL(t *testing.T) {
	if target := os.Getenv("FAULTLINE_CRASH_CHILD_DB"); target != "" {
		crashChild(os.Getenv("FAULTLINE_CRASH_CHILD_BACKEND"), target)
		return
	}
	targets := map[string]string{"sqlite": filepath.Join(t.TempDir(), "crash.db"), "sqlite-append": filepath.Join(t.TempDir(), "append.db")}
	if pgDatabase != "" {
		targets["postgres"] = postgresDSN(t)
	}
	if mysqlOn {
		targets["mysql"] = mysqlDSN(t)
	}
	for _, backend := range []string{"sqlite", "sqlite-append", "postgres", "mysql"} {
		if target, ok := targets[backend]; ok {
			t.Run(backend, func(t *testing.T) { sigkillWriter(t, backend, target) })
		}
	}
}

func sigkillWriter(t *testing.T, backend, target string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcknowledgedEventsSurviveSIGKILL$")
	cmd.Env = append(os.Environ(), "FAULTLINE_CRASH_CHILD_BACKEND="+backend, "FAULTLINE_CRASH_CHILD_DB="+target,
		"FAULTLINE_TEST_POSTGRES=off", "FAULTLINE_TEST_MYSQL=off")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked = append(acked, id)
			if len(acked) == 3000 {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	cmd.Wait()
	if len(acked) < 3000 {
		t.Fatalf("child acknowledged only %d events before it ended", len(acked))
	}
	if backend == "sqlite-append" {
		t.Logf("the kill left %d records in the inbox", count(t, rawDB(t, target), `SELECT COUNT(*) FROM inbox`))
	}
	st, err := openCrashStore(backend, target)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := st.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, id := range acked {
		if _, err := st.EventByID(context.Background(), 1, id); err != nil {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged events are gone after SIGKILL", missing, len(acked))
	}
	is, err := st.ListIssues(context.Background(), IssueQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var counted int64
	for _, i := range is {
		counted += i.TimesSeen
	}
	if counted < int64(len(acked)) {
		t.Errorf("issues count %d events, fewer than the %d acknowledged", counted, len(acked))
	}
	if backend == "sqlite-append" {
		db := rawDB(t, target)
		if stored := count(t, db, `SELECT COUNT(*) FROM events`); counted != stored {
			t.Errorf("issues count %d events, %d are stored", counted, stored)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM inbox`); n != 0 {
			t.Errorf("%d records left in the inbox after the fold", n)
		}
	}
}

// crashChild writes until it is killed, printing "ack <event id>" for every event whose batch
// was acknowledged.
func crashChild(backend, target string) {
	st, err := openCrashStore(backend, target)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	store := st.Write
	if backend == "sqlite-append" {
		store = st.Append
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				evs := benchEvents((g*1_000_000)+i*50, 50, 20)
				if err := store(context.Background(), evs); err != nil {
					fmt.Println("write:", err)
					os.Exit(1)
				}
				mu.Lock()
				for _, e := range evs {
					fmt.Fprintln(w, "ack "+e.EventID)
				}
				w.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// openCrashStore opens the store of a backend at a file path (SQLite) or DSN.
func openCrashStore(backend, target string) (Store, error) {
	switch backend {
	case "postgres":
		return OpenPostgres(context.Background(), target, PostgresOptions{})
	case "mysql":
		return OpenMySQL(context.Background(), target, MySQLOptions{})
	}
	return OpenSQLite(target, SQLiteOptions{})
}
