package errorgroupingprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/faultline/faultline/processor/errorgroupingprocessor/internal/metadata"
)

func TestLogsAndTracesOfOneComponentShareTheirCaches(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Sourcemaps.Directory = t.TempDir()
	f := NewFactory()
	set := processortest.NewNopSettings(metadata.Type)
	logs, err := f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	traces, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	host := componenttest.NewNopHost()
	if err := logs.Start(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	if err := traces.Start(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	processors.mu.Lock()
	sp := processors.m[cfg]
	processors.mu.Unlock()
	if sp == nil || sp.users != 2 || sp.symbolicator == nil {
		t.Fatalf("shared processor %+v, want one with two users and a symbolicator", sp)
	}
	logs.Shutdown(context.Background())
	traces.Shutdown(context.Background())
	processors.mu.Lock()
	defer processors.mu.Unlock()
	if _, ok := processors.m[cfg]; ok {
		t.Error("the processor outlived both signals")
	}
}
