// Package attrkey names the OTel attributes that Faultline's components exchange through pdata.
//
// The receiver writes them, the grouping processor reads and adds to them, the issue store reads
// them. They are a contract between those components and with users who route or filter on them
// (OTTL, filter processor), so they live in one place and change only with care. Besides the
// names it holds only the readers that several components need to agree on.
package attrkey

import "go.opentelemetry.io/collector/pdata/pcommon"

// Str reads an attribute as text ("" when it is absent).
func Str(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok {
		return v.AsString()
	}
	return ""
}

// Environment reads a resource's deployment environment under its current semconv key, else
// under the key older SDKs still send.
func Environment(resource pcommon.Map) string {
	if env := Str(resource, DeploymentEnv); env != "" {
		return env
	}
	return Str(resource, DeploymentEnvDeprecated)
}

// Set by the sentry receiver on every record it emits.
const (
	// EventID is the Sentry event id, 32 lowercase hex digits.
	EventID = "sentry.event_id"
	// ProjectID is the numeric Sentry project id the event was sent to, as a string.
	ProjectID = "sentry.project_id"
	// Event carries the whole normalized event as JSON text, losslessly, for the processor and store.
	Event = "sentry.event"
	// ItemType is the envelope item type the record came from (event, transaction, log, check_in …).
	ItemType = "sentry.item_type"
	// Level is the Sentry level (debug, info, warning, error, fatal).
	Level = "sentry.level"
	// Platform is the event's platform (javascript, node, go, python …).
	Platform = "sentry.platform"
	// Transaction is the transaction name active when the event happened.
	Transaction = "sentry.transaction"
	// Logger is the logger name.
	Logger = "sentry.logger"
	// Dist is the distribution of the release.
	Dist = "sentry.dist"
	// SDKName and SDKVersion name the client that sent the event.
	SDKName    = "sentry.sdk.name"
	SDKVersion = "sentry.sdk.version"
	// TagPrefix prefixes every event tag: tag "browser" becomes "sentry.tag.browser".
	TagPrefix = "sentry.tag."
	// Attachments lists the attachments sent with the event (name, content type, size), as JSON text.
	Attachments = "sentry.attachments"
	// Fingerprint is the client-sent fingerprint, when present, as a string slice.
	Fingerprint = "sentry.fingerprint"
)

// OTel semantic-convention keys the receiver also fills.
const (
	ExceptionType       = "exception.type"
	ExceptionMessage    = "exception.message"
	ExceptionStacktrace = "exception.stacktrace"
	ExceptionEscaped    = "exception.escaped"
	UserID              = "user.id"
	UserEmail           = "user.email"
	UserName            = "user.name"
	ClientAddress       = "client.address"
	URLFull             = "url.full"
	HTTPRequestMethod   = "http.request.method"
	ServiceName         = "service.name"
	ServiceVersion      = "service.version"
	DeploymentEnv       = "deployment.environment.name"
	TelemetrySDKName    = "telemetry.sdk.name"
	TelemetrySDKVersion = "telemetry.sdk.version"
	TelemetrySDKLang    = "telemetry.sdk.language"
	HostName            = "host.name"
)

// Set by stanza's file input (filelog's include_file_path, include_file_name,
// include_file_record_number) on each line it reads.
const (
	LogFilePath         = "log.file.path"
	LogFileName         = "log.file.name"
	LogFileRecordNumber = "log.file.record_number"
)

// DeploymentEnvDeprecated is the environment's resource key before semconv v1.27 renamed it;
// OTel SDKs in use still send it.
const DeploymentEnvDeprecated = "deployment.environment"

// ExceptionEventName is the semconv EventName of a LogRecord that records an exception.
const ExceptionEventName = "exception"

