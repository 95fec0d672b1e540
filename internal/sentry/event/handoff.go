package event

import (
	"sync"
	"unsafe"
)

// The receiver normalizes an event (Normalize: parse, normalize, decode) and the processor
// groups it further down the same pipeline, which only sees the normalized JSON on a log record.
// Reading that JSON again cost the processor about as much as grouping it (issue 18), so the
// receiver shares the typed view it already has for as long as it waits for the pipeline, and
// the processor takes it when the record's text is the very string the view was made for.
//
// The key is the address of the text's bytes, held as a pointer so the text cannot be collected
// and its memory reused while it is shared. A Go string never changes, so the same address and
// length is the same text: a processor that rewrote the attribute in between, a record that came
// from another receiver, or a pipeline that hands records on asynchronously (a batch processor,
// a queue) all find nothing, and the processor parses as before.
var shared sync.Map // *byte → sharedView

type sharedView struct {
	n  int
	ev *Event
}

// Share makes ev, the typed view Normalize returned with normalized, available to Shared until
// Unshare. The caller must not modify ev while it is shared, and nobody may modify it after.
func Share(normalized string, ev *Event) {
	if len(normalized) > 0 {
		shared.Store(unsafe.StringData(normalized), sharedView{n: len(normalized), ev: ev})
	}
}

// Unshare ends a Share.
func Unshare(normalized string) {
	if len(normalized) > 0 {
		shared.Delete(unsafe.StringData(normalized))
	}
}

// Shared returns the typed view shared for exactly this text, or nil. The view is read-only.
func Shared(normalized string) *Event {
	if len(normalized) == 0 {
		return nil
	}
	v, ok := shared.Load(unsafe.StringData(normalized))
	if !ok {
		return nil
	}
	if sv := v.(sharedView); sv.n == len(normalized) {
		return sv.ev
	}
	return nil
}
