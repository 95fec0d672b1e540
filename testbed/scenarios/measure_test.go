package scenarios

import (
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

	"github.com/faultline/faultline/testbed/loadgen"
	"github.com/faultline/faultline/testbed/procstat"
	"github.com/faultline/faultline/testbed/storeprobe"
)

// run is one measured load against one target.
type run struct {
	Scenario, Target string
	Load             loadgen.Config
	Result           *loadgen.Result
	// Processed is what reached the store (for the ceiling: what was acknowledged), and
	// ProcessedIn the time from the start of the load until the store stopped growing.
	Processed   int64
	ProcessedIn time.Duration
	Drain       time.Duration // from the end of the load until the store was stable
	// CPU is the target process's CPU from the start of the load until the store stopped growing.
	CPU     time.Duration
	PeakRSS int64
	Missing [][16]byte
	// Timeline has one point per second of load and drain.
	Timeline []point
	// Note is what the scenario wants said next to the numbers.
	Note string
}

type point struct {
	At                  time.Duration
	Accepted, Processed int64 // per second
	CPUPercent          float64
	RSS                 int64
}

// AcceptedPerSec is the acknowledged requests per second during the load.
func (r *run) AcceptedPerSec() float64 {
	return float64(r.Result.Accepted) / r.Result.Elapsed.Seconds()
}

// ProcessedPerSec is the sustained processing rate: every stored event over the time it took.
func (r *run) ProcessedPerSec() float64 {
	if r.ProcessedIn <= 0 {
		return 0
	}
	return float64(r.Processed) / r.ProcessedIn.Seconds()
}

// CPUPerItem is the target's CPU per processed event.
func (r *run) CPUPerItem() time.Duration {
	if r.Processed == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Processed)
}

// target is what a load runs against: a process to watch and, unless it is the ceiling, the
// store it writes to.
type target struct {
	name      string
	pid       int
	probe     *storeprobe.Probe
	pprofAddr string // where to take a CPU profile during the load, if anywhere
}

// measure runs cfg against tg, watches tg's process every second, then waits for the store to
// settle and looks up every acknowledged event id in it. The run is added to the report.
func measure(t *testing.T, scenario string, tg target, cfg loadgen.Config) *run {
	t.Helper()
	r := startLoad(t, scenario, tg, cfg)
	return r.finish(t)
}

// runningLoad is a measured load in progress.
type runningLoad struct {
	r       *run
	tg      target
	gen     *loadgen.Generator
	done    chan *loadgen.Result
	cancel  context.CancelFunc
	start   time.Time
	first   procstat.Sample
	count0  int64
	last    procstat.Sample
	lastAcc int64
	// lastN is the store count as last read; lastPointN as of the last timeline point.
	lastN, lastPointN int64
	// lastChange is when the store count last grew, and the target's CPU then.
	lastChange    time.Time
	lastChangeCPU time.Duration
	profiled      chan struct{} // closed when the CPU profile is written
}

// profile takes a CPU profile of the target from one second into the load, for d, and writes it
// to the -profile directory.
func (l *runningLoad) profile(t *testing.T, scenario string, tg target, d time.Duration) {
	time.Sleep(time.Second)
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", tg.pprofAddr, int(d.Seconds()))
	resp, err := http.Get(url)
	if err != nil {
		t.Logf("profile: %v", err)
		return
	}
	defer resp.Body.Close()
	name := strings.NewReplacer(" ", "-", "/", "-", ",", "", "→", "to").Replace(scenario + "_" + tg.name)
	path := filepath.Join(*flagProfile, name+".pprof")
	if err := os.MkdirAll(*flagProfile, 0o755); err != nil {
		t.Logf("profile: %v", err)
		return
	}
	out, err := os.Create(path)
	if err != nil {
		t.Logf("profile: %v", err)
		return
	}
	defer out.Close()
	if _, err := io.Copy(out, resp.Body); err != nil {
		t.Logf("profile: %v", err)
		return
	}
	t.Logf("CPU profile: %s", path)
}

