package e2e

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/testbed/harness"
)

// journaldReceiver is the journald receiver README.md shows, over a directory of journal files:
// the operator reads each entry's MESSAGE and joins the lines of one unit (a service's stdout
// and stderr come one line per entry), a long one whole (all); the syslog identifier becomes the service and the
// journal's host name the host.
const journaldReceiver = `  journald:
    directory: ${env:FAULTLINE_JOURNAL_DIR}
    start_at: beginning
    all: true
    convert_message_bytes: true
    operators:
      - type: exception_parser
        parse_from: body.MESSAGE
        source_identifier: body._SYSTEMD_UNIT
      - type: filter
        expr: 'attributes["exception.stacktrace"] == nil'
      - type: copy
        from: body.SYSLOG_IDENTIFIER
        to: resource["service.name"]
      - type: copy
        from: body._HOSTNAME
        to: resource["host.name"]
`

// journalRemote finds systemd-journal-remote, which writes journal files from the journal
// export format; Debian installs it outside the PATH.
func journalRemote(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/lib/systemd/systemd-journal-remote", "/lib/systemd/systemd-journal-remote"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("systemd-journal-remote"); err == nil {
		return p
	}
	t.Skip("systemd-journal-remote is not installed (Debian: apt-get install systemd-journal-remote)")
	return ""
}

const (
	journalBootID = "5f1c0a7e9b2d4c6e8a0b1c2d3e4f5a6b"
	journalHost   = "journal-host"
)

// journalLines writes the lines of a service's output as journald stores them: one entry per
// line, in the journal export format, with the unit and identifier of the service. at is the
// entries' realtime clock in microseconds, advanced by one per entry.
type journalLines struct {
	buf bytes.Buffer
	at  int64
}

func (j *journalLines) field(key, value string) {
	if strings.Contains(value, "\n") { // the export format's binary-safe form
		j.buf.WriteString(key + "\n")
		_ = binary.Write(&j.buf, binary.LittleEndian, uint64(len(value)))
		j.buf.WriteString(value + "\n")
		return
	}
	j.buf.WriteString(key + "=" + value + "\n")
}

func (j *journalLines) line(identifier, priority, text string) {
	j.at++
	j.field("__REALTIME_TIMESTAMP", strconv.FormatInt(j.at, 10))
	j.field("__MONOTONIC_TIMESTAMP", strconv.FormatInt(j.at%1_000_000_000, 10))
	j.field("_BOOT_ID", journalBootID)
	j.field("_HOSTNAME", journalHost)
	j.field("_TRANSPORT", "stdout")
	j.field("_SYSTEMD_UNIT", identifier+".service")
	j.field("SYSLOG_IDENTIFIER", identifier)
	j.field("PRIORITY", priority)
	j.field("MESSAGE", text)
	j.buf.WriteString("\n")
}

// writeJournal writes export-format entries into the journal file path with
// systemd-journal-remote, appending them to what it holds, as journald does. (journalctl
// --follow --directory does not pick up a file created in the directory after it started.)
func writeJournal(t *testing.T, remote, path string, export []byte) {
	t.Helper()
	cmd := exec.Command(remote, "-o", path, "-")
	cmd.Stdin = bytes.NewReader(export)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("systemd-journal-remote: %v: %s", err, out)
	}
}

// output runs a program and returns its stdout and its stderr, or both in the order written
// (one pipe) when together; the program may crash.
func output(t *testing.T, together bool, name string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir = harness.RepoRoot()
	cmd.Stdout, cmd.Stderr = &o, &e
	if together {
		cmd.Stderr = &o
	}
	if err := cmd.Run(); err != nil {
		if _, exited := err.(*exec.ExitError); !exited {
			t.Fatalf("%s %v: %v", name, args, err)
		}
	}
	return o.Bytes(), e.Bytes()
}

func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestLogsFromJournald: a journal file read by the journald receiver (journalctl --directory).
// It first holds a python3 service's logging records, each one entry with its traceback in
// MESSAGE (as a journal handler sends them). Appended while the collector follows it: what two
// services printed, one entry per line as journald stores a service's stdout
// and stderr: that python3 service's crash, and node's errors and crash, their lines
// interleaved entry by entry. Every bug is one issue with its count and frames, under the
// service that raised it, with the journal's host.
func TestLogsFromJournald(t *testing.T) {
	python, node := runtimeOrSkip(t, "python3"), runtimeOrSkip(t, "node")
	optionalRuntime(t, "journalctl", "systemd")
	remote := journalRemote(t)

	cfg, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "logs-example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(cfg), "\nreceivers:\n", "\nreceivers:\n"+journaldReceiver, 1)
	text = strings.Replace(text, "receivers: [sentry, otlp, file_log]", "receivers: [sentry, otlp, file_log, journald]", 1)
	dir := t.TempDir()

	// python3's logging records: one journal entry each, the traceback in MESSAGE.
	records, crash := output(t, false, python, logsTestdata("shop.py"), "journal", "shop-py", journalBootID, journalHost)
	journal := filepath.Join(dir, "shop.journal")
	writeJournal(t, remote, journal, records)

	f := startConfigText(t, text, "FAULTLINE_LOG_FILES="+filepath.Join(t.TempDir(), "*.log"),
		"FAULTLINE_JOURNAL_DIR="+dir)

	// What the services printed (stdout and stderr in the order written), a line per entry at
	// journald's default priority for output streams, the two services' lines alternating.
	nodeOut, _ := output(t, true, node, logsTestdata("shop.js"))
	py, js := lines(crash), lines(nodeOut)
	entries := journalLines{at: time.Now().UnixMicro()}
	for len(py) > 0 || len(js) > 0 {
		if len(py) > 0 {
			entries.line("shop-py", "6", py[0])
			py = py[1:]
		}
		if len(js) > 0 {
			entries.line("shop-node", "6", js[0])
			js = js[1:]
		}
	}
	writeJournal(t, remote, journal, entries.buf.Bytes())

	service := func(e logEvent) string { return e.tag("service") }
	want := []bug{
		{"shop-py", "load_order", 2}, {"shop-py", "reserve", 1}, {"shop-py", "checkout", 1},
		{"shop-node", "loadOrder", 2}, {"shop-node", "reserve", 1}, {"shop-node", "checkout", 1},
	}
	issues := f.waitForBugsBy(t, want, func(issues []loggedIssue) []string { return foundBy(issues, want, service) })
	for _, is := range issues {
		for _, e := range is.events {
			if e.tag("server_name") != journalHost {
				t.Errorf("issue %q: event with server_name %q, want %s", is.Title, e.tag("server_name"), journalHost)
			}
		}
	}
}
