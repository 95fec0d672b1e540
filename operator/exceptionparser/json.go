package exceptionparser

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"

	"github.com/faultline/faultline/internal/stacktrace"
)

// stackFields are where common loggers' JSON output puts a stack trace, in the order they are
// looked at. A path of two keys is an object's member ("err" → "stack"); a dotted key is one key.
var stackFields = [][]string{
	{"stack_trace"},          // logstash-logback-encoder; ECS loggers flattened
	{"stacktrace"},           // zap
	{"stack"},                // winston's errors() format; slog and logrus by convention
	{"exception"},            // structlog (format_exc_info; dict_tracebacks: a list, see below)
	{"exc_info"},             // python-json-logger
	{"Exception"},            // Serilog's JsonFormatter
	{"@x"},                   // Serilog's CompactJsonFormatter
	{"err", "stack"},         // pino's error serializer
	{"error", "stack"},       // pino under errorKey "error"
	{"error", "stack_trace"}, // ECS (ecs-logging for Java, Python, Node, Go, .NET)
	{"error.stack_trace"},    // ECS flattened
	{"error.stack"},          //
	{"errorVerbose"},         // zap with a github.com/pkg/errors error (%+v)
	{"throwable"},            // logback's JsonEncoder: an object, see below
	{"error"},                // logrus WithError, slog: only a text that holds a stack
	{"err"},                  //
}

// jsonMarkers are the substrings one of stackFields' keys puts into a JSON text: a record
// without any is not decoded.
var jsonMarkers = []string{`"stack`, `"exc`, `"Exception"`, `"@x"`, `"err`, `"throwable"`}

// messageFields name the log message and levelFields the level, for a record whose stack
// says neither type nor message, and one without a severity.
var (
	messageFields = []string{"msg", "message", "@m", "@mt", "event", "MessageTemplate", "RenderedMessage"}
	levelFields   = []string{"level", "severity", "@l", "Level", "levelname", "log.level"}
)

// isJSONObject reports whether a line is a JSON object's text (as far as its ends tell).
func isJSONObject(text string) bool {
	t := strings.TrimSpace(text)
	return len(t) >= 2 && t[0] == '{' && t[len(t)-1] == '}'
}

// readJSONText reads a JSON logger's record written as text; the text is left as it is.
func (p *Parser) readJSONText(e *entry.Entry, text string) {
	found := false
	for _, m := range jsonMarkers {
		if strings.Contains(text, m) {
			found = true
			break
		}
	}
	if !found {
		return
	}
	var record map[string]any
	if err := json.Unmarshal([]byte(text), &record); err != nil {
		return // not JSON after all: an ordinary line
	}
	p.readJSON(e, record)
}

// readJSON sets the exception of a JSON logger's record that carries a stack trace.
func (p *Parser) readJSON(e *entry.Entry, record map[string]any) {
	stack := ""
	for _, path := range stackFields {
		v := lookup(record, path)
		switch v := v.(type) {
		case string:
			// Only a text a stack-trace format reads is a stack: "error" and "err" hold an
			// error's message unless an errors package printed its stack into them.
			if _, ok := stacktrace.Parse(v, "", stacktrace.Options{}); !ok {
				continue
			}
			stack = strings.TrimRight(v, "\n")
		case []any:
			if path[0] == "exception" {
				stack = pythonTraceback(v)
			}
		case map[string]any:
			if path[0] == "throwable" && str(v["className"]) != "" {
				stack = javaTrace(v)
			}
		}
		if stack != "" {
			break
		}
	}
	if stack == "" {
		return
	}
	if e.Severity == entry.Default {
		if sev, text, ok := levelOf(record); ok {
			e.Severity, e.SeverityText = sev, text
		}
	}
	setException(e, stack, jsonMessage(record))
}

// lookup follows a path of keys through nested objects.
func lookup(record map[string]any, path []string) any {
	var v any = record
	for _, key := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[key]; !ok {
			return nil
		}
	}
	return v
}

