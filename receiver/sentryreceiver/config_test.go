package sentryreceiver

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/faultline/faultline/receiver/sentryreceiver/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestConfigDefaultsFillWhatTheFileLeavesOut(t *testing.T) {
	cfg := loadConfig(t, "")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.NetAddr.Endpoint != "localhost:8000" || cfg.MaxRequestBodySize != 200<<20 || cfg.ServiceName != ServiceNameSlug {
		t.Errorf("defaults: endpoint %q, body %d, service_name %q", cfg.NetAddr.Endpoint, cfg.MaxRequestBodySize, cfg.ServiceName)
	}
	if cfg.GroupCommit.MaxInFlight != max(1, runtime.GOMAXPROCS(0)/2) || cfg.GroupCommit.MaxItems != 1000 {
		t.Errorf("group_commit defaults: %+v", cfg.GroupCommit)
	}
	if cfg.MaxRequestHeaderCount != 100 || cfg.MaxRequestHeaderBytes != 417792 || cfg.MaxRequestURILength != 65534 {
		t.Errorf("request head defaults: %d fields, %d bytes, URI %d", cfg.MaxRequestHeaderCount, cfg.MaxRequestHeaderBytes, cfg.MaxRequestURILength)
	}
	if len(cfg.Projects) != 1 || cfg.Projects[0].ID != 1 {
		t.Errorf("projects %+v", cfg.Projects)
	}
}

func TestConfigReadsEveryKey(t *testing.T) {
	cfg := loadConfig(t, "full")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	p := cfg.Projects[0]
	if cfg.NetAddr.Endpoint != "0.0.0.0:9000" || cfg.MaxRequestBodySize != 10<<20 || cfg.ServiceName != ServiceNameProjectID ||
		p.Slug != "demo" || len(p.Keys) != 2 || len(p.AllowedOrigins) != 2 || len(p.Quotas) != 2 || p.Quotas[0].Limit != 1000 || p.Quotas[0].Window != time.Minute || len(p.Quotas[0].Categories) != 2 || p.Quotas[1].Scope != "key" ||
		cfg.Projects[1].ServiceName != "checkout" || cfg.GroupCommit.MaxInFlight != 4 || cfg.GroupCommit.MaxItems != 500 ||
		cfg.MaxRequestHeaderCount != 50 || cfg.MaxRequestHeaderBytes != 65536 || cfg.MaxRequestURILength != 8192 {
		t.Errorf("config %+v", cfg)
	}
}

func TestConfigValidateNamesEveryProblem(t *testing.T) {
	err := loadConfig(t, "invalid").Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`compression_algorithms ["gzip"]: not supported`,
		`service_name "release": must be "slug" or "project_id"`,
		"group_commit: max_in_flight (-1) and max_items (1000) must not be negative",
		"max_request_header_count (100), max_request_header_bytes (417792) and max_request_uri_length (0) must be positive",
		"projects[0] (id 0): id must be a positive number",
		"projects[0] (id 0): keys must list at least one public key",
		`projects[1] (id 2): public key "a b" contains a character`,
		`projects[1] (id 2): allowed_origins: origin pattern "ftp://x": scheme must be http or https`,
		`projects[1] (id 2): allowed_origins: origin pattern "a.*.com": * may only be`,
		"projects[1] (id 2): quotas[0]: limit -1 must not be negative",
		"projects[1] (id 2): quotas[0]: window 100ms must be at least 1s",
		`projects[1] (id 2): quotas[0]: scope "org" must be "project" or "key"`,
		`projects[1] (id 2): quotas[0]: unknown category "errors" (known: error, transaction`,
		`projects[1] (id 2): quotas[1]: key "nokey" is not one of the project's keys`,
		`projects[1] (id 2): quotas[2]: key "dup" counts one key's items: scope must be "key" or left out`,
		"projects[2] (id 2): id 2 is configured twice",
		`projects[2] (id 2): public key "dup" is also a key of project 2`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestConfigWithoutProjectsIsInvalid(t *testing.T) {
	err := NewFactory().CreateDefaultConfig().(*Config).Validate()
	if err == nil || !strings.Contains(err.Error(), "at least one project is required") {
		t.Errorf("got %v", err)
	}
}
