package issuestoreexporter

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/event"
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
	return attrkey.Str(a, attrkey.ServiceVersion), attrkey.Environment(a)
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
	var attrs eventAttributes
	attrs.read(a)
	eventID := attrs.str(attrEventID)
	payload := attrs.str(attrEvent)
	project, err := strconv.ParseInt(attrs.str(attrProjectID), 10, 64)
	if eventID == "" || payload == "" || err != nil {
		return store.Event{}, false
	}
	ev := store.Event{
		ProjectID:      project,
		EventID:        eventID,
		Timestamp:      ts.AsTime(),
		Received:       observed.AsTime(),
		Level:          attrs.str(attrLevel),
		Platform:       attrs.str(attrPlatform),
		Release:        release,
		Environment:    env,
		Title:          attrs.str(attrGroupTitle),
		Culprit:        attrs.str(attrGroupCulprit),
		GroupingConfig: attrs.str(attrGroupConfig),
		Explanation:    attrs.str(attrGroupExplanation),
		Metadata: store.Metadata{
			Type:     attrs.str(attrGroupMetadataType),
			Value:    attrs.str(attrGroupMetadataValue),
			Filename: attrs.str(attrGroupMetadataFilename),
			Function: attrs.str(attrGroupMetadataFunction),
		},
		UserID:    attrs.str(attrUserID),
		UserEmail: attrs.str(attrUserEmail),
		UserIP:    attrs.str(attrClientAddress),
		Source:    alertrule.SourceOTel,
		Tags:      attrs.tags,
	}
	if _, ok := attrs.get(attrItemType); ok { // set by the sentry receiver only
		ev.Source = alertrule.SourceSentry
	}
	if ts == 0 {
		ev.Timestamp = time.Time{}
	}
	if observed == 0 {
		ev.Received = now
	}
	if v, ok := attrs.get(attrGroupHashes); ok && v.Type() == pcommon.ValueTypeSlice {
		hs := v.Slice()
		ev.Hashes = make([]string, 0, hs.Len())
		for i := 0; i < hs.Len(); i++ {
			if h := hs.At(i).AsString(); h != "" {
				ev.Hashes = append(ev.Hashes, h)
			}
		}
	}
	if h := attrs.str(attrGroupHash); h != "" && (len(ev.Hashes) == 0 || ev.Hashes[0] != h) {
		ev.Hashes = append([]string{h}, ev.Hashes...)
	}
	excType, excValue := attrs.str(attrExceptionType), attrs.str(attrExceptionMessage)
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
		ev.Culprit = attrs.str(attrTransaction) // what Sentry shows when grouping gave no culprit
	}
	// Sentry stores the culprit with the event (the event API shows it there). An event that
	// cannot be read is stored as it came.
	if ev.Payload, err = event.AppendWithCulprit(nil, payload, ev.Culprit); err != nil {
		ev.Payload = []byte(payload)
	}
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
