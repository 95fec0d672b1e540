package sentryreceiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/faultline/faultline/internal/sentry/envelope"
)

// sizeLimitsDoc is where Sentry documents its size limits; Relay links it from its 413 answers.
const sizeLimitsDoc = "https://develop.sentry.dev/sdk/envelopes/#size-limits"

// overloadRetryAfter is how long SDKs are asked to stop sending when the pipeline refuses data
// (429 with Retry-After and X-Sentry-Rate-Limits). Sentry SDKs never retry an event; what relieves
// an overloaded collector is that they pause, which only a 429's rate-limit headers make all of
// them do. Short, because every second paused is events the SDKs drop.
const overloadRetryAfter = 5 * time.Second

// apiError is an error answer in Relay's shape: {"detail": …, "causes": […]}.
type apiError struct {
	status int
	detail string
	causes []string
	// retryAfter, when set, goes out as Retry-After (and for 429 as X-Sentry-Rate-Limits).
	retryAfter time.Duration
	// rateLimits, when set, is the X-Sentry-Rate-Limits of a 429 that names categories.
	rateLimits string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s %v", e.status, e.detail, e.causes) }

func errUnauthorized(detail string, causes ...string) *apiError {
	return &apiError{status: http.StatusUnauthorized, detail: detail, causes: causes}
}

func errForbidden(reason, cause string) *apiError {
	return &apiError{status: http.StatusForbidden, detail: "event submission rejected with_reason: " + reason, causes: []string{cause}}
}

func errBadRequest(detail string, causes ...string) *apiError {
	return &apiError{status: http.StatusBadRequest, detail: detail, causes: causes}
}

// bodyError maps a failure to read, decompress or parse the body. isEnvelope picks the wording
// of a malformed body (envelope vs legacy store event).
func bodyError(err error, isEnvelope bool) *apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{status: http.StatusRequestEntityTooLarge,
			detail: fmt.Sprintf("request body exceeds the %d byte limit (%s)", mbe.Limit, sizeLimitsDoc)}
	}
	var e *envelope.Error
	if !errors.As(err, &e) {
		return errBadRequest("invalid request body", err.Error())
	}
	switch e.Kind {
	case envelope.KindEmpty:
		return errBadRequest("empty request body")
	case envelope.KindTooLarge:
		return &apiError{status: http.StatusRequestEntityTooLarge,
			detail: fmt.Sprintf("envelope exceeded size limits (%s)", sizeLimitsDoc), causes: []string{e.Error()}}
	case envelope.KindUnsupported:
		return &apiError{status: http.StatusUnsupportedMediaType, detail: "unsupported content encoding", causes: []string{e.Error()}}
	}
	if isEnvelope {
		return errBadRequest("invalid event envelope", e.Error())
	}
	return errBadRequest("invalid event data", e.Error())
}

// consumerError maps a pipeline's refusal the way otlpreceiver does: a permanent error means
// the data itself is bad (400); anything else is back-pressure (429 + Retry-After and
// X-Sentry-Rate-Limits).
func consumerError(err error) *apiError {
	if consumererror.IsPermanent(err) {
		return errBadRequest("event rejected by the pipeline", err.Error())
	}
	return &apiError{status: http.StatusTooManyRequests, detail: "the service is overloaded; the SDK drops events until Retry-After has passed",
		causes: []string{err.Error()}, retryAfter: overloadRetryAfter}
}

// errOverQuota refuses items over the project's quotas: 429, Retry-After the longest wait, and
// X-Sentry-Rate-Limits naming the categories and scope of each quota in force.
func errOverQuota(p *project, limits []limit) *apiError {
	var wait time.Duration
	cats := make([]string, len(limits))
	for i, l := range limits {
		wait = max(wait, l.wait)
		cats[i] = l.q.header
		if cats[i] == "" {
			cats[i] = "all categories"
		}
	}
	return &apiError{status: http.StatusTooManyRequests,
		detail:     fmt.Sprintf("quota of project %s reached (%s); the SDK drops these items until Retry-After has passed", p.id, strings.Join(cats, ", ")),
		retryAfter: wait, rateLimits: rateLimitsHeader(limits)}
}

// setCommonHeaders sets what every answer carries: Relay's CORS headers (browser SDKs read the
// rate-limit headers only if they are exposed) and the resource policy that lets pages embed
// answers cross-origin.
//
// The keys are written in canonical form and the values are shared, as writeOK does: Header.Set
// canonicalized each key and allocated each value, about 1% of BenchmarkHandleNodeErrorEnvelope.
// Sharing is safe: a later Set replaces the slice, and an Add appends to a slice without spare
// capacity, which copies it.
func setCommonHeaders(h http.Header) {
	h["Access-Control-Allow-Origin"] = allowOriginAny
	h["Access-Control-Expose-Headers"] = exposedHeaders
	h["Cross-Origin-Resource-Policy"] = crossOrigin
}

var (
	allowOriginAny = []string{"*"}[:1:1]
	exposedHeaders = []string{"x-sentry-error, x-sentry-rate-limits, retry-after"}[:1:1]
	crossOrigin    = []string{"cross-origin"}[:1:1]
)

// writePreflight answers a CORS preflight with what Relay allows.
func writePreflight(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, authentication, authorization, content-encoding, transfer-encoding")
	h.Set("Access-Control-Max-Age", "3600")
	w.WriteHeader(http.StatusOK)
}

func writeError(w http.ResponseWriter, e *apiError) {
	h := w.Header()
	if e.retryAfter > 0 {
		secs := strconv.FormatInt(int64((e.retryAfter+time.Second-1)/time.Second), 10)
		h.Set("Retry-After", secs)
		switch {
		case e.rateLimits != "":
			h.Set("X-Sentry-Rate-Limits", e.rateLimits)
		case e.status == http.StatusTooManyRequests:
			// All categories, project scope: every SDK understands this form.
			h.Set("X-Sentry-Rate-Limits", secs+"::project")
		}
	}
	h.Set("X-Sentry-Error", e.detail)
	body := struct {
		Detail string   `json:"detail"`
		Causes []string `json:"causes,omitempty"`
	}{e.detail, e.causes}
	writeJSON(w, e.status, body)
}

// writeOK answers a successful request with {"id": "<event id>"}, or {} without one. Event ids are
// hex digits, so no JSON escaping is needed; this runs once per event, so it avoids the encoder.
func writeOK(w http.ResponseWriter, eventID string) {
	if !isHex(eventID) {
		writeJSON(w, http.StatusOK, struct {
			ID string `json:"id"`
		}{eventID})
		return
	}
	body := []byte("{}")
	if eventID != "" {
		body = make([]byte, 0, len(eventID)+10)
		body = append(append(append(body, `{"id":"`...), eventID...), `"}`...)
	}
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	if len(body) == len(`{"id":""}`)+32 {
		h["Content-Length"] = contentLengthID // every event id is 32 hex digits
	} else {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// Header values every successful answer carries, shared like setCommonHeaders'.
var (
	contentTypeJSON = []string{"application/json"}[:1:1]
	contentLengthID = []string{strconv.Itoa(len(`{"id":""}`) + 32)}[:1:1]
)

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') && c != '-' {
			return false
		}
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		// The bodies are structs of strings; Marshal cannot fail on them.
		panic(fmt.Sprintf("encoding response body: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
