package alert

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Email sends a plain-text and HTML message over SMTP. STARTTLS is required unless Insecure
// is set; credentials are sent only over TLS (or to localhost, as net/smtp allows).
type Email struct {
	// Endpoint is the server's host:port (587 for submission with STARTTLS).
	Endpoint string
	Username string
	Password string
	From     string
	To       []string
	// TLS configures STARTTLS (server name, roots); nil means the system's roots.
	TLS *tls.Config
	// Insecure allows a server without STARTTLS.
	Insecure bool
}

// Send delivers the message, within ctx's deadline.
func (m *Email) Send(ctx context.Context, n *Notification) error {
	msg, err := m.message(n)
	if err != nil {
		return &PermanentError{Err: err}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Endpoint)
	if err != nil {
		return fmt.Errorf("SMTP %s: %w", m.Endpoint, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline) //nolint:errcheck // a failed deadline shows up as the next error
	}
	host, _, _ := net.SplitHostPort(m.Endpoint)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return smtpError("greeting", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLS.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := c.StartTLS(cfg); err != nil {
			return smtpError("STARTTLS", err)
		}
	} else if !m.Insecure {
		return permanent("SMTP %s does not offer STARTTLS (set insecure to send without TLS)", m.Endpoint)
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return smtpError("AUTH", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return smtpError("MAIL FROM", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return smtpError("RCPT TO", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpError("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("DATA", err)
	}
	return c.Quit()
}

// smtpError makes a 5xx reply permanent; 4xx replies and connection errors are retried.
func smtpError(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &PermanentError{Err: fmt.Errorf("SMTP %s: %w", step, err)}
	}
	return fmt.Errorf("SMTP %s: %w", step, err)
}

var emailHTML = template.Must(template.New("email").Parse(`<!doctype html>
<html><body style="font-family: sans-serif">
<h2>{{.Headline}}</h2>
<p><code>{{.Culprit}}</code></p>
<table cellpadding="4">
<tr><th align="left">Events</th><td>{{.Count}}</td></tr>
<tr><th align="left">Users</th><td>{{.Users}}</td></tr>
<tr><th align="left">Release</th><td>{{.Release}}</td></tr>
<tr><th align="left">Environment</th><td>{{.Environment}}</td></tr>
<tr><th align="left">Rule</th><td>{{.Rule}}</td></tr>
</table>
<p><a href="{{.URL}}">Open the issue in Faultline</a></p>
</body></html>
`))

type emailView struct {
	Headline, Culprit, Count, Users, Release, Environment, Rule, URL string
}

func (m *Email) message(n *Notification) ([]byte, error) {
	v := emailView{Headline: n.Headline(), Culprit: n.Issue.Culprit, Count: strconv.FormatInt(n.Issue.TimesSeen, 10),
		Users: strconv.FormatInt(n.Issue.UserCount, 10), Release: orNone(n.Release), Environment: orNone(n.Environment),
		Rule: orNone(n.RuleName), URL: n.IssueURL}
	text := fmt.Sprintf("%s\n\n%s\n\nEvents: %s\nUsers: %s\nRelease: %s\nEnvironment: %s\nRule: %s\n\n%s\n",
		v.Headline, v.Culprit, v.Count, v.Users, v.Release, v.Environment, v.Rule, v.URL)
	var html bytes.Buffer
	if err := emailHTML.Execute(&html, v); err != nil {
		return nil, err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ typ, content string }{{"text/plain", text}, {"text/html", html.String()}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		qp.Write([]byte(part.content)) //nolint:errcheck // writes to a buffer
		qp.Close()
	}
	mw.Close()
	from := (&mail.Address{Address: m.From}).String()
	var to []string
	for _, t := range m.To {
		to = append(to, (&mail.Address{Address: t}).String())
	}
	var msg bytes.Buffer
	for _, h := range [][2]string{
		{"From", from},
		{"To", strings.Join(to, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", "[Faultline] "+strings.Join(strings.Fields(n.Headline()), " "))},
		{"Date", n.Created.Format(time.RFC1123Z)},
		// The idempotency key: a mail system that sees the same Message-ID twice can drop the copy.
		{"Message-ID", "<" + n.IdempotencyKey + "@faultline>"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "multipart/alternative; boundary=" + mw.Boundary()},
	} {
		msg.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	msg.WriteString("\r\n")
	msg.Write(body.Bytes())
	return msg.Bytes(), nil
}
