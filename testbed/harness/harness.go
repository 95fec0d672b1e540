// Package harness runs the built otelcol-faultline distribution as a child process for end-to-end
// tests, with an OTLP/HTTP sink that records exactly what the collector exported.
//
// It knows how to start and stop the binary and how to receive OTLP; it knows nothing about what
// a particular test sends or expects.
package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// RepoRoot is the repository root, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// DistPath is the distribution binary: $FAULTLINE_DIST (set by `make test`), else _build/.
// Outside `make test` a missing binary skips the test instead of failing it.
func DistPath(t testing.TB) string {
	if p := os.Getenv("FAULTLINE_DIST"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("FAULTLINE_DIST=%s: %v", p, err)
		}
		return p
	}
	p := filepath.Join(RepoRoot(), "_build", "otelcol-faultline")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no distribution at %s: run `make build` (make test does it)", p)
	}
	return p
}

// NodeModules is testbed/node_modules; missing packages skip the test outside `make test`.
func NodeModules(t testing.TB) string {
	dir := filepath.Join(RepoRoot(), "testbed", "node_modules")
	if _, err := os.Stat(filepath.Join(dir, ".package-lock.json")); err != nil {
		if os.Getenv("FAULTLINE_DIST") != "" {
			t.Fatalf("testbed/node_modules is missing: %v", err)
		}
		t.Skip("testbed/node_modules missing: run `make test` (it runs npm ci)")
	}
	return dir
}

// FreeAddr returns a loopback address with a port nobody listens on right now.
func FreeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// FixedAddrs are the addresses the example configs listen on besides the FAULTLINE_* endpoints
// (OTLP gRPC and HTTP, health_check): tests move them to free ports with MoveAddrs.
var FixedAddrs = []string{"127.0.0.1:4317", "127.0.0.1:4318", "127.0.0.1:13133"}

// MoveAddrs replaces every whole occurrence of each fixed address in config by a free one of its
// own, and returns the new config with where each address went. It replaces in one pass and only
// whole addresses: one at a time, a free port such as 43181 put in for 127.0.0.1:4317 was taken for
// 127.0.0.1:4318 by the next replacement, and its last digit left behind ("address 370259").
func MoveAddrs(t testing.TB, config string, fixed ...string) (string, map[string]string) {
	moved := make(map[string]string, len(fixed))
	alternatives := make([]string, len(fixed))
	for i, a := range fixed {
		moved[a] = FreeAddr(t)
		alternatives[i] = regexp.QuoteMeta(a)
	}
	whole := regexp.MustCompile(`(` + strings.Join(alternatives, "|") + `)\b`)
	return whole.ReplaceAllStringFunc(config, func(a string) string { return moved[a] }), moved
}

// Sink is an OTLP/HTTP endpoint that keeps everything it receives.
type Sink struct {
	URL     string
	server  *httptest.Server
	mu      sync.Mutex
	logs    []plog.Logs
	traces  []ptrace.Traces
	metrics []pmetric.Metrics
}

// NewSink starts a sink; it stops with the test.
func NewSink(t testing.TB) *Sink {
	s := &Sink{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/logs", receive(s, plogotlp.NewExportRequest,
		func(r plogotlp.ExportRequest) { s.logs = append(s.logs, r.Logs()) },
		plogotlp.NewExportResponse().MarshalProto))
	mux.HandleFunc("POST /v1/traces", receive(s, ptraceotlp.NewExportRequest,
		func(r ptraceotlp.ExportRequest) { s.traces = append(s.traces, r.Traces()) },
		ptraceotlp.NewExportResponse().MarshalProto))
	mux.HandleFunc("POST /v1/metrics", receive(s, pmetricotlp.NewExportRequest,
		func(r pmetricotlp.ExportRequest) { s.metrics = append(s.metrics, r.Metrics()) },
		pmetricotlp.NewExportResponse().MarshalProto))
	s.server = httptest.NewServer(mux)
	s.URL = s.server.URL
	t.Cleanup(s.server.Close)
	return s
}

