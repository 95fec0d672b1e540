package errorgroupingprocessor

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/processor/errorgroupingprocessor/internal/metadata"
)

// otelCardException is a log record an OTel SDK's log bridge makes of an exception whose
// message holds a card number, which the stack trace's first line repeats.
func otelCardException(t *testing.T, cfg *Config) (plog.LogRecord, string) {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	javaResource(rl.Resource())
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	msg := "charge of 4111 1111 1111 1111 failed"
	lr.Attributes().PutStr(attrkey.ExceptionType, "java.lang.IllegalStateException")
	lr.Attributes().PutStr(attrkey.ExceptionMessage, msg)
	lr.Attributes().PutStr(attrkey.ExceptionStacktrace, strings.Replace(javaTrace(t, "1"), "order 1 has a bad price", msg, 1))
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	raw, err := plogotlp.NewExportRequestFromLogs(sink.AllLogs()[0]).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0), string(raw)
}

func TestOTelExceptionMessagesAreScrubbed(t *testing.T) {
	lr, out := otelCardException(t, createDefaultConfig().(*Config))
	if strings.Contains(out, "4111 1111 1111 1111") || strings.Contains(out, "4111111111111111") {
		t.Fatalf("the card number reached the pipeline's output:\n%s", out)
	}
	a := lr.Attributes()
	if got := attrkey.Str(a, attrkey.ExceptionMessage); got != "charge of [Filtered] failed" {
		t.Errorf("exception.message = %q", got)
	}
	if st := attrkey.Str(a, attrkey.ExceptionStacktrace); !strings.Contains(st, "charge of [Filtered] failed") {
		t.Errorf("exception.stacktrace = %q", st)
	}
	if ev := attrkey.Str(a, attrkey.Event); !strings.Contains(ev, `"@creditcard:filter"`) {
		t.Errorf("the event records no remark: %s", ev)
	}
	if attrkey.Str(a, attrkey.GroupHash) == "" {
		t.Error("the scrubbed exception was not grouped")
	}
}

func TestOTelExceptionScrubbingCanBeTurnedOff(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	off := false
	cfg.OTelExceptions.Scrubbing = &projectdef.Scrubbing{ScrubDefaults: &off}
	if _, out := otelCardException(t, cfg); !strings.Contains(out, "4111 1111 1111 1111") {
		t.Fatal("with scrub_defaults false the message should be kept")
	}
}
