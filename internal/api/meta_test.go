package api

import (
	"encoding/json"
	"testing"
)

func TestMetaIsKeyedByTheResponsesFieldsAsInSentry(t *testing.T) {
	var meta map[string]any
	if err := json.Unmarshal([]byte(`{
		"exception":{"values":{"0":{"value":{"":{"rem":[["@creditcard:filter","s",5,15]],"len":33}}}}},
		"request":{"headers":{"0":{"1":{"":{"rem":[["@password:filter","s",0,10]],"len":12}}}}},
		"extra":{"db_password":{"":{"rem":[["@password:filter","s",0,10]],"len":7}}},
		"user":{"ip_address":{"":{"rem":[["@anything:remove","x"]],"len":11}}},
		"tags":{"2":{"1":{"":{"rem":[["@password:filter","s",0,10]],"len":3}}}}}`), &meta); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(apiMeta(meta, []string{"exception", "breadcrumbs", "request"}))
	want := `{"context":{"db_password":{"":{"len":7,"rem":[["@password:filter","s",0,10]]}}},` +
		`"entries":{"0":{"data":{"values":{"0":{"value":{"":{"len":33,"rem":[["@creditcard:filter","s",5,15]]}}}}}},` +
		`"2":{"data":{"headers":{"0":{"1":{"":{"len":12,"rem":[["@password:filter","s",0,10]]}}}}}}},` +
		`"tags":{"2":{"value":{"":{"len":3,"rem":[["@password:filter","s",0,10]]}}}},` +
		`"user":{"ip_address":{"":{"len":11,"rem":[["@anything:remove","x"]]}}}}`
	if string(got) != want {
		t.Errorf("apiMeta =\n%s\nwant\n%s", got, want)
	}
	if got, _ := json.Marshal(apiMeta(nil, nil)); string(got) != "{}" {
		t.Errorf("no meta gives %s, want {}", got)
	}
}
