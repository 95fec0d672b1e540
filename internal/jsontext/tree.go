package jsontext

import "slices"

// Kind is the JSON type of a value.
type Kind uint8

// The kinds of JSON values. A Node's zero value is a null.
const (
	Null Kind = iota
	False
	True
	Number
	String
	Object
	Array
)

var kindNames = [...]string{"null", "false", "true", "number", "string", "object", "array"}

// String names the kind as JSON does: "object", "string", "true" ….
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid kind"
}

// Node flags.
const (
	strEscaped uint8 = 1 << iota // a string's raw text contains backslash escapes
	keyEscaped                   // the member's key contains escapes
	keyOwned                     // key.off indexes Tree.strs instead of spanning Tree.src
	rawOwned                     // raw.off indexes Tree.strs instead of spanning Tree.src
	compact                      // a container whose raw text is already what AppendJSON writes
)

// span is a piece of text: src[off:off+len], or strs[off] when the Node's owned flag says so.
type span struct{ off, len int32 }

// run is where a container's children live: chunks[chunk][first:first+count], with room for
// cap children before the run must move.
type run struct{ chunk, first, count, cap int32 }

// Node is one JSON value, and in an object or array also its slot there (its key; arrays' are
// empty). Nodes are read and changed through their Tree. A Node holds no pointers: its texts
// are spans of the Tree's source or indexes of strings the Tree owns, and its children are a run
// in the Tree's chunks. So building and editing a Tree costs no GC write barriers and the chunks
// are never scanned (see the package doc). Strings keep their escaped text between the quotes
// and numbers their literal text, so serializing a Node copies bytes; a container that is
// compact keeps in raw its whole source text, so an untouched subtree is written with one copy,
// and editing it clears the flag.
type Node struct {
	kind  Kind
	flags uint8
	key   span
	raw   span
	kids  run
}

// Kind returns n's JSON type.
func (n *Node) Kind() Kind { return n.kind }

// Len returns how many members or elements n has, 0 for a scalar.
func (n *Node) Len() int { return int(n.kids.count) }

// RawLen returns the length of a string's escaped text (without its quotes) or a number's
// literal, and of a compact container's source text.
func (n *Node) RawLen() int { return int(n.raw.len) }

// KeyLen returns the length of a member's escaped key, without its quotes.
func (n *Node) KeyLen() int { return int(n.key.len) }

// Escaped reports whether a string's raw text holds backslash escapes.
func (n *Node) Escaped() bool { return n.flags&strEscaped != 0 }

// KeyEscaped reports whether a member's raw key holds backslash escapes.
func (n *Node) KeyEscaped() bool { return n.flags&keyEscaped != 0 }

// Tree is a parsed document and everything written into it. Nodes are addressed by pointers
// into chunks, which never move, so a *Node stays valid while the Tree is edited. The zero Tree
// is ready for Parse; Reset makes a used one ready again and keeps its memory.
type Tree struct {
	src    string
	root   Node
	chunks [][]Node // full length; runs are taken from chunks[cur][used:]
	cur    int
	used   int
	strs   []string // texts that are not in src: written by edits or repaired
	// edited holds the source offsets of the compact containers that were edited (Touch).
	edited       []int32
	editedSorted bool
	// frames[d] is the state of nesting depth d (the top-level container's is 1) while Parse
	// runs; its lists are kept for the next document.
	frames []frame
	// Shape is what the parser saw. Parse sets it; a caller that bounds the document (trimming)
	// may keep it up to date as it edits.
	Shape Shape
}

// Shape summarizes a parsed document, so that a caller with bounds to enforce need not walk
// it when nothing is over them.
type Shape struct {
	Widest      int // most members or elements of one container
	Deepest     int // deepest nesting of a container, the root container being 1
	LongStrings int // strings whose raw text is longer than Options.LongString
	DeepCuts    int // containers nested deeper than Options.MaxDepth, replaced by null
}

// chunkNodes is the size of a chunk; the reference event has ~500 nodes.
const chunkNodes = 1024

// spillNodes is the size past which a container's child list grows by segments (children).
const spillNodes = 8 * chunkNodes

// maxPooledChunks is how many chunks a Tree keeps across Reset: documents up to ~16 times the
// reference event reuse them, larger ones allocate theirs.
const maxPooledChunks = 16

// Root returns the document's top-level value.
func (t *Tree) Root() *Node { return &t.root }

// Source returns the text Parse read, with invalid UTF-8 replaced.
func (t *Tree) Source() string { return t.src }

