package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGroupPrintsTheDesignContract(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"group", "testdata/node-error.json"}, &out); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Config   string   `json:"config"`
		Hashes   []string `json:"hashes"`
		Variants map[string]struct {
			Hash        *string         `json:"hash"`
			Contributes bool            `json:"contributes"`
			Tree        json.RawMessage `json:"tree"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if res.Config != "newstyle:2026-01-20" || len(res.Hashes) == 0 || len(res.Hashes[0]) != 32 {
		t.Fatalf("unexpected result:\n%s", out.String())
	}
	app, ok := res.Variants["app"]
	if !ok || !app.Contributes || app.Hash == nil || *app.Hash != res.Hashes[0] {
		t.Errorf("the in-app variant should contribute the primary hash:\n%s", out.String())
	}
}

func TestGroupRejectsAnUnknownConfig(t *testing.T) {
	err := run([]string{"group", "--config", "newstyle:1999-01-01", "testdata/node-error.json"}, io.Discard)
	if err == nil {
		t.Fatal("an unknown grouping config was accepted")
	}
}

func TestSendWrapsAnEventIntoAnAuthenticatedEnvelope(t *testing.T) {
	var gotAuth, gotPath, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotAuth, gotPath, gotBody = r.Header.Get("X-Sentry-Auth"), r.URL.Path, string(b)
		_, _ = w.Write([]byte(`{"id":"0d3a5b6c7e8f40a1b2c3d4e5f6a7b8c9"}`))
	}))
	defer srv.Close()
	dsn := "http://publickey@" + strings.TrimPrefix(srv.URL, "http://") + "/3"
	var out bytes.Buffer
	if err := run([]string{"send", "--dsn", dsn, "testdata/node-error.json"}, &out); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/api/3/envelope/" || !strings.Contains(gotAuth, "sentry_key=publickey") {
		t.Errorf("sent to %q with auth %q", gotPath, gotAuth)
	}
	lines := strings.Split(gotBody, "\n")
	if len(lines) < 3 || !strings.Contains(lines[0], `"event_id":"0d3a5b6c7e8f40a1b2c3d4e5f6a7b8c9"`) || !strings.Contains(lines[1], `"type":"event"`) {
		t.Errorf("not an event envelope:\n%s", gotBody)
	}
	if !strings.Contains(out.String(), "0d3a5b6c7e8f40a1b2c3d4e5f6a7b8c9") {
		t.Errorf("the answer was not printed: %q", out.String())
	}
}
