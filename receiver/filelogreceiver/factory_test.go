package filelogreceiver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/faultline/faultline/internal/attrkey"
)

// TestTheOperatorIsRegistered: a config naming exception_parser loads, and the receiver joins
// a trace from a file into one record with exception.*.
func TestTheOperatorIsRegistered(t *testing.T) {
	dir := t.TempDir()
	trace := "java.lang.IllegalStateException: boom\n\tat com.acme.Shop.pay(Shop.java:12)\n\tat com.acme.Shop.main(Shop.java:5)"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.log"), []byte("starting\n"+trace+"\nstopping\n"), 0o644))

	f := NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"include":                      []any{filepath.Join(dir, "*.log")},
		"start_at":                     "beginning",
		"preserve_leading_whitespaces": true,
		"include_file_record_number":   true,
		"operators":                    []any{map[string]any{"type": "exception_parser", "flush_period": "300ms"}},
	}).Unmarshal(cfg))
	sink := new(consumertest.LogsSink)
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, r.Shutdown(context.Background())) }()

	var records []plog.LogRecord
	require.Eventually(t, func() bool {
		records = records[:0]
		for _, ld := range sink.AllLogs() {
			for i := 0; i < ld.ResourceLogs().Len(); i++ {
				sl := ld.ResourceLogs().At(i).ScopeLogs()
				for j := 0; j < sl.Len(); j++ {
					for k := 0; k < sl.At(j).LogRecords().Len(); k++ {
						records = append(records, sl.At(j).LogRecords().At(k))
					}
				}
			}
		}
		return len(records) == 3
	}, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, "starting", records[0].Body().Str())
	assert.Equal(t, trace, records[1].Body().Str())
	assert.Equal(t, "java.lang.IllegalStateException", attrkey.Str(records[1].Attributes(), attrkey.ExceptionType))
	assert.Equal(t, trace, attrkey.Str(records[1].Attributes(), attrkey.ExceptionStacktrace))
	assert.Equal(t, "2", attrkey.Str(records[1].Attributes(), attrkey.LogFileRecordNumber))
	assert.Equal(t, plog.SeverityNumberError, records[1].SeverityNumber())
	assert.Equal(t, "stopping", records[2].Body().Str())
}