func startLoad(t *testing.T, scenario string, tg target, cfg loadgen.Config) *runningLoad {
	t.Helper()
	gen, err := loadgen.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := &runningLoad{r: &run{Scenario: scenario, Target: tg.name, Load: cfg}, tg: tg, gen: gen, done: make(chan *loadgen.Result, 1)}
	if l.first, err = procstat.Read(tg.pid); err != nil {
		t.Fatal(err)
	}
	l.last = l.first
	if tg.probe != nil {
		if l.count0, err = tg.probe.Count(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	l.lastN, l.lastPointN = l.count0, l.count0
	var ctx context.Context
	ctx, l.cancel = context.WithCancel(context.Background())
	l.start = time.Now()
	l.lastChange, l.lastChangeCPU = l.start, l.first.CPU
	go func() { l.done <- gen.Run(ctx) }()
	if tg.pprofAddr != "" && cfg.Duration > 3*time.Second {
		l.profiled = make(chan struct{})
		go func() {
			defer close(l.profiled)
			l.profile(t, scenario, tg, cfg.Duration-2*time.Second)
		}()
	}
	return l
}

// stored is the number of events stored since the load started.
func (l *runningLoad) stored(t *testing.T) int64 {
	if l.tg.probe == nil {
		return l.gen.Accepted()
	}
	n, err := l.tg.probe.Count(context.Background())
	if err != nil {
		t.Logf("count events: %v", err)
		return l.lastN - l.count0
	}
	return n - l.count0
}

// sample records one timeline point; it returns false once the target process is gone.
func (l *runningLoad) sample(t *testing.T) bool {
	s, err := procstat.Read(l.tg.pid)
	if err != nil {
		return false
	}
	n := l.stored(t) + l.count0
	l.point(s, n)
	l.noteCount(n, s)
	return true
}

// point adds a timeline point for sample s and store count n (absolute).
func (l *runningLoad) point(s procstat.Sample, n int64) {
	acc := l.gen.Accepted()
	secs := s.At.Sub(l.last.At).Seconds()
	l.r.Timeline = append(l.r.Timeline, point{
		At:         s.At.Sub(l.start).Round(time.Second),
		Accepted:   int64(float64(acc-l.lastAcc) / secs),
		Processed:  int64(float64(n-l.lastPointN) / secs),
		CPUPercent: 100 * (s.CPU - l.last.CPU).Seconds() / secs,
		RSS:        s.RSS,
	})
	l.last, l.lastAcc, l.lastPointN = s, acc, n
}

func (l *runningLoad) noteCount(n int64, s procstat.Sample) {
	if n != l.lastN {
		l.lastN, l.lastChange, l.lastChangeCPU = n, s.At, s.CPU
	}
	if s.HWM > l.r.PeakRSS {
		l.r.PeakRSS = s.HWM
	}
}

// wait lets the load run to its end, sampling every second.
func (l *runningLoad) wait(t *testing.T) {
	l.waitAtMost(t, -1)
}

// waitAtMost samples every second until the load ends or, if d is not negative, d has passed.
func (l *runningLoad) waitAtMost(t *testing.T, d time.Duration) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var timeout <-chan time.Time
	if d >= 0 {
		timeout = time.After(d)
	}
	for {
		select {
		case res := <-l.done:
			l.r.Result = res
			return
		case <-timeout:
			return
		case <-tick.C:
			l.sample(t)
		}
	}
}

// retarget follows the target into a new process (a restart after SIGKILL).
func (l *runningLoad) retarget(pid int) {
	l.tg.pid = pid
	if s, err := procstat.Read(pid); err == nil {
		l.last = s
	}
}

// stop ends the load early (e.g. after the target was killed) and collects its result.
func (l *runningLoad) stop() *loadgen.Result {
	l.cancel()
	l.r.Result = <-l.done
	return l.r.Result
}

// finish waits for the load, drains, checks for loss and records the run.
func (l *runningLoad) finish(t *testing.T) *run {
	t.Helper()
	if l.r.Result == nil {
		l.wait(t)
	}
	l.cancel()
	loadEnd := time.Now()
	if l.profiled != nil {
		<-l.profiled
	}
	r := l.r
	if l.tg.probe == nil {
		s, _ := procstat.Read(l.tg.pid)
		l.noteCount(l.gen.Accepted(), s)
		r.Processed, r.ProcessedIn, r.CPU = r.Result.Accepted, r.Result.Elapsed, s.CPU-l.first.CPU
	} else {
		l.drain(t)
		r.Drain = time.Since(loadEnd)
		r.Processed = l.lastN - l.count0
		r.ProcessedIn = l.lastChange.Sub(l.start)
		r.CPU = l.lastChangeCPU - l.first.CPU
		missing, err := l.tg.probe.Missing(context.Background(), projectID, r.Result.AcceptedIDs)
		if err != nil {
			t.Fatal(err)
		}
		r.Missing = missing
	}
	for _, p := range r.Timeline {
		t.Logf("t=%3ds accepted/s=%6d processed/s=%6d cpu=%5.1f%% rss=%4d MB", int(p.At.Seconds()), p.Accepted, p.Processed, p.CPUPercent, p.RSS>>20)
	}
	t.Logf("%s: sent %d, accepted %d (%.0f/s), refused %v (%d with Retry-After), transport errors %d; processed %d (%.0f/s), drain %s; CPU %s = %s/item; peak RSS %d MB; generator CPU %s/request",
		r.Target, r.Result.Sent, r.Result.Accepted, r.AcceptedPerSec(), r.Result.Refused, r.Result.RefusedRetryAfter,
		r.Result.TransportErrors, r.Processed, r.ProcessedPerSec(), r.Drain.Round(100*time.Millisecond),
		r.CPU.Round(time.Millisecond), r.CPUPerItem(), r.PeakRSS>>20, generatorCPUPerRequest(r.Result))
	for i, id := range r.Missing {
		if i == 20 {
			t.Errorf("… and %d more", len(r.Missing)-20)
			break
		}
		t.Errorf("acknowledged event %s is not in the store", hex.EncodeToString(id[:]))
	}
	report.add(r)
	return r
}

// drain waits for the store to settle, sampling the target every second meanwhile.
func (l *runningLoad) drain(t *testing.T) {
	nextPoint := time.Now().Add(time.Second)
	_, _, err := l.tg.probe.Drain(context.Background(), storeprobe.Settle{
		Want: l.count0 + l.r.Result.Accepted,
		OnPoll: func(n int64) {
			s, err := procstat.Read(l.tg.pid)
			if err != nil {
				t.Fatal("the collector exited while draining")
			}
			if time.Now().After(nextPoint) {
				l.point(s, n)
				nextPoint = nextPoint.Add(time.Second)
			}
			l.noteCount(n, s)
		},
	})
	if err != nil {
		t.Error(err)
	}
}

func generatorCPUPerRequest(res *loadgen.Result) time.Duration {
	if res.Sent == 0 {
		return 0
	}
	return res.CPU / time.Duration(res.Sent)
}
