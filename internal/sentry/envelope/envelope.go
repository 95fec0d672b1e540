// Package envelope reads what Sentry SDKs send: the envelope format (a JSON header line followed
// by items, each a JSON header line and a payload), the legacy /store/ body, and the content
// encodings SDKs compress them with. It enforces Relay's size limits on the decompressed bytes
// while it reads, so an oversized or bomb body is cut off before it costs memory.
//
// It owns framing only: payloads stay opaque bytes for the event and payload packages to decode.
// It knows nothing about HTTP, authentication, projects, pdata or the collector; callers map the
// Kind of an *Error to whatever their transport answers.
package envelope

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/faultline/faultline/internal/jsontext"
)

// Envelope is one parsed envelope. Items keep the order they had on the wire.
type Envelope struct {
	Header Header
	Items  []Item
	// Dropped lists items that were read past but not kept because they broke a size or count
	// limit. Their siblings are unaffected: Relay rejects the whole envelope with 413 instead, but
	// dropping only the offender keeps an event whose attachment is too big. The caller decides
	// how to report them (the sentry receiver still answers 413, see its README). Only the first
	// maxListedDrops are listed, so that a flood of tiny items costs no memory per item;
	// DroppedByType counts them all.
	Dropped []Dropped
	// DroppedByType counts every dropped item by its type; types outside Sentry's protocol are
	// counted as "unknown", so the map has at most a few dozen keys whatever the client sends.
	DroppedByType map[string]int
	// Skipped counts the items of types outside Sentry's protocol. Their payloads are read past
	// and not kept: Relay drops what it does not know and keeps the rest of the envelope.
	Skipped int
}

// maxListedDrops bounds Envelope.Dropped.
const maxListedDrops = 100

// drop records an item the parser did not keep because it broke a limit.
func (e *Envelope) drop(d Dropped) {
	if len(e.Dropped) < maxListedDrops {
		e.Dropped = append(e.Dropped, d)
	}
	if e.DroppedByType == nil {
		e.DroppedByType = map[string]int{}
	}
	e.DroppedByType[TelemetryType(d.Type)]++
}

// Header is the envelope header. Fields not listed here stay available in Raw.
type Header struct {
	// EventID is the header's event_id as 32 lowercase hex digits, or "" when absent.
	EventID string
	// DSN is the self-authentication DSN some SDKs (sentry-go, JS with a tunnel) put in the header.
	DSN string
	// SentAt is when the SDK sent the envelope, the zero time when absent or unreadable; it is
	// the reference for clock-drift correction.
	SentAt time.Time
	// Raw is the header line's JSON, owned by the envelope.
	Raw []byte
}

// Item is one envelope item. Header keys not listed here stay available in Header.
type Item struct {
	Type           string
	ContentType    string
	Filename       string
	AttachmentType string
	// ItemCount is the number of items inside a container item (log, span v2, trace_metric …),
	// 0 when the header has none.
	ItemCount int
	// Header is the item header line's JSON.
	Header []byte
	// Payload is the item's bytes exactly as sent (may be empty), nil when Limits.KeepPayload
	// says not to keep them. It is allocated for this item and never reused by the parser, so
	// callers may keep it or alias it (unsafe.String) in what they emit.
	Payload []byte
	// Size is the payload's length in bytes, kept or not.
	Size int64
}

// Dropped is an item the parser skipped because it broke a limit.
type Dropped struct {
	Type string
	// Size is the payload size in bytes as far as it was read.
	Size int64
	// Reason says which limit, with the numbers.
	Reason string
}

// Kind classifies a parse or decode failure.
type Kind int

const (
	// KindMalformed: the bytes do not follow the envelope grammar, or a compressed stream is corrupt.
	KindMalformed Kind = iota + 1
	// KindEmpty: the body has no bytes at all.
	KindEmpty
	// KindTooLarge: the whole body, a header line or the number of items is over its limit.
	KindTooLarge
	// KindUnsupported: the content encoding is not one SDKs use.
	KindUnsupported
)

