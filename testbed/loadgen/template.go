// Package loadgen is Faultline's load generator: it sends pre-rendered request bodies (Sentry
// envelopes shaped like SDK output, or OTLP/HTTP log requests carrying the same records) at a
// fixed rate or as fast as it can, and records which event ids were acknowledged.
//
// Bodies are rendered once; per request only the event id, user id and timestamps are written in
// place, so the generator costs little next to the collector it measures. The package knows
// nothing about the collector's internals or its store.
package loadgen

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Markers written into a body when it is rendered; the patcher finds every occurrence and
// overwrites it per request. Each has the width of the value that replaces it.
const (
	// markerUser is the user id; its last userDigits digits are replaced by the user number.
	markerUser = "user-000000"
	userDigits = 6
	// markerTimestamp is the event timestamp as Sentry SDKs write it (Unix seconds with a fraction).
	markerTimestamp = "1234567890.500000"
	// MarkerUnixNano is the same instant in nanoseconds: set it as a LogRecord's time and observed
	// time in an OTLP body and both are patched to the time of sending.
	MarkerUnixNano uint64 = 1234567890_500_000_000
)

// MarkerEventID is the event id SentryEnvelopes gives template n: valid hex, and unlikely
// anywhere else in a body.
func MarkerEventID(n int) string { return fmt.Sprintf("feedc0de%024x", n) }

type patchKind uint8

const (
	patchEventID       patchKind = iota // 32 lowercase hex digits
	patchUser                           // userDigits decimal digits
	patchTimestamp                      // "SSSSSSSSSS.ffffff"
	patchUnixNanoField                  // protobuf fixed64 field value (8 bytes, little endian)
)

func (k patchKind) width() int {
	switch k {
	case patchEventID:
		return 32
	case patchUser:
		return userDigits
	case patchTimestamp:
		return len(markerTimestamp)
	default:
		return 8
	}
}

type patch struct {
	offset int
	kind   patchKind
}

// Template is one pre-rendered request body and the places to patch in it.
type Template struct {
	// Name says what the body is (issue and size), for reports.
	Name    string
	body    []byte
	patches []patch // sorted by offset, never overlapping
	gzip    *gzipTemplate
}

// Size is the uncompressed body size in bytes.
func (t *Template) Size() int { return len(t.body) }

// Body is the body as rendered, markers unpatched (read-only).
func (t *Template) Body() []byte { return t.body }

// NewTemplate makes a template of body, where eventIDMarker stands for the event id. Every
// occurrence of the markers (event id, user, timestamp, and in protobuf bodies the timestamp in
// nanoseconds) is patched per request. A body without the event id marker is an error: the
// generator could not tell acknowledged events apart.
func NewTemplate(name string, body []byte, eventIDMarker string) (*Template, error) {
	t := &Template{Name: name, body: body}
	t.find([]byte(eventIDMarker), 0, patchEventID)
	t.find([]byte(markerUser), len(markerUser)-userDigits, patchUser)
	t.find([]byte(markerTimestamp), 0, patchTimestamp)
	nanos := binary.LittleEndian.AppendUint64(nil, MarkerUnixNano)
	t.find(nanos, 0, patchUnixNanoField)
	if !t.has(patchEventID) {
		return nil, fmt.Errorf("template %s: event id marker %s not found in the body", name, eventIDMarker)
	}
	slices.SortFunc(t.patches, func(a, b patch) int { return a.offset - b.offset })
	for i := 1; i < len(t.patches); i++ {
		prev := t.patches[i-1]
		if prev.offset+prev.kind.width() > t.patches[i].offset {
			return nil, fmt.Errorf("template %s: markers overlap at byte %d", name, t.patches[i].offset)
		}
	}
	g, err := newGzipTemplate(t.body, t.patches)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	t.gzip = g
	return t, nil
}

func (t *Template) find(marker []byte, skip int, kind patchKind) {
	for from := 0; ; {
		i := bytes.Index(t.body[from:], marker)
		if i < 0 {
			return
		}
		t.patches = append(t.patches, patch{offset: from + i + skip, kind: kind})
		from += i + len(marker)
	}
}

func (t *Template) has(kind patchKind) bool {
	for _, p := range t.patches {
		if p.kind == kind {
			return true
		}
	}
	return false
}

// Fields are the per-request values written into a template.
type Fields struct {
	EventID [16]byte
	User    int
	Time    time.Time
}

// render writes the template into dst (which must have the body's length) with f patched in.
func (t *Template) render(dst []byte, f Fields) {
	copy(dst, t.body)
	applyPatches(dst, t.patches, f)
}

func applyPatches(dst []byte, patches []patch, f Fields) {
	var ts [len(markerTimestamp)]byte
	formatTimestamp(ts[:], f.Time)
	for _, p := range patches {
		b := dst[p.offset : p.offset+p.kind.width()]
		switch p.kind {
		case patchEventID:
			hexEncode(b, f.EventID[:])
		case patchUser:
			u := f.User
			for i := userDigits - 1; i >= 0; i-- {
				b[i] = byte('0' + u%10)
				u /= 10
			}
		case patchTimestamp:
			copy(b, ts[:])
		case patchUnixNanoField:
			binary.LittleEndian.PutUint64(b, uint64(f.Time.UnixNano()))
		}
	}
}

