package sentryreceiver

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/faultline/faultline/internal/sentry/dsn"
	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/receiver/sentryreceiver/internal/translator"
)

// Item outcomes of the receiver_sentry_items metric.
const (
	outcomeAccepted    = "accepted"
	outcomeRejected    = "rejected"
	outcomeDropped     = "dropped"
	outcomeSkipped     = "skipped"
	outcomeRefused     = "refused"
	outcomeNoPipeline  = "no_pipeline"
	outcomeRateLimited = "rate_limited"
)

const formatSentry = "sentry"

// ServeHTTP answers every request the server gets.
func (rcv *sentryReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setCommonHeaders(w.Header())
	if apiErr := rcv.headError(r); apiErr != nil {
		writeError(w, apiErr)
		return
	}
	rt, pid := parseRoute(r.URL.Path)
	if rt == routeNone {
		writeError(w, &apiError{status: http.StatusNotFound, detail: "not found",
			causes: []string{"the sentry receiver serves POST /api/{project_id}/envelope/, /api/{project_id}/store/ and /api/store/"}})
		return
	}
	switch r.Method {
	case http.MethodOptions:
		writePreflight(w)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		writeError(w, &apiError{status: http.StatusMethodNotAllowed, detail: "method not allowed",
			causes: []string{r.Method + " is not accepted; SDKs POST"}})
		return
	}
	if pid != "" && !validProjectID(pid) {
		writeError(w, errBadRequest("bad project path parameter", fmt.Sprintf("project id %q is not a number", pid)))
		return
	}
	id, apiErr := rcv.handle(r, w.Header(), rt, pid)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	writeOK(w, id)
}

// headError applies the bounds of a request's head that Relay's HTTP stack applies: the URI's
// length (414) and the header's field count and size (431).
func (rcv *sentryReceiver) headError(r *http.Request) *apiError {
	cfg := rcv.cfg
	if n := len(r.RequestURI); n > cfg.MaxRequestURILength {
		return &apiError{status: http.StatusRequestURITooLong, detail: "URI too long",
			causes: []string{fmt.Sprintf("the request URI has %d bytes, more than max_request_uri_length (%d)", n, cfg.MaxRequestURILength)}}
	}
	// Each field counts as on the wire: "Name: value\r\n".
	fields, size := 0, len(r.Method)+len(r.RequestURI)+len(r.Proto)+4
	for name, values := range r.Header {
		fields += len(values)
		for _, v := range values {
			size += len(name) + len(v) + 4
		}
	}
	switch {
	case fields > cfg.MaxRequestHeaderCount:
		return &apiError{status: http.StatusRequestHeaderFieldsTooLarge, detail: "request header fields too large",
			causes: []string{fmt.Sprintf("the request has %d header fields, more than max_request_header_count (%d)", fields, cfg.MaxRequestHeaderCount)}}
	case size > cfg.MaxRequestHeaderBytes:
		return &apiError{status: http.StatusRequestHeaderFieldsTooLarge, detail: "request header fields too large",
			causes: []string{fmt.Sprintf("the request line and header have %d bytes, more than max_request_header_bytes (%d)", size, cfg.MaxRequestHeaderBytes)}}
	}
	return nil
}