func (k Kind) String() string {
	switch k {
	case KindMalformed:
		return "malformed"
	case KindEmpty:
		return "empty"
	case KindTooLarge:
		return "too large"
	case KindUnsupported:
		return "unsupported"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is what every function of this package returns when it fails. Err, when set, is the
// underlying error (a read error of the caller's reader, for example), reachable with errors.As.
type Error struct {
	Kind   Kind
	Detail string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Detail + ": " + e.Err.Error()
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

func malformed(format string, args ...any) *Error {
	return &Error{Kind: KindMalformed, Detail: fmt.Sprintf(format, args...)}
}

var (
	readerPool  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}
	jsonReaders = sync.Pool{New: func() any { return new(jsontext.Reader) }}
)

// Parse reads one envelope from r, which must already be decompressed. It stops with a
// KindTooLarge error as soon as more than limits.MaxEnvelopeSize bytes arrive, and it skips the
// payload of an item over its type's limit without keeping it (the item is listed in Dropped).
// A header or framing error is fatal: without trustworthy framing no sibling can be trusted.
func Parse(r io.Reader, limits Limits) (*Envelope, error) {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(&cappedReader{r: r, left: limits.MaxEnvelopeSize, limit: limits.MaxEnvelopeSize})
	defer func() {
		br.Reset(nil)
		readerPool.Put(br)
	}()
	p := parser{br: br, limits: limits}
	return p.parse()
}

type parser struct {
	br     *bufio.Reader
	limits Limits
	acct   accounting
}

func (p *parser) parse() (*Envelope, error) {
	line, size, eof, err := p.readLine(p.limits.MaxHeaderSize)
	if err != nil {
		return nil, err
	}
	if size == 0 && eof {
		return nil, &Error{Kind: KindEmpty, Detail: "empty request body"}
	}
	if line == nil {
		return nil, &Error{Kind: KindTooLarge, Detail: fmt.Sprintf("envelope header line exceeds %d bytes", p.limits.MaxHeaderSize)}
	}
	env := &Envelope{}
	if err := parseEnvelopeHeader(line, &env.Header); err != nil {
		return nil, err
	}
	for !eof {
		line, _, eof, err = p.readLine(p.limits.MaxHeaderSize)
		if err != nil {
			return nil, err
		}
		if line == nil {
			return nil, &Error{Kind: KindTooLarge, Detail: fmt.Sprintf("item header line exceeds %d bytes", p.limits.MaxHeaderSize)}
		}
		// Blank lines between items and after the last one are tolerated, as Relay's JSON
		// stream reader skips whitespace before a header.
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		it, length, err := parseItemHeader(line)
		if err != nil {
			return nil, err
		}
		max, reason := p.acct.admit(&p.limits, it.Type, it.ItemCount)
		known := protocolTypes[it.Type]
		switch {
		case !known:
			max, reason = -1, ""
		case reason == "" && len(env.Items) >= p.limits.MaxItems:
			max, reason = -1, fmt.Sprintf("more than %d items in one envelope", p.limits.MaxItems)
		}
		// A payload nobody will read is read past: it costs no memory, only its size is kept.
		readMax := max
		if p.limits.KeepPayload != nil && !p.limits.KeepPayload(it.Type) {
			readMax = -1
		}
		var payload []byte
		var size int64
		switch {
		case length >= 0 && eof:
			// The item header was the last line: only an empty payload fits.
			if length > 0 {
				return nil, malformed("item %q: unexpected end of file, %d payload bytes announced", it.Type, length)
			}
		case length >= 0:
			size = length
			if payload, err = p.readExact(it.Type, length, readMax); err != nil {
				return nil, err
			}
			if eof, err = p.requireTermination(it.Type); err != nil {
				return nil, err
			}
		default:
			if payload, size, eof, err = p.readLine(readMax); err != nil {
				return nil, err
			}
		}
		if !known {
			env.Skipped++
			continue
		}
		if reason == "" && size > max {
			reason = fmt.Sprintf("item of %d bytes exceeds the %d byte limit for type %q", size, max, it.Type)
		}
		if reason != "" {
			env.drop(Dropped{Type: it.Type, Size: size, Reason: reason})
			continue
		}
		p.acct.add(it.Type, size)
		if payload == nil && readMax >= 0 {
			payload = []byte{}
		}
		it.Payload, it.Size = payload, size
		env.Items = append(env.Items, it)
	}
	return env, nil
}

// readLine reads up to the next '\n' (not included) or EOF. A line longer than max is read past
// and counted but not kept: line is nil then. eof reports that the line ended at EOF.
func (p *parser) readLine(max int64) (line []byte, size int64, eof bool, err error) {
	keep := max >= 0
	// A long line arrives in buffer-sized fragments. Copies of them are joined once at the end,
	// so a line costs twice its size in all; appending to one slice cost about five times (append
	// grows large slices by a quarter), 43 MB for a 9 MB span item.
	var frags [][]byte
	for {
		frag, e := p.br.ReadSlice('\n')
		if e == nil {
			frag = frag[:len(frag)-1]
		}
		size += int64(len(frag))
		if keep && size <= max {
			frags = append(frags, bytes.Clone(frag))
		} else {
			keep, frags = false, nil
		}
		switch e {
		case nil, io.EOF:
			if keep {
				line = join(frags, size)
			}
			return line, size, e == io.EOF, nil
		case bufio.ErrBufferFull:
			continue
		default:
			return nil, size, false, readError(e)
		}
	}
}

// join concatenates frags, size bytes in all, into a new non-nil slice.
func join(frags [][]byte, size int64) []byte {
	if len(frags) == 1 && frags[0] != nil {
		return frags[0]
	}
	out := make([]byte, 0, size)
	for _, f := range frags {
		out = append(out, f...)
	}
	return out
}

// readExact reads an item payload of a declared length; over max it is discarded, not kept.
func (p *parser) readExact(typ string, length, max int64) ([]byte, error) {
	if length > max {
		n, err := io.CopyN(io.Discard, p.br, length)
		if err != nil {
			return nil, truncated(typ, length, n, err)
		}
		return nil, nil
	}
	if length <= eagerAlloc {
		payload := make([]byte, length)
		if n, err := io.ReadFull(p.br, payload); err != nil {
			return nil, truncated(typ, length, int64(n), err)
		}
		return payload, nil
	}
	// A declared length is only a claim: growing with what actually arrives keeps a 200 MiB
	// claim on a 100-byte body from costing 200 MiB.
	var buf bytes.Buffer
	buf.Grow(eagerAlloc)
	if n, err := io.CopyN(&buf, p.br, length); err != nil {
		return nil, truncated(typ, length, n, err)
	}
	return buf.Bytes(), nil
}

// eagerAlloc is the largest declared payload length allocated before its bytes arrive.
const eagerAlloc = 1 << 20

func truncated(typ string, length, n int64, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return malformed("item %q: unexpected end of file after %d of %d payload bytes", typ, n, length)
	}
	return readError(err)
}

// requireTermination checks that a payload of declared length is followed by '\n' or EOF.
func (p *parser) requireTermination(typ string) (eof bool, err error) {
	b, err := p.br.ReadByte()
	switch {
	case err == io.EOF:
		return true, nil
	case err != nil:
		return false, readError(err)
	case b != '\n':
		return false, malformed("item %q: missing newline after header or payload (found %q)", typ, b)
	}
	return false, nil
}

// readError keeps errors this package already classified (from Decompress's readers, or the
// envelope size cap) and classifies any other read failure as malformed input.
func readError(err error) error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Kind: KindMalformed, Detail: "reading body", Err: err}
}

