package translator

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/envelope"
	"github.com/faultline/faultline/internal/sentry/payload"
)

// spanV2ContentType marks a `span` item as a v2 container rather than one legacy span.
const spanV2ContentType = "application/vnd.sentry.items.span.v2+json"

// transaction maps a transaction onto its root span plus one span per child, all with the
// transaction's trace id, so they join the error records of the same request.
func (t *translation) transaction(it *envelope.Item) (string, error) {
	raw, err := t.scrub(it.Payload)
	if err != nil {
		return "", err
	}
	tx, err := payload.DecodeTransaction(raw)
	if err != nil {
		return "", err
	}
	id := t.in.Envelope.Header.EventID
	if id == "" {
		id = tx.EventID
	}
	t.noteEventID(id)

	shift := t.eventShift(tx.End)
	spans := t.spans(t.resource(tx.Release, tx.Environment, tx.SDKName, tx.SDKVersion, tx.Platform, tx.ServerName))
	spans.EnsureCapacity(spans.Len() + 1 + len(tx.Spans))
	tid := traceID(tx.Trace.TraceID)
	rootID := spanID(tx.Trace.SpanID)

	root := spans.AppendEmpty()
	root.SetTraceID(tid)
	root.SetSpanID(rootID)
	root.SetParentSpanID(spanID(tx.Trace.ParentSpanID))
	root.SetName(firstNonEmpty(tx.Name, tx.Trace.Op, "<unlabeled transaction>"))
	root.SetKind(spanKind(tx.Trace.Op))
	root.SetStartTimestamp(t.shifted(tx.Start, shift))
	root.SetEndTimestamp(t.shifted(tx.End, shift))
	setStatus(root.Status(), tx.Trace.Status)
	root.SetDroppedAttributesCount(uint32(tx.Trace.DroppedAttributes + tx.DroppedMeasurements))
	m := root.Attributes()
	m.EnsureCapacity(16 + len(tx.Trace.Data) + len(tx.Tags) + len(tx.Measurements))
	// Trace data first: the receiver's own keys below win over a data key of the same name.
	putAttrs(m, tx.Trace.Data)
	putNonEmpty(m, attrkey.EventID, id)
	m.PutStr(attrkey.ProjectID, t.in.ProjectID)
	m.PutStr(attrkey.ItemType, "transaction")
	putNonEmpty(m, attrkey.Op, tx.Trace.Op)
	putNonEmpty(m, attrkey.Origin, tx.Trace.Origin)
	putNonEmpty(m, attrkey.Description, tx.Trace.Description)
	putNonEmpty(m, attrkey.Transaction, tx.Name)
	putNonEmpty(m, attrkey.TransactionSource, tx.Source)
	putNonEmpty(m, attrkey.Platform, tx.Platform)
	putNonEmpty(m, attrkey.Dist, tx.Dist)
	putUser(m, &tx.User)
	putNonEmpty(m, attrkey.URLFull, tx.Request.URL)
	putNonEmpty(m, attrkey.HTTPRequestMethod, tx.Request.Method)
	putTags(m, tx.Tags)
	for _, ms := range tx.Measurements {
		m.PutDouble(attrkey.MeasurementPrefix+ms.Name, ms.Value)
	}

	for i := range tx.Spans {
		s := &tx.Spans[i]
		span := spans.AppendEmpty()
		span.SetTraceID(tid)
		t.childSpan(span, s, shift)
		if s.ParentSpanID == "" {
			span.SetParentSpanID(rootID)
		}
	}
	return lossReason("child spans", len(tx.Spans), tx.DroppedSpans, "invalid span_id or timestamps", tx.Cut), nil
}

// childSpan fills everything of a Sentry span but its trace id, which the caller decides; its
// times move by shift.
func (t *translation) childSpan(span ptrace.Span, s *payload.Span, shift time.Duration) {
	span.SetSpanID(spanID(s.SpanID))
	span.SetParentSpanID(spanID(s.ParentSpanID))
	span.SetName(firstNonEmpty(s.Description, s.Op, "<unlabeled span>"))
	span.SetKind(spanKind(s.Op))
	span.SetStartTimestamp(t.shifted(s.Start, shift))
	span.SetEndTimestamp(t.shifted(s.End, shift))
	setStatus(span.Status(), s.Status)
	span.SetDroppedAttributesCount(uint32(s.DroppedAttributes))
	m := span.Attributes()
	m.EnsureCapacity(4 + len(s.Data) + len(s.Tags))
	putAttrs(m, s.Data)
	m.PutStr(attrkey.ProjectID, t.in.ProjectID)
	putNonEmpty(m, attrkey.Op, s.Op)
	putNonEmpty(m, attrkey.Origin, s.Origin)
	putTags(m, s.Tags)
}

