package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/faultline/faultline/internal/grouping"
	"github.com/faultline/faultline/internal/sentry/dsn"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sourcemap"
)

// readEvent loads an event file and normalizes it as the receiver would.
func readEvent(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	normalized, _, err := event.Normalize(raw, event.NormalizeOptions{ReceivedAt: time.Now()})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return normalized, nil
}

func oneFile(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%s takes exactly one file, got %d", fs.Name(), fs.NArg())
	}
	return fs.Arg(0), nil
}

func readOptional(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	return string(b), err
}

func groupCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("group", flag.ContinueOnError)
	config := fs.String("config", grouping.DefaultConfig, "grouping config id")
	stRules := fs.String("stacktrace-rules", "", "file with stack-trace rules")
	fpRules := fs.String("fingerprint-rules", "", "file with fingerprint rules")
	path, err := oneFile(fs, args)
	if err != nil {
		return err
	}
	opts := grouping.Options{Config: *config}
	if opts.StackTraceRules, err = readOptional(*stRules); err != nil {
		return err
	}
	if opts.FingerprintRules, err = readOptional(*fpRules); err != nil {
		return err
	}
	g, err := grouping.New(opts)
	if err != nil {
		return err
	}
	normalized, err := readEvent(path)
	if err != nil {
		return err
	}
	ev, err := event.Decode(normalized)
	if err != nil {
		return err
	}
	res, err := g.Group(ev)
	if err != nil {
		return err
	}
	out, err := res.MarshalJSON()
	if err != nil {
		return err
	}
	return writeIndented(stdout, out)
}

func symbolicateCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("symbolicate", flag.ContinueOnError)
	dir := fs.String("sourcemaps", "", "local sourcemap directory (required)")
	project := fs.String("project", "1", "project id whose artifacts to use")
	path, err := oneFile(fs, args)
	if err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("symbolicate needs --sourcemaps DIR")
	}
	normalized, err := readEvent(path)
	if err != nil {
		return err
	}
	doc, err := event.ParseDocument(normalized)
	if err != nil {
		return err
	}
	sym := sourcemap.New(sourcemap.NewDir(*dir), sourcemap.Options{})
	if _, err := sym.SymbolicateDocument(context.Background(), *project, doc); err != nil {
		return err
	}
	return writeIndented(stdout, doc.AppendTo(nil))
}

// sendCommand posts an event (wrapped into an envelope) or a ready envelope, as an SDK would.
func sendCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	dsnFlag := fs.String("dsn", os.Getenv("SENTRY_DSN"), "DSN to send to (default $SENTRY_DSN)")
	path, err := oneFile(fs, args)
	if err != nil {
		return err
	}
	d, err := dsn.Parse(*dsnFlag)
	if err != nil {
		return err
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if isSingleJSONObject(body) {
		body = wrapEvent(body, d)
	}
	req, err := http.NewRequest(http.MethodPost, d.EnvelopeURL(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("X-Sentry-Auth", d.AuthHeader("faultline-cli/0.1.0"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", d.EnvelopeURL(), resp.Status, bytes.TrimSpace(answer))
	}
	_, err = fmt.Fprintf(stdout, "%s\n", bytes.TrimSpace(answer))
	return err
}

func isSingleJSONObject(b []byte) bool {
	var v map[string]json.RawMessage
	return json.Unmarshal(b, &v) == nil
}

func wrapEvent(ev []byte, d dsn.DSN) []byte {
	var id struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(ev, &id)
	header, _ := json.Marshal(map[string]string{
		"event_id": id.EventID, "dsn": d.String(), "sent_at": time.Now().UTC().Format(time.RFC3339Nano),
	})
	compact := new(bytes.Buffer)
	_ = json.Compact(compact, ev)
	var b bytes.Buffer
	b.Write(header)
	fmt.Fprintf(&b, "\n{\"type\":\"event\",\"length\":%d}\n", compact.Len())
	b.Write(compact.Bytes())
	b.WriteByte('\n')
	return b.Bytes()
}

func writeIndented(w io.Writer, js []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, js, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}
