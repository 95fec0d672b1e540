package event

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

const chromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36"

func TestRequestURLLosesItsQueryAndFragment(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]any
	}{
		{"the query becomes decoded pairs, the fragment its own field",
			`{"request":{"url":"https://shop.example.com/cart?token=s3cr%2Ft&q=a+b&flag#top"}}`,
			map[string]any{"url": "https://shop.example.com/cart", "fragment": "top",
				"query_string": []any{[]any{"token", "s3cr/t"}, []any{"q", "a b"}, []any{"flag", ""}}}},
		{"a fragment without a query",
			`{"request":{"url":"/app#/settings?x=1"}}`,
			map[string]any{"url": "/app", "fragment": "/settings?x=1"}},
		{"a query_string the SDK sent wins over the URL's",
			`{"request":{"url":"https://a.example/p?x=1","query_string":"y=2"}}`,
			map[string]any{"url": "https://a.example/p", "query_string": "y=2"}},
		{"a URL without query is left alone",
			`{"request":{"url":"https://a.example/p","method":"GET"}}`,
			map[string]any{"url": "https://a.example/p", "method": "GET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ev := normalizeToMap(t, tt.in)
			if got := at(m, "request"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("request = %#v\nwant %#v", got, tt.want)
			}
			if ev.Request.URL != tt.want["url"] {
				t.Errorf("typed view URL = %q", ev.Request.URL)
			}
		})
	}
}

func TestUserAgentFillsContexts(t *testing.T) {
	t.Run("a browser event gets browser and os contexts", func(t *testing.T) {
		m, _ := normalizeToMap(t, `{"platform":"javascript","request":{"headers":[["user-agent","`+chromeOnWindows+`"]]}}`)
		want := map[string]any{
			"browser": map[string]any{"name": "Chrome", "version": "120.0.6099", "type": "browser", "browser": "Chrome 120.0.6099"},
			"os":      map[string]any{"name": "Windows", "version": "10", "type": "os", "os": "Windows 10"},
		}
		if got := at(m, "contexts"); !reflect.DeepEqual(got, want) {
			t.Errorf("contexts = %#v\nwant %#v", got, want)
		}
	})
	t.Run("on a server platform the user's system is client_os, the server's os is kept", func(t *testing.T) {
		m, _ := normalizeToMap(t, `{"platform":"python","contexts":{"os":{"name":"Linux","version":"6.8"}},
			"request":{"headers":{"User-Agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"}}}`)
		if got := at(m, "contexts", "os", "os"); got != "Linux 6.8" {
			t.Errorf("os = %v", got)
		}
		if got := at(m, "contexts", "client_os", "os"); got != "Mac OS X 10.15.7" {
			t.Errorf("client_os = %v", got)
		}
		if got := at(m, "contexts", "device", "family"); got != "Mac" {
			t.Errorf("device.family = %v", got)
		}
	})
	t.Run("a browser context the SDK sent is kept", func(t *testing.T) {
		m, _ := normalizeToMap(t, `{"platform":"javascript","contexts":{"b":{"type":"browser","name":"Firefox","version":"121.0"}},
			"request":{"headers":{"User-Agent":"`+chromeOnWindows+`"}}}`)
		if at(m, "contexts", "browser") != nil {
			t.Errorf("a second browser context was added: %v", at(m, "contexts"))
		}
	})
}

func tagMap(ev *Event) map[string]string {
	out := map[string]string{}
	for _, tg := range ev.Tags {
		out[tg.Key] = tg.Value
	}
	return out
}

