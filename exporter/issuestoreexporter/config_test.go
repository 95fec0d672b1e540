package issuestoreexporter

import (
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/faultline/faultline/exporter/issuestoreexporter/internal/metadata"
)

func TestConfigLoadsAndValidates(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string) (*Config, error) {
		cfg := createDefaultConfig().(*Config)
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.Unmarshal(cfg); err != nil {
			return nil, err
		}
		return cfg, confmap.Validate(cfg)
	}
	def, err := load("")
	if err != nil {
		t.Fatal(err)
	}
	if def.Extension != component.MustNewID("issuestore") || !def.QueueConfig.HasValue() || !def.RetryConfig.Enabled {
		t.Errorf("defaults: %+v", def)
	}
	p, err := load("persistent")
	if err != nil {
		t.Fatal(err)
	}
	q := p.QueueConfig.Get()
	if p.Extension.String() != "issuestore/main" || q.StorageID == nil || q.StorageID.String() != "file_storage" || q.QueueSize != 100000 || p.TimeoutConfig.Timeout != 10*time.Second {
		t.Errorf("persistent: %+v queue %+v", p, q)
	}
	if _, err := load("no_extension"); err == nil {
		t.Error("an empty extension id was accepted")
	}
}
