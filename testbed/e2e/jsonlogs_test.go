package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/testbed/harness"
)

// The JSON output of common loggers, written by real processes through the real libraries into
// files that the file_log receiver of config/logs-example.yaml tails. Each program logs
// loadOrder's error twice and reserve's once. An error logged from the same code through two
// loggers has the same frames, so it makes one issue whose events come from both files.
// (slog's JSON is in TestLogFilesOfRealRuntimes' Go shop; Serilog's is captured text in
// operator/exceptionparser's tests: no .NET runtime in Debian.)

// TestJSONLogsOfGoLoggers: zap (its "stacktrace", from where the error was logged) and logrus
// (a github.com/pkg/errors error printed with %+v in "error", from where it was made; a
// debug.Stack in "stack"), built from testdata/logs/gologgers, a module of its own.
func TestJSONLogsOfGoLoggers(t *testing.T) {
	goTool := runtimeOrSkip(t, "go")
	dir := t.TempDir()
	f := startLogs(t, dir)
	src := logsTestdata("gologgers")
	for _, logger := range []string{"zap", "logrus"} {
		runIntoFrom(t, src, filepath.Join(dir, logger+".log"), []string{"CGO_ENABLED=0"}, goTool, "run", ".", logger)
	}
	f.waitForBugs(t, []bug{
		{"logrus.log", "loadOrder", 2}, {"zap.log", "handleOrder", 2}, {"logrus.log+zap.log", "handleReserve", 2},
	})
}

// TestJSONLogsOfNodeLoggers: pino (the error serialized under "err") and winston
// (format.errors with its stack, then format.json), from testbed/node_modules.
func TestJSONLogsOfNodeLoggers(t *testing.T) {
	node := runtimeOrSkip(t, "node")
	modules := harness.NodeModules(t)
	dir := t.TempDir()
	f := startLogs(t, dir)
	for _, logger := range []string{"pino", "winston"} {
		runInto(t, filepath.Join(dir, logger+".log"), []string{"NODE_MODULES=" + modules}, node, logsTestdata("loggers.js"), logger)
	}
	f.waitForBugs(t, []bug{{"pino.log+winston.log", "loadOrder", 4}, {"pino.log+winston.log", "reserve", 2}})
}

// pythonWith finds a python3 that imports the modules: Debian's packages install them for
// /usr/bin/python3, which may not be the first python3 on the PATH (pyenv).
func pythonWith(t *testing.T, debianPackages string, modules ...string) string {
	t.Helper()
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	for _, p := range candidates {
		if exec.Command(p, "-c", "import "+strings.Join(modules, ", ")).Run() == nil {
			return p
		}
	}
	t.Skipf("no python3 imports %s (Debian: apt-get install %s)", strings.Join(modules, ", "), debianPackages)
	return ""
}

// TestJSONLogsOfPythonLoggers: structlog (format_exc_info's text, and dict_tracebacks' list, in
// "exception") and python-json-logger ("exc_info"), from Debian's packages.
func TestJSONLogsOfPythonLoggers(t *testing.T) {
	python := pythonWith(t, "python3-structlog python3-pythonjsonlogger", "structlog", "pythonjsonlogger")
	dir := t.TempDir()
	f := startLogs(t, dir)
	for _, logger := range []string{"structlog", "structlog-dict", "python-json-logger"} {
		runInto(t, filepath.Join(dir, logger+".log"), nil, python, logsTestdata("loggers.py"), logger)
	}
	const all = "python-json-logger.log+structlog-dict.log+structlog.log"
	f.waitForBugs(t, []bug{{all, "load_order", 6}, {all, "reserve", 3}})
}

// logbackJars are the jars ShopLogback.java runs with, as Debian's liblogback-java,
// liblogstash-logback-encoder-java and their dependencies install them.
var logbackJars = []string{"logback-classic", "logback-core", "slf4j-api", "logstash-logback-encoder",
	"jackson-databind", "jackson-core", "jackson-annotations"}

// TestJSONLogsOfLogback: logback with logstash-logback-encoder's LogstashEncoder
// ("stack_trace"), from Debian's jars. (Logback's own JsonEncoder needs logback 1.3.8; Debian
// has 1.2: its "throwable" object is read in operator/exceptionparser's tests.)
func TestJSONLogsOfLogback(t *testing.T) {
	java := runtimeOrSkip(t, "java")
	var classpath []string
	for _, jar := range logbackJars {
		path := filepath.Join("/usr/share/java", jar+".jar")
		if _, err := os.Stat(path); err != nil {
			t.Skipf("%s is not installed (Debian: apt-get install liblogback-java liblogstash-logback-encoder-java)", path)
		}
		classpath = append(classpath, path)
	}
	dir := t.TempDir()
	f := startLogs(t, dir)
	runInto(t, filepath.Join(dir, "logback.log"), nil, java, "-cp", strings.Join(classpath, ":"),
		"-Dlogback.configurationFile="+logsTestdata("logback-json.xml"), logsTestdata("ShopLogback.java"))
	f.waitForBugs(t, []bug{{"logback.log", "loadOrder", 2}, {"logback.log", "reserve", 1}})
}
