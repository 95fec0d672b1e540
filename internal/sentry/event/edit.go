package event

import (
	"fmt"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/faultline/faultline/internal/jsontext"
)

// This file lets another package change an event's values while Normalize has it open: the
// receiver's data scrubbing runs here, in the same pass that normalizes the event, so the JSON it
// writes and the typed view it returns are both already clean. The editor decides; this package
// walks the tree, applies the changes and records them in "_meta" the way Relay does.

// ValueKind is the JSON type of a value an Editor sees.
type ValueKind uint8

const (
	NullValue ValueKind = iota
	BoolValue
	NumberValue
	StringValue
	ObjectValue
	ArrayValue
)

func valueKind(k jsontext.Kind) ValueKind {
	return valueKinds[k&7] // a lookup where a switch took a few compares for every value walked
}

var valueKinds = [8]ValueKind{jsontext.Null: NullValue, jsontext.False: BoolValue, jsontext.True: BoolValue,
	jsontext.Number: NumberValue, jsontext.String: StringValue, jsontext.Object: ObjectValue, jsontext.Array: ArrayValue}

// Remark is one entry of a value's "_meta" "rem" list: which rule changed the value and how.
// Type is Relay's remark type: "s" substituted, "x" removed, "m" masked, "p" pseudonymized
// (hashed), "a" annotated. Start and End, when Ranged, are byte offsets in the new value; _meta
// gets them in characters.
type Remark struct {
	RuleID     string
	Type       string
	Start, End int
	Ranged     bool
}

// Change is what an Editor did to one value.
type Change struct {
	// Remove replaces the value with null; otherwise Text is the new string.
	Remove bool
	Text   string
	// Remarks are written to "_meta" with the original length (of a string, in bytes).
	Remarks []Remark
}

// Editor changes values of an event during Normalize. The walk is depth-first in document
// order; every value the walk reaches is announced with Enter and, when Enter admits it, closed
// with Leave after its children. A member has its key and index -1; an array element has key ""
// and its index; the second element of a [key, value] pair (tags, headers, cookies sent as a
// list) is announced once with the pair's key and the pair's index, its first element is not.
//
// Root and Enter may narrow an admitted object to some of its members, only: the walk then visits those
// alone (a stack frame's "vars", say), which spares announcing every other one. Enter may narrow
// an admitted array's elements that are objects the same way: the walk then does not announce
// an element object that has none of those members (a frame without "vars"), as if Enter had
// admitted it with that only.
//
// Edit is called for every admitted string, number and boolean; when it returns true, change
// says what to write instead. It must not keep text, which may point into the event.
type Editor interface {
	Root() (only []string)
	Enter(key string, index int, kind ValueKind) (admit bool, only []string)
	Leave()
	Edit(text string, kind ValueKind, change *Change) bool
}

// walkEditor runs ed over the event and notes what it changed for writeMeta.
func (t *tree) walkEditor(root *jsontext.Node, ed Editor) {
	// The walk's state stays with the pooled tree, so walking a clean event allocates nothing.
	if t.walk == nil {
		t.walk = &editWalk{}
	}
	w := t.walk
	w.t, w.ed, w.path = t, ed, w.path[:0]
	w.object(root, ed.Root())
	w.t, w.ed = nil, nil
}

type editWalk struct {
	t  *tree
	ed Editor
	// path is where the walk is, as child positions from the root: it holds no pointers, so the
	// walk costs no write barriers; the keys are looked up only for a value that changed.
	path   []int32
	change Change
}

// pairStep marks a path step into the value of a [key, value] pair.
const pairStep = -1

// keys turns the walk's path into "_meta" keys.
func (w *editWalk) keys() []string {
	t := w.t
	keys := make([]string, 0, len(w.path)+2)
	n := t.Root()
	for _, step := range w.path {
		if step == pairStep {
			keys = append(keys, "1")
			n = &t.Kids(n)[1]
			continue
		}
		kid := &t.Kids(n)[step]
		if n.Kind() == jsontext.Object {
			keys = append(keys, t.Name(kid))
		} else {
			keys = append(keys, strconv.Itoa(int(step)))
		}
		n = kid
	}
	return keys
}

func (w *editWalk) object(n *jsontext.Node, only []string) {
	t := w.t
	kids := t.Kids(n)
	switch {
	case only == nil:
		for i := range kids {
			w.member(n, kids, i)
		}
	case len(only) >= manyKeys && len(only) <= maxFound:
		w.findMembers(n, kids, only)
	default:
		w.lookUpMembers(n, kids, only)
	}
}

// lookUpMembers walks the members of n named in only, in the order of only.
func (w *editWalk) lookUpMembers(n *jsontext.Node, kids []jsontext.Node, only []string) {
	t := w.t
	for _, key := range only {
		last := t.IndexOf(kids, key)
		if last < 0 {
			continue
		}
		if t.IndexOf(kids[:last], key) >= 0 {
			// A repeated key: its earlier values are written out too, so they are walked as
			// well, in order.
			for i := range last {
				if t.Name(&kids[i]) == key {
					w.member(n, kids, i)
				}
			}
		}
		w.member(n, kids, last)
	}
}

// manyKeys is the length from which an only list's members are found in one pass over an
// object's members rather than with a lookup of each key; maxFound the longest list so found.
const (
	manyKeys = 6
	maxFound = 16
)

