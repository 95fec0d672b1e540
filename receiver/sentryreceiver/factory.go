package sentryreceiver

import (
	"context"
	"runtime"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/faultline/faultline/receiver/sentryreceiver/internal/metadata"
)

// defaultEndpoint is where SDKs send by default (the DSN's host).
const defaultEndpoint = "localhost:8000"

// defaultMaxBodySize is Relay's envelope limit (200 MiB); it bounds the body before and after
// decompression.
const defaultMaxBodySize = 200 << 20

// The bounds of a request's head in Relay's HTTP stack, hyper: at most 100 header fields
// (httparse), a read buffer of 8 KiB + 100 × 4 KiB for the request line and header, and a URI
// shorter than 65,535 bytes.
const (
	defaultMaxHeaderCount = 100
	defaultMaxHeaderBytes = 8192 + 4096*100
	defaultMaxURILength   = 65534
)

// defaultMaxItems caps a merged call (README "Group commit").
const defaultMaxItems = 1000

// defaultMaxInFlight lets half the cores run pipeline calls while the other half decode the
// requests that will be merged into the next ones. On 2 cores, testbed scenario 1 with 32
// senders measured 1 call in flight at -13% CPU per event against group commit off, 2 at -7%.
func defaultMaxInFlight() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// NewFactory returns the factory of the `sentry` receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
		receiver.WithTraces(createTraces, metadata.TracesStability),
		receiver.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	srv := confighttp.NewDefaultServerConfig()
	srv.NetAddr.Endpoint = defaultEndpoint
	srv.MaxRequestBodySize = defaultMaxBodySize
	return &Config{ServerConfig: srv, ServiceName: ServiceNameSlug,
		GroupCommit:           GroupCommitConfig{MaxInFlight: defaultMaxInFlight(), MaxItems: defaultMaxItems},
		MaxRequestHeaderCount: defaultMaxHeaderCount, MaxRequestHeaderBytes: defaultMaxHeaderBytes, MaxRequestURILength: defaultMaxURILength}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	s, err := receivers.getOrCreate(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	s.rcv.logs = groupLogs(cfg.(*Config).GroupCommit, next)
	return s, nil
}

func createTraces(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Traces) (receiver.Traces, error) {
	s, err := receivers.getOrCreate(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	s.rcv.traces = groupTraces(cfg.(*Config).GroupCommit, next)
	return s, nil
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	s, err := receivers.getOrCreate(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	s.rcv.metrics = groupMetrics(cfg.(*Config).GroupCommit, next)
	return s, nil
}

// receivers shares one receiver (one HTTP server) between the pipelines of one configuration,
// as otlpreceiver does with core's internal sharedcomponent package, which we cannot import.
var receivers = &sharedReceivers{byConfig: map[*Config]*sharedReceiver{}}

type sharedReceivers struct {
	mu       sync.Mutex
	byConfig map[*Config]*sharedReceiver
}

// sharedReceiver starts its receiver on the first Start and stops it on the first Shutdown
// (the collector starts and stops all pipelines together), then forgets it so that a new
// pipeline build gets a fresh one.
type sharedReceiver struct {
	rcv       *sentryReceiver
	startOnce sync.Once
	stopOnce  sync.Once
	startErr  error
	stopErr   error
	forget    func()
}

func (s *sharedReceivers) getOrCreate(cfg *Config, set receiver.Settings) (*sharedReceiver, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sr, ok := s.byConfig[cfg]; ok {
		return sr, nil
	}
	rcv, err := newReceiver(cfg, set)
	if err != nil {
		return nil, err
	}
	sr := &sharedReceiver{rcv: rcv}
	sr.forget = func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.byConfig[cfg] == sr {
			delete(s.byConfig, cfg)
		}
	}
	s.byConfig[cfg] = sr
	return sr, nil
}

func (s *sharedReceiver) Start(ctx context.Context, host component.Host) error {
	s.startOnce.Do(func() { s.startErr = s.rcv.Start(ctx, host) })
	return s.startErr
}

func (s *sharedReceiver) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.stopErr = s.rcv.Shutdown(ctx)
		s.forget()
	})
	return s.stopErr
}