// handle authenticates, reads and forwards one request; it returns the event id to answer with.
// Refusals in force for other categories go out in h's X-Sentry-Rate-Limits on success too.
func (rcv *sentryReceiver) handle(r *http.Request, h http.Header, rt route, pid string) (string, *apiError) {
	received := rcv.now()
	creds, found, apiErr := requestCredentials(r)
	if apiErr != nil {
		return "", apiErr
	}
	if creds.version > protocolVersion {
		return "", errBadRequest(fmt.Sprintf("unsupported protocol version (%d)", creds.version))
	}
	var proj *project
	if found {
		// Refuse before reading the body: an unknown key or a rate-limited project costs nothing.
		if proj, apiErr = rcv.authorize(creds.key, pid, r); apiErr != nil {
			return "", apiErr
		}
	} else if rt == routeStore {
		return "", errUnauthorized("missing authorization information")
	}

	body, err := envelope.Decompress(r.Body, r.Header.Get("Content-Encoding"))
	if err != nil {
		return "", bodyError(err, rt == routeEnvelope)
	}
	defer body.Close()
	var env *envelope.Envelope
	if rt == routeEnvelope {
		if env, err = envelope.Parse(body, rcv.limits); err != nil {
			return "", bodyError(err, true)
		}
	} else {
		payload, err := envelope.DecodeStoreBody(body, rcv.limits)
		if err != nil {
			return "", bodyError(err, false)
		}
		env = &envelope.Envelope{Items: []envelope.Item{{Type: "event", Payload: payload, Size: int64(len(payload))}}}
	}

	var key string
	if proj, key, apiErr = rcv.authorizeEnvelope(r, env, proj, creds, pid); apiErr != nil {
		return "", apiErr
	}
	var overQuota *apiError
	var rateLimited map[string]int64
	if len(proj.quotas) > 0 {
		var refused []envelope.Item
		env.Items, refused = take(proj.quotas, key, env.Items, received)
		if len(refused) > 0 {
			rateLimited = map[string]int64{}
			for i := range refused {
				rcv.count(r.Context(), refused[i].Type, outcomeRateLimited)
				rateLimited[refused[i].Category()] += refused[i].Quantity()
			}
			overQuota = errOverQuota(proj, refusing(proj.quotas, key, refused, received))
		}
	}

	out := translator.Translate(translator.Input{
		ProjectID:   proj.id,
		Envelope:    env,
		ReceivedAt:  received,
		ClientIP:    clientIP(r),
		ServiceName: proj.serviceName,
		RateLimited: rateLimited,
		Scrubber:    proj.scrubber,
	})
	// The errorgrouping processor reads the events' typed views instead of parsing their text
	// again, for as long as the pipeline runs synchronously under this call. After the last of
	// the receiver and the processors lets go of a view, its frames serve the next event's.
	for _, e := range out.Events {
		event.Share(e.Text, e.View)
	}
	defer func() {
		for _, e := range out.Events {
			event.Unshare(e.Text)
		}
	}()
	if apiErr := rcv.deliver(r.Context(), env, out); apiErr != nil {
		return "", apiErr
	}
	if overQuota != nil {
		// Relay answers 429 while any item of the envelope was over a quota, though it kept the rest.
		return "", overQuota
	}
	if len(proj.quotas) > 0 {
		if active := exhausted(proj.quotas, key, received); len(active) > 0 {
			h.Set("X-Sentry-Rate-Limits", rateLimitsHeader(active))
		}
	}
	return out.EventID, nil
}

// authorize resolves a public key to its project and applies the project's origin check and
// quotas over every category. pid is the project id of the path, "" for /api/store/.
func (rcv *sentryReceiver) authorize(key, pid string, r *http.Request) (*project, *apiError) {
	p := rcv.projects.byKey[key]
	if p == nil {
		return nil, errForbidden("ProjectState", fmt.Sprintf("public key %q is not a key of any configured project", key))
	}
	if pid != "" && pid != p.id {
		return nil, errForbidden("ProjectId", fmt.Sprintf("public key %q belongs to project %s, not %s", key, p.id, pid))
	}
	origin, referer := r.Header.Get("Origin"), r.Header.Get("Referer")
	if !p.originAllowed(origin, referer) {
		if origin == "" {
			origin = referer
		}
		return nil, errForbidden("Cors", fmt.Sprintf("origin %q is not in allowed_origins of project %s", origin, p.id))
	}
	if len(p.wholeQuotas) > 0 {
		// A quota over every category that is used up refuses the request before its body is read.
		if active := exhausted(p.wholeQuotas, key, rcv.now()); len(active) > 0 {
			return nil, errOverQuota(p, active)
		}
	}
	return p, nil
}

// authorizeEnvelope completes authentication with the envelope header's dsn: it is the only
// credential when the request had none, and it must agree with the request's when both exist.
// It returns the project and the public key that authenticated the request.
func (rcv *sentryReceiver) authorizeEnvelope(r *http.Request, env *envelope.Envelope, proj *project, creds credentials, pid string) (*project, string, *apiError) {
	if proj == nil {
		if env.Header.DSN == "" {
			return nil, "", errUnauthorized("missing authorization information")
		}
		d, err := dsn.Parse(env.Header.DSN)
		if err != nil {
			return nil, "", errUnauthorized("bad envelope authentication header", err.Error())
		}
		p, apiErr := rcv.authorize(d.PublicKey, pid, r)
		return p, d.PublicKey, apiErr
	}
	if env.Header.DSN == "" {
		return proj, creds.key, nil
	}
	d, err := dsn.Parse(env.Header.DSN)
	switch {
	case err != nil:
		return nil, "", errBadRequest("invalid event envelope", "invalid envelope header: "+err.Error())
	case d.PublicKey != creds.key:
		return nil, "", errBadRequest("invalid event envelope", "header mismatch: public key of the envelope's dsn differs from the request's")
	case d.ProjectID != proj.id:
		return nil, "", errBadRequest("invalid event envelope", "header mismatch: project id of the envelope's dsn differs from the request's")
	}
	return proj, creds.key, nil
}

// signalOf names the pipeline an item type's records go to (translator README has the mapping).
func signalOf(itemType string) string {
	switch itemType {
	case "transaction", "span":
		return "traces"
	case "session", "sessions", "client_report":
		return "metrics"
	}
	return "logs"
}

