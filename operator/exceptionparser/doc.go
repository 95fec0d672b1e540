// Package exceptionparser is the stanza operator `exception_parser`: it finds stack traces in
// ordinary logs and turns each into one record with the exception.* attributes of OTel's
// semantic conventions, so that a filelog, journald or syslog pipeline feeds the errorgrouping
// processor like an OTel SDK's exceptions do.
//
// Text logs: it recognises the first line of a trace printed by Java, Python, JavaScript (V8),
// Go, .NET, Ruby or PHP, joins the lines that continue it (per source, so that files never
// mix), and leaves every other line untouched and in order. A line that may start a trace but
// cannot say so alone ("com.acme.Failure: boom") waits for the next line; a trace waits for
// the line after its end. Either is sent after flush_period without a next line, and
// max_lines, max_trace_size and max_sources bound what is held.
//
// JSON logs: a record (a JSON text, or a map a json_parser made) is read for the stack fields
// of zap, logrus, slog, pino, winston, structlog, python-json-logger, logback's encoders,
// Serilog and ECS loggers; the record is otherwise left as it is.
//
// The type and message are the ones the trace prints; the processor reads the frames of
// exception.stacktrace with internal/stacktrace, the reader it groups SDK exceptions by, so that
// a trace from a log and the same exception from an SDK make one issue. The operator knows
// stanza's entries (and internal/stacktrace, to tell a JSON stack field from other text) and
// nothing of pdata, grouping or the store.
//
// Registration: stanza finds operators in a process-wide registry that this package's init
// fills; a collector knows the operator when its binary imports the package. Faultline's
// distribution does so through receiver/filelogreceiver.
package exceptionparser