// Reset empties t for the next Parse. Chunks are kept but not cleared: they hold no pointers
// and are overwritten when reused.
func (t *Tree) Reset() {
	clear(t.strs)
	t.src, t.root, t.cur, t.used, t.strs, t.edited = "", Node{}, 0, 0, t.strs[:0], t.edited[:0]
	t.Shape = Shape{}
	// A Tree that held a hostile document keeps only the chunks an ordinary one needs, so a
	// pooled Tree does not hold on to the memory of the largest document it ever saw.
	kept := t.chunks[:0]
	for _, c := range t.chunks {
		if len(c) == chunkNodes && len(kept) < maxPooledChunks {
			kept = append(kept, c)
		}
	}
	clear(t.chunks[len(kept):])
	t.chunks = kept
	for d := range t.frames {
		if f := &t.frames[d]; cap(f.level) > chunkNodes {
			f.level = nil
		}
		t.frames[d].segments = nil
	}
}

// alloc takes a run of n slots, which the caller fills.
func (t *Tree) alloc(n int) run {
	if n == 0 {
		return run{}
	}
	for ; t.cur < len(t.chunks); t.cur, t.used = t.cur+1, 0 {
		if len(t.chunks[t.cur])-t.used >= n {
			r := run{chunk: int32(t.cur), first: int32(t.used), count: int32(n), cap: int32(n)}
			t.used += n
			return r
		}
	}
	t.chunks = append(t.chunks, make([]Node, max(chunkNodes, n)))
	t.cur, t.used = len(t.chunks)-1, n
	return run{chunk: int32(t.cur), count: int32(n), cap: int32(n)}
}

// adopt makes nodes a chunk of the Tree, all of it taken by one run.
func (t *Tree) adopt(nodes []Node) run {
	t.chunks = append(t.chunks, nodes)
	t.cur, t.used = len(t.chunks)-1, len(nodes)
	return run{chunk: int32(t.cur), count: int32(len(nodes)), cap: int32(len(nodes))}
}

// own stores a text the Tree must keep and returns its index.
func (t *Tree) own(s string) int32 {
	t.strs = append(t.strs, s)
	return int32(len(t.strs) - 1)
}

// Reading.

// Kids returns a container's members or elements, nil for a scalar or nil. The slice is capped
// at them; its nodes may be read and changed in place (after Touch of n).
func (t *Tree) Kids(n *Node) []Node {
	if n == nil || n.kids.count == 0 {
		return nil
	}
	r := n.kids
	return t.chunks[r.chunk][r.first : r.first+r.count : r.first+r.count]
}

// Elems returns an array's elements, nil for other kinds.
func (t *Tree) Elems(n *Node) []Node {
	if n == nil || n.kind != Array {
		return nil
	}
	return t.Kids(n)
}

// Raw returns a node's raw text: a string's escaped content without its quotes, a number's
// literal, a compact container's source.
func (t *Tree) Raw(n *Node) string {
	if n.flags&rawOwned != 0 {
		return t.strs[n.raw.off]
	}
	return t.src[n.raw.off : n.raw.off+n.raw.len]
}

// RawKey returns a member's raw (escaped) key.
func (t *Tree) RawKey(m *Node) string {
	if m.flags&keyOwned != 0 {
		return t.strs[m.key.off]
	}
	return t.src[m.key.off : m.key.off+m.key.len]
}

// Name returns a member's key as text. It is called for every member of every frame, so the
// common case, a plain key in the source, is kept small enough to be inlined.
func (t *Tree) Name(m *Node) string {
	if m.flags&(keyEscaped|keyOwned) != 0 {
		return t.nameSlow(m)
	}
	return t.src[m.key.off:][:m.key.len]
}

func (t *Tree) nameSlow(m *Node) string {
	if m.flags&keyEscaped == 0 {
		return t.RawKey(m)
	}
	return unescape(t.RawKey(m))
}

// Get returns the value of key in object n, or nil. When a key repeats, the last one counts, as
// in serde_json (which Relay parses with).
func (t *Tree) Get(n *Node, key string) *Node {
	if n == nil || n.kind != Object {
		return nil
	}
	kids := t.Kids(n)
	if i := t.IndexOf(kids, key); i >= 0 {
		return &kids[i]
	}
	return nil
}

// Index returns the position of the last key in object n, or -1.
func (t *Tree) Index(n *Node, key string) int {
	return t.IndexOf(t.Kids(n), key)
}

