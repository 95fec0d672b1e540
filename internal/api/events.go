package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/faultline/faultline/internal/store"
)

func (a *API) issueEvents(w http.ResponseWriter, r *http.Request) {
	is, ok := a.issue(w, r)
	if !ok {
		return
	}
	offset, err := parseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := pageLimit(r, 100)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	full := r.URL.Query().Get("full") == "true" || r.URL.Query().Get("full") == "1"
	evs, err := a.st.IssueEvents(r.Context(), is.ID, limit+1, offset)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	hasNext := len(evs) > limit
	evs = evs[:min(len(evs), limit)]
	out := make([]map[string]any, 0, len(evs))
	for i := range evs {
		out = append(out, a.eventJSON(&evs[i], full))
	}
	setLink(w, r, offset, limit, hasNext)
	writeJSON(w, http.StatusOK, out)
}

func (a *API) latestEvent(w http.ResponseWriter, r *http.Request) {
	is, ok := a.issue(w, r)
	if !ok {
		return
	}
	e, err := a.st.LatestEvent(r.Context(), is.ID)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.eventJSON(e, true))
}

func (a *API) eventByID(w http.ResponseWriter, r *http.Request) {
	p, ok := a.project(w, r)
	if !ok {
		return
	}
	e, err := a.st.EventByID(r.Context(), p.ID, r.PathValue("event"))
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.eventJSON(e, true))
}

// eventJSON is an event as Sentry's event endpoints serialize it. The summary form is what issue
// event lists return; the full form adds the interfaces as "entries" and the rest of the event.
func (a *API) eventJSON(e *store.StoredEvent, full bool) map[string]any {
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(e.Payload))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		ev = map[string]any{"_faultline_error": fmt.Sprintf("stored event is not JSON: %v", err)}
	}
	kind := "default"
	if _, ok := ev["exception"]; ok {
		kind = "error"
	}
	out := map[string]any{
		"id":           e.EventID,
		"eventID":      e.EventID,
		"groupID":      strconv.FormatInt(e.IssueID, 10),
		"projectID":    strconv.FormatInt(e.ProjectID, 10),
		"title":        e.Title,
		"message":      message(ev),
		"dateCreated":  isoTime(e.Timestamp),
		"dateReceived": isoTime(e.Received),
		"platform":     ev["platform"],
		"type":         kind,
		"event.type":   kind,
		"user":         ev["user"],
		"tags":         tagList(ev["tags"]),
		"culprit":      stringOr(ev["culprit"], ""),
		"location":     nil,
	}
	if !full {
		return out
	}
	var entries []map[string]any
	// sources names the event key each entry shows, so that its _meta can follow it.
	var sources []string
	if v, ok := ev["exception"].(map[string]any); ok {
		entries = append(entries, map[string]any{"type": "exception", "data": map[string]any{"values": v["values"], "excOmitted": nil, "hasSystemFrames": true}})
		sources = append(sources, "exception")
	}
	if v, ok := ev["threads"].(map[string]any); ok {
		entries = append(entries, map[string]any{"type": "threads", "data": map[string]any{"values": v["values"]}})
		sources = append(sources, "threads")
	}
	if v, ok := ev["logentry"].(map[string]any); ok {
		entries = append(entries, map[string]any{"type": "message", "data": v})
		sources = append(sources, "logentry")
	}
	if v, ok := ev["breadcrumbs"].(map[string]any); ok {
		entries = append(entries, map[string]any{"type": "breadcrumbs", "data": map[string]any{"values": v["values"]}})
		sources = append(sources, "breadcrumbs")
	}
	if v, ok := ev["request"]; ok {
		entries = append(entries, map[string]any{"type": "request", "data": v})
		sources = append(sources, "request")
	}
	if entries == nil {
		entries = []map[string]any{}
	}
	out["entries"] = entries
	meta, _ := ev["_meta"].(map[string]any)
	out["contexts"] = orEmpty(ev["contexts"])
	out["context"] = orEmpty(ev["extra"])
	out["sdk"] = ev["sdk"]
	out["release"] = releaseJSON(stringOr(ev["release"], ""))
	out["dist"] = ev["dist"]
	out["environment"] = ev["environment"]
	out["packages"] = orEmpty(ev["modules"])
	out["fingerprints"] = orList(ev["fingerprint"])
	out["errors"] = orList(ev["errors"])
	out["size"] = len(e.Payload)
	out["crashFile"] = nil
	out["_meta"] = apiMeta(meta, sources)
	return out
}

// apiMeta lays the event's _meta (trimming's and data scrubbing's remarks, keyed by the paths
// of the stored event) out the way Sentry's API does, keyed by the response's fields: the
// entries by index ("exception" and the other {"values": …} interfaces under data, "message"
// and "request" as data itself), "context" for extra, "contexts", "user", "sdk", "packages"
// for modules and "tags" by tag index with "value".
func apiMeta(meta map[string]any, sources []string) map[string]any {
	out := map[string]any{}
	if len(meta) == 0 {
		return out
	}
	entries := map[string]any{}
	for i, src := range sources {
		m, ok := meta[src]
		if !ok {
			continue
		}
		entries[strconv.Itoa(i)] = map[string]any{"data": m}
	}
	if len(entries) > 0 {
		out["entries"] = entries
	}
	for from, to := range map[string]string{"extra": "context", "contexts": "contexts", "user": "user", "sdk": "sdk", "modules": "packages"} {
		if m, ok := meta[from]; ok {
			out[to] = m
		}
	}
	if tags, ok := meta["tags"].(map[string]any); ok {
		// Stored tags are [key, value] pairs, the API's are {key, value} objects.
		t := map[string]any{}
		for i, pair := range tags {
			if p, ok := pair.(map[string]any); ok {
				if v, ok := p["1"]; ok {
					t[i] = map[string]any{"value": v}
				}
			}
		}
		if len(t) > 0 {
			out["tags"] = t
		}
	}
	return out
}

// message is what Sentry shows as an event's message: the formatted log entry, else the message.
func message(ev map[string]any) string {
	if le, ok := ev["logentry"].(map[string]any); ok {
		if s := stringOr(le["formatted"], ""); s != "" {
			return s
		}
		return stringOr(le["message"], "")
	}
	return stringOr(ev["message"], "")
}

// tagList turns event tags (an object or a list of pairs) into Sentry's [{key, value}].
func tagList(v any) []map[string]any {
	out := []map[string]any{}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			out = append(out, map[string]any{"key": k, "value": t[k]})
		}
	case []any:
		for _, p := range t {
			if pair, ok := p.([]any); ok && len(pair) == 2 {
				out = append(out, map[string]any{"key": pair[0], "value": pair[1]})
			}
		}
	}
	return out
}

func stringOr(v any, def string) string {
	if s, ok := v.(string); ok {
		return s
	}
	return def
}

func orEmpty(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}

func orList(v any) any {
	if v == nil {
		return []any{}
	}
	return v
}
