package loadgen

import (
	"bytes"
	"io"
	"net/http"

	"github.com/klauspost/compress/gzip"
)

// OKHandler is the ceiling's target: it reads the whole request (ungzipping it when asked) and
// answers 200 {"id": "<event id>"} like the receiver, doing nothing else. The same generator
// against it measures what HTTP alone costs on the machine.
func OKHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(append([]byte(`{"id":"`), envelopeEventID(buf.Bytes())...), `"}`...))
	})
}

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
