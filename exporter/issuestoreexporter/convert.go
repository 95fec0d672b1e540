package issuestoreexporter

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/store"
)

// convert turns the Sentry error events of a batch into store events. Other records (plain
// OTel logs, check-ins, feedback) are counted as skipped.
func convert(ld plog.Logs) (evs []store.Event, skipped int) {
	now := time.Now()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		release, env := releaseAndEnvironment(rl.Resource())
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				ev, ok := convertRecord(lrs.At(k), release, env, now)
				if !ok {
					skipped++
					continue
				}
				evs = append(evs, ev)
			}
		}
	}
	return evs, skipped
}

// releaseAndEnvironment reads the release and environment of a resource's events.
func releaseAndEnvironment(res pcommon.Resource) (release, env string) {
	a := res.Attributes()
	env = str(a, attrkey.DeploymentEnv)
	if env == "" {
		env = str(a, attrkey.DeploymentEnvDeprecated)
	}
	return str(a, attrkey.ServiceVersion), env
}

func convertRecord(lr plog.LogRecord, release, env string, now time.Time) (store.Event, bool) {
	if lr.EventName() == attrkey.CheckInEventName || lr.EventName() == attrkey.FeedbackEventName {
		return store.Event{}, false
	}
	return convertAttributes(lr.Attributes(), lr.Timestamp(), lr.ObservedTimestamp(), lr.Body().AsString(), release, env, now)
}

// convertAttributes makes the store event of a Sentry event carried by attributes a (of a log
// record or a span event) as the sentry receiver and errorgrouping processor set them; ok is
// false when they carry none. A zero observed time means the event is received now.
func convertAttributes(a pcommon.Map, ts, observed pcommon.Timestamp, body, release, env string, now time.Time) (store.Event, bool) {
	eventID := str(a, attrkey.EventID)
	payload := str(a, attrkey.Event)
	project, err := strconv.ParseInt(str(a, attrkey.ProjectID), 10, 64)
	if eventID == "" || payload == "" || err != nil {
		return store.Event{}, false
	}
	ev := store.Event{
		ProjectID:      project,
		EventID:        eventID,
		Timestamp:      ts.AsTime(),
		Received:       observed.AsTime(),
		Level:          str(a, attrkey.Level),
		Platform:       str(a, attrkey.Platform),
		Release:        release,
		Environment:    env,
		Title:          str(a, attrkey.GroupTitle),
		Culprit:        str(a, attrkey.GroupCulprit),
		GroupingConfig: str(a, attrkey.GroupConfig),
		Explanation:    str(a, attrkey.GroupExplanation),
		Metadata: store.Metadata{
			Type:     str(a, attrkey.GroupMetadataType),
			Value:    str(a, attrkey.GroupMetadataValue),
			Filename: str(a, attrkey.GroupMetadataFilename),
			Function: str(a, attrkey.GroupMetadataFunction),
		},
		UserID:    str(a, attrkey.UserID),
		UserEmail: str(a, attrkey.UserEmail),
		UserIP:    str(a, attrkey.ClientAddress),
		Payload:   []byte(payload),
	}
	if ts == 0 {
		ev.Timestamp = time.Time{}
	}
	if observed == 0 {
		ev.Received = now
	}
	if v, ok := a.Get(attrkey.GroupHashes); ok && v.Type() == pcommon.ValueTypeSlice {
		for i := 0; i < v.Slice().Len(); i++ {
			if h := v.Slice().At(i).AsString(); h != "" {
				ev.Hashes = append(ev.Hashes, h)
			}
		}
	}
	if h := str(a, attrkey.GroupHash); h != "" && (len(ev.Hashes) == 0 || ev.Hashes[0] != h) {
		ev.Hashes = append([]string{h}, ev.Hashes...)
	}
	excType, excValue := str(a, attrkey.ExceptionType), str(a, attrkey.ExceptionMessage)
	if len(ev.Hashes) == 0 {
		ev.Hashes = []string{fallbackHash(excType, excValue, body)}
		if ev.Metadata.Type == "" && ev.Metadata.Value == "" {
			ev.Metadata.Type, ev.Metadata.Value = excType, excValue
		}
	}
	if ev.Title == "" {
		ev.Title = fallbackTitle(excType, excValue, body)
	}
	if ev.Culprit == "" {
		ev.Culprit = str(a, attrkey.Transaction) // what Sentry shows when grouping gave no culprit
	}
	a.Range(func(k string, v pcommon.Value) bool {
		if tag, ok := strings.CutPrefix(k, attrkey.TagPrefix); ok {
			ev.Tags = append(ev.Tags, store.Tag{Key: tag, Value: v.AsString()})
		}
		return true
	})
	return ev, true
}

// fallbackHash groups events that did not pass through the errorgrouping processor: by exception
// type and value when there is an exception, else by the message (the record body). It is the md5
// of those parts joined by NUL, hex-encoded like Sentry's hashes — far coarser than Sentry's
// grouping (no stack trace), which is why the processor belongs in the pipeline.
func fallbackHash(excType, excValue, body string) string {
	var parts string
	if excType != "" || excValue != "" {
		parts = "exception\x00" + excType + "\x00" + excValue
	} else {
		parts = "message\x00" + body
	}
	sum := md5.Sum([]byte(parts))
	return hex.EncodeToString(sum[:])
}

func fallbackTitle(excType, excValue, body string) string {
	switch {
	case excType != "" && excValue != "":
		return excType + ": " + excValue
	case excType != "":
		return excType
	case excValue != "":
		return excValue
	case body != "":
		return body
	}
	return "<unlabeled event>"
}

func str(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok {
		return v.AsString()
	}
	return ""
}
