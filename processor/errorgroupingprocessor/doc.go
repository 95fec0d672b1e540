//go:generate ../../.tools/bin/mdatagen metadata.yaml

// Package errorgroupingprocessor is the `errorgrouping` processor: for every log record that
// carries a Sentry event (attribute sentry.event), it resolves minified JavaScript frames through
// sourcemaps and then attaches Sentry-compatible grouping results (hash, hashes, title, culprit,
// config; the explanation on the first event of each grouping per explanation_interval) as
// faultline.group.* attributes. Exceptions recorded by OpenTelemetry
// SDKs (span events named "exception", log records with exception.* attributes) are first made
// Sentry events through internal/otelexception, then treated alike.
//
// It only adapts the collector to internal/otelexception, internal/sourcemap and
// internal/grouping, which hold the logic.
package errorgroupingprocessor
