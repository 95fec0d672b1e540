package errorgroupingprocessor

import (
	"context"
	"fmt"
	"go.opentelemetry.io/collector/component"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/grouping"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sentry/scrub"
	"github.com/faultline/faultline/internal/sourcemap"
)

type groupingProcessor struct {
	logger       *zap.Logger
	grouper      *grouping.Grouper
	sourcemaps   SourcemapsConfig
	symbolicator *sourcemap.Symbolicator // set by start; nil when no sourcemap source is configured
	otel         OTelExceptionsConfig
	projectsFrom *component.ID
	exceptions   exceptionCaches // work shared by the occurrences of an OTel exception (otel_exceptions.go)
	// scrubber scrubs OTel exceptions' messages and the events built from them.
	scrubber *scrub.Scrubber
	explain  *explanationSchedule
}

func newGroupingProcessor(set processor.Settings, cfg *Config) (*groupingProcessor, error) {
	g, err := grouping.New(cfg.groupingOptions())
	if err != nil {
		return nil, err
	}
	exceptions, err := newExceptionCaches()
	if err != nil {
		return nil, err
	}
	explain, err := newExplanationSchedule(cfg.ExplanationInterval)
	if err != nil {
		return nil, err
	}
	scrubber, err := cfg.OTelExceptions.Scrubbing.Compile("otel_exceptions")
	if err != nil {
		return nil, err
	}
	return &groupingProcessor{logger: set.Logger, grouper: g, sourcemaps: cfg.Sourcemaps,
		otel: cfg.OTelExceptions, projectsFrom: cfg.ProjectsFrom, exceptions: exceptions, explain: explain,
		scrubber: scrubber}, nil
}

// processLogs enriches every record that carries a Sentry error or message event, and turns
// every record with an OTel exception into one (otel_logs.go). A record the processor cannot read
// is passed on unchanged (and logged): grouping is an enrichment, and the store falls back to its
// own hash, so nothing is dropped for it.
func (p *groupingProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			records := sls.At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				var err error
				if lr := records.At(k); isOTelException(lr.Attributes()) {
					err = p.processOTelRecord(ctx, rl.Resource(), lr)
				} else {
					err = p.processRecord(ctx, lr.Attributes())
				}
				if err != nil {
					p.logger.Warn("event left ungrouped", zap.Error(err))
				}
			}
		}
	}
	return ld, nil
}

func (p *groupingProcessor) processRecord(ctx context.Context, attrs pcommon.Map) error {
	raw, ok := attrs.Get(attrkey.Event)
	if !ok {
		return nil
	}
	if t, ok := attrs.Get(attrkey.ItemType); ok && t.Str() != "event" {
		return nil
	}
	// The typed view the sentry receiver shares while it waits for this pipeline (event.Share)
	// spares parsing the text; records from other receivers, or passed on after the receiver
	// stopped sharing, are parsed.
	text := raw.Str()
	var doc *event.Document
	if ev := event.Shared(text); ev != nil {
		// The receiver reuses the view's frames once it is returned: nothing of it but strings
		// (what grouping puts on the record) may outlive this call.
		defer event.Return(ev)
		doc = event.OpenDocument(text, ev)
	} else {
		var err error
		if doc, err = event.ParseDocument([]byte(text)); err != nil {
			return fmt.Errorf("event %s: %w", eventID(attrs), err)
		}
	}
	if p.symbolicator != nil {
		changed, err := p.symbolicator.SymbolicateDocument(ctx, projectID(attrs), doc)
		if err != nil {
			return fmt.Errorf("event %s: %w", eventID(attrs), err)
		}
		if changed {
			raw.SetStr(doc.String())
		}
	}
	return p.group(attrs, doc.Event())
}

// group computes the grouping of ev and puts it on the attributes that carry the event.
func (p *groupingProcessor) group(attrs pcommon.Map, ev *event.Event) error {
	// Without the trees, grouping costs a fraction; the few events that carry the explanation
	// are grouped a second time with them.
	res, err := p.grouper.GroupHashes(ev)
	if err != nil {
		return fmt.Errorf("grouping event %s: %w", eventID(attrs), err)
	}
	var explanation []byte
	if p.explain.due(res) {
		if res, err = p.grouper.Group(ev); err != nil {
			return fmt.Errorf("grouping event %s: %w", eventID(attrs), err)
		}
		if explanation, err = res.MarshalJSON(); err != nil {
			return fmt.Errorf("explaining event %s: %w", eventID(attrs), err)
		}
	}
	putGrouping(attrs, res, string(explanation))
	return nil
}

// groupingAttributes is how many attributes putGrouping puts on a record at most.
const groupingAttributes = 10

// putGrouping puts a grouping result on attrs, and its explanation (res.MarshalJSON) when
// there is one (explanationSchedule).
func putGrouping(attrs pcommon.Map, res *grouping.Result, explanation string) {
	// Room for all of them at once: appended one by one, the record's attributes were copied
	// to ever larger arrays up to three times (a KB per event in BenchmarkNodeEvent).
	attrs.EnsureCapacity(attrs.Len() + groupingAttributes)
	attrs.PutStr(attrkey.GroupHash, res.Primary())
	hashes := attrs.PutEmptySlice(attrkey.GroupHashes)
	hashes.EnsureCapacity(len(res.Hashes))
	for _, h := range res.Hashes {
		hashes.AppendEmpty().SetStr(h)
	}
	attrs.PutStr(attrkey.GroupTitle, res.Title)
	attrs.PutStr(attrkey.GroupCulprit, res.Culprit)
	attrs.PutStr(attrkey.GroupConfig, res.Config)
	if explanation != "" {
		attrs.PutStr(attrkey.GroupExplanation, explanation)
	}
	attrs.PutStr(attrkey.GroupMetadataType, res.Metadata.Type)
	attrs.PutStr(attrkey.GroupMetadataValue, res.Metadata.Value)
	attrs.PutStr(attrkey.GroupMetadataFilename, res.Metadata.Filename)
	attrs.PutStr(attrkey.GroupMetadataFunction, res.Metadata.Function)
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
