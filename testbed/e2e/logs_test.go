package e2e

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/testbed/harness"
)

// These tests run config/logs-example.yaml: real runtimes (python3, node, java, go; ruby and php
// where installed) write their errors into files that its file_log receiver tails; the
// exception_parser operator, the errorgrouping processor and the store turn them into issues,
// read back through the API.

const (
	logService = "shop"
	logHost    = "e2e-host"
)

// startLogs runs config/logs-example.yaml over the *.log files of dir, with env added, started as
// the example's header says: with stanza's synchronous emitter, so that file_log saves a file's
// offset only after what it read went through the pipeline.
func startLogs(t *testing.T, dir string, env ...string) faultline {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "logs-example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return startConfigTextArgs(t, string(cfg), []string{"--feature-gates=" + synchronousLogEmitter},
		append([]string{"FAULTLINE_LOG_FILES=" + filepath.Join(dir, "*.log"),
			"FAULTLINE_LOG_SERVICE=" + logService, "FAULTLINE_LOG_HOST=" + logHost}, env...)...)
}

// synchronousLogEmitter is the stanza feature gate config/logs-example.yaml asks for: without it,
// stanza receivers hand entries to the pipeline from a batch flushed every 100 ms on a goroutine
// of its own, after the file's offset may already be saved, so a kill can lose that batch.
const synchronousLogEmitter = "stanza.synchronousLogEmitter"