// formatTimestamp writes t as "SSSSSSSSSS.ffffff" (fixed width until the year 2286).
func formatTimestamp(dst []byte, t time.Time) {
	secs, micros := t.Unix(), t.Nanosecond()/1000
	for i := 9; i >= 0; i-- {
		dst[i] = byte('0' + secs%10)
		secs /= 10
	}
	dst[10] = '.'
	for i := 16; i >= 11; i-- {
		dst[i] = byte('0' + micros%10)
		micros /= 10
	}
}

const hexDigits = "0123456789abcdef"

func hexEncode(dst, src []byte) {
	for i, v := range src {
		dst[2*i] = hexDigits[v>>4]
		dst[2*i+1] = hexDigits[v&0x0f]
	}
}

// Size classes of the event-size mix.
const (
	SizeSmall  = "small"  // no breadcrumbs, no source context: what a minimal SDK setup sends
	SizeMedium = "medium" // the reference event as it is (~9.5 KB)
	SizeLarge  = "large"  // eight times the breadcrumbs, with request data
)

// SentryEnvelopes renders the reference envelope (header line, item header, event) once per
// issue and size class: issue n gets the exception type "<type>n", which gives each its own
// grouping hash, and users are patched per request. Only setup code encodes JSON.
func SentryEnvelopes(reference []byte, issues int, sizes []string) ([]*Template, error) {
	lines := bytes.SplitN(bytes.TrimRight(reference, "\n"), []byte("\n"), 3)
	if len(lines) != 3 {
		return nil, fmt.Errorf("reference envelope: want header, item header and event lines, got %d lines", len(lines))
	}
	var header, event map[string]any
	if err := json.Unmarshal(lines[0], &header); err != nil {
		return nil, fmt.Errorf("reference envelope header: %w", err)
	}
	if err := json.Unmarshal(lines[2], &event); err != nil {
		return nil, fmt.Errorf("reference event: %w", err)
	}
	baseType, err := exceptionType(event)
	if err != nil {
		return nil, err
	}
	baseType = strings.TrimRight(baseType, "0123456789")
	// The reference's sent_at is a fixed day in the past while the event's timestamp is patched
	// to the time of sending: kept, it made every event a clock-drift correction with a
	// clock_drift error, which no SDK with a right clock causes. Without it there is no drift.
	delete(header, "sent_at")
	var out []*Template
	for _, size := range sizes {
		for n := range issues {
			ev := deepCopy(event).(map[string]any)
			if err := resize(ev, size); err != nil {
				return nil, err
			}
			id := MarkerEventID(len(out))
			ev["event_id"] = id
			ev["timestamp"] = 1234567890.5
			ev["user"] = map[string]any{"id": markerUser, "ip_address": "203.0.113.7"}
			ev["exception"].(map[string]any)["values"].([]any)[0].(map[string]any)["type"] = fmt.Sprintf("%s%d", baseType, n)
			header["event_id"] = id
			body, err := renderEnvelope(header, lines[1], ev)
			if err != nil {
				return nil, err
			}
			t, err := NewTemplate(fmt.Sprintf("sentry/%s/issue-%d", size, n), body, id)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	return out, nil
}

func exceptionType(event map[string]any) (string, error) {
	exc, _ := event["exception"].(map[string]any)
	values, _ := exc["values"].([]any)
	if len(values) == 0 {
		return "", fmt.Errorf("reference event has no exception")
	}
	first, _ := values[0].(map[string]any)
	typ, _ := first["type"].(string)
	if typ == "" {
		return "", fmt.Errorf("reference event's exception has no type")
	}
	return typ, nil
}

func resize(ev map[string]any, size string) error {
	switch size {
	case SizeMedium:
	case SizeSmall:
		delete(ev, "breadcrumbs")
		for _, v := range ev["exception"].(map[string]any)["values"].([]any) {
			st, _ := v.(map[string]any)["stacktrace"].(map[string]any)
			frames, _ := st["frames"].([]any)
			for _, f := range frames {
				fm := f.(map[string]any)
				delete(fm, "pre_context")
				delete(fm, "context_line")
				delete(fm, "post_context")
			}
		}
	case SizeLarge:
		bc, _ := ev["breadcrumbs"].(map[string]any)
		values, _ := bc["values"].([]any)
		var more []any
		for i := range 8 {
			for _, b := range values {
				c := deepCopy(b).(map[string]any)
				c["message"] = fmt.Sprintf("step %d of the checkout flow finished", i)
				more = append(more, c)
			}
		}
		if bc != nil {
			bc["values"] = more
		}
		if req, ok := ev["request"].(map[string]any); ok {
			req["data"] = strings.Repeat(`{"sku":"A-1001","quantity":2,"price":"19.99"},`, 40)
		}
	default:
		return fmt.Errorf("unknown event size %q (want %s, %s or %s)", size, SizeSmall, SizeMedium, SizeLarge)
	}
	return nil
}

// renderEnvelope writes the timestamp with six decimals, the fixed width the patcher needs.
func renderEnvelope(header map[string]any, itemHeader []byte, ev map[string]any) ([]byte, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	e, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	e = bytes.Replace(e, []byte(`"timestamp":1234567890.5,`), []byte(`"timestamp":`+markerTimestamp+`,`), 1)
	var b bytes.Buffer
	b.Write(h)
	b.WriteByte('\n')
	b.Write(itemHeader)
	b.WriteByte('\n')
	b.Write(e)
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}