// findMembers is lookUpMembers for a long only list (the event's own members): looking up each
// of thirteen keys would pass over the members thirteen times. One pass instead compares a
// member's name with the key of the same keySlot, if any (with every key when two share one).
func (w *editWalk) findMembers(n *jsontext.Node, kids []jsontext.Node, only []string) {
	t := w.t
	var slots [64]int8 // keySlot → 1 + the key's index in only; -1 for several keys
	for j, key := range only {
		if k := keySlot(key); slots[k] == 0 {
			slots[k] = int8(j + 1)
		} else {
			slots[k] = -1
		}
	}
	var buf [maxFound]int32
	found := buf[:len(only)]
	for j := range found {
		found[j] = -1
	}
	repeated := false
	for i := range kids {
		name := t.Name(&kids[i])
		switch j := slots[keySlot(name)]; {
		case j > 0:
			if name == only[j-1] {
				repeated = repeated || found[j-1] >= 0
				found[j-1] = int32(i)
			}
		case j < 0:
			for j, key := range only {
				if name == key {
					repeated = repeated || found[j] >= 0
					found[j] = int32(i)
				}
			}
		}
	}
	if repeated {
		w.lookUpMembers(n, kids, only)
		return
	}
	for _, i := range found {
		if i >= 0 {
			w.member(n, kids, int(i))
		}
	}
}

// keySlot hashes a key to one of 64 slots: keys in different slots differ. Its mix of the first
// and last bytes and the length puts the event members the scrubber reads in distinct slots.
func keySlot(key string) uint {
	if key == "" {
		return 0
	}
	return (31*uint(key[0]) + 7*uint(key[len(key)-1]) + uint(len(key))) & 63
}

func (w *editWalk) member(n *jsontext.Node, kids []jsontext.Node, i int) {
	m := &kids[i]
	admit, only := w.ed.Enter(w.t.Name(m), -1, valueKind(m.Kind()))
	if !admit {
		return
	}
	w.path = append(w.path, int32(i))
	w.value(n, m, only)
	w.path = w.path[:len(w.path)-1]
	w.ed.Leave()
}

func (w *editWalk) array(n *jsontext.Node, only []string) {
	t := w.t
	kids := t.Kids(n)
	for i := range kids {
		el := &kids[i]
		if only != nil && el.Kind() == jsontext.Object && !w.hasAny(el, only) {
			continue
		}
		if el.Kind() == jsontext.Array && el.Len() == 2 {
			if pair := t.Kids(el); pair[0].Kind() == jsontext.String {
				// A [key, value] pair is addressed by its key.
				v := &pair[1]
				admit, only := w.ed.Enter(t.Text(&pair[0]), i, valueKind(v.Kind()))
				if !admit {
					continue
				}
				w.path = append(w.path, int32(i), pairStep)
				w.value(el, v, only)
				w.path = w.path[:len(w.path)-2]
				w.ed.Leave()
				continue
			}
		}
		admit, only := w.ed.Enter("", i, valueKind(el.Kind()))
		if !admit {
			continue
		}
		w.path = append(w.path, int32(i))
		w.value(n, el, only)
		w.path = w.path[:len(w.path)-1]
		w.ed.Leave()
	}
}

// hasAny reports whether object n has one of the members keys.
func (w *editWalk) hasAny(n *jsontext.Node, keys []string) bool {
	kids := w.t.Kids(n)
	for _, key := range keys {
		if w.t.IndexOf(kids, key) >= 0 {
			return true
		}
	}
	return false
}

// value walks v, a child of parent, and applies the editor's change to it.
func (w *editWalk) value(parent, v *jsontext.Node, only []string) {
	t := w.t
	var text string
	switch v.Kind() {
	case jsontext.Object:
		w.object(v, only)
		return
	case jsontext.Array:
		w.array(v, only)
		return
	case jsontext.String:
		var ok bool
		if text, ok = t.Plain(v); !ok {
			text = t.Text(v)
		}
	case jsontext.Number:
		text = t.Raw(v)
	case jsontext.True:
		text = "true"
	case jsontext.False:
		text = "false"
	default:
		return
	}
	w.change = Change{Remarks: w.change.Remarks[:0]}
	if !w.ed.Edit(text, valueKind(v.Kind()), &w.change) {
		return
	}
	// Lengths and ranges in _meta count characters, as trimming's do.
	length := 0
	if v.Kind() == jsontext.String {
		length = utf8.RuneCountInString(text)
	}
	rems := append([]Remark(nil), w.change.Remarks...)
	for i := range rems {
		if r := &rems[i]; r.Ranged && !w.change.Remove && r.End <= len(w.change.Text) {
			r.Start, r.End = utf8.RuneCountInString(w.change.Text[:r.Start]), utf8.RuneCountInString(w.change.Text[:r.End])
		}
	}
	t.Touch(parent)
	if w.change.Remove {
		t.Replace(v, jsontext.Node{})
	} else {
		t.Replace(v, t.StringNode(w.change.Text))
	}
	t.noteEntry(metaEntry{path: w.keys(), origLen: length, remarks: rems})
}

// Edit runs ed over a JSON object that is not normalized as an error event (a transaction),
// with what it changes recorded in the object's "_meta" as Normalize records it. It returns raw
// itself when ed changed nothing, and an error only when raw is not a JSON object.
func Edit(raw []byte, ed Editor) ([]byte, error) {
	t := treePool.Get().(*tree)
	defer t.release()
	if err := t.parse(unsafe.String(unsafe.SliceData(raw), len(raw)), maxInputDepth); err != nil {
		return nil, fmt.Errorf("edit payload: %w", err)
	}
	root := t.Root()
	if root.Kind() != jsontext.Object {
		return nil, fmt.Errorf("edit payload: not a JSON object (found %s)", kindName(root.Kind()))
	}
	t.walkEditor(root, ed)
	if len(t.meta) == 0 {
		return raw, nil
	}
	t.writeMeta(root)
	return t.AppendJSON(make([]byte, 0, len(raw)+256), root), nil
}