func parseEnvelopeHeader(line []byte, h *Header) error {
	var ferr error
	err := readHeader("envelope header", line, func(r *jsontext.Reader, key string) bool {
		switch key {
		case "event_id":
			v, ok := r.Scalar()
			switch {
			case v.Kind == jsontext.Null || ferr != nil:
			case v.Kind != jsontext.String:
				ferr = malformed("invalid envelope header: event_id is a %s, not a string", v.Kind)
			default:
				h.EventID, ferr = normalizeEventID(v.Text())
			}
			return ok
		case "dsn":
			v, ok := r.Scalar()
			if v.Kind == jsontext.String {
				h.DSN = strings.Clone(v.Text())
			}
			return ok
		case "sent_at":
			// An unreadable sent_at only disables clock-drift correction; Relay treats the
			// field as optional, so it is no reason to lose the envelope.
			v, ok := r.Scalar()
			if v.Kind == jsontext.String {
				if t, err := time.Parse(time.RFC3339Nano, v.Text()); err == nil {
					h.SentAt = t
				}
			}
			return ok
		}
		return r.Skip()
	})
	if err != nil {
		return err
	}
	if ferr != nil {
		return ferr
	}
	h.Raw = line
	return nil
}

// readHeader reads a header line, which must be a JSON object in valid UTF-8, and calls fn with
// each of its keys; fn reads or skips the member's value. Strings read from r share line.
func readHeader(what string, line []byte, fn func(r *jsontext.Reader, key string) bool) error {
	if !utf8.Valid(line) {
		return malformed("invalid %s: not valid UTF-8", what)
	}
	r := jsonReaders.Get().(*jsontext.Reader)
	defer func() {
		r.Reset("", 0)
		jsonReaders.Put(r)
	}()
	r.Reset(unsafe.String(unsafe.SliceData(line), len(line)), 0)
	if r.Peek() != '{' {
		if v, ok := r.Scalar(); ok && r.End() {
			return malformed("invalid %s: %s is not a JSON object", what, v.Kind)
		}
		return &Error{Kind: KindMalformed, Detail: "invalid " + what, Err: r.Err()}
	}
	if !r.Object(func(key string) bool { return fn(r, key) }) || !r.End() {
		return &Error{Kind: KindMalformed, Detail: "invalid " + what, Err: r.Err()}
	}
	return nil
}

