package payload

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// joined is n copies of item (with {i} replaced by the copy's number) separated by commas.
func joined(item string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strings.ReplaceAll(item, "{i}", strconv.Itoa(i))
	}
	return strings.Join(parts, ",")
}

func TestLimitJSONCutsBetweenEntries(t *testing.T) {
	tests := []struct {
		name, in, want string
		cut            Cut
	}{
		{"short containers stay", `{"items":[1,2],"x":{"a":1}}`, `{"items":[1,2],"x":{"a":1}}`, Cut{}},
		{"a long top-level array is cut and counted", `{"items":[1,2,3,4,5],"x":1}`, `{"items":[1,2,3],"x":1}`, Cut{Items: 2}},
		{"every member array is counted", `{"a":[1,2,3,4],"b":[5,6,7,8]}`, `{"a":[1,2,3],"b":[5,6,7]}`, Cut{Items: 2}},
		{"nested containers are cut too", `{"items":[[1,2,3,4],{"k":1,"l":2,"m":3,"n":4}]}`, `{"items":[[1,2,3],{"k":1,"l":2,"m":3}]}`, Cut{Data: true}},
		{"a long object is cut", `{"a":1,"b":2,"c":3,"d":4}`, `{"a":1,"b":2,"c":3}`, Cut{Data: true}},
		{"strings with brackets, commas and escapes are skipped", `{"s":"[\",]","items":["x\\",1,2,3]}`, `{"s":"[\",]","items":["x\\",1,2]}`, Cut{Items: 1}},
		{"empty containers stay", `{"items":[],"o":{}}`, `{"items":[],"o":{}}`, Cut{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := limitJSON([]byte(tt.in), 3, 1000)
			if string(got) != tt.want || cut != tt.cut {
				t.Errorf("got %s %+v, want %s %+v", got, cut, tt.want, tt.cut)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid(got) {
				t.Errorf("valid input became invalid: %s", got)
			}
		})
	}
}

func TestLimitJSONBoundsTheValuesOfAPayload(t *testing.T) {
	// A span's data: 300 arrays of 1000 numbers, each within the entries bound.
	raw := `{"span_id":"0000000000000001","data":{` + joined(`"k{i}":[`+joined("1", 1000)+`]`, 300) + `}}`
	got, cut := limitJSON([]byte(raw), MaxContainerItems, MaxPayloadValues)
	if !cut.Data || !json.Valid(got) {
		t.Fatalf("cut %+v, valid %v", cut, json.Valid(got))
	}
	if n := strings.Count(string(got), ","); n > MaxPayloadValues {
		t.Errorf("%d values kept, want at most %d", n, MaxPayloadValues)
	}
}

func TestATransactionKeepsItsFirstSpansAndBoundedAttributes(t *testing.T) {
	span := `{"span_id":"%016x","start_timestamp":1700000000,"timestamp":1700000001}`
	var spans []string
	for i := range 5000 {
		spans = append(spans, strings.Replace(span, "%016x", strconv.FormatInt(int64(0x1000000000000000+i), 16), 1))
	}
	raw := `{"type":"transaction","transaction":"GET /","start_timestamp":1700000000,"timestamp":1700000001,` +
		`"contexts":{"trace":{"trace_id":"90d57511038845dcb4164a70fc3a7fdb","span_id":"f7f3fd754a9040eb","data":{` + joined(`"d{i}":1`, 1000) + `}}},` +
		`"tags":{` + joined(`"t{i}":"v"`, 1000) + `},"measurements":{` + joined(`"m{i}":{"value":1}`, 1000) + `},` +
		`"spans":[` + strings.Join(spans, ",") + `]}`
	tx, err := DecodeTransaction([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.Spans) != MaxContainerItems || tx.Cut.Items != 5000-MaxContainerItems {
		t.Errorf("%d spans kept, %d cut; want %d, %d", len(tx.Spans), tx.Cut.Items, MaxContainerItems, 5000-MaxContainerItems)
	}
	if len(tx.Tags) != MaxTags || len(tx.Trace.Data) != MaxAttributes || tx.Trace.DroppedAttributes != 1000-MaxAttributes ||
		len(tx.Measurements) != MaxAttributes || tx.DroppedMeasurements != 1000-MaxAttributes {
		t.Errorf("%d tags, %d data (%d dropped), %d measurements (%d dropped)",
			len(tx.Tags), len(tx.Trace.Data), tx.Trace.DroppedAttributes, len(tx.Measurements), tx.DroppedMeasurements)
	}
}

func TestALogContainerIsReadUpToItsBound(t *testing.T) {
	raw := `{"items":[` + joined(`{"timestamp":1700000000,"body":"b{i}","attributes":{"a":{"type":"integer","value":1}}}`, 1500) + `]}`
	b, err := DecodeLogs([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Logs) != MaxContainerItems || b.Cut.Items != 500 || b.Logs[999].Body != "b999" {
		t.Fatalf("%d logs, %+v cut; want %d, 500", len(b.Logs), b.Cut, MaxContainerItems)
	}
	raw = `{"items":[{"timestamp":1700000000,"attributes":{` + joined(`"a{i}":{"type":"integer","value":1}`, 200) + `}}]}`
	if b, err = DecodeLogs([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if l := b.Logs[0]; len(l.Attributes) != MaxAttributes || l.DroppedAttributes != 200-MaxAttributes {
		t.Errorf("a log with %d attributes (%d dropped), want %d (%d)", len(l.Attributes), l.DroppedAttributes, MaxAttributes, 200-MaxAttributes)
	}
}
