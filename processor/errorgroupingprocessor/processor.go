package errorgroupingprocessor

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/grouping"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sourcemap"
)

type logsProcessor struct {
	logger       *zap.Logger
	grouper      *grouping.Grouper
	sourcemaps   SourcemapsConfig
	symbolicator *sourcemap.Symbolicator // set by start; nil when no sourcemap source is configured
}

func newLogsProcessor(set processor.Settings, cfg *Config) (*logsProcessor, error) {
	g, err := grouping.New(cfg.groupingOptions())
	if err != nil {
		return nil, err
	}
	return &logsProcessor{logger: set.Logger, grouper: g, sourcemaps: cfg.Sourcemaps}, nil
}

// processLogs enriches every record that carries a Sentry error or message event. A record the
// processor cannot read is passed on unchanged (and logged): grouping is an enrichment, and the
// store falls back to its own hash, so nothing is dropped for it.
func (p *logsProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			records := sls.At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				if err := p.processRecord(ctx, records.At(k).Attributes()); err != nil {
					p.logger.Warn("event left ungrouped", zap.Error(err))
				}
			}
		}
	}
	return ld, nil
}

func (p *logsProcessor) processRecord(ctx context.Context, attrs pcommon.Map) error {
	raw, ok := attrs.Get(attrkey.Event)
	if !ok {
		return nil
	}
	if t, ok := attrs.Get(attrkey.ItemType); ok && t.Str() != "event" {
		return nil
	}
	doc, err := event.ParseDocument([]byte(raw.Str()))
	if err != nil {
		return fmt.Errorf("event %s: %w", eventID(attrs), err)
	}
	if p.symbolicator != nil {
		changed, err := p.symbolicator.SymbolicateDocument(ctx, projectID(attrs), doc)
		if err != nil {
			return fmt.Errorf("event %s: %w", eventID(attrs), err)
		}
		if changed {
			raw.SetStr(string(doc.AppendTo(nil)))
		}
	}
	res, err := p.grouper.Group(doc.Event())
	if err != nil {
		return fmt.Errorf("grouping event %s: %w", eventID(attrs), err)
	}
	explanation, err := res.MarshalJSON()
	if err != nil {
		return fmt.Errorf("explaining event %s: %w", eventID(attrs), err)
	}
	attrs.PutStr(attrkey.GroupHash, res.Primary())
	hashes := attrs.PutEmptySlice(attrkey.GroupHashes)
	hashes.EnsureCapacity(len(res.Hashes))
	for _, h := range res.Hashes {
		hashes.AppendEmpty().SetStr(h)
	}
	attrs.PutStr(attrkey.GroupTitle, res.Title)
	attrs.PutStr(attrkey.GroupCulprit, res.Culprit)
	attrs.PutStr(attrkey.GroupConfig, res.Config)
	attrs.PutStr(attrkey.GroupExplanation, string(explanation))
	attrs.PutStr(attrkey.GroupMetadataType, res.Metadata.Type)
	attrs.PutStr(attrkey.GroupMetadataValue, res.Metadata.Value)
	attrs.PutStr(attrkey.GroupMetadataFilename, res.Metadata.Filename)
	attrs.PutStr(attrkey.GroupMetadataFunction, res.Metadata.Function)
	return nil
}

func eventID(attrs pcommon.Map) string {
	if v, ok := attrs.Get(attrkey.EventID); ok {
		return v.Str()
	}
	return "(no id)"
}

func projectID(attrs pcommon.Map) string {
	if v, ok := attrs.Get(attrkey.ProjectID); ok {
		return v.AsString()
	}
	return ""
}
