package loadgen

import (
	"bytes"
	"io"
	"net/http"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// OKHandler is the ceiling's target: it reads the whole request (ungzipping it when asked) and
// answers 200 {"id": "<event id>"} like the receiver, doing nothing else. The same generator
// against it measures what HTTP alone costs on the machine, so everything it could avoid is
// avoided: the body goes into a buffer kept for the next request and the gzip reader is reused
// (a fresh, growing buffer per request allocated ~30 KB for the reference event), and the
// reply's header is set without canonicalizing its name.
func OKHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := okPool.Get().(*okState)
		defer okPool.Put(s)
		s.buf.Reset()
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			if err := s.zr.Reset(r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = &s.zr
		}
		if _, err := s.buf.ReadFrom(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header()["Content-Type"] = jsonContentType
		s.reply = append(append(append(s.reply[:0], `{"id":"`...), envelopeEventID(s.buf.Bytes())...), `"}`...)
		_, _ = w.Write(s.reply)
	})
}

// okState is what one request of OKHandler needs, kept for the next.
type okState struct {
	buf   bytes.Buffer
	zr    gzip.Reader
	reply []byte
}

var (
	okPool          = sync.Pool{New: func() any { return new(okState) }}
	jsonContentType = []string{"application/json"}
)

// envelopeEventID is the event id of an envelope's header line, found without parsing JSON.
func envelopeEventID(body []byte) []byte {
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		body = body[:i]
	}
	const key = `"event_id":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 || len(body) < i+len(key)+32 {
		return nil
	}
	return body[i+len(key) : i+len(key)+32]
}
