package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/testbed/harness"
)

// TestLogFileAcrossAKillAndAStop: the collector is killed with SIGKILL while a python3 service
// appends one logged KeyError every 20 ms (each naming its order) to the file it tails, and is
// started again on the same data directory while the service goes on. With stanza's synchronous
// emitter (startLogs), file_log's offsets in file_storage are saved at the end of each poll, after
// the poll's records went through the pipeline into the store; so what the killed collector had stored after its last save is read
// again (duplicates, at most one poll's worth), and a trace the operator still held when the
// offsets were saved past it is lost (at most one: the file's last, waiting for its next line
// or flush_period). README.md documents both bounds; the test logs what it saw.
func TestLogFileAcrossAKillAndAStop(t *testing.T) {
	t.Run("SIGKILL", func(t *testing.T) { logFileAcrossARestart(t, true) })
	// A stop sends what the operator holds on the way down (stanza stops the file input first,
	// which saves the offsets, then the operator, which sends its traces): nothing lost, nothing
	// read twice.
	t.Run("SIGTERM", func(t *testing.T) { logFileAcrossARestart(t, false) })
}

func logFileAcrossARestart(t *testing.T, kill bool) {
	python := runtimeOrSkip(t, "python3")
	const total = 80
	dir, data := t.TempDir(), t.TempDir()
	app := filepath.Join(dir, "app.log")
	f := startLogs(t, dir, "FAULTLINE_DATA_DIR="+data)

	out, err := os.OpenFile(app, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	writer := exec.Command(python, logsTestdata("shop.py"), "steady", "80")
	writer.Dir = harness.RepoRoot()
	writer.Stdout, writer.Stderr = out, out
	if err := writer.Start(); err != nil {
		t.Fatal(err)
	}
	wrote := make(chan error, 1)
	go func() { wrote <- writer.Wait() }()

	stored := func() int {
		n := 0
		for _, is := range f.loggedIssues(t) {
			n += len(is.events)
		}
		return n
	}
	harness.Eventually(t, 30*time.Second, "a quarter of the errors stored", func() bool { return stored() >= total/4 })
	if kill {
		f.process.Kill()
	} else {
		f.process.Stop()
	}
	f = startLogs(t, dir, "FAULTLINE_DATA_DIR="+data)
	if err := <-wrote; err != nil {
		t.Fatalf("the writer: %v", err)
	}

	// Settled: the same count for 3 s (flush_period is 1 s, the poll 200 ms).
	var issues []loggedIssue
	count, since := -1, time.Now()
	deadline := time.Now().Add(45 * time.Second)
	for time.Since(since) < 3*time.Second {
		if time.Now().After(deadline) {
			t.Fatalf("the count did not settle: %d", count)
		}
		issues = f.loggedIssues(t)
		n := 0
		for _, is := range issues {
			n += len(is.events)
		}
		if n != count {
			count, since = n, time.Now()
		}
		time.Sleep(200 * time.Millisecond)
	}

	if len(issues) != 1 {
		t.Fatalf("%d issues, want the one bug", len(issues))
	}
	seen := map[string]int{}
	for _, e := range issues[0].events {
		for _, entry := range e.Entries {
			for _, v := range entry.Data.Values {
				if v.Type == "KeyError" {
					seen[v.Value]++
				}
			}
		}
	}
	var lost, doubled []string
	for i := range total {
		key := "'" + strconv.Itoa(i) + "'"
		switch n := seen[key]; {
		case n == 0:
			lost = append(lost, key)
		case n > 1:
			for range n - 1 {
				doubled = append(doubled, key)
			}
		}
	}
	sort.Strings(doubled)
	t.Logf("%d errors written, %d events stored (issue count %s): lost %d %v, read twice %d %v",
		total, len(issues[0].events), issues[0].Count, len(lost), lost, len(doubled), doubled)
	if !kill && len(lost)+len(doubled) > 0 {
		t.Errorf("after a stop: lost %v, read twice %v; want neither", lost, doubled)
	}
	if len(lost) > 1 {
		t.Errorf("lost %d errors (%s), want at most the one held trace", len(lost), strings.Join(lost, " "))
	}
	// One poll (200 ms) holds about 10 of them at the writer's pace; a loaded machine's poll
	// may run longer.
	if len(doubled) > 20 {
		t.Errorf("%d errors read twice (%s), want at most one poll's worth", len(doubled), strings.Join(doubled, " "))
	}
	if issues[0].Count != strconv.Itoa(len(issues[0].events)) {
		t.Errorf("issue count %s, %d events", issues[0].Count, len(issues[0].events))
	}
}
