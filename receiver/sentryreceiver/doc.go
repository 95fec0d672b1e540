// Package sentryreceiver is the `sentry` receiver: it speaks Sentry's ingestion protocol over
// HTTP the way Relay does, so unmodified Sentry SDKs can send to an OpenTelemetry Collector.
//
// It owns the HTTP side: routes, authentication with project keys, origin checks, CORS, request
// size limits, decompression, quotas per data category, status codes and self-telemetry. The
// envelope codec lives in internal/sentry/envelope, the mapping to pdata in internal/translator;
// this package knows neither the envelope grammar nor the OTel mapping.
package sentryreceiver // import "github.com/faultline/faultline/receiver/sentryreceiver"

//go:generate ../../.tools/bin/mdatagen metadata.yaml
