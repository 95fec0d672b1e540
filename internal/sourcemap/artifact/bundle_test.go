package artifact

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

type file struct {
	path, typ, url string
	headers        map[string]string
	body           string
}

func bundle(t *testing.T, header string, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(header)
	zw := zip.NewWriter(&buf)
	zw.SetOffset(int64(len(header)))
	entries := map[string]any{}
	for _, f := range files {
		entries[f.path] = map[string]any{"type": f.typ, "url": f.url, "headers": f.headers}
		w, _ := zw.Create(f.path)
		w.Write([]byte(f.body))
	}
	mb, _ := json.Marshal(map[string]any{"files": entries, "debug_id": "9e77a589-21d2-5428-829a-414ebcccce2a", "release": "0.0.1", "org": "o"})
	w, _ := zw.Create("manifest.json")
	w.Write(mb)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const id = "2f259f80-58b7-44cb-d7cd-de1505e7e718"

func TestOpenIndexesFilesByDebugIDAndURL(t *testing.T) {
	b := bundle(t, "SYSB\x02\x00\x00\x00",
		file{path: "files/_/_/0.js", typ: TypeMinifiedSource, url: "~/0.js", headers: map[string]string{"Debug-Id": strings.ToUpper(id), "Sourcemap": "0.js.map"}, body: "x()"},
		file{path: "files/_/_/0.js.map", typ: TypeSourceMap, url: "~/0.js.map", body: `{"version":3,"debugId":"` + id + `","sources":[],"mappings":""}`},
	)
	bd, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if bd.ID != "9e77a589-21d2-5428-829a-414ebcccce2a" || bd.Release != "0.0.1" {
		t.Errorf("attributes %+v", bd)
	}
	min, ok := bd.ByDebugID(id, TypeMinifiedSource)
	if !ok || min.Headers["sourcemap"] != "0.js.map" {
		t.Fatalf("minified by debug id (from a mixed-case header): %+v, %v", min, ok)
	}
	mp, ok := bd.ByDebugID(id, TypeSourceMap)
	if !ok {
		t.Fatal("map without a debug-id header was not indexed by the debugId in its body")
	}
	if body, err := mp.Read(); err != nil || !strings.Contains(string(body), "mappings") {
		t.Fatalf("read map: %q, %v", body, err)
	}
	if e, ok := bd.ByURL("~/0.js"); !ok || e != min {
		t.Errorf("by URL: %+v, %v", e, ok)
	}
}

func TestOpenRejectsWhatIsNotABundle(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{name: "an unknown format version", data: bundle(t, "SYSB\x03\x00\x00\x00"), want: "version 3"},
		{name: "random bytes", data: []byte("SYSB\x02\x00\x00\x00not a zip at all"), want: "not a ZIP"},
		{name: "a ZIP without a manifest", data: func() []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			zw.Create("x")
			zw.Close()
			return buf.Bytes()
		}(), want: "no manifest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(tc.data), int64(len(tc.data)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
