package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/faultline/faultline/testbed/harness"
)

type priceMissing struct{ order int }

func (e *priceMissing) Error() string { return fmt.Sprintf("order %d has no price", e.order) }

type inventoryDown struct{}

func (inventoryDown) Error() string { return "inventory service unavailable" }

func loadOrder(order int) error { return &priceMissing{order: order} }

func reserveItems() error { return inventoryDown{} }

// goService is an OTel-instrumented Go service (no Sentry SDK) exporting OTLP/HTTP to the collector.
type goService struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
}

func newGoService(t *testing.T, otlpHTTP string) *goService {
	t.Helper()
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(otlpHTTP), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName("orders-go"), semconv.ServiceVersion("orders@1.4.2"),
		semconv.DeploymentEnvironmentName("e2e"), semconv.HostName("orders-1")))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(res))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return &goService{tp: tp, tracer: tp.Tracer("orders")}
}

// handle runs one request in its own trace and records its error with a stack trace, the way
// OTel instrumentation of a Go service does; it returns the trace id.
func (s *goService) handle(route string, work func() error) string {
	_, span := s.tracer.Start(context.Background(), route)
	defer span.End()
	if err := work(); err != nil {
		span.RecordError(err, trace.WithStackTrace(true))
		span.SetStatus(codes.Error, err.Error())
	}
	return span.SpanContext().TraceID().String()
}