// IndexOf is Index among an object's members (from Kids), for a caller that holds them already.
// Keys are compared only when their lengths allow a match, which rules out most of them without
// reading them.
func (t *Tree) IndexOf(kids []Node, key string) int {
	// The lengths are compared as int32: the compiler folds the field's offset into a 32-bit
	// load, not into a sign-extending one.
	n := int32(len(key))
	for i := len(kids) - 1; i >= 0; i-- {
		m := &kids[i]
		if m.key.len == n {
			if m.flags&keyEscaped == 0 && t.RawKey(m) == key {
				return i
			}
		} else if m.key.len > n && m.flags&keyEscaped != 0 && unescape(t.RawKey(m)) == key {
			// A key with escapes is longer than its text.
			return i
		}
	}
	return -1
}

// Scalar returns n as a Scalar; a missing value reads as null.
func (t *Tree) Scalar(n *Node) Scalar {
	if n == nil {
		return Scalar{Kind: Null}
	}
	if n.kind == String || n.kind == Number {
		return Scalar{Kind: n.kind, Escaped: n.flags&strEscaped != 0, Raw: t.Raw(n)}
	}
	return Scalar{Kind: n.kind}
}

// Plain returns the text of a string that stands in the source without escapes, the common
// case, and is small enough to be inlined; ok is false for any other node, which Text or
// Lenient read.
func (t *Tree) Plain(n *Node) (string, bool) {
	if n.kind == String && n.flags&(strEscaped|rawOwned) == 0 {
		return t.src[n.raw.off:][:n.raw.len], true
	}
	return "", false
}

// Text returns a string node's text, "" for other kinds and nil.
func (t *Tree) Text(n *Node) string {
	if n != nil && n.kind == String && n.flags&(strEscaped|rawOwned) == 0 {
		return t.src[n.raw.off : n.raw.off+n.raw.len]
	}
	return t.Scalar(n).Text()
}

// Lenient is Scalar.Lenient of n; nil reads as "".
func (t *Tree) Lenient(n *Node) string {
	if n == nil || n.kind != String || n.flags&(strEscaped|rawOwned) != 0 {
		return t.lenientSlow(n)
	}
	return t.src[n.raw.off:][:n.raw.len]
}

func (t *Tree) lenientSlow(n *Node) string {
	return t.Scalar(n).Lenient()
}

// Bool returns a boolean's value; ok is false for other kinds and nil.
func (n *Node) Bool() (value, ok bool) {
	if n == nil {
		return false, false
	}
	return Scalar{Kind: n.kind}.Bool()
}

// Constructors. A constructed node has no key; Set, Push, Add and Field give it its place.

// StringNode makes a string holding s.
func (t *Tree) StringNode(s string) Node {
	raw, esc := escapeRaw(s)
	n := Node{kind: String, flags: rawOwned, raw: span{t.own(raw), int32(len(raw))}}
	if esc {
		n.flags |= strEscaped
	}
	return n
}

// NumberNode makes a number of the literal raw, which must be valid JSON.
func (t *Tree) NumberNode(raw string) Node {
	return Node{kind: Number, flags: rawOwned, raw: span{t.own(raw), int32(len(raw))}}
}

// BoolNode makes true or false.
func BoolNode(b bool) Node {
	if b {
		return Node{kind: True}
	}
	return Node{kind: False}
}

// ObjectNode makes an object of members made with Field.
func (t *Tree) ObjectNode(ms ...Node) Node {
	r := t.alloc(len(ms))
	if r.count > 0 {
		copy(t.chunks[r.chunk][r.first:], ms)
	}
	return Node{kind: Object, kids: r}
}

// ArrayNode makes an array of the elements ns.
func (t *Tree) ArrayNode(ns ...Node) Node {
	r := t.alloc(len(ns))
	if r.count > 0 {
		kids := t.chunks[r.chunk][r.first : r.first+r.count]
		for i := range ns {
			kids[i] = ns[i]
			kids[i].key, kids[i].flags = span{}, ns[i].flags&^(keyEscaped|keyOwned)
		}
	}
	return Node{kind: Array, kids: r}
}

// Field makes a member of v under a plain (unescaped) key.
func (t *Tree) Field(key string, v Node) Node {
	t.SetKey(&v, key)
	return v
}

// SetKey gives member m a plain (unescaped) key.
func (t *Tree) SetKey(m *Node, key string) {
	raw, esc := escapeRaw(key)
	m.key = span{t.own(raw), int32(len(raw))}
	m.flags = m.flags&^keyEscaped | keyOwned
	if esc {
		m.flags |= keyEscaped
	}
}

