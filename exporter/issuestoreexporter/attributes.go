package issuestoreexporter

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/store"
)

// The attributes convertAttributes reads, as indexes into eventAttributes.values.
const (
	attrEventID = iota
	attrEvent
	attrProjectID
	attrItemType
	attrLevel
	attrPlatform
	attrTransaction
	attrUserID
	attrUserEmail
	attrClientAddress
	attrExceptionType
	attrExceptionMessage
	attrGroupHash
	attrGroupHashes
	attrGroupTitle
	attrGroupCulprit
	attrGroupConfig
	attrGroupExplanation
	attrGroupMetadataType
	attrGroupMetadataValue
	attrGroupMetadataFilename
	attrGroupMetadataFunction
	numEventAttributes
)

// eventAttribute is the index of key among the attributes convertAttributes reads, or -1.
func eventAttribute(key string) int {
	switch key {
	case attrkey.EventID:
		return attrEventID
	case attrkey.Event:
		return attrEvent
	case attrkey.ProjectID:
		return attrProjectID
	case attrkey.ItemType:
		return attrItemType
	case attrkey.Level:
		return attrLevel
	case attrkey.Platform:
		return attrPlatform
	case attrkey.Transaction:
		return attrTransaction
	case attrkey.UserID:
		return attrUserID
	case attrkey.UserEmail:
		return attrUserEmail
	case attrkey.ClientAddress:
		return attrClientAddress
	case attrkey.ExceptionType:
		return attrExceptionType
	case attrkey.ExceptionMessage:
		return attrExceptionMessage
	case attrkey.GroupHash:
		return attrGroupHash
	case attrkey.GroupHashes:
		return attrGroupHashes
	case attrkey.GroupTitle:
		return attrGroupTitle
	case attrkey.GroupCulprit:
		return attrGroupCulprit
	case attrkey.GroupConfig:
		return attrGroupConfig
	case attrkey.GroupExplanation:
		return attrGroupExplanation
	case attrkey.GroupMetadataType:
		return attrGroupMetadataType
	case attrkey.GroupMetadataValue:
		return attrGroupMetadataValue
	case attrkey.GroupMetadataFilename:
		return attrGroupMetadataFilename
	case attrkey.GroupMetadataFunction:
		return attrGroupMetadataFunction
	}
	return -1
}

// eventAttributes are the attributes of a record (or span event) that make its store event,
// read in one pass: a record carries some forty, and looking up each of the twenty on its own
// went through them twenty times (BenchmarkConvertNodeEvent). As with Map.Get, the first of a
// repeated key counts; every tag counts, in order.
type eventAttributes struct {
	values [numEventAttributes]pcommon.Value
	found  uint32 // bit i: values[i] was found
	tags   []store.Tag
}

// read reads the attributes of a into r, which is empty.
func (r *eventAttributes) read(a pcommon.Map) {
	seen := 0
	a.Range(func(k string, v pcommon.Value) bool {
		seen++
		if i := eventAttribute(k); i >= 0 {
			if r.found&(1<<i) == 0 {
				r.found |= 1 << i
				r.values[i] = v
			}
		} else if tag, ok := strings.CutPrefix(k, attrkey.TagPrefix); ok {
			if r.tags == nil {
				// The attributes left are as many tags at most: one allocation, not one per doubling.
				r.tags = make([]store.Tag, 0, a.Len()-seen+1)
			}
			r.tags = append(r.tags, store.Tag{Key: tag, Value: v.AsString()})
		}
		return true
	})
}

// get returns attribute i and whether the record has it.
func (r *eventAttributes) get(i int) (pcommon.Value, bool) {
	return r.values[i], r.found&(1<<i) != 0
}

// str returns attribute i as a string, "" when the record does not have it (attrkey.Str).
func (r *eventAttributes) str(i int) string {
	if v, ok := r.get(i); ok {
		return v.AsString()
	}
	return ""
}
