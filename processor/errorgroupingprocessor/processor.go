package errorgroupingprocessor

import (
	"context"
	"fmt"
	"strconv"

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
	symbolicator *sourcemap.Symbolicator // nil when no sourcemap directory is configured
}

func newLogsProcessor(set processor.Settings, cfg *Config) (*logsProcessor, error) {
	g, err := grouping.New(cfg.groupingOptions())
	if err != nil {
		return nil, err
	}
	p := &logsProcessor{logger: set.Logger, grouper: g}
	if cfg.Sourcemaps.Directory != "" {
		p.symbolicator = sourcemap.New(sourcemap.NewDir(cfg.Sourcemaps.Directory),
			sourcemap.Options{CacheBytes: cfg.Sourcemaps.CacheSizeMiB << 20})
	}
	return p, nil
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
	if p.symbolicator != nil && sourcemap.JavaScriptPlatform(doc.Event().Platform) {
		if changed, err := p.symbolicate(ctx, doc, projectID(attrs)); err != nil {
			return err
		} else if changed {
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

// symbolicate resolves every stack trace of the event in place and records what could not be
// resolved as Sentry processing errors on the event.
func (p *logsProcessor) symbolicate(ctx context.Context, doc *event.Document, project string) (bool, error) {
	ev := doc.Event()
	changed := false
	seen := map[sourcemap.ProcessingError]bool{}
	for _, ref := range doc.Stacktraces() {
		st := stacktraceOf(ev, ref)
		if st == nil || len(st.Frames) == 0 {
			continue
		}
		res := p.symbolicator.Symbolicate(ctx, sourcemap.Request{
			Project: project, Release: ev.Release, Dist: ev.Dist, Platform: ev.Platform,
			DebugImages: ev.DebugImages, Frames: st.Frames,
		})
		for _, e := range res.Errors {
			if seen[e] {
				continue
			}
			seen[e] = true
			doc.AddProcessingError(e.Type, processingErrorFields(e))
			changed = true
		}
		if res.Symbolicated > 0 {
			if err := doc.ReplaceFrames(ref, res.Frames); err != nil {
				return changed, fmt.Errorf("writing symbolicated frames of %s: %w", ref, err)
			}
			changed = true
		}
	}
	return changed, nil
}

func stacktraceOf(ev *event.Event, ref event.StacktraceRef) *event.Stacktrace {
	switch ref.Kind {
	case event.ExceptionStacktrace:
		if ref.Index < len(ev.Exceptions) {
			return ev.Exceptions[ref.Index].Stacktrace
		}
	case event.ThreadStacktrace:
		if ref.Index < len(ev.Threads) {
			return ev.Threads[ref.Index].Stacktrace
		}
	case event.EventStacktrace:
		return ev.Stacktrace
	}
	return nil
}

// processingErrorFields lays a sourcemap error out as Sentry's `errors[]` entry fields.
func processingErrorFields(e sourcemap.ProcessingError) map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"url": e.URL, "source": e.Source, "sourcemap": e.Sourcemap, "reason": e.Reason} {
		if v != "" {
			out[k] = v
		}
	}
	if e.Row > 0 {
		out["row"] = strconv.Itoa(e.Row)
	}
	if e.Column > 0 {
		out["column"] = strconv.Itoa(e.Column)
	}
	return out
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