// span maps a `span` item: a v2 container of OTel-shaped spans, or one legacy span.
func (t *translation) span(it *envelope.Item) (string, error) {
	if it.ContentType != spanV2ContentType && it.ItemCount == 0 {
		s, err := payload.DecodeSpan(it.Payload)
		if err != nil {
			return "", err
		}
		span := t.spans(t.resource("", "", "", "", "", "")).AppendEmpty()
		span.SetTraceID(traceID(s.TraceID))
		t.childSpan(span, s, t.shift)
		span.Attributes().PutStr(attrkey.ItemType, "span")
		return "", nil
	}
	b, err := payload.DecodeSpanV2(it.Payload)
	if err != nil {
		return "", err
	}
	for i := range b.Spans {
		s := &b.Spans[i]
		span := t.spans(t.resourceFromAttrs(s.Attributes)).AppendEmpty()
		span.SetTraceID(traceID(s.TraceID))
		span.SetSpanID(spanID(s.SpanID))
		span.SetParentSpanID(spanID(s.ParentSpanID))
		span.SetName(firstNonEmpty(s.Name, "<unlabeled span>"))
		span.SetStartTimestamp(t.at(s.Start))
		span.SetEndTimestamp(t.at(s.End))
		switch s.Status {
		case "ok":
			span.Status().SetCode(ptrace.StatusCodeOk)
		case "error":
			span.Status().SetCode(ptrace.StatusCodeError)
		}
		span.SetDroppedAttributesCount(uint32(s.DroppedAttributes))
		m := span.Attributes()
		m.EnsureCapacity(2 + len(s.Attributes))
		putAttrs(m, s.Attributes)
		m.PutStr(attrkey.ProjectID, t.in.ProjectID)
		m.PutStr(attrkey.ItemType, "span")
		if op, ok := m.Get(attrkey.Op); ok {
			span.SetKind(spanKind(op.Str()))
		} else {
			span.SetKind(ptrace.SpanKindInternal)
		}
		if len(s.Links) > 0 {
			links := span.Links()
			links.EnsureCapacity(len(s.Links))
			for j := range s.Links {
				l := &s.Links[j]
				pl := links.AppendEmpty()
				pl.SetTraceID(traceID(l.TraceID))
				pl.SetSpanID(spanID(l.SpanID))
				if l.Sampled != nil && *l.Sampled {
					pl.SetFlags(1) // W3C sampled flag
				}
				putAttrs(pl.Attributes(), l.Attributes)
			}
		}
	}
	return lossReason("spans", len(b.Spans), b.Dropped, "invalid ids or timestamps", b.Cut), nil
}

// resourceFromAttrs builds the resource of a v2 span or a Sentry log from the sentry.* attributes
// SDKs put on every one of them.
func (t *translation) resourceFromAttrs(attrs []payload.Attr) resourceKey {
	var release, env, sdkName, sdkVersion, platform, host string
	for i := range attrs {
		a := &attrs[i]
		if a.Value.Kind != payload.KindString {
			continue
		}
		switch a.Key {
		case "sentry.release":
			release = a.Value.Str
		case "sentry.environment":
			env = a.Value.Str
		case "sentry.sdk.name":
			sdkName = a.Value.Str
		case "sentry.sdk.version":
			sdkVersion = a.Value.Str
		case "sentry.platform":
			platform = a.Value.Str
		case "server.address", "sentry.server.address":
			host = a.Value.Str
		}
	}
	return t.resource(release, env, sdkName, sdkVersion, platform, host)
}

// spanKind derives the OTel span kind from a Sentry op, which names the kind of work
// (http.server, http.client, db.sql, queue.publish …).
func spanKind(op string) ptrace.SpanKind {
	switch {
	case op == "http.server", op == "rpc.server", op == "grpc.server", strings.HasPrefix(op, "http.server."):
		return ptrace.SpanKindServer
	case op == "http.client", op == "rpc.client", op == "grpc.client", op == "db", strings.HasPrefix(op, "db."), strings.HasPrefix(op, "cache."):
		return ptrace.SpanKindClient
	case op == "queue.publish", op == "queue.submit", strings.HasPrefix(op, "queue.submit."):
		return ptrace.SpanKindProducer
	case op == "queue.process", op == "queue.receive", op == "queue.task", strings.HasPrefix(op, "queue.task."):
		return ptrace.SpanKindConsumer
	}
	return ptrace.SpanKindInternal
}

// setStatus maps a Sentry span status: ok is Ok, absent or unknown is Unset, and every other
// value (internal_error, not_found, deadline_exceeded …) is Error with the Sentry status as message.
func setStatus(st ptrace.Status, status string) {
	switch status {
	case "ok":
		st.SetCode(ptrace.StatusCodeOk)
	case "", "unknown", "unknown_error":
	default:
		st.SetCode(ptrace.StatusCodeError)
		st.SetMessage(status)
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
