package translator

import (
	"encoding/hex"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sentry/payload"
)

// putNonEmpty sets key only when v is not empty: absent Sentry fields stay absent attributes.
func putNonEmpty(m pcommon.Map, key, v string) {
	if v != "" {
		m.PutStr(key, v)
	}
}

// putAttrs copies payload attributes into m under their own keys. A null value is left out.
func putAttrs(m pcommon.Map, attrs []payload.Attr) {
	for i := range attrs {
		if attrs[i].Value.Kind == payload.KindEmpty {
			continue
		}
		setValue(m.PutEmpty(attrs[i].Key), &attrs[i].Value)
	}
}

func setValue(dst pcommon.Value, v *payload.Value) {
	switch v.Kind {
	case payload.KindString:
		dst.SetStr(v.Str)
	case payload.KindBool:
		dst.SetBool(v.Bool)
	case payload.KindInt:
		dst.SetInt(v.Int)
	case payload.KindDouble:
		dst.SetDouble(v.Double)
	case payload.KindArray:
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(v.Array))
		for i := range v.Array {
			setValue(s.AppendEmpty(), &v.Array[i])
		}
	case payload.KindMap:
		m := dst.SetEmptyMap()
		m.EnsureCapacity(len(v.Map))
		putAttrs(m, v.Map)
	}
}

// lossReason explains what an accepted item lost: entries dropped as unreadable (why says why)
// and what the payload bounds left unread; "" when nothing was lost.
func lossReason(what string, kept, dropped int, why string, cut payload.Cut) string {
	var parts []string
	if dropped > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d %s dropped: %s", dropped, kept+dropped+cut.Items, what, why))
	}
	if cut.Items > 0 {
		parts = append(parts, fmt.Sprintf("%d %s beyond the first %d not read", cut.Items, what, payload.MaxContainerItems))
	}
	if cut.Data {
		parts = append(parts, fmt.Sprintf("data beyond %d entries per list or object, or %d values per item, not read",
			payload.MaxContainerItems, payload.MaxPayloadValues))
	}
	return strings.Join(parts, "; ")
}

// putTags adds Sentry tags as sentry.tag.<key> string attributes.
func putTags(m pcommon.Map, tags []payload.Tag) {
	for _, tg := range tags {
		m.PutStr(tagKey(tg.Key), tg.Value)
	}
}

// tagKey returns the attribute key of tag k, sentry.tag.<k>. The keys of the tags Sentry
// derives from every event (normalization adds them) are made once: building each one cost an
// allocation per tag, about a dozen per reference event.
func tagKey(k string) string {
	if key, ok := derivedTagKeys[k]; ok {
		return key
	}
	return attrkey.TagPrefix + k
}

var derivedTagKeys = func() map[string]string {
	m := make(map[string]string, len(event.DerivedTagKeys))
	for _, k := range event.DerivedTagKeys {
		m[k] = attrkey.TagPrefix + k
	}
	return m
}()

// traceID decodes 32 hex digits; anything else is the empty (invalid) id.
func traceID(s string) pcommon.TraceID {
	var id pcommon.TraceID
	if len(s) != 2*len(id) {
		return pcommon.NewTraceIDEmpty()
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return pcommon.NewTraceIDEmpty()
	}
	return id
}

// spanID decodes 16 hex digits; anything else is the empty (invalid) id.
func spanID(s string) pcommon.SpanID {
	var id pcommon.SpanID
	if len(s) != 2*len(id) {
		return pcommon.NewSpanIDEmpty()
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return pcommon.NewSpanIDEmpty()
	}
	return id
}