func TestDerivedTags(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
		absent   []string
	}{
		{"a python error: event fields, mechanism, runtime and server name",
			`{"platform":"python","level":"error","environment":"production","release":"shop@1.2","dist":"7",
			  "server_name":"web01","transaction":"/checkout","logger":"django.request",
			  "user":{"email":"a@example.com","ip_address":"10.0.0.1"},
			  "contexts":{"runtime":{"name":"CPython","version":"3.13.5"}},
			  "exception":{"values":[{"type":"ValueError","value":"x","mechanism":{"type":"excepthook","handled":false}}]}}`,
			map[string]string{"level": "error", "environment": "production", "release": "shop@1.2", "dist": "7",
				"server_name": "web01", "transaction": "/checkout", "logger": "django.request", "user": "email:a@example.com",
				"mechanism": "excepthook", "handled": "no", "runtime": "CPython 3.13.5", "runtime.name": "CPython"},
			nil},
		{"the user tag prefers the id, then email, username and ip",
			`{"user":{"id":42,"email":"a@example.com"}}`, map[string]string{"user": "id:42"}, nil},
		{"a user known only by address",
			`{"user":{"ip_address":"203.0.113.9"}}`, map[string]string{"user": "ip:203.0.113.9"}, nil},
		{"the first exception's mechanism gives mechanism and handled",
			`{"exception":{"values":[{"type":"A","mechanism":{"type":"chained","handled":true}},{"type":"B","mechanism":{"type":"onerror","handled":false}}]}}`,
			map[string]string{"mechanism": "chained", "handled": "yes"}, nil},
		{"a mechanism without handled gives no handled tag",
			`{"exception":{"values":[{"type":"A","mechanism":{"type":"generic"}}]}}`,
			map[string]string{"mechanism": "generic"}, []string{"handled"}},
		{"a browser event: url without its query, browser and os from the user agent",
			`{"platform":"javascript","request":{"url":"https://app.example/cart?token=abc","headers":{"User-Agent":"` + chromeOnWindows + `"}}}`,
			map[string]string{"url": "https://app.example/cart", "browser": "Chrome 120.0.6099", "browser.name": "Chrome",
				"os": "Windows 10", "os.name": "Windows"}, nil},
		{"a device context gives its model and family",
			`{"contexts":{"device":{"model":"iPhone15,2","family":"iOS"},"os":{"name":"iOS"}}}`,
			map[string]string{"device": "iPhone15,2", "device.family": "iOS", "os.name": "iOS"}, []string{"os"}},
		{"a context under another key tags by that key",
			`{"contexts":{"client_os":{"type":"os","name":"Windows","version":"11"}}}`,
			map[string]string{"client_os": "Windows 11", "client_os.name": "Windows"}, nil},
		{"derived tags replace the SDK's own, except url",
			`{"level":"warning","tags":{"level":"custom","url":"/mine","browser":"x"},"request":{"url":"/theirs"},
			  "contexts":{"browser":{"name":"Firefox","version":"121.0"}}}`,
			map[string]string{"level": "warning", "url": "/mine", "browser": "Firefox 121.0"}, nil},
		{"a value longer than a tag may hold is not a tag",
			`{"transaction":"` + longString(201) + `"}`, map[string]string{"level": "error"}, []string{"transaction"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ev := normalizeToMap(t, tt.in)
			got := tagMap(ev)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("tag %s = %q, want %q (tags %v)", k, got[k], v, got)
				}
			}
			for _, k := range tt.absent {
				if _, ok := got[k]; ok {
					t.Errorf("tag %s = %q, want none", k, got[k])
				}
			}
		})
	}
}

func TestDerivedTagsKeepTheSDKTagsInPlace(t *testing.T) {
	m, _ := normalizeToMap(t, `{"level":"fatal","tags":[["a","1"],["level","x"],["b","2"]]}`)
	want := []any{[]any{"a", "1"}, []any{"level", "fatal"}, []any{"b", "2"}}
	if got := at(m, "tags"); !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
}

func longString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}

// DerivedTagKeys names every tag key Normalize derives from a full event, browser user agent
// included.
func TestDerivedTagKeysCoverWhatNormalizeDerives(t *testing.T) {
	raw := `{"event_id":"0123456789abcdef0123456789abcdef","level":"error","logger":"app","transaction":"/pay",
	  "environment":"prod","release":"shop@1","dist":"7","server_name":"web-1","site":"eu","user":{"id":"u1"},
	  "request":{"url":"https://shop.example/pay","headers":[["User-Agent","` + chromeOnWindows + `"]]},
	  "exception":{"values":[{"type":"E","value":"v","mechanism":{"type":"generic","handled":false}}]},
	  "contexts":{"os":{"name":"Linux"},"runtime":{"name":"node"},"device":{"model":"x","family":"y"},"gpu":{"name":"g","vendor_name":"v"}}}`
	_, ev, err := Normalize([]byte(raw), NormalizeOptions{ReceivedAt: time.Unix(1_700_000_000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range ev.Tags {
		if !slices.Contains(DerivedTagKeys, tg.Key) {
			t.Errorf("Normalize derived tag %q, which DerivedTagKeys does not name", tg.Key)
		}
	}
	if len(ev.Tags) < 15 {
		t.Errorf("only %d tags derived: %v", len(ev.Tags), ev.Tags)
	}
}
