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

func TestLimitArraysCutsTopLevelArraysOnly(t *testing.T) {
	tests := []struct {
		name, in, want string
		cut            int
	}{
		{"short arrays stay", `{"items":[1,2],"x":[3]}`, `{"items":[1,2],"x":[3]}`, 0},
		{"a long array is cut", `{"items":[1,2,3,4,5],"x":1}`, `{"items":[1,2,3],"x":1}`, 2},
		{"every member array is cut", `{"a":[1,2,3,4],"b":[5,6,7,8]}`, `{"a":[1,2,3],"b":[5,6,7]}`, 2},
		{"nested arrays are elements", `{"items":[[1,2,3,4],{"k":[1,2,3,4]},"a,b,c]",4]}`, `{"items":[[1,2,3,4],{"k":[1,2,3,4]},"a,b,c]"]}`, 1},
		{"strings with brackets and escapes are skipped", `{"s":"[\"]","items":["x\\",1,2,3]}`, `{"s":"[\"]","items":["x\\",1,2]}`, 1},
		{"an array document is left to the decoder", `[1,2,3,4,5]`, `[1,2,3,4,5]`, 0},
		{"empty arrays stay", `{"items":[]}`, `{"items":[]}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := limitArrays([]byte(tt.in), 3)
			if string(got) != tt.want || cut != tt.cut {
				t.Errorf("got %s (cut %d), want %s (cut %d)", got, cut, tt.want, tt.cut)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid(got) {
				t.Errorf("valid input became invalid: %s", got)
			}
		})
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
	if len(tx.Spans) != MaxContainerItems || tx.CutSpans != 5000-MaxContainerItems {
		t.Errorf("%d spans kept, %d cut; want %d, %d", len(tx.Spans), tx.CutSpans, MaxContainerItems, 5000-MaxContainerItems)
	}
	if len(tx.Tags) != MaxTags || len(tx.Trace.Data) != MaxAttributes || tx.Trace.DroppedAttributes != 1000-MaxAttributes ||
		len(tx.Measurements) != MaxAttributes || tx.DroppedMeasurements != 1000-MaxAttributes {
		t.Errorf("%d tags, %d data (%d dropped), %d measurements (%d dropped)",
			len(tx.Tags), len(tx.Trace.Data), tx.Trace.DroppedAttributes, len(tx.Measurements), tx.DroppedMeasurements)
	}
}

func TestALogContainerIsReadUpToItsBound(t *testing.T) {
	raw := `{"items":[` + joined(`{"timestamp":1700000000,"body":"b{i}","attributes":{`+joined(`"a{i}":{"type":"integer","value":1}`, 200)+`}}`, 1500) + `]}`
	b, err := DecodeLogs([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Logs) != MaxContainerItems || b.Cut != 500 {
		t.Fatalf("%d logs, %d cut; want %d, 500", len(b.Logs), b.Cut, MaxContainerItems)
	}
	if l := b.Logs[999]; l.Body != "b999" || len(l.Attributes) != MaxAttributes || l.DroppedAttributes != 200-MaxAttributes {
		t.Errorf("last log %q with %d attributes (%d dropped)", l.Body, len(l.Attributes), l.DroppedAttributes)
	}
}
