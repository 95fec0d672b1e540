package issuestoreextension

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/faultline/faultline/extension/issuestoreextension/internal/metadata"
	"github.com/faultline/faultline/internal/alert"
	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/store"
)

// AlertsConfig configures alerting: where alerts go (targets) and when (rules).
type AlertsConfig struct {
	// BaseURL is the web UI's address as the people alerted reach it, for links to issues
	// (default http:// plus the server's endpoint).
	BaseURL string `mapstructure:"base_url"`
	// Timeout bounds one delivery attempt.
	Timeout time.Duration `mapstructure:"timeout"`
	// MaxAge is how long a failing alert is retried before it fails for good.
	MaxAge time.Duration `mapstructure:"max_age"`
	// Targets are the places alerts can go, by name. Rules, including those made through the
	// API, can only name these.
	Targets map[string]TargetConfig `mapstructure:"targets"`
	// Rules are the alert rules; more can be made through the API.
	Rules []alertrule.Rule `mapstructure:"rules"`
	_     struct{}
}

// TargetConfig is one target: exactly one of its kinds.
type TargetConfig struct {
	Webhook   *WebhookConfig   `mapstructure:"webhook"`
	Slack     *SlackConfig     `mapstructure:"slack"`
	PagerDuty *PagerDutyConfig `mapstructure:"pagerduty"`
	Email     *EmailConfig     `mapstructure:"email"`
	_         struct{}
}

// WebhookConfig is a generic JSON webhook.
type WebhookConfig struct {
	URL configopaque.String `mapstructure:"url"`
	// Secret signs each body (HMAC-SHA256, header X-Faultline-Signature).
	Secret configopaque.String `mapstructure:"secret"`
	_      struct{}
}

// SlackConfig is a Slack incoming webhook; its URL is a secret.
type SlackConfig struct {
	URL configopaque.String `mapstructure:"url"`
	_   struct{}
}

// PagerDutyConfig is a PagerDuty service's Events API v2 integration.
type PagerDutyConfig struct {
	RoutingKey configopaque.String `mapstructure:"routing_key"`
	// URL is the Events API endpoint (default https://events.pagerduty.com/v2/enqueue).
	URL string `mapstructure:"url"`
	_   struct{}
}

// EmailConfig is email over SMTP.
type EmailConfig struct {
	// Endpoint is the SMTP server's host:port.
	Endpoint string              `mapstructure:"endpoint"`
	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
	From     string              `mapstructure:"from"`
	To       []string            `mapstructure:"to"`
	// TLS configures STARTTLS (CA file, server name …).
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// Insecure allows a server that does not offer STARTTLS.
	Insecure bool `mapstructure:"insecure"`
	_        struct{}
}

func (t *TargetConfig) kind() string {
	var kinds []string
	if t.Webhook != nil {
		kinds = append(kinds, "webhook")
	}
	if t.Slack != nil {
		kinds = append(kinds, "slack")
	}
	if t.PagerDuty != nil {
		kinds = append(kinds, "pagerduty")
	}
	if t.Email != nil {
		kinds = append(kinds, "email")
	}
	return strings.Join(kinds, "+")
}

// validate checks the targets and rules; projects are the configured project ids.
func (a *AlertsConfig) validate(projects map[int64]bool) []error {
	var errs []error
	if a.BaseURL != "" {
		if u, err := url.Parse(a.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("alerts::base_url %q must be an http(s) URL", a.BaseURL))
		}
	}
	if a.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("alerts::timeout %s must be positive", a.Timeout))
	}
	if a.MaxAge < time.Minute {
		errs = append(errs, fmt.Errorf("alerts::max_age %s must be at least 1m", a.MaxAge))
	}
	names := make([]string, 0, len(a.Targets))
	for name := range a.Targets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t := a.Targets[name]
		if err := t.validate(); err != nil {
			errs = append(errs, fmt.Errorf("alerts::targets::%s: %w", name, err))
		}
	}
	seen := map[string]bool{}
	for i := range a.Rules {
		r := &a.Rules[i]
		err := errors.Join(r.Validate(), r.CheckTargets(func(n string) bool { _, ok := a.Targets[n]; return ok }))
		if r.Project > 0 && !projects[r.Project] {
			err = errors.Join(err, fmt.Errorf("project %d is not among the configured projects", r.Project))
		}
		if k := fmt.Sprint(r.Project, "/", r.Name); seen[k] {
			err = errors.Join(err, fmt.Errorf("name %q is used by another rule of project %d", r.Name, r.Project))
		} else {
			seen[k] = true
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("alerts::rules[%d]: %w", i, err))
		}
	}
	return errs
}