// Set by the errorgrouping processor.
const (
	// GroupHash is the primary grouping hash (32 hex md5), the one an issue is keyed by.
	GroupHash = "faultline.group.hash"
	// GroupHashes lists every contributing hash in Sentry's order, primary first (string slice).
	GroupHashes = "faultline.group.hashes"
	// GroupTitle and GroupCulprit are what Sentry shows as the title and culprit.
	GroupTitle   = "faultline.group.title"
	GroupCulprit = "faultline.group.culprit"
	// GroupConfig is the grouping config id, e.g. "newstyle:2026-01-20".
	GroupConfig = "faultline.group.config"
	// GroupExplanation is the variants with their component trees, as JSON text (the `faultline group`
	// shape). Only some events carry it: see the errorgrouping processor's explanation_interval.
	GroupExplanation = "faultline.group.explanation"
	// GroupMetadataType / Value / Filename / Function are Sentry's issue metadata fields.
	GroupMetadataType     = "faultline.group.metadata.type"
	GroupMetadataValue    = "faultline.group.metadata.value"
	GroupMetadataFilename = "faultline.group.metadata.filename"
	GroupMetadataFunction = "faultline.group.metadata.function"
)

// Set by the sentry receiver on the records, spans and metrics of item types other than errors.
const (
	// Op and Origin are a Sentry span's operation (http.server, db.sql …) and instrumentation origin.
	Op     = "sentry.op"
	Origin = "sentry.origin"
	// Description is the trace context's description of a transaction's root span.
	Description = "sentry.description"
	// TransactionSource is transaction_info.source: how the transaction was named (route, url, custom …).
	TransactionSource = "sentry.transaction.source"
	// MeasurementPrefix prefixes a transaction measurement: "lcp" becomes "sentry.measurement.lcp" (a double).
	MeasurementPrefix = "sentry.measurement."
	// CheckInID, MonitorSlug and CheckInStatus identify a cron check-in and its outcome
	// (in_progress, ok, error); CheckInDuration is its duration in seconds (a double).
	CheckInID       = "sentry.check_in.id"
	MonitorSlug     = "sentry.monitor.slug"
	CheckInStatus   = "sentry.check_in.status"
	CheckInDuration = "sentry.check_in.duration"
	// MonitorConfig is the check-in's monitor_config (schedule, margins, timezone) as JSON text.
	MonitorConfig = "sentry.monitor.config"
	// FeedbackContactEmail … FeedbackReplayID are the fields of user feedback; the message is the body.
	FeedbackContactEmail      = "sentry.feedback.contact_email"
	FeedbackName              = "sentry.feedback.name"
	FeedbackURL               = "sentry.feedback.url"
	FeedbackAssociatedEventID = "sentry.feedback.associated_event_id"
	FeedbackReplayID          = "sentry.feedback.replay_id"
	// SessionStatus is the data point attribute of SessionsMetric: init, exited, errored, crashed, abnormal.
	SessionStatus = "sentry.session.status"
	// DiscardReason, DataCategory and ProjectID are the data point attributes of
	// DiscardedEventsMetric; DataCategory and ProjectID those of RateLimitedMetric.
	DiscardReason = "sentry.discard.reason"
	DataCategory  = "sentry.data_category"
)

// EventNames of the LogRecords the sentry receiver emits for cron check-ins and user feedback.
const (
	CheckInEventName  = "sentry.check_in"
	FeedbackEventName = "sentry.feedback"
)

// Metrics the sentry receiver emits (delta, monotonic sums).
const (
	// SessionsMetric counts release-health sessions by SessionStatus: "init" counts sessions
	// started, the other statuses count sessions ended that way.
	SessionsMetric = "sentry.sessions"
	// DiscardedEventsMetric counts what SDKs report in client reports as dropped before sending,
	// by DiscardReason and DataCategory.
	DiscardedEventsMetric = "sentry.client_report.discarded_events"
	// RateLimitedMetric counts the items the receiver refused because they were over a quota of
	// their project, by DataCategory.
	RateLimitedMetric = "sentry.rate_limited"
)