// receive is an OTLP/HTTP protobuf handler for one signal: decode, keep under the sink's lock, answer.
func receive[R interface{ UnmarshalProto([]byte) error }](s *Sink, newRequest func() R, keep func(R), response func() ([]byte, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req := newRequest()
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = req.UnmarshalProto(body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		keep(req)
		s.mu.Unlock()
		b, _ := response()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(b)
	}
}

// LogRecords returns every exported log record with its resource and scope, in arrival order.
func (s *Sink) LogRecords() []LogRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []LogRecord
	for _, ld := range s.logs {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				sl := rl.ScopeLogs().At(j)
				lrs := sl.LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					out = append(out, LogRecord{Resource: rl.Resource(), Scope: sl.Scope(), Record: lrs.At(k)})
				}
			}
		}
	}
	return out
}

// Spans returns every exported span with its resource.
func (s *Sink) Spans() []Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Span
	for _, td := range s.traces {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				spans := rs.ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					out = append(out, Span{Resource: rs.Resource(), Span: spans.At(k)})
				}
			}
		}
	}
	return out
}

// Metrics returns every exported metrics payload.
func (s *Sink) Metrics() []pmetric.Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pmetric.Metrics(nil), s.metrics...)
}

// LogRecord is one exported record with its resource and scope.
type LogRecord struct {
	Resource pcommon.Resource
	Scope    pcommon.InstrumentationScope
	Record   plog.LogRecord
}

// Span is one exported span with its resource.
type Span struct {
	Resource pcommon.Resource
	Span     ptrace.Span
}

// Collector is a running otelcol-faultline child process.
type Collector struct {
	cmd    *exec.Cmd
	output *bytes.Buffer
	mu     *sync.Mutex
	done   chan struct{}
}

// StartCollector writes config to a temp file, starts the distribution with it and the given
// extra environment, and waits until every address in waitFor accepts connections.
func StartCollector(t testing.TB, config string, env []string, waitFor ...string) *Collector {
	t.Helper()
	c, err := TryStartCollector(t, config, env, waitFor...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TryStartCollector is StartCollector returning the error when the collector exits before it
// listens, e.g. because a port FreeAddr handed out was taken by someone else in the meantime.
func TryStartCollector(t testing.TB, config string, env []string, waitFor ...string) (*Collector, error) {
	t.Helper()
	return TryStartCollectorArgs(t, config, nil, env, waitFor...)
}

// TryStartCollectorArgs is TryStartCollector with command-line arguments after --config, such
// as --feature-gates.
func TryStartCollectorArgs(t testing.TB, config string, args, env []string, waitFor ...string) (*Collector, error) {
	t.Helper()
	bin := DistPath(t)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &Collector{output: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	c.cmd = exec.Command(bin, append([]string{"--config", cfgPath}, args...)...)
	c.cmd.Env = append(os.Environ(), env...)
	w := &lockedWriter{mu: c.mu, w: c.output}
	c.cmd.Stdout, c.cmd.Stderr = w, w
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { _ = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Logf("collector output:\n%s", c.Output())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for _, addr := range waitFor {
		for {
			conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err == nil {
				conn.Close()
				break
			}
			select {
			case <-c.done:
				return nil, fmt.Errorf("collector exited before listening on %s:\n%s", addr, c.Output())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("collector not listening on %s after 60s:\n%s", addr, c.Output())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c, nil
}

// PID is the collector's process id, for resource monitoring.
func (c *Collector) PID() int { return c.cmd.Process.Pid }

// Output is what the collector printed so far.
func (c *Collector) Output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.output.String()
}

// Stop ends the collector gracefully (SIGTERM), killing it after 20 s.
func (c *Collector) Stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// Kill ends the collector with SIGKILL, as a crash would.
func (c *Collector) Kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Eventually polls cond every 50 ms until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// RunNode runs a node script from testbed/ with the given environment and returns its output.
func RunNode(t testing.TB, script string, env ...string) string {
	t.Helper()
	NodeModules(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = filepath.Join(RepoRoot(), "testbed")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, out)
	}
	return string(out)
}

// RunTool runs a binary from testbed/node_modules/.bin (e.g. sentry-cli, esbuild).
func RunTool(t testing.TB, dir, tool string, args []string, env ...string) string {
	t.Helper()
	bin := filepath.Join(NodeModules(t), ".bin", tool)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Fill replaces {{NAME}} placeholders in a config template.
func Fill(template string, values map[string]string) string {
	for k, v := range values {
		template = strings.ReplaceAll(template, "{{"+k+"}}", v)
	}
	if i := strings.Index(template, "{{"); i >= 0 {
		panic(fmt.Sprintf("unfilled placeholder in config: %.40s", template[i:]))
	}
	return template
}