func (t *TargetConfig) validate() error {
	switch k := t.kind(); {
	case k == "":
		return errors.New("must set one of webhook, slack, pagerduty or email")
	case strings.Contains(k, "+"):
		return fmt.Errorf("sets %s; a target is exactly one of them", strings.ReplaceAll(k, "+", " and "))
	}
	switch {
	case t.Webhook != nil:
		return httpURL("webhook::url", string(t.Webhook.URL))
	case t.Slack != nil:
		return httpURL("slack::url", string(t.Slack.URL))
	case t.PagerDuty != nil:
		var errs []error
		if t.PagerDuty.RoutingKey == "" {
			errs = append(errs, errors.New("pagerduty::routing_key must be set"))
		}
		if t.PagerDuty.URL != "" {
			errs = append(errs, httpURL("pagerduty::url", t.PagerDuty.URL))
		}
		return errors.Join(errs...)
	}
	e := t.Email
	var errs []error
	if _, port, err := net.SplitHostPort(e.Endpoint); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("email::endpoint %q must be host:port", e.Endpoint))
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		errs = append(errs, fmt.Errorf("email::from %q is not an address", e.From))
	}
	if len(e.To) == 0 {
		errs = append(errs, errors.New("email::to must list at least one address"))
	}
	for i, to := range e.To {
		if _, err := mail.ParseAddress(to); err != nil {
			errs = append(errs, fmt.Errorf("email::to[%d] %q is not an address", i, to))
		}
	}
	if e.Password != "" && e.Username == "" {
		errs = append(errs, errors.New("email::password is set without email::username"))
	}
	return errors.Join(errs...)
}

// httpURL checks a target URL without ever printing it: it may hold a secret (a Slack webhook's
// path is its credential).
func httpURL(key, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s must be an http(s) URL (it is %s)", key, map[bool]string{true: "empty", false: "not one"}[raw == ""])
	}
	return nil
}

// buildTargets makes the deliverers of the configured targets.
func buildTargets(ctx context.Context, cfg map[string]TargetConfig) (map[string]alert.Target, []string, error) {
	client := &http.Client{} // each attempt is bounded by the worker's timeout
	targets := map[string]alert.Target{}
	var resolves []string
	for name, t := range cfg {
		switch {
		case t.Webhook != nil:
			targets[name] = &alert.Webhook{URL: string(t.Webhook.URL), Secret: string(t.Webhook.Secret), Client: client}
		case t.Slack != nil:
			targets[name] = &alert.Slack{URL: string(t.Slack.URL), Client: client}
		case t.PagerDuty != nil:
			u := t.PagerDuty.URL
			if u == "" {
				u = alert.PagerDutyEventsURL
			}
			targets[name] = &alert.PagerDuty{URL: u, RoutingKey: string(t.PagerDuty.RoutingKey), Client: client}
			resolves = append(resolves, name)
		case t.Email != nil:
			tlsCfg, err := t.Email.TLS.LoadTLSConfig(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("alerts::targets::%s: email::tls: %w", name, err)
			}
			e := t.Email
			targets[name] = &alert.Email{Endpoint: e.Endpoint, Username: e.Username, Password: string(e.Password),
				From: e.From, To: e.To, TLS: tlsCfg, Insecure: e.Insecure}
		}
	}
	return targets, resolves, nil
}

// rulebook keeps the store's alerting current: the configured rules plus those made through the
// API (which other collectors sharing the database may change too, hence the periodic reload).
type rulebook struct {
	st       store.Store
	config   []alertrule.Rule
	targets  map[string]TargetConfig
	resolves []string
	log      *zap.Logger

	mu  sync.Mutex
	set *alertrule.Set
}

