package issuestoreextension

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/faultline/faultline/extension/issuestoreextension/internal/metadata"
)

func TestConfigLoadsAndValidates(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		check   func(t *testing.T, c *Config)
		wantErr string
	}{
		{name: "", check: func(t *testing.T, c *Config) {
			if c.NetAddr.Endpoint != "127.0.0.1:8080" || string(c.APIToken) != DemoToken || !strings.HasSuffix(c.SQLite.Path, "faultline.db") || len(c.Projects) != 1 ||
				c.RetentionDays != 90 || c.ArtifactRetentionDays != 90 || c.MaxSize != "" {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{name: "sqlite", check: func(t *testing.T, c *Config) {
			if c.SQLite.Path != "/var/lib/faultline/faultline.db" || c.SQLite.MaxBatch != 500 || len(c.Projects) != 2 || c.Projects[0].Platform != "node" ||
				c.UI.TraceURL != "http://jaeger.internal:16686/trace/{trace_id}" || c.UI.SessionTTL != time.Hour {
				t.Errorf("sqlite: %+v", c)
			}
		}},
		{name: "postgres", check: func(t *testing.T, c *Config) {
			if string(c.PostgresDSN) != "postgres://faultline@db:5432/faultline" || c.PostgresMaxConns != 20 {
				t.Errorf("postgres: %+v", c)
			}
		}},
		{name: "mysql", check: func(t *testing.T, c *Config) {
			if string(c.MySQLDSN) != "faultline:secret@tcp(db:3306)/faultline" || c.MySQLMaxConns != 20 || c.PostgresDSN != "" {
				t.Errorf("mysql: %+v", c)
			}
		}},
		{name: "two_backends", wantErr: "postgres_dsn and mysql_dsn are both set"},
		{name: "bad_mysql", wantErr: "mysql_dsn is not a MySQL DSN (user:password@tcp(host:3306)/database)"},
		{name: "bad_mysql", wantErr: "mysql_max_conns -1 must not be negative"},
		{name: "retention", check: func(t *testing.T, c *Config) {
			p := c.policy()
			if p.Retention != 30*24*time.Hour || p.MaxSize != 10<<30 || p.ArtifactRetention != 14*24*time.Hour || c.SweepInterval != time.Minute ||
				len(p.ProjectRetention) != 1 || p.ProjectRetention[1] != 7*24*time.Hour ||
				len(c.Projects[0].Keys) != 1 || c.Projects[0].Quotas[0].Limit != 100 || c.Projects[1].Keys[0] != "backendkey" {
				t.Errorf("retention: %+v, policy %+v", c, p)
			}
		}},
		{name: "bad_retention", wantErr: "retention_days 0 must be at least 1"},
		{name: "bad_retention", wantErr: "artifact_retention_days -1 must be at least 1"},
		{name: "bad_retention", wantErr: `max_size "1MiB" must be at least 16 MiB`},
		{name: "bad_retention", wantErr: "sweep_interval 10ms must be at least 1s"},
		{name: "bad_retention", wantErr: "projects[0]: retention_days -3 must be at least 1"},
		{name: "alerts", check: func(t *testing.T, c *Config) {
			a := c.Alerts
			if a.BaseURL != "https://faultline.example.com" || a.Timeout != 5*time.Second || a.MaxAge != 2*time.Hour || len(a.Targets) != 4 ||
				string(a.Targets["slack"].Slack.URL) != "https://hooks.slack.com/services/T0/B0/SECRET" || a.Targets["mail"].Email.To[0] != "oncall@example.com" ||
				len(a.Rules) != 2 || a.Rules[1].Triggers[0].Window != 5*time.Minute || a.Rules[1].ActionInterval != time.Hour ||
				a.Rules[1].Filters.Tags["team"] != "web" {
				t.Errorf("alerts: %+v", a)
			}
		}},
		{name: "bad_alerts", wantErr: "alerts::timeout 0s must be positive"},
		{name: "bad_alerts", wantErr: "alerts::targets::both: sets webhook and slack; a target is exactly one of them"},
		{name: "bad_alerts", wantErr: "alerts::targets::none: must set one of webhook, slack, pagerduty or email"},
		{name: "bad_alerts", wantErr: "alerts::targets::badurl: slack::url must be an http(s) URL (it is not one)"},
		{name: "bad_alerts", wantErr: "alerts::targets::pd: pagerduty::routing_key must be set"},
		{name: "bad_alerts", wantErr: `alerts::targets::mail: email::endpoint "smtp.example.com" must be host:port`},
		{name: "bad_alerts", wantErr: "email::to must list at least one address"},
		{name: "bad_alerts", wantErr: `alerts::rules[0]: targets[0]: "http://169.254.169.254/" is not a configured target`},
		{name: "bad_alerts", wantErr: "alerts::rules[1]: triggers[0]: window 2m0s must be one of 1m, 5m, 15m, 1h, 24h"},
		{name: "bad_alerts", wantErr: "project 7 is not among the configured projects"},
		{name: "bad_retention", wantErr: `projects[1]: public key "dup" is also a key of project 1`},
		{name: "bad_retention", wantErr: `projects[0]: quotas[0]: unknown category "errors"`},
		{name: "bad_retention", wantErr: `projects[0]: quotas[1]: key "other" is not one of the project's keys`},
		{name: "bad_size", wantErr: `max_size "ten gigabytes" is not a size such as 10GiB`},
		{name: "negative_retention", wantErr: "retention_days -5 must be at least 1"},
		{name: "negative_retention", wantErr: "artifact_retention_days 0 must be at least 1"},
		{name: "negative_retention", wantErr: `max_size "0" must be at least 16 MiB`},
		{name: "negative_size", wantErr: `max_size "-1GiB" is not a size such as 10GiB`},
		{name: "exposed_demo", wantErr: "refusing to serve the API on \"0.0.0.0:8080\" with the demo api_token"},
		{name: "bad_projects", wantErr: "id 0 must be positive"},
		{name: "bad_ui", wantErr: "ui::trace_url \"javascript:alert(1)\" must be an http(s) URL containing {trace_id}"},
		{name: "bad_ui", wantErr: "ui::session_ttl 1s must be at least 1m"},
	}
	for _, c := range cases {
		t.Run("issuestore/"+c.name, func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, c.name).String())
			if err != nil {
				t.Fatal(err)
			}
			if err := sub.Unmarshal(cfg); err != nil {
				t.Fatal(err)
			}
			err = confmap.Validate(cfg)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, cfg.(*Config))
		})
	}
}
