package envelope

// Data categories, as Relay names them in quotas and in X-Sentry-Rate-Limits, for the item types
// SDKs send (reference/sentry-protocol.md §3.4, §5.3).
const (
	CategoryError       = "error"
	CategoryTransaction = "transaction"
	CategorySpan        = "span"
	CategoryLogItem     = "log_item"
	CategoryMonitor     = "monitor"
	CategoryFeedback    = "feedback"
	CategorySession     = "session"
	CategoryAttachment  = "attachment"
	CategoryProfile     = "profile"
	CategoryReplay      = "replay"
	CategoryTraceMetric = "trace_metric"
)

// Categories lists every category Category returns.
var Categories = []string{CategoryError, CategoryTransaction, CategorySpan, CategoryLogItem, CategoryMonitor,
	CategoryFeedback, CategorySession, CategoryAttachment, CategoryProfile, CategoryReplay, CategoryTraceMetric}

// Category is the data category an item counts in for rate limits, "" for items that are never
// limited (client reports, which carry the SDK's own outcomes, and types Relay does not know).
// Every event item counts as an error, as the SDKs themselves count it when they back off.
func (it *Item) Category() string {
	switch it.Type {
	case "event":
		return CategoryError
	case "transaction":
		return CategoryTransaction
	case "span":
		return CategorySpan
	case "log":
		return CategoryLogItem
	case "check_in":
		return CategoryMonitor
	case "feedback", "user_report":
		return CategoryFeedback
	case "session", "sessions":
		return CategorySession
	case "attachment":
		return CategoryAttachment
	case "profile", "profile_chunk", "profile_chunk_ui":
		return CategoryProfile
	case "replay_event", "replay_recording", "replay_video":
		return CategoryReplay
	case "trace_metric":
		return CategoryTraceMetric
	}
	return ""
}

// Quantity is how many items of its category an item holds: a container's item count, else one.
func (it *Item) Quantity() int64 {
	if it.ItemCount > 0 {
		return int64(it.ItemCount)
	}
	return 1
}