func newRulebook(st store.Store, cfg *AlertsConfig, resolves []string, log *zap.Logger) *rulebook {
	rules := slices.Clone(cfg.Rules)
	for i := range rules {
		rules[i].Key = "config:" + strconv.FormatInt(rules[i].Project, 10) + ":" + rules[i].Name
	}
	return &rulebook{st: st, config: rules, targets: cfg.Targets, resolves: resolves, log: log}
}

// APIRuleKey is the key of a rule made through the API.
func APIRuleKey(id int64) string { return "api:" + strconv.FormatInt(id, 10) }

// Reload compiles the configured rules and the stored ones and hands them to the store. A stored
// rule that no longer validates (its target was removed from the configuration) is skipped and
// logged.
func (b *rulebook) Reload(ctx context.Context) error {
	stored, err := b.st.AlertRules(ctx)
	if err != nil {
		return err
	}
	rules := slices.Clone(b.config)
	for _, sr := range stored {
		r, err := decodeStoredRule(sr)
		if err == nil {
			err = errors.Join(r.Validate(), r.CheckTargets(b.TargetConfigured))
		}
		if err != nil {
			b.log.Warn("skipping an alert rule made through the API", zap.Int64("rule", sr.ID), zap.Error(err))
			continue
		}
		rules = append(rules, r)
	}
	set, err := alertrule.Compile(rules)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.set = set
	b.mu.Unlock()
	b.st.SetAlerting(store.Alerting{Rules: set, ResolveTargets: b.resolves})
	return nil
}

// decodeStoredRule reads a rule the API stored.
func decodeStoredRule(sr store.StoredRule) (alertrule.Rule, error) {
	var r alertrule.Rule
	if err := json.Unmarshal([]byte(sr.Spec), &r); err != nil {
		return r, fmt.Errorf("rule %d: %w", sr.ID, err)
	}
	r.Key, r.Project = APIRuleKey(sr.ID), sr.ProjectID
	return r, nil
}

// TargetConfigured reports whether a target of that name is configured.
func (b *rulebook) TargetConfigured(name string) bool {
	_, ok := b.targets[name]
	return ok
}

// Rules lists the rules in force.
func (b *rulebook) Rules() []*alertrule.Rule {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.set.Rules()
}

// alerting runs the rulebook's reloads and the delivery worker.
type alerting struct {
	worker *alert.Worker
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// rulesReload is how often rules made through the API on other collectors are picked up.
const rulesReload = 10 * time.Second

func startAlerting(ctx context.Context, st store.Store, cfg *Config, book *rulebook, targets map[string]alert.Target,
	tel *metadata.TelemetryBuilder, log *zap.Logger) *alerting {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a := &alerting{cancel: cancel}
	a.wg.Go(func() {
		tick := time.NewTicker(rulesReload)
		defer tick.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
				if err := book.Reload(runCtx); err != nil && runCtx.Err() == nil {
					log.Warn("reloading alert rules failed", zap.Error(err))
				}
			}
		}
	})
	if len(targets) == 0 {
		return a
	}
	base := strings.TrimSuffix(cfg.Alerts.BaseURL, "/")
	if base == "" {
		base = "http://" + cfg.NetAddr.Endpoint
	}
	slugs := map[int64]string{}
	for _, p := range cfg.Projects {
		slugs[p.ID] = p.Slug
	}
	count := func(c metric.Int64Counter) func(string) {
		return func(target string) { c.Add(runCtx, 1, metric.WithAttributes(attribute.String("target", target))) }
	}
	a.worker = alert.NewWorker(st, targets, alert.Options{
		Timeout: cfg.Alerts.Timeout, MaxAge: cfg.Alerts.MaxAge,
		IssueURL:    func(id int64) string { return base + "/issues/" + strconv.FormatInt(id, 10) + "/" },
		ProjectSlug: func(id int64) string { return slugs[id] },
		Delivered:   count(tel.IssuestoreAlertsDelivered),
		Failed:      count(tel.IssuestoreAlertsFailed),
	}, log.Named("alerts"))
	a.worker.Start()
	return a
}

func (a *alerting) stop() {
	a.cancel()
	a.wg.Wait()
	if a.worker != nil {
		a.worker.Stop()
	}
}
