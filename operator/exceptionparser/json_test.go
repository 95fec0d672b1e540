package exceptionparser

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/stacktrace"
)

// TestJSONLoggers reads one error record of each logger's JSON output, in the shape each one
// writes (field names from the loggers' documentation; values made up). Each must give the
// exception's type and message, a stack trace internal/stacktrace reads frames from, and the
// record's level as severity.
func TestJSONLoggers(t *testing.T) {
	const goStack = `main.pay\n\t/srv/shop/main.go:12\nmain.main\n\t/srv/shop/main.go:20`
	const nodeStack = `Error: card declined\n    at pay (/srv/shop/pay.js:3:9)\n    at main (/srv/shop/index.js:7:3)`
	const pyTraceback = `Traceback (most recent call last):\n  File \"/srv/shop/app.py\", line 3, in pay\n    raise ValueError(\"card declined\")\nValueError: card declined`
	const javaStack = `java.lang.IllegalStateException: card declined\n\tat com.acme.Shop.pay(Shop.java:12)\n\tat com.acme.Shop.main(Shop.java:5)`
	const dotnetStack = `System.InvalidOperationException: card declined\n   at Shop.Cart.Pay() in /src/Shop/Cart.cs:line 12`
	tests := []struct {
		logger, record string
		wantType       string
		wantMessage    string
		wantSeverity   entry.Severity
	}{
		{"zap", `{"level":"error","ts":1772366400.1,"caller":"shop/main.go:12","msg":"payment failed","error":"card declined","stacktrace":"` + goStack + `"}`,
			"", "card declined", entry.Error},
		{"zap with pkg/errors", `{"level":"error","msg":"payment failed","error":"card declined","errorVerbose":"card declined\n` + goStack + `"}`,
			"", "card declined", entry.Error},
		{"logrus with a stack field", `{"level":"error","msg":"payment failed","error":"card declined","stack":"` + goStack + `","time":"2026-03-01T12:00:00Z"}`,
			"", "card declined", entry.Error},
		{"logrus with pkg/errors in error", `{"level":"fatal","msg":"payment failed","error":"card declined\n` + goStack + `"}`,
			"", "card declined", entry.Fatal},
		{"slog", `{"time":"2026-03-01T12:00:00Z","level":"ERROR","msg":"payment failed","err":"card declined","stack":"` + goStack + `"}`,
			"", "card declined", entry.Error},
		{"pino", `{"level":50,"time":1772366400000,"pid":7,"hostname":"web-1","err":{"type":"Error","message":"card declined","stack":"` + nodeStack + `"},"msg":"card declined"}`,
			"Error", "card declined", entry.Error},
		{"winston", `{"level":"error","message":"card declined","stack":"` + nodeStack + `"}`,
			"Error", "card declined", entry.Error},
		{"structlog format_exc_info", `{"event":"payment failed","level":"error","timestamp":"2026-03-01T12:00:00Z","exception":"` + pyTraceback + `"}`,
			"ValueError", "card declined", entry.Error},
		{"structlog dict_tracebacks", `{"event":"payment failed","level":"error","exception":[{"exc_type":"ValueError","exc_value":"card declined","syntax_error":null,"is_cause":false,"frames":[{"filename":"/srv/shop/app.py","lineno":3,"name":"pay","locals":{}}]}]}`,
			"ValueError", "card declined", entry.Error},
		{"python-json-logger", `{"asctime":"2026-03-01 12:00:00","levelname":"ERROR","message":"payment failed","exc_info":"` + pyTraceback + `"}`,
			"ValueError", "card declined", entry.Error},
		{"logstash-logback-encoder", `{"@timestamp":"2026-03-01T12:00:00.000Z","@version":"1","message":"payment failed","logger_name":"com.acme.Shop","thread_name":"main","level":"ERROR","level_value":40000,"stack_trace":"` + javaStack + `"}`,
			"java.lang.IllegalStateException", "card declined", entry.Error},
		{"logback JsonEncoder", `{"sequenceNumber":0,"timestamp":1772366400000,"nanoseconds":0,"level":"ERROR","threadName":"main","loggerName":"com.acme.Shop","context":{"name":"default","birthdate":1772366400000,"properties":{}},"message":"payment failed","throwable":{"className":"java.lang.IllegalStateException","message":"card declined","stepArray":[{"className":"com.acme.Shop","methodName":"pay","fileName":"Shop.java","lineNumber":12},{"className":"com.acme.Shop","methodName":"main","fileName":"Shop.java","lineNumber":5}]}}`,
			"java.lang.IllegalStateException", "card declined", entry.Error},
		{"Serilog CompactJsonFormatter", `{"@t":"2026-03-01T12:00:00.0000000Z","@mt":"Payment failed for {OrderId}","@l":"Error","@x":"` + dotnetStack + `","OrderId":42}`,
			"System.InvalidOperationException", "card declined", entry.Error},
		{"Serilog JsonFormatter", `{"Timestamp":"2026-03-01T12:00:00+00:00","Level":"Error","MessageTemplate":"Payment failed","Exception":"` + dotnetStack + `"}`,
			"System.InvalidOperationException", "card declined", entry.Error},
		{"ECS", `{"@timestamp":"2026-03-01T12:00:00.000Z","log.level":"error","message":"payment failed","error":{"type":"java.lang.IllegalStateException","message":"card declined","stack_trace":"` + javaStack + `"}}`,
			"java.lang.IllegalStateException", "card declined", entry.Error},
	}
	for _, tt := range tests {
		t.Run(tt.logger, func(t *testing.T) {
			for _, asMap := range []bool{false, true} {
				h := newHarness(t)
				if asMap {
					// what a json_parser before the operator hands it
					var record map[string]any
					require.NoError(t, json.Unmarshal([]byte(tt.record), &record))
					h.writeBodies("/var/log/app.json", record)
				} else {
					h.write("/var/log/app.json", tt.record)
				}
				got := h.received()
				require.Len(t, got, 1)
				rec := got[0]
				if !asMap {
					assert.Equal(t, tt.record, rec.Body, "the record is left as it is")
				}
				assert.Equal(t, tt.wantType, attr(rec, attrkey.ExceptionType))
				assert.Equal(t, tt.wantMessage, attr(rec, attrkey.ExceptionMessage))
				assert.Equal(t, tt.wantSeverity, rec.Severity)
				trace, ok := stacktrace.Parse(attr(rec, attrkey.ExceptionStacktrace), "", stacktrace.Options{})
				require.True(t, ok, "stack trace %q", attr(rec, attrkey.ExceptionStacktrace))
				assert.GreaterOrEqual(t, len(trace.Exceptions[len(trace.Exceptions)-1].Frames), 1)
			}
		})
	}
}

// TestJSONWithoutStack: JSON records without a stack, errors among them, are left alone.
func TestJSONWithoutStack(t *testing.T) {
	records := []string{
		`{"level":"info","msg":"listening","addr":":8080"}`,
		`{"level":"error","msg":"payment failed","error":"card declined"}`,
		`{"level":50,"err":{"type":"Error","message":"card declined"},"msg":"card declined"}`,
		`{"stack":"not a stack at all","msg":"x"}`,
		`{not json but braces}`,
	}
	h := newHarness(t)
	h.write("/var/log/app.json", records...)
	got := h.received()
	require.Equal(t, records, bodies(got))
	for _, e := range got {
		assert.NotContains(t, e.Attributes, attrkey.ExceptionStacktrace, e.Body)
		assert.Equal(t, entry.Default, e.Severity)
	}
}