// logEvent is what the event endpoint returns for an event from a log file.
type logEvent struct {
	Platform string `json:"platform"`
	Contexts struct {
		Log struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"log"`
	} `json:"contexts"`
	Tags []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"tags"`
	Entries []struct {
		Data struct {
			Values []struct {
				Type       string `json:"type"`
				Value      string `json:"value"`
				Stacktrace *struct {
					Frames []struct {
						Function string `json:"function"`
						InApp    bool   `json:"in_app"`
					} `json:"frames"`
				} `json:"stacktrace"`
			} `json:"values"`
		} `json:"data"`
	} `json:"entries"`
}

func (e logEvent) tag(key string) string {
	for _, t := range e.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// functions lists the functions of the in-app frames of the event's exceptions.
func (e logEvent) functions() []string {
	var out []string
	for _, entry := range e.Entries {
		for _, v := range entry.Data.Values {
			if v.Stacktrace == nil {
				continue
			}
			for _, f := range v.Stacktrace.Frames {
				if f.InApp {
					out = append(out, f.Function)
				}
			}
		}
	}
	return out
}

// loggedIssue is an issue with its events.
type loggedIssue struct {
	issue
	events []logEvent
}

func (f faultline) loggedIssues(t *testing.T) []loggedIssue {
	var out []loggedIssue
	for _, is := range f.issues(t) {
		var evs []logEvent
		f.call(t, http.MethodGet, "/issues/"+is.ID+"/events/?full=true", nil, &evs)
		out = append(out, loggedIssue{issue: is, events: evs})
	}
	return out
}

// bug is an expected issue: the log file its events come from, an in-app function of its
// frames (the one the bug is in) and its event count.
type bug struct {
	file, function string
	count          int
}

func (b bug) String() string { return fmt.Sprintf("%s:%s×%d", b.file, b.function, b.count) }

// found describes the issues as bugs, for comparing with the expected ones: each issue by its
// events' file and the first of wanted functions its frames hold.
func found(issues []loggedIssue, wanted []bug) []string {
	return foundBy(issues, wanted, func(e logEvent) string {
		if file := e.Contexts.Log.File; file != "" {
			return filepath.Base(file)
		}
		return ""
	})
}

// foundBy is found with the events' source named by source (their file, service …).
func foundBy(issues []loggedIssue, wanted []bug, source func(logEvent) string) []string {
	var out []string
	for _, is := range issues {
		files := map[string]bool{}
		fn := "?"
		for _, e := range is.events {
			files[source(e)] = true
			for _, w := range wanted {
				if fn == "?" && slices.ContainsFunc(e.functions(), func(f string) bool { return strings.HasSuffix(f, w.function) }) {
					fn = w.function
				}
			}
		}
		names := make([]string, 0, len(files))
		for f := range files {
			names = append(names, f)
		}
		sort.Strings(names)
		out = append(out, bug{strings.Join(names, "+"), fn, len(is.events)}.String())
	}
	sort.Strings(out)
	return out
}

func expected(bugs []bug) []string {
	out := make([]string, len(bugs))
	for i, b := range bugs {
		out[i] = b.String()
	}
	sort.Strings(out)
	return out
}

// waitForBugs waits until the issues are exactly the expected bugs.
func (f faultline) waitForBugs(t *testing.T, want []bug) []loggedIssue {
	t.Helper()
	return f.waitForBugsBy(t, want, func(issues []loggedIssue) []string { return found(issues, want) })
}

// waitForBugsBy is waitForBugs with the issues described by describe.
func (f faultline) waitForBugsBy(t *testing.T, want []bug, describe func([]loggedIssue) []string) []loggedIssue {
	t.Helper()
	var issues []loggedIssue
	wantText := expected(want)
	deadline := time.Now().Add(60 * time.Second)
	for {
		issues = f.loggedIssues(t)
		got := describe(issues)
		if slices.Equal(got, wantText) {
			return issues
		}
		if time.Now().After(deadline) {
			t.Fatalf("issues:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(wantText, "\n  "))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// runtimeOrSkip finds a runtime's command; under `make test` a missing one fails the test.
func runtimeOrSkip(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("FAULTLINE_DIST") != "" {
			t.Fatalf("%s is not installed: %v", name, err)
		}
		t.Skipf("%s is not installed", name)
	}
	return path
}

// runInto runs a program with its stdout and stderr appended to logFile; a non-zero exit (the
// programs crash on purpose) is not an error.
func runInto(t *testing.T, logFile string, env []string, name string, args ...string) {
	t.Helper()
	runIntoFrom(t, harness.RepoRoot(), logFile, env, name, args...)
}

// runIntoFrom is runInto with the program run in dir.
func runIntoFrom(t *testing.T, dir, logFile string, env []string, name string, args ...string) {
	t.Helper()
	out, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Run(); err != nil {
		if _, exited := err.(*exec.ExitError); !exited {
			t.Fatalf("%s %v: %v", name, args, err)
		}
	}
}

func logsTestdata(name string) string {
	return filepath.Join(harness.RepoRoot(), "testbed", "e2e", "testdata", "logs", name)
}

// TestLogFilesOfRealRuntimes: each runtime logs one bug twice and another once, then crashes;
// a file of ordinary lines sits beside them. Every bug is one issue with its count and frames,
// nothing comes from the ordinary file, and each event names its service, host, file and line.
func TestLogFilesOfRealRuntimes(t *testing.T) {
	python, node, java, goTool := runtimeOrSkip(t, "python3"), runtimeOrSkip(t, "node"),
		runtimeOrSkip(t, "java"), runtimeOrSkip(t, "go")
	dir := t.TempDir()
	f := startLogs(t, dir)

	var plain []string
	for i := range 500 {
		plain = append(plain, fmt.Sprintf("2026-03-01 12:00:%02d INFO [main] shop.Server - GET /cart/%d 200 in 3ms", i%60, i))
	}
	if err := os.WriteFile(filepath.Join(dir, "plain.log"), []byte(strings.Join(plain, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runInto(t, filepath.Join(dir, "python.log"), nil, python, logsTestdata("shop.py"), "bugs")
	runInto(t, filepath.Join(dir, "node.log"), nil, node, logsTestdata("shop.js"))
	runInto(t, filepath.Join(dir, "java.log"), nil, java, logsTestdata("Shop.java"))
	runInto(t, filepath.Join(dir, "go.log"), []string{"CGO_ENABLED=0"}, goTool, "run", logsTestdata("goshop/main.go"))

	issues := f.waitForBugs(t, []bug{
		{"python.log", "load_order", 2}, {"python.log", "reserve", 1}, {"python.log", "checkout", 1},
		{"node.log", "loadOrder", 2}, {"node.log", "reserve", 1}, {"node.log", "checkout", 1},
		{"java.log", "loadOrder", 2}, {"java.log", "reserve", 1}, {"java.log", "checkout", 1},
		{"go.log", "handleOrder", 2}, {"go.log", "handleReserve", 1}, {"go.log", "checkout", 1},
	})
	for _, is := range issues {
		for _, e := range is.events {
			if e.tag("service") != logService || e.tag("server_name") != logHost || e.Contexts.Log.Line < 1 {
				t.Errorf("issue %q: event with service %q, server_name %q, line %d; want %s, %s and the line",
					is.Title, e.tag("service"), e.tag("server_name"), e.Contexts.Log.Line, logService, logHost)
			}
		}
	}
	// The Java file's traces of loadOrder start on its lines 2 and 13 (after "shop starting" and the
	// first trace with its "GET /health" line).
	for _, is := range issues {
		for _, e := range is.events {
			if filepath.Base(e.Contexts.Log.File) == "java.log" && slices.Contains(e.functions(), "loadOrder") &&
				e.Contexts.Log.Line != 2 && e.Contexts.Log.Line != 13 {
				t.Errorf("Java loadOrder event at line %d, want 2 or 13", e.Contexts.Log.Line)
			}
		}
	}
}

// optionalRuntime finds the command of a runtime that not every machine has (scripts/test-env.sh
// installs it when run as root); without it the test is skipped, saying what to install.
func optionalRuntime(t *testing.T, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (Debian: apt-get install %s)", name, debianPackage)
	}
	return path
}

// TestLogFilesOfRubyAndPHP: as TestLogFilesOfRealRuntimes, for Ruby (Logger given the
// exception, then an uncaught one) and PHP (error_log of the exception into the error_log file,
// then a fatal error), run for real.
func TestLogFilesOfRubyAndPHP(t *testing.T) {
	ruby, php := optionalRuntime(t, "ruby", "ruby"), optionalRuntime(t, "php", "php-cli")
	dir := t.TempDir()
	f := startLogs(t, dir)
	runInto(t, filepath.Join(dir, "ruby.log"), nil, ruby, logsTestdata("shop.rb"))
	phpLog := filepath.Join(dir, "php.log")
	runInto(t, phpLog, nil, php, "-n", "-d", "display_errors=0", "-d", "log_errors=1",
		"-d", "error_log="+phpLog, logsTestdata("shop.php"))
	checkLogEvents(t, f.waitForBugs(t, []bug{
		{"ruby.log", "load_order", 2}, {"ruby.log", "reserve", 1}, {"ruby.log", "checkout", 1},
		{"php.log", "loadOrder", 2}, {"php.log", "reserve", 1}, {"php.log", "checkout", 1},
	}))
}

// TestLogFileOfDotnet: .NET's errors from text in the shape its console logger and runtime print
// (no .NET runtime in Debian's packages; the text is ours, written for this test).
func TestLogFileOfDotnet(t *testing.T) {
	dir := t.TempDir()
	f := startLogs(t, dir)
	dotnet, err := os.ReadFile(logsTestdata("dotnet.log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dotnet.log"), dotnet, 0o644); err != nil {
		t.Fatal(err)
	}
	checkLogEvents(t, f.waitForBugs(t, []bug{
		{"dotnet.log", "LoadOrder", 2}, {"dotnet.log", "Reserve", 1}, {"dotnet.log", "Checkout", 1},
	}))
}

// checkLogEvents checks that every event names the service and host of the resource and a line.
func checkLogEvents(t *testing.T, issues []loggedIssue) {
	t.Helper()
	for _, is := range issues {
		for _, e := range is.events {
			if e.tag("service") != logService || e.tag("server_name") != logHost || e.Contexts.Log.Line < 1 {
				t.Errorf("issue %q: event with service %q, server_name %q, line %d; want %s, %s and the line",
					is.Title, e.tag("service"), e.tag("server_name"), e.Contexts.Log.Line, logService, logHost)
			}
		}
	}
}

// TestLogFileOfTwoThreads: two threads log their own bug 20 times each into one file, their
// records interleaved with each other and with ordinary lines.
func TestLogFileOfTwoThreads(t *testing.T) {
	python := runtimeOrSkip(t, "python3")
	dir := t.TempDir()
	f := startLogs(t, dir)
	runInto(t, filepath.Join(dir, "threads.log"), nil, python, logsTestdata("shop.py"), "interleaved")
	f.waitForBugs(t, []bug{{"threads.log", "load_order", 20}, {"threads.log", "reserve", 20}})
}

// TestLogFilePartialWritesRotationTruncation: a trace written in pieces slower than the
// receiver polls stays one event; after the file is rotated (renamed, a new one started) and
// then truncated in place, the traces written next are read once each.
func TestLogFilePartialWritesRotationTruncation(t *testing.T) {
	python := runtimeOrSkip(t, "python3")
	dir := t.TempDir()
	f := startLogs(t, dir)
	app := filepath.Join(dir, "app.log")

	runInto(t, app, nil, python, logsTestdata("shop.py"), "slow")
	f.waitForBugs(t, []bug{{"app.log", "load_order", 1}})

	// Rotation: the file is renamed out of the glob and a new one takes its name.
	if err := os.Rename(app, filepath.Join(dir, "app.log.1")); err != nil {
		t.Fatal(err)
	}
	runInto(t, app, nil, python, logsTestdata("shop.py"), "bugs")
	f.waitForBugs(t, []bug{{"app.log", "load_order", 3}, {"app.log", "reserve", 1}, {"app.log", "checkout", 1}})

	// Truncation in place (copytruncate), then more errors.
	if err := os.Truncate(app, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the receiver sees the file empty before it grows again
	runInto(t, app, nil, python, logsTestdata("shop.py"), "bugs")
	f.waitForBugs(t, []bug{{"app.log", "load_order", 5}, {"app.log", "reserve", 2}, {"app.log", "checkout", 2}})
}

// TestLogErrorsGroupWithSDKEvents: the same error logged to a file and sent by @sentry/node
// from the same code makes one issue.
func TestLogErrorsGroupWithSDKEvents(t *testing.T) {
	node := runtimeOrSkip(t, "node")
	modules := harness.NodeModules(t)
	dir := t.TempDir()
	f := startLogs(t, dir)
	runInto(t, filepath.Join(dir, "node.log"), []string{"SENTRY_DSN=" + f.dsn, "NODE_MODULES=" + modules},
		node, logsTestdata("shop.js"))
	// The SDK's events have no log file: they show as "" beside node.log.
	f.waitForBugs(t, []bug{{"+node.log", "loadOrder", 4}, {"node.log", "reserve", 1}, {"node.log", "checkout", 1}})
}

// TestLogFileReadOnceAcrossARestart: the collector stops after reading a file, more errors are
// appended while it is down, and the collector started again on the same data directory reads
// only them: file_log's offsets in file_storage lose nothing and double nothing.
func TestLogFileReadOnceAcrossARestart(t *testing.T) {
	python := runtimeOrSkip(t, "python3")
	dir, data := t.TempDir(), t.TempDir()
	app := filepath.Join(dir, "app.log")
	f := startLogs(t, dir, "FAULTLINE_DATA_DIR="+data)
	runInto(t, app, nil, python, logsTestdata("shop.py"), "bugs")
	f.waitForBugs(t, []bug{{"app.log", "load_order", 2}, {"app.log", "reserve", 1}, {"app.log", "checkout", 1}})
	f.process.Stop()

	runInto(t, app, nil, python, logsTestdata("shop.py"), "bugs")
	f = startLogs(t, dir, "FAULTLINE_DATA_DIR="+data)
	want := []bug{{"app.log", "load_order", 4}, {"app.log", "reserve", 2}, {"app.log", "checkout", 2}}
	f.waitForBugs(t, want)
	// A file read again from its start would add its first four events a little later.
	time.Sleep(3 * time.Second)
	if got := found(f.loggedIssues(t), want); !slices.Equal(got, expected(want)) {
		t.Fatalf("after the restart settled: %v, want %v", got, expected(want))
	}
}

// syslogReceiver is the syslog receiver README.md shows: RFC 5424 over TCP, the operator reading
// each message's text and joining the lines of one app name, which becomes the service (and the
// sending host the host).
const syslogReceiver = `  syslog:
    tcp:
      listen_address: ${env:FAULTLINE_SYSLOG_ENDPOINT}
    protocol: rfc5424
    operators:
      - type: exception_parser
        parse_from: attributes.message
        source_identifier: attributes.appname
      - type: filter
        expr: 'attributes["exception.stacktrace"] == nil'
      - type: copy
        from: attributes.appname
        to: resource["service.name"]
      - type: copy
        from: attributes.hostname
        to: resource["host.name"]
`

// TestLogsOverSyslog: a real python3 logs its errors and crashes; util-linux's logger sends its
// output line by line as RFC 5424 over TCP to the syslog receiver. Every bug is one issue with
// its count and frames; service and host are the app name and host of the messages.
func TestLogsOverSyslog(t *testing.T) {
	python, logger := runtimeOrSkip(t, "python3"), optionalRuntime(t, "logger", "bsdutils")
	cfg, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "logs-example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(cfg), "\nreceivers:\n", "\nreceivers:\n"+syslogReceiver, 1)
	text = strings.Replace(text, "receivers: [sentry, otlp, file_log]", "receivers: [sentry, otlp, file_log, syslog]", 1)
	addr := harness.FreeAddr(t)
	f := startConfigText(t, text, "FAULTLINE_LOG_FILES="+filepath.Join(t.TempDir(), "*.log"),
		"FAULTLINE_SYSLOG_ENDPOINT="+addr)
	harness.Eventually(t, 30*time.Second, "the syslog receiver listens", func() bool {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})

	cmd := exec.Command(python, logsTestdata("shop.py"), "bugs")
	out, _ := cmd.CombinedOutput() // it crashes on purpose
	host, port, _ := net.SplitHostPort(addr)
	send := exec.Command(logger, "--rfc5424", "--tcp", "--server", host, "--port", port, "--tag", logService)
	send.Stdin = bytes.NewReader(out)
	if msg, err := send.CombinedOutput(); err != nil {
		t.Fatalf("logger: %v: %s", err, msg)
	}

	issues := f.waitForBugs(t, []bug{{"", "load_order", 2}, {"", "reserve", 1}, {"", "checkout", 1}})
	hostname, _ := os.Hostname()
	for _, is := range issues {
		for _, e := range is.events {
			if e.tag("service") != logService || e.tag("server_name") != hostname {
				t.Errorf("issue %q: event with service %q, server_name %q; want %s, %s",
					is.Title, e.tag("service"), e.tag("server_name"), logService, hostname)
			}
		}
	}
}

// TestTheLogsExampleIsTheDefaultConfigPlusFileLog keeps config/logs-example.yaml what the README
// says it is when config/default.yaml changes: the default plus a file_log receiver and the
// file_storage extension holding its offsets.
func TestTheLogsExampleIsTheDefaultConfigPlusFileLog(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", name))
		if err != nil {
			t.Fatal(err)
		}
		// Without the header comment, which says what each file is.
		s := string(b)
		for strings.HasPrefix(s, "#") {
			_, s, _ = strings.Cut(s, "\n")
		}
		return s
	}
	example, def := read("logs-example.yaml"), read("default.yaml")
	start := strings.Index(example, "\n  file_log:\n")
	end := strings.Index(example, "\n  otlp:\n")
	if start < 0 || end < start || !strings.Contains(example, "receivers: [sentry, otlp, file_log]") {
		t.Fatal("config/logs-example.yaml has no file_log receiver before otlp, or no logs pipeline reading it")
	}
	without := example[:start] + example[end:]
	without = strings.Replace(without, "receivers: [sentry, otlp, file_log]", "receivers: [sentry, otlp]", 1)
	// The file_storage extension that keeps the receiver's offsets belongs to it too.
	storage := strings.Index(without, "\n  # The file_log receiver's offsets")
	storageEnd := strings.Index(without, "\n  issuestore:\n")
	if storage < 0 || storageEnd < storage || !strings.Contains(without, "extensions: [health_check, file_storage, issuestore]") {
		t.Fatal("config/logs-example.yaml has no file_storage extension for the file_log receiver's offsets")
	}
	without = without[:storage] + without[storageEnd:]
	without = strings.Replace(without, "extensions: [health_check, file_storage, issuestore]", "extensions: [health_check, issuestore]", 1)
	if without != def {
		t.Fatalf("config/logs-example.yaml is not config/default.yaml plus its file_log receiver; bring it up to date:\n%s", without)
	}
}

// TestLogAndOTelExceptionsGroupTogether: the same Node code records each error with the
// OpenTelemetry SDK (span.recordException, over OTLP) and logs it (console.error) into a file
// file_log tails: the span's exception and the log's trace have the same frames, so each bug is
// one issue holding both. (A Go stack dump in a log prints no error type, which the grouping
// hashes with the frames: see README.md's "Not handled" of the operator.)
func TestLogAndOTelExceptionsGroupTogether(t *testing.T) {
	node := runtimeOrSkip(t, "node")
	modules := harness.NodeModules(t)
	dir := t.TempDir()
	f := startLogs(t, dir)
	runInto(t, filepath.Join(dir, "node.log"), []string{"NODE_MODULES=" + modules,
		"OTLP_TRACES_URL=http://" + f.otlpHTTP + "/v1/traces"}, node, logsTestdata("otel-shop.js"))
	// The OTel SDK's events have no log file: they show as "" beside node.log.
	f.waitForBugs(t, []bug{{"+node.log", "loadOrder", 4}, {"+node.log", "reserve", 2}})
}