// jsonMessage is the error's own text where the logger keeps one apart from the stack (zap's
// and logrus's "error", slog's "err", pino's err.message), else the log message.
func jsonMessage(record map[string]any) string {
	for _, path := range [][]string{{"error"}, {"err"}, {"err", "message"}, {"error", "message"}} {
		if s, ok := lookup(record, path).(string); ok && s != "" {
			first, _, _ := strings.Cut(s, "\n")
			return first
		}
	}
	for _, key := range messageFields {
		if s, ok := record[key].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// levelOf maps a record's level (a name, or pino's number) to a stanza severity.
func levelOf(record map[string]any) (entry.Severity, string, bool) {
	for _, key := range levelFields {
		switch v := record[key].(type) {
		case string:
			switch strings.ToLower(v) {
			case "trace", "verbose":
				return entry.Trace, "TRACE", true
			case "debug":
				return entry.Debug, "DEBUG", true
			case "info", "information", "notice":
				return entry.Info, "INFO", true
			case "warn", "warning":
				return entry.Warn, "WARN", true
			case "error", "err", "dpanic":
				return entry.Error, "ERROR", true
			case "fatal", "critical", "crit", "panic", "emergency", "alert":
				return entry.Fatal, "FATAL", true
			}
		case float64: // pino: 10 trace … 60 fatal
			switch {
			case v >= 60:
				return entry.Fatal, "FATAL", true
			case v >= 50:
				return entry.Error, "ERROR", true
			case v >= 40:
				return entry.Warn, "WARN", true
			case v >= 30:
				return entry.Info, "INFO", true
			case v >= 20:
				return entry.Debug, "DEBUG", true
			default:
				return entry.Trace, "TRACE", true
			}
		}
	}
	return entry.Default, "", false
}

// pythonTraceback writes structlog's dict_tracebacks (a list of {exc_type, exc_value, frames:
// [{filename, lineno, name}]}, the outermost exception first) the way Python prints them, so
// that internal/stacktrace reads them like any traceback.
func pythonTraceback(chain []any) string {
	var b strings.Builder
	for i := len(chain) - 1; i >= 0; i-- {
		exc, ok := chain[i].(map[string]any)
		if !ok {
			return ""
		}
		if b.Len() > 0 {
			b.WriteString("\nThe above exception was the direct cause of the following exception:\n\n")
		}
		b.WriteString("Traceback (most recent call last):\n")
		frames, _ := exc["frames"].([]any)
		for _, f := range frames {
			frame, _ := f.(map[string]any)
			b.WriteString(`  File "` + str(frame["filename"]) + `", line ` + str(frame["lineno"]) + ", in " + str(frame["name"]) + "\n")
		}
		b.WriteString(str(exc["exc_type"]))
		if v := str(exc["exc_value"]); v != "" {
			b.WriteString(": " + v)
		}
	}
	return b.String()
}

// javaTrace writes logback JsonEncoder's throwable ({className, message, stepArray:
// [{className, methodName, fileName, lineNumber}], cause}) the way printStackTrace prints it.
func javaTrace(throwable map[string]any) string {
	var b strings.Builder
	for t, prefix := throwable, ""; t != nil; prefix = "Caused by: " {
		b.WriteString(prefix + str(t["className"]))
		if m := str(t["message"]); m != "" && m != "null" {
			b.WriteString(": " + m)
		}
		steps, _ := t["stepArray"].([]any)
		for _, s := range steps {
			step, _ := s.(map[string]any)
			b.WriteString("\n\tat " + str(step["className"]) + "." + str(step["methodName"]) + "(")
			if file := str(step["fileName"]); file != "" && file != "null" {
				b.WriteString(file + ":" + str(step["lineNumber"]))
			} else {
				b.WriteString("Unknown Source")
			}
			b.WriteString(")")
		}
		if n := str(t["commonFramesCount"]); n != "" {
			b.WriteString("\n\t... " + n + " more")
		}
		t, _ = t["cause"].(map[string]any)
		if b.Len() > 0 && t != nil {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// str is a JSON value as text: strings as they are, numbers without a fraction as integers.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}