// deliver hands each signal to its pipeline, records self-telemetry, and decides the answer:
// a refusing pipeline wins, then dropped (oversized) items, then an envelope none of whose
// items could be read.
func (rcv *sentryReceiver) deliver(ctx context.Context, env *envelope.Envelope, out translator.Output) *apiError {
	refused := map[string]error{}
	missing := map[string]bool{}
	if n := out.Logs.LogRecordCount(); n > 0 {
		if rcv.logs == nil {
			missing["logs"] = true
		} else {
			c := rcv.obs.StartLogsOp(ctx)
			err := rcv.logs.ConsumeLogs(c, out.Logs)
			rcv.obs.EndLogsOp(c, formatSentry, n, err)
			refused["logs"] = err
		}
	}
	if n := out.Traces.SpanCount(); n > 0 {
		if rcv.traces == nil {
			missing["traces"] = true
		} else {
			c := rcv.obs.StartTracesOp(ctx)
			err := rcv.traces.ConsumeTraces(c, out.Traces)
			rcv.obs.EndTracesOp(c, formatSentry, n, err)
			refused["traces"] = err
		}
	}
	if n := out.Metrics.DataPointCount(); n > 0 {
		if rcv.metrics == nil {
			missing["metrics"] = true
		} else {
			c := rcv.obs.StartMetricsOp(ctx)
			err := rcv.metrics.ConsumeMetrics(c, out.Metrics)
			rcv.obs.EndMetricsOp(c, formatSentry, n, err)
			refused["metrics"] = err
		}
	}

	var firstErr error
	accepted, rejected := 0, []string(nil)
	for _, o := range out.Outcomes {
		outcome := outcomeAccepted
		sig := signalOf(o.ItemType)
		switch {
		case !o.Accepted:
			outcome = outcomeRejected
			if mappedTypes[o.ItemType] {
				rejected = append(rejected, o.ItemType+": "+o.Reason)
			}
		case refused[sig] != nil:
			outcome = outcomeRefused
			if firstErr == nil {
				firstErr = refused[sig]
			}
		case missing[sig]:
			outcome = outcomeNoPipeline
		default:
			accepted++
		}
		rcv.count(ctx, o.ItemType, outcome)
	}
	for typ, n := range env.DroppedByType {
		rcv.countN(ctx, typ, outcomeDropped, n)
	}
	if env.Skipped > 0 {
		rcv.countN(ctx, "unknown", outcomeSkipped, env.Skipped)
	}

	switch {
	case firstErr != nil:
		return consumerError(firstErr)
	case len(env.Dropped) > 0:
		d := env.Dropped[0]
		causes := make([]string, len(env.Dropped))
		for i, d := range env.Dropped {
			causes[i] = d.Type + ": " + d.Reason
		}
		return &apiError{status: http.StatusRequestEntityTooLarge,
			detail: fmt.Sprintf("envelope exceeded size limits for type '%s' (%s)", d.Type, sizeLimitsDoc), causes: causes}
	case accepted == 0 && len(rejected) > 0:
		return errBadRequest("invalid event data", rejected...)
	}
	return nil
}

// mappedTypes are the item types the translator maps. When it rejects one of them the payload
// was bad, a client error; an item of another type is only counted, as Sentry's protocol asks
// receivers to skip what they do not know.
var mappedTypes = map[string]bool{
	"event": true, "transaction": true, "span": true, "log": true, "session": true, "sessions": true,
	"client_report": true, "check_in": true, "feedback": true, "user_report": true,
}

func (rcv *sentryReceiver) count(ctx context.Context, itemType, outcome string) {
	rcv.countN(ctx, itemType, outcome, 1)
}

func (rcv *sentryReceiver) countN(ctx context.Context, itemType, outcome string, n int) {
	rcv.tel.ReceiverSentryItems.Add(ctx, int64(n), itemAttrs(envelope.TelemetryType(itemType), outcome))
}

// itemAttrCache holds one attribute option per (item type, outcome): the set is bounded by
// knownTypes and the outcomes, and building it per item would allocate on the hot path. It is
// keyed by a struct, not by a concatenated string as before, so a lookup allocates nothing.
var itemAttrCache struct {
	sync.RWMutex
	m map[itemAttrKey]metric.AddOption
}

type itemAttrKey struct{ itemType, outcome string }

func itemAttrs(itemType, outcome string) metric.AddOption {
	k := itemAttrKey{itemType, outcome}
	itemAttrCache.RLock()
	o, ok := itemAttrCache.m[k]
	itemAttrCache.RUnlock()
	if ok {
		return o
	}
	o = metric.WithAttributeSet(attribute.NewSet(attribute.String("item_type", itemType), attribute.String("outcome", outcome)))
	itemAttrCache.Lock()
	if itemAttrCache.m == nil {
		itemAttrCache.m = map[itemAttrKey]metric.AddOption{}
	}
	itemAttrCache.m[k] = o
	itemAttrCache.Unlock()
	return o
}
