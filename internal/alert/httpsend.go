package alert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxResponse is how much of a target's answer is read: enough for any status document.
const maxResponse = 64 << 10

// reply is a target's answer.
type reply struct {
	status     int
	body       []byte // its start
	retryAfter string
}

// err is nil for a 2xx answer, else what statusError makes of it.
func (r reply) err() error {
	if r.status >= 200 && r.status < 300 {
		return nil
	}
	return statusError(r.status, r.body, r.retryAfter)
}

// post sends a JSON body and returns the answer. Errors never contain the URL: a Slack webhook
// URL, or a webhook's query string, is a secret.
func post(ctx context.Context, client *http.Client, target string, body []byte, header http.Header) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return reply{}, &PermanentError{Err: errors.New("invalid target URL")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "faultline-alerts")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return reply{}, fmt.Errorf("POST to %s failed: %w", redact(target), err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	r := reply{status: resp.StatusCode, body: answer, retryAfter: resp.Header.Get("Retry-After")}
	if err != nil {
		return r, fmt.Errorf("reading the answer of %s: %w", redact(target), err)
	}
	return r, nil
}

// redact is a URL's scheme and host: what a log may show of a target.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return "the target"
	}
	return u.Scheme + "://" + u.Host
}

// statusError classifies a non-success HTTP answer: 429 and 5xx (and 408) are retried,
// honouring Retry-After in seconds; other 4xx are permanent.
func statusError(status int, answer []byte, retryAfter string) error {
	err := fmt.Errorf("HTTP %d: %s", status, snippet(answer))
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		if s, convErr := strconv.Atoi(strings.TrimSpace(retryAfter)); convErr == nil && s > 0 {
			return &RetryAfterError{Err: err, After: time.Duration(s) * time.Second}
		}
		return err
	case status >= 400:
		return &PermanentError{Err: err}
	}
	return err
}

// snippet is the start of an answer, on one line, for an error message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
