// Command loadgen sends SDK-shaped Sentry envelopes to a DSN at a fixed rate or as fast as the
// server answers, and reports what was acknowledged, refused and — given the store's database —
// processed, naming every acknowledged event the store does not hold.
//
//	go run ./testbed/cmd/loadgen -dsn http://KEY@127.0.0.1:8000/1 -duration 30s -sqlite data/faultline.db
//	go run ./testbed/cmd/loadgen -serve-ok 127.0.0.1:9000   # the 200-only server of the ceiling
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/testbed/loadgen"
	"github.com/faultline/faultline/testbed/storeprobe"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		dsn         = flag.String("dsn", "http://e2a7c1f04b9d4e3a8f6b5c2d1a0e9f87@127.0.0.1:8000/1", "Sentry DSN to send to")
		reference   = flag.String("envelope", "receiver/sentryreceiver/testdata/node-error.envelope", "reference envelope (header, item header, event)")
		rate        = flag.Float64("rate", 0, "requests per second in total; 0 = as fast as the server answers")
		concurrency = flag.Int("concurrency", 8, "concurrent senders")
		duration    = flag.Duration("duration", 10*time.Second, "how long to send")
		issues      = flag.Int("issues", 50, "distinct issues (exception types)")
		users       = flag.Int("users", 1000, "distinct user ids")
		sizes       = flag.String("sizes", "medium", "event-size mix, comma-separated small|medium|large; repeat one to weight it")
		gzip        = flag.Bool("gzip", false, "send bodies gzip-compressed")
		sqlite      = flag.String("sqlite", "", "the store's SQLite file: wait until it holds the events and report missing ids")
		postgres    = flag.String("postgres", "", "the store's PostgreSQL DSN (instead of -sqlite)")
		serveOK     = flag.String("serve-ok", "", "instead of sending, serve 200 {\"id\":…} on this address (the ceiling's target)")
	)
	flag.Parse()
	if *serveOK != "" {
		return http.ListenAndServe(*serveOK, loadgen.OKHandler())
	}
	endpoint, auth, projectID, err := parseDSN(*dsn)
	if err != nil {
		return err
	}
	ref, err := os.ReadFile(*reference)
	if err != nil {
		return err
	}
	templates, err := loadgen.SentryEnvelopes(ref, *issues, strings.Split(*sizes, ","))
	if err != nil {
		return err
	}
	var probe *storeprobe.Probe
	switch {
	case *sqlite != "":
		probe, err = storeprobe.SQLite(*sqlite)
	case *postgres != "":
		probe, err = storeprobe.Postgres(*postgres)
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var before int64
	if probe != nil {
		defer probe.Close()
		if before, err = probe.Count(ctx); err != nil {
			return fmt.Errorf("count stored events: %w", err)
		}
	}
	header := http.Header{}
	header.Set("Content-Type", "application/x-sentry-envelope")
	header.Set("X-Sentry-Auth", auth)
	gen, err := loadgen.New(loadgen.Config{
		URL: endpoint, Header: header, Templates: templates, Concurrency: *concurrency,
		Rate: *rate, Duration: *duration, Users: *users, Gzip: *gzip,
	})
	if err != nil {
		return err
	}
	res := gen.Run(ctx)
	perRequest := max(res.Sent, 1)
	fmt.Printf("sent %d (%d bytes each on average), accepted %d (%.0f/s), refused %v (%d with Retry-After), no answer %d; generator CPU %s per request\n",
		res.Sent, res.Bytes/perRequest, res.Accepted, float64(res.Accepted)/res.Elapsed.Seconds(), res.Refused, res.RefusedRetryAfter,
		res.TransportErrors, res.CPU/time.Duration(perRequest))
	if probe == nil {
		return nil
	}
	start := time.Now().Add(-res.Elapsed)
	count, last, err := probe.Drain(ctx, storeprobe.Settle{Want: before + res.Accepted})
	if err != nil {
		return err
	}
	fmt.Printf("processed %d (%.0f/s from the first request until the store stopped growing)\n",
		count-before, float64(count-before)/last.Sub(start).Seconds())
	missing, err := probe.Missing(ctx, projectID, res.AcceptedIDs)
	if err != nil {
		return err
	}
	for _, id := range missing {
		fmt.Printf("missing: %s\n", hex.EncodeToString(id[:]))
	}
	if len(missing) > 0 {
		return fmt.Errorf("%d of %d acknowledged events are not in the store", len(missing), res.Accepted)
	}
	fmt.Printf("every acknowledged event is in the store\n")
	return nil
}

// parseDSN turns http://KEY@HOST/PROJECT into the envelope endpoint and the auth header.
func parseDSN(dsn string) (endpoint, auth string, projectID int64, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", 0, fmt.Errorf("dsn: %w", err)
	}
	if u.User == nil || u.User.Username() == "" {
		return "", "", 0, errors.New("dsn: no public key before the @")
	}
	projectID, err = strconv.ParseInt(strings.Trim(u.Path, "/"), 10, 64)
	if err != nil {
		return "", "", 0, fmt.Errorf("dsn: project id %q is not a number", strings.Trim(u.Path, "/"))
	}
	endpoint = fmt.Sprintf("%s://%s/api/%d/envelope/", u.Scheme, u.Host, projectID)
	auth = "Sentry sentry_version=7, sentry_key=" + u.User.Username() + ", sentry_client=sentry.javascript.node/11.12.0"
	return endpoint, auth, projectID, nil
}
