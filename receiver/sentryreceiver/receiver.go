package sentryreceiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/receiver/sentryreceiver/internal/metadata"
	"github.com/faultline/faultline/receiver/sentryreceiver/internal/translator"
)

// sentryReceiver is one HTTP server shared by the logs, traces and metrics pipelines that use
// the same receiver configuration.
type sentryReceiver struct {
	cfg      *Config
	set      receiver.Settings
	limits   envelope.Limits
	projects *projects
	obs      *receiverhelper.ObsReport
	tel      *metadata.TelemetryBuilder

	// Consumers are set by the factory before Start; nil when that pipeline does not exist.
	logs    consumer.Logs
	traces  consumer.Traces
	metrics consumer.Metrics

	server *http.Server
	addr   net.Addr // where the server listens, known after Start
	wg     sync.WaitGroup
	now    func() time.Time
}

func newReceiver(cfg *Config, set receiver.Settings) (*sentryReceiver, error) {
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, fmt.Errorf("creating sentry receiver obsreport: %w", err)
	}
	tel, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("creating sentry receiver telemetry: %w", err)
	}
	limits := envelope.DefaultLimits()
	// Payloads the translator does not decode (attachments, profiles, replays) are only counted:
	// holding 200 MiB of attachments nobody forwards would cost the pipeline its memory.
	limits.KeepPayload = translator.Decodes
	if cfg.MaxRequestBodySize > 0 {
		limits.MaxEnvelopeSize = cfg.MaxRequestBodySize
	}
	return &sentryReceiver{
		cfg:      cfg,
		set:      set,
		limits:   limits,
		projects: newProjects(cfg.Projects, cfg.ServiceName),
		obs:      obs,
		tel:      tel,
		now:      time.Now,
	}, nil
}

// Start listens on the configured endpoint and serves until Shutdown.
func (rcv *sentryReceiver) Start(ctx context.Context, host component.Host) error {
	list, err := projectsFrom(rcv.cfg, host)
	if err != nil {
		return err
	}
	rcv.projects = newProjects(list, rcv.cfg.ServiceName)
	srvCfg := rcv.cfg.ServerConfig
	// The handler decodes Content-Encoding itself (with br, and within Relay's limits), so the
	// server must pass compressed bodies through untouched. Validate rejects a user list.
	srvCfg.CompressionAlgorithms = []string{}
	rcv.server, err = srvCfg.ToServer(ctx, host.GetExtensions(), rcv.set.TelemetrySettings, rcv,
		confighttp.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, msg string, status int) {
			setCommonHeaders(w.Header())
			writeError(w, &apiError{status: status, detail: msg})
		}))
	if err != nil {
		return fmt.Errorf("creating the sentry receiver's HTTP server: %w", err)
	}
	// net/http stops reading a head at this size (plus its 4 KiB read buffer) and answers 431
	// itself; below that, ServeHTTP answers with Relay's JSON error body (headError).
	rcv.server.MaxHeaderBytes = rcv.cfg.MaxRequestHeaderBytes
	ln, err := srvCfg.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("sentry receiver cannot listen on %s: %w", srvCfg.NetAddr.Endpoint, err)
	}
	rcv.addr = ln.Addr()
	rcv.set.Logger.Info("Sentry receiver listening", zap.String("endpoint", rcv.addr.String()))
	rcv.wg.Go(func() {
		if err := rcv.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	})
	return nil
}

// Shutdown stops the server; it is safe without a prior Start.
func (rcv *sentryReceiver) Shutdown(ctx context.Context) error {
	var err error
	if rcv.server != nil {
		err = rcv.server.Shutdown(ctx)
	}
	rcv.wg.Wait()
	rcv.tel.Shutdown()
	return err
}

// route is the endpoint a path names.
type route int

const (
	routeNone route = iota
	routeEnvelope
	routeStore
)

// parseRoute accepts /api/{project}/envelope/, /api/{project}/store/ and /api/store/, with or
// without trailing slash, tolerating repeated slashes, and below any path prefix: a DSN like
// http://key@host/sentry/1 makes SDKs post to /sentry/api/1/envelope/.
func parseRoute(path string) (r route, projectID string) {
	var segs [16]string
	n := 0
	for i := 0; i < len(path); {
		for i < len(path) && path[i] == '/' {
			i++
		}
		j := i
		for j < len(path) && path[j] != '/' {
			j++
		}
		if j > i {
			if n == len(segs) {
				return routeNone, ""
			}
			segs[n] = path[i:j]
			n++
		}
		i = j
	}
	switch {
	case n >= 3 && segs[n-3] == "api" && segs[n-1] == "envelope":
		return routeEnvelope, segs[n-2]
	case n >= 3 && segs[n-3] == "api" && segs[n-1] == "store":
		return routeStore, segs[n-2]
	case n >= 2 && segs[n-2] == "api" && segs[n-1] == "store":
		return routeStore, ""
	}
	return routeNone, ""
}

func validProjectID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
