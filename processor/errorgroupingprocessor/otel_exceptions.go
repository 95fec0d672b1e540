package errorgroupingprocessor

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/grouping"
	"github.com/faultline/faultline/internal/otelexception"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sourcemap"
)

// exceptionCacheSize bounds the distinct exceptions whose parsed template, and the distinct
// events whose grouping, the processor keeps: a service throws few distinct exceptions many
// times. A template holds the stack trace and its normalized event, a grouping its explanation:
// some tens of KB each at most.
const exceptionCacheSize = 1024

// knownGrouping is the grouping of one distinct event, with its explanation made once.
type knownGrouping struct {
	result      *grouping.Result
	explanation string
}

// exceptionCaches keep the work that occurrences of one exception share. Templates are found by
// the exception's text (otelexception.Exception.Key) so that parsing is skipped; groupings by the
// event the template makes (otelexception.Template.Key), so that texts that differ where the
// event does not (a Go dump's goroutine ids and argument words) still share their grouping.
type exceptionCaches struct {
	templates *lru.Cache[string, *otelexception.Template]
	groupings *lru.Cache[string, *knownGrouping]
}

func newExceptionCaches() (exceptionCaches, error) {
	templates, err := lru.New[string, *otelexception.Template](exceptionCacheSize)
	if err != nil {
		return exceptionCaches{}, err
	}
	groupings, err := lru.New[string, *knownGrouping](exceptionCacheSize)
	return exceptionCaches{templates: templates, groupings: groupings}, err
}

// processOTelException makes the Sentry event of an OTel exception, symbolicates its JavaScript
// frames, groups it and puts the event and its grouping on attrs, the attributes of the span
// event or log record that recorded the exception. The attributes are the ones the sentry
// receiver sets, so the issuestore exporter stores both kinds of events the same way.
//
// Grouping is a pure function of the event, and occurrences of one exception differ only in
// ids and time, which grouping does not read: so the stack trace is parsed and the event grouped
// once per distinct exception (BenchmarkTraces). Symbolicated events are grouped every time, as
// uploading a sourcemap changes their frames.
func (p *groupingProcessor) processOTelException(ctx context.Context, attrs pcommon.Map, exc *otelexception.Exception, occ otelexception.Occurrence) error {
	p.scrubAttributes(attrs, exc)
	textKey := exc.Key()
	tmpl, ok := p.exceptions.templates.Get(textKey)
	if !ok {
		tmpl = otelexception.NewTemplate(exc, p.otel.AppPrefixes, p.scrubber)
		p.exceptions.templates.Add(textKey, tmpl)
	}
	payload, ev, err := tmpl.Build(occ)
	if err != nil {
		return err
	}
	project := strconv.FormatInt(p.otel.ProjectID, 10)
	symbolicate := p.symbolicator != nil && sourcemap.JavaScriptPlatform(ev.Platform) &&
		ev.Release != "" // without a release there is nothing to find sourcemaps by (OTel carries no debug ids)
	text := string(payload)
	if symbolicate {
		// The event and its view come from one Normalize, so the document is opened on them
		// and its text parsed only if frames are replaced: files without source maps only add
		// errors, which are written after the text (BenchmarkOTelJavaScriptException).
		doc := event.OpenDocument(text, ev)
		changed, err := p.symbolicator.SymbolicateDocument(ctx, project, doc)
		if err != nil {
			return fmt.Errorf("otel exception %s: %w", occ.EventID, err)
		}
		if changed {
			text = doc.String()
		}
		ev = doc.Event()
	}
	attrs.PutStr(attrkey.EventID, ev.EventID)
	attrs.PutStr(attrkey.ProjectID, project)
	attrs.PutStr(attrkey.Event, text)
	attrs.PutStr(attrkey.Level, ev.Level)
	attrs.PutStr(attrkey.Platform, ev.Platform)
	if ev.Transaction != "" {
		attrs.PutStr(attrkey.Transaction, ev.Transaction)
	}
	for _, t := range ev.Tags {
		attrs.PutStr(attrkey.TagPrefix+t.Key, t.Value)
	}
	eventKey := tmpl.Key()
	if symbolicate || eventKey == "" {
		return p.group(attrs, ev)
	}
	known, ok := p.exceptions.groupings.Get(eventKey)
	if !ok {
		res, err := p.grouper.Group(ev)
		if err != nil {
			return fmt.Errorf("grouping event %s: %w", occ.EventID, err)
		}
		explanation, err := res.MarshalJSON()
		if err != nil {
			return fmt.Errorf("explaining event %s: %w", occ.EventID, err)
		}
		known = &knownGrouping{result: res, explanation: string(explanation)}
		p.exceptions.groupings.Add(eventKey, known)
	}
	explanation := ""
	if p.explain.due(known.result) {
		explanation = known.explanation
	}
	putGrouping(attrs, known.result, explanation)
	return nil
}

// scrubAttributes applies the scrubbing to the exception.message attribute, as to a Sentry
// event's exception value, and puts the scrubbed message where exception.stacktrace repeats it
// (most runtimes print it on the first line). The stack trace is not scrubbed as a value: a
// function named validateToken would filter the whole trace. exc keeps the original text, so
// the event built from it records in _meta what was scrubbed.
func (p *groupingProcessor) scrubAttributes(attrs pcommon.Map, exc *otelexception.Exception) {
	if exc.Message == "" || !p.scrubber.Active() {
		return
	}
	scrubbed, _, changed := p.scrubber.ScrubText(exc.Message)
	if !changed {
		return
	}
	attrs.PutStr(attrkey.ExceptionMessage, scrubbed)
	if exc.Stacktrace != "" && strings.Contains(exc.Stacktrace, exc.Message) {
		attrs.PutStr(attrkey.ExceptionStacktrace, strings.ReplaceAll(exc.Stacktrace, exc.Message, scrubbed))
	}
}

// isOTelException reports whether a log record carries an OTel exception rather than a Sentry
// event from the sentry receiver.
func isOTelException(attrs pcommon.Map) bool {
	if _, ok := attrs.Get(attrkey.Event); ok {
		return false
	}
	_, hasType := attrs.Get(attrkey.ExceptionType)
	_, hasMessage := attrs.Get(attrkey.ExceptionMessage)
	return hasType || hasMessage
}

// resourceException is an Exception with what the resource says about the service.
func resourceException(res pcommon.Resource) otelexception.Exception {
	a := res.Attributes()
	return otelexception.Exception{
		ServiceName:    attrkey.Str(a, attrkey.ServiceName),
		ServiceVersion: attrkey.Str(a, attrkey.ServiceVersion),
		Environment:    attrkey.Environment(a),
		Language:       attrkey.Str(a, attrkey.TelemetrySDKLang),
		SDKName:        attrkey.Str(a, attrkey.TelemetrySDKName),
		SDKVersion:     attrkey.Str(a, attrkey.TelemetrySDKVersion),
		HostName:       attrkey.Str(a, attrkey.HostName),
	}
}

// readException fills exc from the exception.* attributes.
func readException(exc *otelexception.Exception, attrs pcommon.Map) {
	exc.Type = attrkey.Str(attrs, attrkey.ExceptionType)
	exc.Message = attrkey.Str(attrs, attrkey.ExceptionMessage)
	exc.Stacktrace = attrkey.Str(attrs, attrkey.ExceptionStacktrace)
	if v, ok := attrs.Get(attrkey.ExceptionEscaped); ok {
		escaped := v.Bool()
		if v.Type() != pcommon.ValueTypeBool {
			escaped = v.AsString() == "true"
		}
		exc.Escaped = &escaped
	}
}
