package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/internal/api"
)

// Sessions are signed cookies rather than server-side state, so a login survives a collector
// restart and works across collectors that share the token behind a load balancer. The signing
// key is derived from the API token: changing the token logs everybody out. Logging out revokes
// the session in this process for the rest of its lifetime.

const (
	sessionCookie = "faultline_session"
	csrfField     = "csrf"
	nonceLen      = 16
)

type session struct {
	expires time.Time
	nonce   string // raw bytes, as a string to be usable as a map key
}

type sessions struct {
	token string
	key   []byte
	ttl   time.Duration

	mu      sync.Mutex
	revoked map[string]time.Time // nonce → when the session would have expired anyway
}

func newSessions(token string, ttl time.Duration) *sessions {
	key := sha256.Sum256([]byte("faultline ui session key\x00" + token))
	return &sessions{token: token, key: key[:], ttl: ttl, revoked: map[string]time.Time{}}
}

func (s *sessions) mac(parts ...[]byte) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// tokenMatches compares a presented token with the API token in constant time.
func (s *sessions) tokenMatches(presented string) bool {
	return subtle.ConstantTimeCompare([]byte(presented), []byte(s.token)) == 1
}

// start makes a new session cookie.
func (s *sessions) start(w http.ResponseWriter, r *http.Request, now time.Time) {
	payload := make([]byte, 8+nonceLen)
	binary.BigEndian.PutUint64(payload, uint64(now.Add(s.ttl).Unix()))
	rand.Read(payload[8:])
	value := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac([]byte("session"), payload))
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: int(s.ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// end revokes the request's session and clears its cookie.
func (s *sessions) end(w http.ResponseWriter, r *http.Request, now time.Time) {
	if sess, ok := s.fromRequest(r); ok {
		s.mu.Lock()
		for n, exp := range s.revoked {
			if now.After(exp) {
				delete(s.revoked, n)
			}
		}
		s.revoked[sess.nonce] = sess.expires
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// fromRequest returns the request's session when its cookie is genuine, unexpired and not revoked.
func (s *sessions) fromRequest(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	enc, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return session{}, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(enc)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || len(payload) != 8+nonceLen || !hmac.Equal(mac, s.mac([]byte("session"), payload)) {
		return session{}, false
	}
	sess := session{expires: time.Unix(int64(binary.BigEndian.Uint64(payload)), 0), nonce: string(payload[8:])}
	if time.Now().After(sess.expires) {
		return session{}, false
	}
	s.mu.Lock()
	_, revoked := s.revoked[sess.nonce]
	s.mu.Unlock()
	return sess, !revoked
}

// csrfToken is the token every state-changing form of a session carries: without the session
// key nobody can compute it, and a cross-site page cannot read it from ours.
func (s *sessions) csrfToken(sess session) string {
	return base64.RawURLEncoding.EncodeToString(s.mac([]byte("csrf"), []byte(sess.nonce)))
}

func (s *sessions) validCSRF(sess session, presented string) bool {
	return hmac.Equal([]byte(presented), []byte(s.csrfToken(sess)))
}

// sameOrigin rejects a form posted from another origin when the browser says where it came from.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// authed lets a request through with a valid session, or with the API token as a bearer token
// (for scripts fetching raw events). State-changing requests on a session also need the CSRF
// token. Anyone else gets the login page (browsers) or 401, never data.
func (u *UI) authed(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api.HasBearerToken(r, u.cfg.Token) {
			h(w, r)
			return
		}
		sess, ok := u.sessions.fromRequest(r)
		if !ok {
			if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "authentication required: log in at /login or send the API token as a bearer token", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
			if !sameOrigin(r) || !u.sessions.validCSRF(sess, r.PostFormValue(csrfField)) {
				http.Error(w, "invalid or missing CSRF token: reload the page and try again", http.StatusForbidden)
				return
			}
		}
		h(w, r)
	})
}

// safeNext keeps a post-login redirect on this site: a path, never "//host" or a URL. Browsers
// drop tabs and newlines from URLs and read "\" as "/", so "/\t/evil.com" would leave the site:
// control characters and backslashes are refused outright.
func safeNext(next string) string {
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return u.RequestURI()
}

type loginData struct {
	Next  string
	Error string
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := u.sessions.fromRequest(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login", "Log in", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	next := safeNext(r.PostFormValue("next"))
	if !sameOrigin(r) {
		http.Error(w, "login form posted from another site", http.StatusForbidden)
		return
	}
	if !u.sessions.tokenMatches(strings.TrimSpace(r.PostFormValue("token"))) {
		u.render(w, r, http.StatusUnauthorized, "login", "Log in", loginData{Next: next, Error: "That is not the API token."})
		return
	}
	u.sessions.start(w, r, time.Now())
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	u.sessions.end(w, r, time.Now())
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
