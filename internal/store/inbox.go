package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// deleteInbox deletes the inbox records from id lo to hi but those kept back (sorted), in one
// range per run between them.
func (t *tx) deleteInbox(lo, hi int64, keptBack []int64) error {
	for _, k := range keptBack {
		if k < lo || k > hi {
			continue
		}
		if k > lo {
			if _, err := t.exec(`DELETE FROM inbox WHERE id >= ? AND id <= ?`, lo, k-1); err != nil {
				return err
			}
		}
		lo = k + 1
	}
	if lo > hi {
		return nil
	}
	_, err := t.exec(`DELETE FROM inbox WHERE id >= ? AND id <= ?`, lo, hi)
	return err
}

// An inbox record is one appended event as a fold needs it, in a small binary encoding: a version
// byte, then the fields in a fixed order, integers as varints and strings and the payload each
// prefixed with its length (uvarint). The payload is the event's zstd-compressed JSON, as the
// events table stores it, so a fold copies it as it is. The user is kept as its key and the tags
// with the builtin ones added (prepare's work is not done again).
//
// Version 1: project id, event id, timestamp and received (Unix µs), level, platform, release,
// environment, title, culprit, metadata type, value, filename and function, grouping config,
// explanation, user key, source, the hashes (a count, then each), the tags (a count, then key
// and value of each), the compressed payload.
//
// A new field means a new version; decodeRecord keeps reading the older ones, since a record may
// wait in the inbox across an upgrade.
const recordVersion = 1

// encodeRecord encodes a prepared event as its inbox record.
func encodeRecord(p *prepared) []byte {
	e := p.Event
	n := 1 + 4*binary.MaxVarintLen64 + len(e.EventID) + len(e.Level) + len(e.Platform) + len(e.Release) + len(e.Environment) +
		len(e.Title) + len(e.Culprit) + len(e.Metadata.Type) + len(e.Metadata.Value) + len(e.Metadata.Filename) +
		len(e.Metadata.Function) + len(e.GroupingConfig) + len(e.Explanation) + len(p.userKey) + len(e.Source) + len(p.blob) +
		20*binary.MaxVarintLen32
	for _, h := range e.Hashes {
		n += len(h) + binary.MaxVarintLen32
	}
	for _, t := range p.tags {
		n += len(t.Key) + len(t.Value) + 2*binary.MaxVarintLen32
	}
	b := make([]byte, 0, n)
	b = append(b, recordVersion)
	b = binary.AppendVarint(b, e.ProjectID)
	b = appendString(b, e.EventID)
	b = binary.AppendVarint(b, p.ts)
	b = binary.AppendVarint(b, p.recv)
	b = appendString(b, e.Level)
	b = appendString(b, e.Platform)
	b = appendString(b, e.Release)
	b = appendString(b, e.Environment)
	b = appendString(b, e.Title)
	b = appendString(b, e.Culprit)
	b = appendString(b, e.Metadata.Type)
	b = appendString(b, e.Metadata.Value)
	b = appendString(b, e.Metadata.Filename)
	b = appendString(b, e.Metadata.Function)
	b = appendString(b, e.GroupingConfig)
	b = appendString(b, e.Explanation)
	b = appendString(b, p.userKey)
	b = appendString(b, e.Source)
	b = binary.AppendUvarint(b, uint64(len(e.Hashes)))
	for _, h := range e.Hashes {
		b = appendString(b, h)
	}
	b = binary.AppendUvarint(b, uint64(len(p.tags)))
	for _, t := range p.tags {
		b = appendString(b, t.Key)
		b = appendString(b, t.Value)
	}
	b = binary.AppendUvarint(b, uint64(len(p.blob)))
	return append(b, p.blob...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// pendingEvent is what an appended event keeps of its Event while it waits for its fold: the
// fields a fold reads. The caller's payload, tags and user fields are left behind: the prepared
// event holds the compressed payload, the tags with the builtin ones and the user key. A record
// read back from the inbox decodes to the same.
func pendingEvent(e *Event) *Event {
	return &Event{
		ProjectID: e.ProjectID, EventID: e.EventID, Level: e.Level, Platform: e.Platform, Release: e.Release,
		Environment: e.Environment, Hashes: e.Hashes, Title: e.Title, Culprit: e.Culprit, Metadata: e.Metadata,
		GroupingConfig: e.GroupingConfig, Explanation: e.Explanation, Source: e.Source,
	}
}

var errBadRecord = errors.New("malformed inbox record")

// decodeRecord decodes an inbox record into a prepared event (without its inbox id).
func decodeRecord(rec []byte) (*prepared, error) {
	if len(rec) == 0 {
		return nil, errBadRecord
	}
	if rec[0] != recordVersion {
		return nil, fmt.Errorf("inbox record version %d: this build reads version %d", rec[0], recordVersion)
	}
	d := recordDecoder{b: rec[1:]}
	e := &Event{}
	p := &prepared{Event: e}
	e.ProjectID = d.varint()
	e.EventID = d.string()
	p.ts, p.recv = d.varint(), d.varint()
	e.Level, e.Platform, e.Release, e.Environment = d.string(), d.string(), d.string(), d.string()
	e.Title, e.Culprit = d.string(), d.string()
	e.Metadata = Metadata{Type: d.string(), Value: d.string(), Filename: d.string(), Function: d.string()}
	e.GroupingConfig, e.Explanation = d.string(), d.string()
	p.userKey, e.Source = d.string(), d.string()
	if n := d.count(); n > 0 {
		e.Hashes = make([]string, n)
		for i := range e.Hashes {
			e.Hashes[i] = d.string()
		}
	}
	if n := d.count(); n > 0 {
		p.tags = make([]Tag, n)
		for i := range p.tags {
			p.tags[i] = Tag{Key: d.string(), Value: d.string()}
		}
	}
	p.blob = d.bytes()
	if d.bad || len(d.b) != 0 {
		return nil, errBadRecord
	}
	return p, nil
}

// recordDecoder reads a record's fields; past the first malformed one it reads zero values and
// sets bad.
type recordDecoder struct {
	b   []byte
	bad bool
}

func (d *recordDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length: one that the rest of the record cannot hold is malformed.
func (d *recordDecoder) count() int {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(len(d.b)-n) {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *recordDecoder) bytes() []byte {
	n := d.count()
	if n == 0 {
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *recordDecoder) string() string { return string(d.bytes()) }
