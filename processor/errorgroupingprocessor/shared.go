package errorgroupingprocessor

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/processor"
)

// processors lets the logs and the traces processor of one component share one
// groupingProcessor, so one sourcemap cache (cache_size_mib is the component's budget, not each
// pipeline's) and one set of exception caches. They are found by the component's config, which
// the collector hands to both signals, as otlpreceiver shares its server between signals.
var processors = sharedProcessors{m: map[*Config]*sharedProcessor{}}

type sharedProcessors struct {
	mu sync.Mutex
	m  map[*Config]*sharedProcessor
}

// sharedProcessor is one groupingProcessor with the signals using it: started by the first
// signal that starts, forgotten when the last one shuts down.
type sharedProcessor struct {
	*groupingProcessor
	users     int
	startOnce sync.Once
	startErr  error
}

func (s *sharedProcessors) get(set processor.Settings, cfg *Config) (*sharedProcessor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp, ok := s.m[cfg]; ok {
		sp.users++
		return sp, nil
	}
	p, err := newGroupingProcessor(set, cfg)
	if err != nil {
		return nil, err
	}
	sp := &sharedProcessor{groupingProcessor: p, users: 1}
	s.m[cfg] = sp
	return sp, nil
}

func (sp *sharedProcessor) start(ctx context.Context, host component.Host) error {
	sp.startOnce.Do(func() { sp.startErr = sp.groupingProcessor.start(ctx, host) })
	return sp.startErr
}

// shutdown releases one signal's use; the last one removes the processor.
func (s *sharedProcessors) shutdown(cfg *Config) func(context.Context) error {
	return func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if sp, ok := s.m[cfg]; ok {
			if sp.users--; sp.users == 0 {
				delete(s.m, cfg)
			}
		}
		return nil
	}
}
