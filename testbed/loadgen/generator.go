package loadgen

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config says what to send, where and how hard.
type Config struct {
	// URL and Header address every request (e.g. a Sentry envelope endpoint and its auth header).
	URL    string
	Header http.Header
	// Templates are picked uniformly at random per request; repeat one to weight it.
	Templates []*Template
	// Concurrency is the number of senders, each with its own keep-alive connection.
	Concurrency int
	// Rate is the total requests per second; 0 sends as fast as the target answers.
	Rate float64
	// Duration ends the run; MaxRequests, when positive, ends it earlier.
	Duration    time.Duration
	MaxRequests int64
	// Users is the number of distinct user ids (default 1000).
	Users int
	// Gzip sends bodies with Content-Encoding: gzip.
	Gzip bool
	// Timeout bounds one request (default 10 s).
	Timeout time.Duration
}

// Result is what one run saw. Only a 200 counts as acknowledged.
type Result struct {
	Sent     int64
	Accepted int64
	// Refused counts answers other than 200 by status; RefusedRetryAfter those with Retry-After.
	Refused           map[int]int64
	RefusedRetryAfter int64
	// TransportErrors are requests without an answer (connection refused or reset, timeout).
	TransportErrors int64
	// AcceptedIDs are the event ids the target acknowledged.
	AcceptedIDs [][16]byte
	Elapsed     time.Duration
	// CPU is the generator process's CPU time (user+system) during the run.
	CPU   time.Duration
	Bytes int64 // request bytes sent, as on the wire (compressed when gzip)
}

// Generator runs one load. Its counters can be read while it runs.
type Generator struct {
	cfg      Config
	client   *http.Client
	sent     atomic.Int64
	accepted atomic.Int64
	refused  atomic.Int64
}

// New checks cfg and prepares a generator.
func New(cfg Config) (*Generator, error) {
	if len(cfg.Templates) == 0 {
		return nil, errors.New("loadgen: no templates")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Users <= 0 {
		cfg.Users = 1000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Duration <= 0 && cfg.MaxRequests <= 0 {
		return nil, errors.New("loadgen: set a duration or a request count")
	}
	transport := &http.Transport{
		MaxIdleConns:        cfg.Concurrency,
		MaxIdleConnsPerHost: cfg.Concurrency,
		DisableCompression:  true,
	}
	return &Generator{cfg: cfg, client: &http.Client{Transport: transport, Timeout: cfg.Timeout}}, nil
}

// Sent, Accepted and Refused are live counters.
func (g *Generator) Sent() int64     { return g.sent.Load() }
func (g *Generator) Accepted() int64 { return g.accepted.Load() }
func (g *Generator) Refused() int64  { return g.refused.Load() }

// Run sends until the duration passes, the request budget is spent or ctx ends.
func (g *Generator) Run(ctx context.Context) *Result {
	if g.cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.cfg.Duration)
		defer cancel()
	}
	cpuStart := processCPU()
	start := time.Now()
	results := make([]*workerResult, g.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range results {
		results[i] = &workerResult{refused: map[int]int64{}}
		wg.Go(func() { g.work(ctx, i, start, results[i]) })
	}
	wg.Wait()
	g.client.CloseIdleConnections()
	res := &Result{Refused: map[int]int64{}, Elapsed: time.Since(start), CPU: processCPU() - cpuStart}
	for _, w := range results {
		res.Sent += w.sent
		res.Accepted += int64(len(w.ids))
		res.AcceptedIDs = append(res.AcceptedIDs, w.ids...)
		res.RefusedRetryAfter += w.refusedRetryAfter
		res.TransportErrors += w.transportErrors
		res.Bytes += w.bytes
		for status, n := range w.refused {
			res.Refused[status] += n
		}
	}
	return res
}

type workerResult struct {
	sent, transportErrors, refusedRetryAfter, bytes int64
	refused                                         map[int]int64
	ids                                             [][16]byte
}

func (g *Generator) work(ctx context.Context, worker int, start time.Time, res *workerResult) {
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	rng := rand.New(rand.NewChaCha8(seed))
	var interval time.Duration
	if g.cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(g.cfg.Concurrency) / g.cfg.Rate)
	}
	// Senders start spread over one interval so a paced load does not arrive in waves.
	next := start.Add(time.Duration(worker) * interval / time.Duration(g.cfg.Concurrency))
	var plain, wire []byte
	for ctx.Err() == nil {
		if interval > 0 {
			now := time.Now()
			if wait := next.Sub(now); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			} else if wait < -time.Second {
				next = now // fell behind: send at the rate from here, do not burst to catch up
			}
			next = next.Add(interval)
		}
		if n := g.sent.Add(1); g.cfg.MaxRequests > 0 && n > g.cfg.MaxRequests {
			g.sent.Add(-1)
			return
		}
		t := g.cfg.Templates[rng.IntN(len(g.cfg.Templates))]
		var f Fields
		binary.LittleEndian.PutUint64(f.EventID[:8], rng.Uint64())
		binary.LittleEndian.PutUint64(f.EventID[8:], rng.Uint64())
		f.User = rng.IntN(g.cfg.Users)
		f.Time = time.Now()
		plain = grow(plain, len(t.body))
		t.render(plain, f)
		wire = plain
		if g.cfg.Gzip {
			wire = t.gzip.appendGzip(wire[len(wire):], plain)
		}
		res.sent++
		res.bytes += int64(len(wire))
		status, retryAfter, err := g.send(ctx, wire)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				res.transportErrors++
			}
		case status == http.StatusOK:
			res.ids = append(res.ids, f.EventID)
			g.accepted.Add(1)
		default:
			res.refused[status]++
			if retryAfter {
				res.refusedRetryAfter++
			}
			g.refused.Add(1)
		}
	}
}

// grow returns a slice of length n, reusing b's memory (with room for a gzip copy after it).
func grow(b []byte, n int) []byte {
	if cap(b) < 2*n+64 {
		b = make([]byte, n, 2*n+64)
	}
	return b[:n]
}

func (g *Generator) send(ctx context.Context, body []byte) (status int, retryAfter bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, false, err
	}
	for k, v := range g.cfg.Header {
		req.Header[k] = v
	}
	if g.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, false, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After") != "", nil
}

// processCPU is this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