// parseItemHeader returns the item with its header fields and the declared length, -1 when the
// header has none.
func parseItemHeader(line []byte) (Item, int64, error) {
	it := Item{Header: line}
	var typ, length, count jsontext.Scalar
	err := readHeader("item header", line, func(r *jsontext.Reader, key string) bool {
		var dst *string
		switch key {
		case "type":
			var ok bool
			typ, ok = r.Scalar()
			return ok
		case "length":
			var ok bool
			length, ok = r.Scalar()
			return ok
		case "item_count":
			var ok bool
			count, ok = r.Scalar()
			return ok
		case "content_type":
			dst = &it.ContentType
		case "filename":
			dst = &it.Filename
		case "attachment_type":
			dst = &it.AttachmentType
		default:
			return r.Skip()
		}
		v, ok := r.Scalar()
		*dst = ""
		if v.Kind == jsontext.String {
			*dst = strings.Clone(v.Text())
		}
		return ok
	})
	if err != nil {
		return it, 0, err
	}
	if typ.Kind != jsontext.String || typ.Raw == "" {
		return it, 0, malformed("invalid item header: missing item type")
	}
	it.Type = strings.Clone(typ.Text())
	n := int64(-1)
	if length.Kind != jsontext.Null {
		v, ok := length.IntLiteral()
		if !ok || v < 0 {
			return it, 0, malformed("invalid item header: length %s of item %q is not a non-negative integer", jsonText(length), it.Type)
		}
		n = v
	}
	if count.Kind != jsontext.Null {
		v, ok := count.IntLiteral()
		if !ok || v < 0 || v > math.MaxInt32 {
			return it, 0, malformed("invalid item header: item_count %s of item %q is not a non-negative integer", jsonText(count), it.Type)
		}
		it.ItemCount = int(v)
	}
	return it, n, nil
}

// jsonText shows a header value in an error: a scalar as JSON, a container by its kind.
func jsonText(v jsontext.Scalar) string {
	switch v.Kind {
	case jsontext.Number:
		return v.Raw
	case jsontext.String:
		return `"` + v.Raw + `"`
	}
	return v.Kind.String()
}

// normalizeEventID accepts a UUID as 32 hex digits or in the 36-character dashed form, any case,
// and returns 32 lowercase hex digits. An empty string counts as absent.
func normalizeEventID(s string) (string, error) {
	if len(s) == 0 {
		return "", nil
	}
	var out [32]byte
	n := 0
	dashed := len(s) == 36
	if !dashed && len(s) != 32 {
		return "", malformed("invalid envelope header: event_id %q is not a UUID", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if dashed && (i == 8 || i == 13 || i == 18 || i == 23) {
			if c != '-' {
				return "", malformed("invalid envelope header: event_id %q is not a UUID", s)
			}
			continue
		}
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		default:
			return "", malformed("invalid envelope header: event_id %q is not a UUID", s)
		}
		out[n] = c
		n++
	}
	return string(out[:]), nil
}

// cappedReader lets at most left bytes through and fails with KindTooLarge when more arrive.
type cappedReader struct {
	r     io.Reader
	left  int64
	limit int64
}

func (c *cappedReader) Read(b []byte) (int, error) {
	if c.left < 0 {
		return 0, c.tooLarge()
	}
	// Read one byte beyond the cap so that a body of exactly the cap is accepted.
	if int64(len(b)) > c.left+1 {
		b = b[:c.left+1]
	}
	n, err := c.r.Read(b)
	c.left -= int64(n)
	if c.left < 0 {
		return 0, c.tooLarge()
	}
	return n, err
}

func (c *cappedReader) tooLarge() error {
	return &Error{Kind: KindTooLarge, Detail: fmt.Sprintf("envelope exceeds the %d byte limit after decompression", c.limit)}
}
