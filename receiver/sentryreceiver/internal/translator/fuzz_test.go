package translator

import (
	"os"
	"testing"

	"github.com/faultline/faultline/internal/sentry/envelope"
)

// fuzzTypes are the item types FuzzTranslate feeds a payload as; the fuzzer picks one by index.
var fuzzTypes = []string{"event", "transaction", "span", "log", "session", "sessions", "client_report", "check_in", "feedback", "user_report", "trace_metric", "attachment", "profile"}

// FuzzTranslate feeds arbitrary payloads as every item type: Translate must not panic and must
// give exactly one outcome per item.
func FuzzTranslate(f *testing.F) {
	node, err := os.ReadFile("testdata/node-error.envelope")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), node)
	f.Add(uint8(1), []byte(`{"transaction":"t","start_timestamp":1,"timestamp":2,"contexts":{"trace":{"trace_id":"6e0ef15ede06506803e11fc01001116a","span_id":"391cd42b4d98aa01"}},"spans":[{"span_id":"bbbbbbbbbbbbbbbb","start_timestamp":1,"timestamp":2,"data":{"a":[1,{"b":null}]}}]}`))
	f.Add(uint8(2), []byte(`{"items":[{"trace_id":"6e0ef15ede06506803e11fc01001116a","span_id":"391cd42b4d98aa01","start_timestamp":1,"end_timestamp":2,"links":[{"trace_id":"6e0ef15ede06506803e11fc01001116a","span_id":"391cd42b4d98aa01"}]}]}`))
	f.Add(uint8(3), []byte(`{"items":[{"timestamp":1,"level":"info","body":"x","attributes":{"a":{"type":"integer","value":"1"}}}]}`))
	f.Add(uint8(10), []byte(`{"items":[{"timestamp":1,"type":"distribution","name":"n","value":1.5}]}`))
	f.Fuzz(func(t *testing.T, typ uint8, payload []byte) {
		env := &envelope.Envelope{Items: []envelope.Item{
			{Type: fuzzTypes[int(typ)%len(fuzzTypes)], Payload: payload},
			{Type: "attachment", Filename: "a.txt", Payload: payload},
		}}
		out := Translate(Input{ProjectID: "1", ReceivedAt: received, Envelope: env})
		if len(out.Outcomes) != 2 {
			t.Fatalf("%d outcomes for 2 items", len(out.Outcomes))
		}
	})
}
