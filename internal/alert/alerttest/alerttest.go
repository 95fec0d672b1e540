// Package alerttest holds the stand-ins alert tests deliver to: an HTTP server recording what
// Slack or a webhook receiver would get, a local server speaking PagerDuty's Events API v2 as
// documented (PagerDuty itself cannot be reached from tests), and a real SMTP server (go-smtp)
// with STARTTLS and AUTH PLAIN. Only tests import it.
package alerttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Post is one request a Recorder received.
type Post struct {
	Header http.Header
	Body   []byte
}

// Recorder is an HTTP server that records POSTs and answers 200 "ok" (as Slack does), or what
// it was told to answer next.
type Recorder struct {
	*httptest.Server
	mu      sync.Mutex
	posts   []Post
	answers []int         // statuses for the next requests
	hang    time.Duration // how long the next request waits before answering
	down    bool
	hanging bool
}

// NewRecorder starts a Recorder, closed when the test ends.
func NewRecorder(t testing.TB) *Recorder {
	r := &Recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *Recorder) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	hang, down := r.hang, r.down
	if r.hanging {
		hang = time.Hour
	}
	r.hang = 0
	status := http.StatusOK
	if len(r.answers) > 0 {
		status, r.answers = r.answers[0], r.answers[1:]
	}
	if !down && status == http.StatusOK && hang == 0 {
		r.posts = append(r.posts, Post{Header: req.Header.Clone(), Body: body})
	}
	r.mu.Unlock()
	if hang > 0 {
		select {
		case <-time.After(hang):
		case <-req.Context().Done():
		}
		return
	}
	if down {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	if status != http.StatusOK {
		http.Error(w, "garbage{", status)
		return
	}
	io.WriteString(w, "ok")
}

// Posts returns what was received and answered 200.
func (r *Recorder) Posts() []Post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Post(nil), r.posts...)
}

// AnswerNext makes the next requests get these statuses.
func (r *Recorder) AnswerNext(statuses ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = append(r.answers, statuses...)
}

// HangNext makes the next request wait d (or until the client gives up) without answering.
func (r *Recorder) HangNext(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hang = d
}

// SetHanging makes every request wait without an answer (until the client gives up) until
// SetHanging(false).
func (r *Recorder) SetHanging(hanging bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hanging = hanging
}

// SetDown makes every request get 503 until SetDown(false).
func (r *Recorder) SetDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// PagerDutyEvent is an Events API v2 event as the stand-in received it.
type PagerDutyEvent struct {
	RoutingKey  string `json:"routing_key"`
	EventAction string `json:"event_action"`
	DedupKey    string `json:"dedup_key"`
	Payload     *struct {
		Summary  string `json:"summary"`
		Source   string `json:"source"`
		Severity string `json:"severity"`
	} `json:"payload"`
}

// PagerDuty stands in for https://events.pagerduty.com/v2/enqueue: it checks an event the way
// the Events API v2 documentation describes (routing_key; event_action trigger, acknowledge or
// resolve; a trigger's payload with summary, source and a severity of critical, error, warning
// or info) and answers 202 {"status":"success","message":"Event processed","dedup_key":…} or
// 400 {"status":"invalid event",…}; it can be told to answer 429 or 500 next.
type PagerDuty struct {
	*httptest.Server
	RoutingKey string
	mu         sync.Mutex
	events     []PagerDutyEvent
	answers    []int
}

// NewPagerDuty starts the stand-in, accepting one routing key.
func NewPagerDuty(t testing.TB, routingKey string) *PagerDuty {
	p := &PagerDuty{RoutingKey: routingKey}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *PagerDuty) serve(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.answers) > 0 {
		status := p.answers[0]
		p.answers = p.answers[1:]
		w.WriteHeader(status)
		if status == http.StatusTooManyRequests {
			io.WriteString(w, `{"status":"throttle event","message":"Requests for this service are arriving too quickly."}`)
		}
		return
	}
	var e PagerDutyEvent
	if err := json.NewDecoder(req.Body).Decode(&e); err != nil {
		p.invalid(w, "Event object is invalid", "JSON parse error")
		return
	}
	var problems []string
	if e.RoutingKey != p.RoutingKey {
		problems = append(problems, "'routing_key' is invalid")
	}
	switch e.EventAction {
	case "trigger":
		if e.Payload == nil || e.Payload.Summary == "" || e.Payload.Source == "" {
			problems = append(problems, "'payload' is missing or incomplete")
		} else if s := e.Payload.Severity; s != "critical" && s != "error" && s != "warning" && s != "info" {
			problems = append(problems, "'payload.severity' is invalid")
		}
	case "acknowledge", "resolve":
		if e.DedupKey == "" {
			problems = append(problems, "'dedup_key' is required for "+e.EventAction)
		}
	default:
		problems = append(problems, "'event_action' is invalid")
	}
	if len(problems) > 0 {
		p.invalid(w, "Event object is invalid", problems...)
		return
	}
	p.events = append(p.events, e)
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"status": "success", "message": "Event processed", "dedup_key": e.DedupKey})
}

func (p *PagerDuty) invalid(w http.ResponseWriter, msg string, errs ...string) {
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]any{"status": "invalid event", "message": msg, "errors": errs})
}

// Events returns the accepted events.
func (p *PagerDuty) Events() []PagerDutyEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PagerDutyEvent(nil), p.events...)
}

// AnswerNext makes the next requests get these statuses (429, 500 …) without being processed.
func (p *PagerDuty) AnswerNext(statuses ...int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answers = append(p.answers, statuses...)
}

// Mail is one message the SMTP server accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
	TLS  bool // sent after STARTTLS
}

// SMTP is a real SMTP server (go-smtp) offering STARTTLS with a self-signed certificate and
// requiring AUTH PLAIN with one username and password.
type SMTP struct {
	Addr string
	// RootCAs trusts the server's certificate; CAPEM is the same as a PEM file's content.
	RootCAs            *x509.CertPool
	CAPEM              []byte
	username, password string
	mu                 sync.Mutex
	mails              []Mail
}

// NewSMTP starts the server on 127.0.0.1, stopped when the test ends.
func NewSMTP(t testing.TB, username, password string) *SMTP {
	cert, pool := selfSigned(t)
	s := &SMTP{RootCAs: pool, CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Leaf.Raw}),
		username: username, password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s, c: c}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Mails returns the accepted messages.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

type smtpSession struct {
	s      *SMTP
	c      *smtp.Conn
	authed bool
	mail   Mail
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.username || password != ss.s.password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	_, tlsOn := ss.c.TLSConnectionState()
	ss.mail = Mail{From: from, TLS: tlsOn}
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.mail.To = append(ss.mail.To, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.mail.Data = b
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, ss.mail)
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset()        { ss.mail = Mail{} }
func (ss *smtpSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), // valid on any test day
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
