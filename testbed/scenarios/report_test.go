package scenarios

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/faultline/faultline/testbed/harness"
)

var flagNote = flag.String("note", "", "a remark for the markdown results (e.g. what else ran on the machine)")

// report gathers every run and target check of the test binary, printed when the tests end.
var report = &results{}

type results struct {
	mu     sync.Mutex
	runs   []*run
	checks []check
}

// check is one target of DESIGN §7 judged against a measurement.
type check struct {
	Scenario, What, Measured, Target string
	Met                              bool
}

func (r *results) add(x *run) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, x)
}

func (r *results) check(scenario, what, measured, target string, met bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, check{scenario, what, measured, target, met})
}

func (x *run) loadText() string {
	mode := "max"
	if x.Load.Rate > 0 {
		mode = fmt.Sprintf("%.0f/s", x.Load.Rate)
	}
	gz := ""
	if x.Load.Gzip {
		gz = " gzip"
	}
	return fmt.Sprintf("%s×%d %s%s", mode, x.Load.Concurrency, x.Result.Elapsed.Round(time.Second), gz)
}

func (x *run) refusedText() string {
	if len(x.Result.Refused) == 0 && x.Result.TransportErrors == 0 {
		return "0"
	}
	statuses := make([]int, 0, len(x.Result.Refused))
	for s := range x.Result.Refused {
		statuses = append(statuses, s)
	}
	sort.Ints(statuses)
	var parts []string
	for _, s := range statuses {
		parts = append(parts, fmt.Sprintf("%d×%d", x.Result.Refused[s], s))
	}
	if x.Result.RefusedRetryAfter > 0 {
		parts = append(parts, fmt.Sprintf("(%d with Retry-After)", x.Result.RefusedRetryAfter))
	}
	if x.Result.TransportErrors > 0 {
		parts = append(parts, fmt.Sprintf("%d no answer", x.Result.TransportErrors))
	}
	return strings.Join(parts, " ")
}

var runColumns = []string{"scenario", "target", "load", "sent", "accepted/s", "processed/s", "refused", "CPU/item", "peak RSS", "drain", "missing"}

func (x *run) cells() []string {
	return []string{x.Scenario, x.Target, x.loadText(), fmt.Sprint(x.Result.Sent),
		fmt.Sprintf("%.0f", x.AcceptedPerSec()), fmt.Sprintf("%.0f", x.ProcessedPerSec()), x.refusedText(),
		x.cpuText(), fmt.Sprintf("%d MB", x.PeakRSS>>20),
		x.Drain.Round(100 * time.Millisecond).String(), fmt.Sprint(len(x.Missing))}
}

func (x *run) cpuText() string {
	if x.CPU <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f µs", float64(x.CPUPerItem())/1e3)
}

var checkColumns = []string{"scenario", "target of DESIGN §7", "measured", "goal", "met"}

func (c check) cells() []string {
	met := "no"
	if c.Met {
		met = "yes"
	}
	return []string{c.Scenario, c.What, c.Measured, c.Target, met}
}

// table is the plain-text summary `make testbed` prints.
func (r *results) table() string {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(&b, "\nTESTBED RESULTS")
	fmt.Fprintln(w, strings.Join(runColumns, "\t"))
	for _, x := range r.runs {
		fmt.Fprintln(w, strings.Join(x.cells(), "\t"))
	}
	w.Flush()
	if len(r.checks) > 0 {
		fmt.Fprintln(&b)
		w = tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, strings.Join(checkColumns, "\t"))
		for _, c := range r.checks {
			fmt.Fprintln(w, strings.Join(c.cells(), "\t"))
		}
		w.Flush()
	}
	return b.String()
}