// Import copies n of tree o into t, its texts owned by t, so that it outlives o.
func (t *Tree) Import(o *Tree, n *Node) Node {
	v := *n
	if v.flags&keyOwned != 0 || v.key.len > 0 {
		key := o.RawKey(n)
		v.key, v.flags = span{t.own(key), int32(len(key))}, v.flags|keyOwned
	} else {
		v.key = span{}
	}
	// Imported containers are not compact: edits inside them could not be told from offsets.
	v.flags &^= compact
	if v.kind == String || v.kind == Number {
		raw := o.Raw(n)
		v.raw, v.flags = span{t.own(raw), int32(len(raw))}, v.flags|rawOwned
	}
	if v.kind == Object || v.kind == Array {
		kids := o.Kids(n)
		v.kids = t.alloc(len(kids))
		for i := range kids {
			t.chunks[v.kids.chunk][int(v.kids.first)+i] = t.Import(o, &kids[i])
		}
	}
	return v
}

// Editing. Set, Push, Add, Del, Reserve, Own and Truncate touch the container they change;
// a caller that changes a member or element in place must Touch its container first.

// Touch clears n's compact flag before its children change, and records where n's source text
// was: its compact ancestors, which n does not know, contain that offset (editedWithin).
func (t *Tree) Touch(n *Node) {
	if n.flags&compact != 0 {
		n.flags &^= compact
		t.edited = append(t.edited, n.raw.off)
		t.editedSorted = false
	}
}

// editedWithin reports whether an edit changed a container whose source text lies within sp.
func (t *Tree) editedWithin(sp span) bool {
	if len(t.edited) == 0 {
		return false
	}
	if !t.editedSorted {
		slices.Sort(t.edited)
		t.editedSorted = true
	}
	i, _ := slices.BinarySearch(t.edited, sp.off)
	return i < len(t.edited) && t.edited[i] < sp.off+sp.len
}

// Set replaces the value of key in object n or appends it. A replaced value keeps the member's
// key. Appending moves the members unless their run has room (Reserve): parsed runs have none,
// so a node copied by value never sees another's append.
func (t *Tree) Set(n *Node, key string, v Node) {
	t.Touch(n)
	if i := t.Index(n, key); i >= 0 {
		t.Replace(&t.Kids(n)[i], v)
		return
	}
	t.Add(n, t.Field(key, v))
}

// Replace puts v in m's place, keeping m's key; m's container must have been touched.
func (t *Tree) Replace(m *Node, v Node) {
	v.key, v.flags = m.key, v.flags&^(keyEscaped|keyOwned)|m.flags&(keyEscaped|keyOwned)
	*m = v
}

// Push appends an element to array n.
func (t *Tree) Push(n *Node, v Node) {
	v.key, v.flags = span{}, v.flags&^(keyEscaped|keyOwned)
	t.Add(n, v)
}

// Add appends member m (made with Field) to object n without looking for its key, or an
// element to an array.
func (t *Tree) Add(n *Node, m Node) {
	t.Touch(n)
	r := n.kids
	if r.count == r.cap {
		r = t.move(n, max(2*int(r.count), 4))
	}
	t.chunks[r.chunk][r.first+r.count] = m
	r.count++
	n.kids = r
}

// move copies n's children to a new run with room for size and returns it.
func (t *Tree) move(n *Node, size int) run {
	kids := t.Kids(n)
	r := t.alloc(size)
	copy(t.chunks[r.chunk][r.first:], kids)
	r.count = int32(len(kids))
	return r
}

// Reserve gives n room for extra members, so that adding them does not move it each time. Only
// a node that is not shared (copied by value) may be given room.
func (t *Tree) Reserve(n *Node, extra int) {
	t.Touch(n)
	n.kids = t.move(n, int(n.kids.count)+extra)
}

// Own gives n, a copy of another container node, a list of children of its own, so that edits
// to n leave the original alone.
func (t *Tree) Own(n *Node) {
	t.Touch(n)
	n.kids = t.move(n, int(n.kids.count))
}

// Del removes key from object n.
func (t *Tree) Del(n *Node, key string) {
	if i := t.Index(n, key); i >= 0 {
		t.Touch(n)
		kids := t.Kids(n)
		r := t.alloc(len(kids) - 1)
		if r.count > 0 {
			dst := t.chunks[r.chunk][r.first:]
			copy(dst, kids[:i])
			copy(dst[i:], kids[i+1:])
		}
		n.kids = r
	}
}

// Truncate keeps the first keep members or elements of n.
func (t *Tree) Truncate(n *Node, keep int) {
	t.Touch(n)
	n.kids.count = int32(min(keep, int(n.kids.count)))
}
