package grouping

import (
	"slices"
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// Exception groups (RFC 0079: mechanism.exception_id / parent_id / is_exception_group) are
// narrowed to what identifies the error before they are chained: an ExceptionGroup of three
// identical errors is the same issue as one of them.
//
// Sentry's filter, as described in the research notes §3.4 and its strategy module:
//   - the tree is read from the list back to front, so a node's children are in reverse list
//     order; every exception needs an id, ids are unique, no exception is its own parent, and
//     the root is the exception with id 0. Anything else leaves the list as it is;
//   - the top-level exceptions are the first non-group exceptions on every path from the root;
//     they are ordered by type, descending (stable), and runs of exceptions whose grouping
//     components are identical collapse to their first;
//   - one distinct top-level exception: it and the chain of its first children, in that order,
//     and it becomes the main exception (the one the title names);
//   - several: the distinct ones, then the root group;
//   - a cycle makes Sentry's recursive walk fail, and it falls back to the whole list.
//
// Events from sentry-python 3.x are left alone: Sentry skips the filter for them until it can
// regroup existing issues.

// exceptionNode is one exception of the group tree with its children, latest in the list first.
type exceptionNode struct {
	index    int // in event.Exceptions
	children []int
	present  bool // false for a parent id no exception has
}

// exceptionGroupTree is the parsed tree, or nil when the list is not a well-formed group.
type exceptionGroupTree struct {
	excs  []event.Exception
	nodes map[int]*exceptionNode
}

func parseExceptionGroup(ev *event.Event) *exceptionGroupTree {
	excs := ev.Exceptions
	if len(excs) < 2 {
		return nil
	}
	if ev.Platform == "python" && ev.SDK != nil && strings.HasPrefix(ev.SDK.Version, "3") {
		return nil
	}
	t := &exceptionGroupTree{excs: excs, nodes: make(map[int]*exceptionNode, len(excs))}
	node := func(id int) *exceptionNode {
		n := t.nodes[id]
		if n == nil {
			n = &exceptionNode{index: -1}
			t.nodes[id] = n
		}
		return n
	}
	for i := len(excs) - 1; i >= 0; i-- {
		m := excs[i].Mechanism
		if m == nil || m.ExceptionID == nil {
			return nil
		}
		id := *m.ExceptionID
		if (m.ParentID != nil && *m.ParentID == id) || (t.nodes[id] != nil && t.nodes[id].present) {
			return nil
		}
		n := node(id)
		n.index, n.present = i, true
		if m.ParentID != nil {
			p := node(*m.ParentID)
			p.children = append(p.children, i)
		}
	}
	if root := t.nodes[0]; root == nil || !root.present {
		return nil
	}
	return t
}

func (t *exceptionGroupTree) children(i int) []int {
	if n := t.nodes[*t.excs[i].Mechanism.ExceptionID]; n != nil {
		return n.children
	}
	return nil
}

// topLevel appends the first non-group exceptions below i. It reports false on a cycle.
func (t *exceptionGroupTree) topLevel(i int, dst []int, onPath []bool) ([]int, bool) {
	if !t.excs[i].Mechanism.IsExceptionGroup {
		return append(dst, i), true
	}
	if onPath[i] {
		return dst, false
	}
	onPath[i] = true
	for _, c := range t.children(i) {
		var ok bool
		if dst, ok = t.topLevel(c, dst, onPath); !ok {
			return dst, false
		}
	}
	onPath[i] = false
	return dst, true
}

// firstPath is i and the chain of its first children. It reports false on a cycle.
func (t *exceptionGroupTree) firstPath(i int) ([]int, bool) {
	path := []int{i}
	seen := map[int]bool{i: true}
	for {
		cs := t.children(path[len(path)-1])
		if len(cs) == 0 {
			return path, true
		}
		if seen[cs[0]] {
			return nil, false
		}
		seen[cs[0]] = true
		path = append(path, cs[0])
	}
}

// selectExceptions decides which of the event's exceptions the chained-exception strategy
// groups, in the order it groups them, and which one titles the event. keys are the
// exceptions' grouping components written out (equal keys = identical components). ok is false
// when every exception is used as listed.
func (t *exceptionGroupTree) selectExceptions(keys []string) (sel []int, main int, ok bool) {
	rootIdx := t.nodes[0].index
	top, ok := t.topLevel(rootIdx, nil, make([]bool, len(t.excs)))
	if !ok || len(top) == 0 {
		return nil, -1, false
	}
	slices.SortStableFunc(top, func(a, b int) int {
		return strings.Compare(sortableType(&t.excs[b]), sortableType(&t.excs[a]))
	})
	distinct := top[:1]
	for _, i := range top[1:] {
		if keys[i] != keys[distinct[len(distinct)-1]] {
			distinct = append(distinct, i)
		}
	}
	if len(distinct) == 1 {
		path, ok := t.firstPath(distinct[0])
		if !ok {
			return nil, -1, false
		}
		return path, distinct[0], true
	}
	return append(distinct, rootIdx), -1, true
}

// sortableType is the type as Sentry sorts it: a missing type reads "None".
func sortableType(e *event.Exception) string {
	if e.Type == "" {
		return "None"
	}
	return e.Type
}

// Sentry titles a chain by an inner exception in two framework cases; what is grouped does not
// change.
var (
	reactRecoveredErrors = []string{
		"There was an error during concurrent rendering but React was able to recover by instead synchronously rendering the entire root.",
		"There was an error while hydrating but React was able to recover by instead client rendering from the nearest Suspense boundary.",
	}
	rxJavaWrapperTypes = []string{"OnErrorNotImplementedException", "CompositeException", "UndeliverableException"}
)

// overriddenMainException returns the exception id that titles a chain instead of the last
// exception: React 19's recovered render errors are titled by their cause, and RxJava's
// wrapper exceptions by the exception they wrap. 0 means no override (as in Sentry, an id of 0
// is never chosen this way).
func overriddenMainException(excs []*event.Exception) int {
	if len(excs) < 2 {
		return 0
	}
	first, last := excs[0], excs[len(excs)-1]
	if first.Type == "Error" && slices.Contains(reactRecoveredErrors, first.Value) &&
		last.Mechanism != nil && last.Mechanism.Source == "cause" && last.Mechanism.ExceptionID != nil {
		return *last.Mechanism.ExceptionID
	}
	for _, e := range excs {
		m := e.Mechanism
		if e.Module == "io.reactivex.rxjava3.exceptions" && slices.Contains(rxJavaWrapperTypes, e.Type) &&
			m != nil && m.Type == "UncaughtExceptionHandler" {
			if m.ExceptionID == nil {
				return 0
			}
			for _, inner := range excs {
				if im := inner.Mechanism; im != nil && im.ParentID != nil && *im.ParentID == *m.ExceptionID && im.ExceptionID != nil {
					return *im.ExceptionID
				}
			}
			return 0
		}
	}
	return 0
}
