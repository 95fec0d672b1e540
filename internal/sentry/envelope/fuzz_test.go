package envelope

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzParse checks that no input panics, that every failure is an *Error, and that what Parse
// keeps respects the limits it was given. Seeds live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/node-error.envelope"); err == nil {
		f.Add(b)
	}
	l := DefaultLimits()
	l.MaxEnvelopeSize = 1 << 16
	l.MaxEventSize = 512
	l.MaxHeaderSize = 1024
	l.MaxItems = 50
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Parse(bytes.NewReader(data), l)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		for _, it := range env.Items {
			if it.Type == "" {
				t.Fatal("item without type")
			}
			if (it.Type == "event" || it.Type == "transaction") && int64(len(it.Payload)) > l.MaxEventSize {
				t.Fatalf("kept a %d byte %s", len(it.Payload), it.Type)
			}
		}
		if len(env.Items)+len(env.Dropped) > l.MaxItems {
			t.Fatalf("%d items", len(env.Items)+len(env.Dropped))
		}
	})
}
