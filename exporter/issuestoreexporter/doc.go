// Package issuestoreexporter is the `issuestore` exporter: the end of a logs or traces pipeline
// that keeps every Sentry event and folds it into issues. It turns the LogRecords the sentry
// receiver and the errorgrouping processor produce, and the exception span events the processor
// made Sentry events, into store events and writes them through the issuestore extension, which
// owns the database.
//
// It knows pdata and the attribute contract (internal/attrkey); storage lives in internal/store.
// A batch is acknowledged only after the store committed it (Store.Append: on SQLite to its
// inbox, folded into issues moments later). Faultline's default config runs it without a
// sending_queue (the store is the durable hand-off); other pipelines may put exporterhelper's
// queue, persistent or not, and retry_on_failure in front of it.
package issuestoreexporter // import "github.com/faultline/faultline/exporter/issuestoreexporter"

//go:generate ../../.tools/bin/mdatagen metadata.yaml
