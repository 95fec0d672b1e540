package payload

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/jsontext"
)

// SpanV2 is one span of a v2 `span` container (content type application/vnd.sentry.items.span.v2+json).
// It is already shaped like an OTel span.
type SpanV2 struct {
	TraceID      string
	SpanID       string
	ParentSpanID string
	Name         string
	Status       string // "ok" or "error"
	IsSegment    bool
	Start        time.Time
	End          time.Time
	Attributes   []Attr // the first MaxAttributes
	// DroppedAttributes counts the attributes beyond MaxAttributes.
	DroppedAttributes int
	Links             []Link
}

// Link points from a span to another span.
type Link struct {
	TraceID    string
	SpanID     string
	Sampled    *bool
	Attributes []Attr
}

// SpanBatch is a decoded v2 span container.
type SpanBatch struct {
	Spans []SpanV2
	// Dropped counts items left out because their ids or timestamps were unusable.
	Dropped int
	// Cut is what the payload bounds left out (limitJSON).
	Cut Cut
}

// DecodeSpanV2 decodes a v2 span container {"items":[…]}. One bad span is counted in Dropped and
// does not cost its siblings; a payload that is not such a container fails as a whole.
func DecodeSpanV2(raw []byte) (*SpanBatch, error) {
	b := &SpanBatch{}
	err := parseContainer("span container", raw, func(v node, cut Cut) error {
		b.Cut = cut
		items := v.Get("items")
		if items.kind() != jsontext.Array {
			return fmt.Errorf("decode span container: no items array")
		}
		b.Spans = make([]SpanV2, 0, items.len())
		for it := range items.elems() {
			s, err := decodeSpanV2(it)
			if err != nil {
				b.Dropped++
				continue
			}
			b.Spans = append(b.Spans, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func decodeSpanV2(v node) (SpanV2, error) {
	if v.kind() != jsontext.Object {
		return SpanV2{}, fmt.Errorf("decode v2 span: a JSON %s, want an object", v.kind())
	}
	s := SpanV2{
		TraceID:      traceID(v.text("trace_id")),
		SpanID:       spanID(v.text("span_id")),
		ParentSpanID: spanID(v.text("parent_span_id")),
		Name:         str(v, "name"),
		Status:       str(v, "status"),
		IsSegment:    boolean(v, "is_segment"),
	}
	s.Attributes, s.DroppedAttributes = typedAttrs(v, "attributes")
	if s.TraceID == "" || s.SpanID == "" {
		return SpanV2{}, fmt.Errorf("decode v2 span: trace_id %q / span_id %q are not valid hex ids", v.text("trace_id"), v.text("span_id"))
	}
	var err error
	if s.Start, err = timestamp(v, "start_timestamp"); err != nil {
		return SpanV2{}, fmt.Errorf("decode v2 span %s: %w", s.SpanID, err)
	}
	if s.End, err = timestamp(v, "end_timestamp"); err != nil {
		return SpanV2{}, fmt.Errorf("decode v2 span %s: %w", s.SpanID, err)
	}
	for l := range v.Get("links").elems() {
		link := Link{
			TraceID: traceID(l.text("trace_id")),
			SpanID:  spanID(l.text("span_id")),
		}
		link.Attributes, _ = typedAttrs(l, "attributes")
		if link.TraceID == "" || link.SpanID == "" {
			continue
		}
		if f := l.Get("sampled"); f.kind() == jsontext.True || f.kind() == jsontext.False {
			sampled := f.kind() == jsontext.True
			link.Sampled = &sampled
		}
		s.Links = append(s.Links, link)
	}
	return s, nil
}
