package sourcemap

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/faultline/faultline/internal/sentry/event"
)

// SymbolicateDocument symbolicates every stack trace of a normalized event document in place:
// resolved frames replace the ones sent (which the document keeps as raw_stacktrace), and what
// could not be resolved is added to the event's `errors`, once per distinct error. It reports
// whether the document changed, so a caller re-serializes only then.
func (s *Symbolicator) SymbolicateDocument(ctx context.Context, project string, doc *event.Document) (bool, error) {
	ev := doc.Event()
	if !JavaScriptPlatform(ev.Platform) {
		return false, nil
	}
	changed := false
	// The errors of the stack traces done, each list distinct already (errorList): most events
	// have one stack trace, and nothing to compare its errors with.
	var added [][]ProcessingError
	budget := NewBudget()
	images := map[string]string{}
	addDebugImages(images, ev.DebugImages)
	// One error's fields at a time: AddProcessingError keeps none of them.
	var fields [6]event.ErrorField
	for _, ref := range doc.Stacktraces() {
		st := doc.Stacktrace(ref)
		if st == nil || len(st.Frames) == 0 {
			continue
		}
		req := Request{
			Project: project, Release: ev.Release, Dist: ev.Dist, Platform: ev.Platform,
			DebugImages: ev.DebugImages, Frames: st.Frames, Budget: budget,
		}
		res := s.symbolicate(ctx, req, images, map[string]*resolved{}, false)
		for _, e := range res.Errors {
			if slices.ContainsFunc(added, func(errs []ProcessingError) bool { return slices.Contains(errs, e) }) {
				continue
			}
			if err := doc.AddProcessingError(e.Type, e.appendFields(fields[:0])); err != nil {
				return changed, err
			}
			changed = true
		}
		added = append(added, res.Errors)
		if res.Symbolicated > 0 {
			if err := doc.ReplaceFrames(ref, res.Frames); err != nil {
				return changed, fmt.Errorf("writing symbolicated frames of %s: %w", ref, err)
			}
			changed = true
		}
	}
	return changed, nil
}

// appendFields appends the error laid out as the fields of Sentry's `errors[]` entry (type
// aside), in the key order AddProcessingError writes them in.
func (e ProcessingError) appendFields(fs []event.ErrorField) []event.ErrorField {
	add := func(k, v string) {
		if v != "" {
			fs = append(fs, event.ErrorField{Key: k, Value: v})
		}
	}
	if e.Column > 0 {
		add("column", strconv.Itoa(e.Column))
	}
	add("reason", e.Reason)
	if e.Row > 0 {
		add("row", strconv.Itoa(e.Row))
	}
	add("source", e.Source)
	add("sourcemap", e.Sourcemap)
	add("url", e.URL)
	return fs
}