// writeMarkdown writes the results with what they were measured on. The sections of an existing
// file after the ones written here (the write-ups of earlier measurements) are kept.
func (r *results) writeMarkdown(path string) error {
	if !filepath.IsAbs(path) {
		path = filepath.Join(harness.RepoRoot(), path)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Testbed results\n\nWritten by `make testbed` (testbed/scenarios); rerun it to refresh the sections up to \"Throughput over time\" (the later ones are kept).\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| date | %s |\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "| commit | %s |\n", commit())
	fmt.Fprintf(&b, "| machine | %s, %d cores, %s |\n", cpuModel(), runtime.NumCPU(), kernel())
	fmt.Fprintf(&b, "| Go | %s |\n", runtime.Version())
	fmt.Fprintf(&b, "| load | SDK-shaped node error events (sizes %s), %d issues, %d users, %d senders, %s per run, gzip %v |\n",
		*flagSizes, *flagIssues, *flagUsers, *flagConcurrency, *flagDuration, *flagGzip)
	gogc := *flagGOGC
	if gogc == "" {
		gogc = "Go's default (100)"
	}
	fmt.Fprintf(&b, "| collector | GOGC %s |\n", gogc)
	if *flagNote != "" {
		fmt.Fprintf(&b, "| note | %s |\n", *flagNote)
	}
	fmt.Fprintf(&b, "\nprocessed/s counts events found in the store over the time from the first request until the store stopped growing; CPU/item is the target process's CPU (utime+stime) over the same time per processed event; peak RSS is VmHWM. The ceiling is the same generator against a process that only answers 200.\n\n## Runs\n\n")
	mdTable(&b, runColumns, func(row func([]string)) {
		for _, x := range r.runs {
			row(x.cells())
		}
	})
	for _, x := range r.runs {
		if x.Note != "" {
			fmt.Fprintf(&b, "\n%s, %s: %s.\n", x.Scenario, x.Target, x.Note)
		}
	}
	if len(r.checks) > 0 {
		fmt.Fprintf(&b, "\n## Targets\n\n")
		mdTable(&b, checkColumns, func(row func([]string)) {
			for _, c := range r.checks {
				row(c.cells())
			}
		})
	}
	fmt.Fprintf(&b, "\n## Throughput over time\n\nProcessed events per second, one value per second of load and drain.\n\n")
	for _, x := range r.runs {
		var v []string
		for _, p := range x.Timeline {
			v = append(v, fmt.Sprint(p.Processed))
		}
		fmt.Fprintf(&b, "- %s, %s: %s\n", x.Scenario, x.Target, strings.Join(v, " "))
	}
	if old, err := os.ReadFile(path); err == nil {
		b.WriteString(keptSections(string(old)))
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// keptSections is what follows the generated sections of a results file: from its first "## "
// heading that writeMarkdown does not write.
func keptSections(text string) string {
	generated := map[string]bool{"## Runs": true, "## Targets": true, "## Throughput over time": true}
	at := 0
	for _, line := range strings.SplitAfter(text, "\n") {
		if strings.HasPrefix(line, "## ") && !generated[strings.TrimSpace(line)] {
			return "\n" + text[at:]
		}
		at += len(line)
	}
	return ""
}

func mdTable(b *bytes.Buffer, columns []string, rows func(func([]string))) {
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(columns, " | "), strings.Repeat("---|", len(columns)))
	rows(func(cells []string) {
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
	})
}

func commit() string {
	out, err := exec.Command("git", "-C", harness.RepoRoot(), "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS
	}
	return "Linux " + strings.TrimSpace(string(b))
}

// A rerun replaces the generated sections and keeps the write-ups after them.
func TestKeptSectionsAreTheWriteUpsAfterTheGeneratedOnes(t *testing.T) {
	text := "# Testbed results\n\n## Runs\n\n| a |\n\n## Targets\n\nx\n\n## Throughput over time\n\n- y\n\n## Issue 18: step 1\n\nkept\n\n## Issue 20\n\nkept too\n"
	if got, want := keptSections(text), "\n## Issue 18: step 1\n\nkept\n\n## Issue 20\n\nkept too\n"; got != want {
		t.Errorf("kept %q, want %q", got, want)
	}
	if got := keptSections("# Testbed results\n\n## Runs\n\n## Throughput over time\n- y\n"); got != "" {
		t.Errorf("kept %q of a file with nothing after the generated sections", got)
	}
}