// storedEvent is what the event endpoints return, with the trace context.
type storedEvent struct {
	EventID  string `json:"eventID"`
	GroupID  string `json:"groupID"`
	Platform string `json:"platform"`
	Contexts struct {
		Trace struct {
			TraceID string `json:"trace_id"`
			SpanID  string `json:"span_id"`
		} `json:"trace"`
	} `json:"contexts"`
	Tags []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"tags"`
	Entries []struct {
		Type string `json:"type"`
		Data struct {
			Values []struct {
				Type       string `json:"type"`
				Stacktrace *struct {
					Frames []struct {
						Function string `json:"function"`
						InApp    bool   `json:"in_app"`
					} `json:"frames"`
				} `json:"stacktrace"`
			} `json:"values"`
		} `json:"data"`
	} `json:"entries"`
}

func (e storedEvent) tag(key string) string {
	for _, t := range e.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// inAppFunctions lists the in-app frames' functions of the event's exceptions.
func (e storedEvent) inAppFunctions() []string {
	var out []string
	for _, entry := range e.Entries {
		for _, v := range entry.Data.Values {
			if v.Stacktrace == nil {
				continue
			}
			for _, f := range v.Stacktrace.Frames {
				if f.InApp {
					out = append(out, f.Function)
				}
			}
		}
	}
	return out
}

// eventsByTrace lists the events of every issue, keyed by their trace id.
func (f faultline) eventsByTrace(t *testing.T) map[string]storedEvent {
	out := map[string]storedEvent{}
	for _, is := range f.issues(t) {
		var evs []storedEvent
		f.call(t, http.MethodGet, "/issues/"+is.ID+"/events/?full=true", nil, &evs)
		for _, e := range evs {
			out[e.Contexts.Trace.TraceID] = e
		}
	}
	return out
}

func TestOTelExceptionsBecomeIssues(t *testing.T) {
	f := startDefault(t)

	// Go: the same bug twice (one call site, different orders and traces), another bug once.
	svc := newGoService(t, f.otlpHTTP)
	var goPrice []string
	for _, order := range []int{41, 42} {
		goPrice = append(goPrice, svc.handle("GET /orders/{id}", func() error { return loadOrder(order) }))
	}
	goStock := svc.handle("POST /orders/{id}/reserve", reserveItems)

	// A Sentry SDK error from the same service, in a trace of its own.
	sentryTrace := svc.handle("POST /orders/{id}/pay", func() error { return nil })
	sendSentryInTrace(t, f.dsn, sentryTrace)

	// Node: the same bug twice, another bug once.
	out := harness.RunNode(t, "e2e/otel-exceptions.cjs", "OTLP_TRACES_URL=http://"+f.otlpHTTP+"/v1/traces")
	var node struct{ Quantity, Stock []string }
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &node); err != nil || len(node.Quantity) != 2 || len(node.Stock) != 1 {
		t.Fatalf("node output %q: %v", out, err)
	}

	all := append(append(append(append([]string{}, goPrice...), goStock, sentryTrace), node.Quantity...), node.Stock...)
	var byTrace map[string]storedEvent
	harness.Eventually(t, 30*time.Second, "an event for each of the 7 traces", func() bool {
		byTrace = f.eventsByTrace(t)
		for _, id := range all {
			if _, ok := byTrace[id]; !ok {
				return false
			}
		}
		return true
	})

	issueOf := func(traceID string) string { return byTrace[traceID].GroupID }
	for _, bug := range []struct {
		name   string
		traces []string
	}{{"go price", goPrice}, {"node quantity", node.Quantity}} {
		if issueOf(bug.traces[0]) != issueOf(bug.traces[1]) {
			t.Errorf("%s: the same bug landed in issues %s and %s", bug.name, issueOf(bug.traces[0]), issueOf(bug.traces[1]))
			continue
		}
		var is issue
		f.call(t, http.MethodGet, "/issues/"+issueOf(bug.traces[0])+"/", nil, &is)
		if is.Count != "2" {
			t.Errorf("%s: issue %s count %s, want 2", bug.name, is.ID, is.Count)
		}
		var evs []storedEvent
		f.call(t, http.MethodGet, "/issues/"+is.ID+"/events/?full=true", nil, &evs)
		linked := map[string]bool{}
		for _, e := range evs {
			linked[e.Contexts.Trace.TraceID] = true
		}
		if len(evs) != 2 || !linked[bug.traces[0]] || !linked[bug.traces[1]] {
			t.Errorf("%s: issue %s events link traces %v, want both of %v", bug.name, is.ID, linked, bug.traces)
		}
	}
	distinct := map[string]string{}
	for name, tr := range map[string]string{"go price": goPrice[0], "go stock": goStock, "sentry-go": sentryTrace,
		"node quantity": node.Quantity[0], "node stock": node.Stock[0]} {
		if other, dup := distinct[issueOf(tr)]; dup {
			t.Errorf("different bugs %s and %s share issue %s", name, other, issueOf(tr))
		}
		distinct[issueOf(tr)] = name
	}

	// Each event shows its trace, span and service; OTel events carry their parsed exception.
	goEvent, sentryEvent := byTrace[goPrice[0]], byTrace[sentryTrace]
	if goEvent.Platform != "go" || goEvent.tag("service") != "orders-go" || goEvent.tag("span.name") != "GET /orders/{id}" ||
		len(goEvent.Contexts.Trace.SpanID) != 16 {
		t.Errorf("OTel Go event: platform %q, service %q, span name %q, span id %q", goEvent.Platform,
			goEvent.tag("service"), goEvent.tag("span.name"), goEvent.Contexts.Trace.SpanID)
	}
	if sentryEvent.tag("service") != "orders-go" || sentryEvent.Contexts.Trace.TraceID != sentryTrace {
		t.Errorf("sentry-go event: service %q, trace %q, want orders-go, %s", sentryEvent.tag("service"),
			sentryEvent.Contexts.Trace.TraceID, sentryTrace)
	}
	nodeEvent := byTrace[node.Quantity[0]]
	if nodeEvent.Platform != "node" || nodeEvent.tag("service") != "cart-node" {
		t.Errorf("OTel Node event: platform %q, service %q", nodeEvent.Platform, nodeEvent.tag("service"))
	}
	// The stack traces the SDKs wrote were parsed into frames: the call sites of the bugs are there.
	for name, check := range map[string]struct {
		ev   storedEvent
		want string
	}{"Go": {goEvent, "handle"}, "Node": {nodeEvent, "parseQuantity"}} {
		if fns := check.ev.inAppFunctions(); !slices.ContainsFunc(fns, func(f string) bool { return strings.Contains(f, check.want) }) {
			t.Errorf("OTel %s event: in-app frames %v, want one in %s", name, fns, check.want)
		}
	}
}

// sendSentryInTrace captures an error with sentry-go inside the given (OTel) trace, tagged with
// the same service as the OTel events.
func sendSentryInTrace(t *testing.T, dsn, traceID string) {
	t.Helper()
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, Release: "orders@1.4.2", Environment: "e2e",
		Transport: sentry.NewHTTPSyncTransport()})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	pc := sentry.NewPropagationContext()
	id, err := hex.DecodeString(traceID)
	if err != nil || len(id) != len(pc.TraceID) {
		t.Fatalf("trace id %q: %v", traceID, err)
	}
	copy(pc.TraceID[:], id)
	hub.Scope().SetPropagationContext(pc)
	hub.Scope().SetTag("service", "orders-go")
	if id := hub.CaptureException(chargeCard("order-42")); id == nil {
		t.Fatal("sentry-go did not send the event")
	}
	hub.Flush(10 * time.Second)
}
