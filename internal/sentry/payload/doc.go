// Package payload decodes the Sentry envelope items that are not error events: transactions and
// their spans, v1 and v2 `span` items, `log` containers, `session` updates and `sessions`
// aggregates, client reports, cron check-ins, user feedback (`feedback` events and legacy
// `user_report` items), and `trace_metric` containers.
//
// Each decoder turns one item payload into a typed value whose strings are owned copies, so the
// parser behind it is reused at once. Timestamps are accepted the way Relay accepts them (RFC 3339
// with or without zone, or seconds since the epoch as a number); tags as an object or a list of
// pairs; dynamic values (span data, typed log attributes) become Value trees.
//
// The package knows nothing about HTTP, envelopes, pdata or the collector: the receiver's
// translator maps these types onto OTel data, and other front ends (files, stanza) can reuse them.
// Error and default events belong to package event, not here.
package payload
