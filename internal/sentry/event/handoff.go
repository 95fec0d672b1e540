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
// from another receiver, or a pipeline that hands records on after the receiver stopped sharing
// (a batch processor, a queue) all find nothing, and the processor parses as before.
//
// A recyclable view (NormalizeOptions.Recyclable) is reused once nobody holds it: the sharer
// until Unshare, and each Shared caller until its Return. A pipeline that hands records on
// asynchronously may take the view while the receiver still shares it and use it after the
// receiver's Unshare; its Return, not the Unshare, then recycles the view.
var shared struct {
	sync.Mutex
	m map[*byte]sharedView
}

type sharedView struct {
	n  int
	ev *Event
}

// Share makes ev, the typed view Normalize returned with normalized, available to Shared until
// Unshare. The caller must not modify ev while it is shared, and nobody may modify it after;
// after Unshare the caller must not use ev again.
func Share(normalized string, ev *Event) {
	if len(normalized) == 0 {
		return
	}
	shared.Lock()
	if shared.m == nil {
		shared.m = map[*byte]sharedView{}
	}
	shared.m[unsafe.StringData(normalized)] = sharedView{n: len(normalized), ev: ev}
	ev.holders++
	shared.Unlock()
}

// Unshare ends a Share.
func Unshare(normalized string) {
	if len(normalized) == 0 {
		return
	}
	key := unsafe.StringData(normalized)
	shared.Lock()
	sv, ok := shared.m[key]
	delete(shared.m, key)
	last := ok && sv.ev.let()
	shared.Unlock()
	if last {
		sv.ev.recycle()
	}
}

// Shared returns the typed view shared for exactly this text, or nil. The view is read-only,
// and the caller holds it until it calls Return(ev); it must keep nothing of it past that but
// strings.
func Shared(normalized string) *Event {
	if len(normalized) == 0 {
		return nil
	}
	shared.Lock()
	defer shared.Unlock()
	sv, ok := shared.m[unsafe.StringData(normalized)]
	if !ok || sv.n != len(normalized) {
		return nil
	}
	sv.ev.holders++
	return sv.ev
}

// Return ends the hold Shared gave on ev.
func Return(ev *Event) {
	shared.Lock()
	last := ev.let()
	shared.Unlock()
	if last {
		ev.recycle()
	}
}

// let drops one holder and reports whether it was the last; shared's lock is held.
func (ev *Event) let() bool {
	ev.holders--
	return ev.holders == 0
}

// recycle hands a recyclable view's slabs to the next view; its frames are not read again.
func (ev *Event) recycle() {
	if s := ev.slabs; s != nil {
		ev.slabs = nil
		s.recycle()
	}
}
