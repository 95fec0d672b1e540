package scrub

import (
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/sentry/event"
)

var received = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// scrubEvent normalizes raw with cfg's scrubber and returns the event as a map.
func scrubEvent(t *testing.T, cfg Config, raw string) map[string]any {
	t.Helper()
	s, err := Compile(cfg)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	ss := s.Session()
	defer ss.Release()
	out, _, err := event.Normalize([]byte(raw), event.NormalizeOptions{ReceivedAt: received, Editor: ss})
	if err != nil {
		t.Fatalf("normalize: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return m
}

// at follows a dotted path through maps and arrays.
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func metaJSON(m map[string]any, path string) string {
	b, _ := json.Marshal(at(m["_meta"], path))
	return string(b)
}

var defaults = Config{ScrubDefaults: true}

func TestDefaults(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		event string
		path  string
		want  any
		meta  string // _meta at path, "" to skip
	}{
		{"a password in extra is filtered", defaults, `{"extra":{"password":"hunter2"}}`,
			"extra.password", "[Filtered]", `{"":{"len":7,"rem":[["@password:filter","s",0,10]]}}`},
		{"a key containing a sensitive word is filtered, whatever its case", defaults, `{"extra":{"X-Api_Key-Id":"abc"}}`,
			"extra.X-Api_Key-Id", "[Filtered]", ""},
		{"every default word", defaults, `{"extra":{"a":{"secret":"x","passwd":"x","apikey":"x","auth":"x","credentials":"x","mysql_pwd":"x","privatekey":"x","private_key":"x","token":"x","bearer":"x"}}}`,
			"extra.a.bearer", "[Filtered]", ""},
		{"a value containing a sensitive word is filtered", defaults, `{"extra":{"q":"a=1&password=2"}}`,
			"extra.q", "[Filtered]", ""},
		{"a number under a sensitive key is removed", defaults, `{"extra":{"pin_token":1234}}`,
			"extra.pin_token", nil, `{"":{"rem":[["@password:filter","x"]]}}`},
		{"an array under a sensitive key is filtered element by element", defaults, `{"extra":{"tokens":["a","b"]}}`,
			"extra.tokens.1", "[Filtered]", ""},
		{"an object under a sensitive key is walked, not filtered whole", defaults, `{"extra":{"credentials":{"user":"jane"}}}`,
			"extra.credentials.user", "jane", ""},
		{"an Authorization header sent as pairs", defaults, `{"request":{"headers":[["Authorization","Bearer abc"],["Accept","*/*"]]}}`,
			"request.headers.0.1", "[Filtered]", `{"":{"len":10,"rem":[["@password:filter","s",0,10]]}}`},
		{"a header object", defaults, `{"request":{"headers":{"Authorization":"Basic abc","Accept":"*/*"}}}`,
			"request.headers.Authorization", "[Filtered]", ""},
		{"cookies are filtered", defaults, `{"request":{"cookies":"sid=abc; theme=dark","headers":{"Cookie":"sid=abc"}}}`,
			"request.cookies", "[Filtered]", ""},
		{"the Cookie header is filtered", defaults, `{"request":{"headers":{"Cookie":"sid=abc"}}}`,
			"request.headers.Cookie", "[Filtered]", ""},
		{"a credit card inside an exception message", defaults, `{"exception":{"values":[{"type":"E","value":"card 4242 4242 4242 4242 declined"}]}}`,
			"exception.values.0.value", "card [Filtered] declined", `{"":{"len":33,"rem":[["@creditcard:filter","s",5,15]]}}`},
		{"a number failing the Luhn check is kept", defaults, `{"extra":{"n":"order 4242424242424241"}}`,
			"extra.n", "order 4242424242424241", ""},
		{"a PEM private key's body", defaults, `{"extra":{"k":"-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----"}}`,
			"extra.k", "-----BEGIN RSA PRIVATE KEY-----[Filtered]-----END RSA PRIVATE KEY-----", ""},
		{"credentials in a URL", defaults, `{"extra":{"db":"postgres://app:s3cr@db.internal:5432/app"}}`,
			"extra.db", "postgres://[Filtered]@db.internal:5432/app", ""},
		{"an IBAN", defaults, `{"extra":{"x":"pay to DE89370400440532013000 now"}}`,
			"extra.x", "pay to [Filtered] now", ""},
		{"a US social security number", defaults, `{"extra":{"x":"ssn 078-05-1120"}}`,
			"extra.x", "ssn [Filtered]", ""},
		{"frames' code locations are not scrubbed", defaults, `{"exception":{"values":[{"type":"E","value":"x","stacktrace":{"frames":[{"function":"authenticate","filename":"auth.js"}]}}]}}`,
			"exception.values.0.stacktrace.frames.0.function", "authenticate", ""},
		{"frames' vars are", defaults, `{"exception":{"values":[{"type":"E","value":"x","stacktrace":{"frames":[{"function":"f","vars":{"token":"abc"}}]}}]}}`,
			"exception.values.0.stacktrace.frames.0.vars.token", "[Filtered]", ""},
		{"the vars of frames among frames without any are, at their own index", defaults,
			`{"exception":{"values":[{"type":"E","value":"x","stacktrace":{"frames":[{"function":"f"},{"vars":{"a":"1"}},"not a frame",{"function":"g","vars":{"token":"abc"}},{}]}}]}}`,
			"exception.values.0.stacktrace.frames.3.vars.token", "[Filtered]", `{"":{"len":3,"rem":[["@password:filter","s",0,10]]}}`},
		{"breadcrumb data", defaults, `{"breadcrumbs":{"values":[{"category":"auth","data":{"api_key":"k"}}]}}`,
			"breadcrumbs.values.0.data.api_key", "[Filtered]", ""},
		{"a breadcrumb's category is not scrubbed", defaults, `{"breadcrumbs":{"values":[{"category":"auth"}]}}`,
			"breadcrumbs.values.0.category", "auth", ""},
		{"tags are", defaults, `{"tags":{"session_token":"abc"}}`,
			"tags.0.1", "[Filtered]", ""},
		{"safe fields are left alone", Config{ScrubDefaults: true, SafeFields: []string{"Auth_Mode"}}, `{"extra":{"auth_mode":"oauth","password":"x"}}`,
			"extra.auth_mode", "oauth", ""},
		{"safe fields cover their subtree", Config{ScrubDefaults: true, SafeFields: []string{"public"}}, `{"extra":{"public":{"token":"visible"}}}`,
			"extra.public.token", "visible", ""},
		{"additional sensitive fields match keys", Config{SensitiveFields: []string{"mysekret"}}, `{"extra":{"MySekret":"x"}}`,
			"extra.MySekret", "[Filtered]", `{"":{"len":1,"rem":[["strip-fields","s",0,10]]}}`},
		{"additional sensitive fields match values", Config{SensitiveFields: []string{"exp"}}, `{"logentry":{"formatted":"Unexpected error"}}`,
			"logentry.formatted", "[Filtered]", ""},
		{"defaults off leave secrets alone", Config{}, `{"extra":{"password":"hunter2"}}`,
			"extra.password", "hunter2", ""},
		{"IP scrubbing removes user.ip_address", Config{ScrubIPAddresses: true}, `{"user":{"id":"1","ip_address":"203.0.113.7"}}`,
			"user.ip_address", nil, `{"":{"len":11,"rem":[["@anything:remove","x"]]}}`},
		{"IP scrubbing removes the auto-filled address", Config{ScrubIPAddresses: true}, `{"platform":"javascript","user":{"ip_address":"{{auto}}"}}`,
			"user.ip_address", nil, ""},
		{"IP scrubbing replaces addresses in text", Config{ScrubIPAddresses: true}, `{"logentry":{"formatted":"from 10.1.2.3 and 2001:db8::1"}}`,
			"logentry.formatted", "from [ip] and [ip]", ""},
		{"without IP scrubbing the address stays", defaults, `{"user":{"ip_address":"203.0.113.7"}}`,
			"user.ip_address", "203.0.113.7", ""},
		{"a transaction's spans' data", defaults, `{"type":"transaction","spans":[{"op":"db","description":"auth query","data":{"db_password":"x"}}]}`,
			"spans.0.data.db_password", "[Filtered]", ""},
		{"a span's description is not scrubbed by default", defaults, `{"type":"transaction","spans":[{"op":"db","description":"auth query"}]}`,
			"spans.0.description", "auth query", ""},
		{"release and environment are never scrubbed", defaults, `{"release":"auth@1.0","environment":"token-prod"}`,
			"release", "auth@1.0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := scrubEvent(t, tt.cfg, tt.event)
			if got := at(m, tt.path); got != tt.want {
				t.Errorf("%s = %#v, want %#v", tt.path, got, tt.want)
			}
			if tt.meta != "" {
				if got := metaJSON(m, tt.path); got != tt.meta {
					t.Errorf("_meta.%s = %s, want %s", tt.path, got, tt.meta)
				}
			}
		})
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		event string
		path  string
		want  any
		meta  string
	}{
		{"mask credit cards in every string", Config{Applications: map[string][]string{"$string": {"@creditcard:mask"}}},
			`{"extra":{"c":"4111-1111-1111-1111"}}`, "extra.c", "*******************", `{"":{"len":19,"rem":[["@creditcard:mask","m",0,19]]}}`},
		{"remove a custom header", Config{Applications: map[string][]string{"$http.headers.x-custom-token": {"@anything:remove"}}},
			`{"request":{"headers":{"X-Custom-Token":"abc","Accept":"*/*"}}}`, "request.headers.X-Custom-Token", nil, `{"":{"len":3,"rem":[["@anything:remove","x"]]}}`},
		{"remove a custom header sent as pairs", Config{Applications: map[string][]string{"$http.headers.x-custom-token": {"@anything:remove"}}},
			`{"request":{"headers":[["X-Custom-Token","abc"]]}}`, "request.headers.0.1", nil, ""},
		{"hash emails", Config{Applications: map[string][]string{"$string": {"@email:hash"}}},
			`{"user":{"email":"jane@example.com"}}`, "user.email", "F928C1B59170A978137BB69D2EF993131D4CCDC2", `{"":{"len":16,"rem":[["@email:hash","p",0,40]]}}`},
		{"replace IPs", Config{Applications: map[string][]string{"$string": {"@ip:replace"}}},
			`{"extra":{"m":"peer 192.168.0.1"}}`, "extra.m", "peer [ip]", `{"":{"len":16,"rem":[["@ip:replace","s",5,9]]}}`},
		{"frame vars, anything", Config{Applications: map[string][]string{"$frame.vars": {"@anything:filter"}}},
			`{"exception":{"values":[{"value":"x","stacktrace":{"frames":[{"vars":{"a":"1","b":{"c":2}}}]}}]}}`,
			"exception.values.0.stacktrace.frames.0.vars.b.c", "[Filtered]", ""},
		{"** reaches everything PII", Config{Applications: map[string][]string{"**": {"@uuid:replace"}}},
			`{"extra":{"a":{"b":"id 123e4567-e89b-12d3-a456-426614174000"}}}`, "extra.a.b", "id [uuid]", ""},
		{"a specific selector reaches fields the defaults skip", Config{Applications: map[string][]string{"$frame.filename": {"@userpath:replace"}}},
			`{"exception":{"values":[{"value":"x","stacktrace":{"frames":[{"filename":"/Users/jane/app.js"}]}}]}}`,
			"exception.values.0.stacktrace.frames.0.filename", "/Users/[user]/app.js", ""},
		{"$string does not reach frames' code locations", Config{Applications: map[string][]string{"$string": {"@userpath:replace"}}},
			`{"exception":{"values":[{"value":"x","stacktrace":{"frames":[{"filename":"/Users/jane/app.js"}]}}]}}`,
			"exception.values.0.stacktrace.frames.0.filename", "/Users/jane/app.js", ""},
		{"a regex with a replacement", Config{
			Rules:        map[string]RuleSpec{"stripe": {Type: "pattern", Pattern: `sk_live_[A-Za-z0-9]+`, Redaction: Redaction{Method: "replace", Text: "[stripe]"}}},
			Applications: map[string][]string{"$string": {"stripe"}}},
			`{"extra":{"m":"key sk_live_abc123 used"}}`, "extra.m", "key [stripe] used", `{"":{"len":23,"rem":[["stripe","s",4,12]]}}`},
		{"a regex redacting one group", Config{
			Rules:        map[string]RuleSpec{"user": {Type: "pattern", Pattern: `user=(\w+)`, ReplaceGroups: []int{1}, Redaction: Redaction{Method: "mask"}}},
			Applications: map[string][]string{"extra.**": {"user"}}},
			`{"extra":{"m":"user=jane ok"}}`, "extra.m", "user=**** ok", ""},
		{"redact_pair by key", Config{
			Rules:        map[string]RuleSpec{"sess": {Type: "redact_pair", KeyPattern: `(?i)^sess`}},
			Applications: map[string][]string{"$string": {"sess"}}},
			`{"extra":{"SessID":"abc"}}`, "extra.SessID", "[Filtered]", ""},
		{"multiple hides its inner rules", Config{
			Rules:        map[string]RuleSpec{"pii": {Type: "multiple", Rules: []string{"@email:replace", "@ip:replace"}, HideInner: true}},
			Applications: map[string][]string{"$string": {"pii"}}},
			`{"extra":{"m":"a@b.io"}}`, "extra.m", "[email]", `{"":{"len":6,"rem":[["pii","s",0,7]]}}`},
		{"an alias", Config{
			Rules:        map[string]RuleSpec{"cards": {Type: "alias", Rule: "@creditcard:replace"}},
			Applications: map[string][]string{"$string": {"cards"}}},
			`{"extra":{"m":"4242424242424242"}}`, "extra.m", "[creditcard]", ""},
		{"negation and conjunction", Config{Applications: map[string][]string{"extra.** && !extra.keep": {"@anything:replace"}}},
			`{"extra":{"keep":"k","drop":"d"}}`, "extra.keep", "k", ""},
		{"disjunction", Config{Applications: map[string][]string{"extra.a || extra.b": {"@anything:remove"}}},
			`{"extra":{"a":"1","b":"2","c":"3"}}`, "extra.b", nil, ""},
		{"quoted keys", Config{Applications: map[string][]string{"extra.'a.b'": {"@anything:remove"}}},
			`{"extra":{"a.b":"1"}}`, "extra.a\x00b", nil, ""},
		{"an index", Config{Applications: map[string][]string{"exception.values.0.value": {"@anything:replace"}}},
			`{"exception":{"values":[{"value":"x"}]}}`, "exception.values.0.value", "[Filtered]", ""},
		{"$number", Config{Applications: map[string][]string{"extra.$number": {"@anything:mask"}}},
			`{"extra":{"n":1234,"s":"1234"}}`, "extra.n", "****", ""},
		{"@password in rules is key-based", Config{Applications: map[string][]string{"$string": {"@password:remove"}}},
			`{"extra":{"db_password":"x","other":"password"}}`, "extra.other", "password", ""},
		{"imei, mac", Config{Applications: map[string][]string{"$string": {"@imei:replace", "@mac:replace"}}},
			`{"extra":{"m":"490154203237518 00:1A:2B:3C:4D:5E"}}`, "extra.m", "[imei] [mac]", ""},
		{"@common:filter", Config{Applications: map[string][]string{"$string": {"@common:filter"}}},
			`{"extra":{"m":"/home/jane/x 4242424242424242"}}`, "extra.m", "/home/[Filtered]/x [Filtered]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := scrubEvent(t, tt.cfg, tt.event)
			path := strings.ReplaceAll(tt.path, "\x00", "\x01")
			var got any
			if strings.Contains(path, "\x01") {
				got = at(m, "extra").(map[string]any)["a.b"]
			} else {
				got = at(m, path)
			}
			if got != tt.want {
				t.Errorf("%s = %#v, want %#v", tt.path, got, tt.want)
			}
			if tt.meta != "" {
				if got := metaJSON(m, tt.path); got != tt.meta {
					t.Errorf("_meta.%s = %s, want %s", tt.path, got, tt.meta)
				}
			}
		})
	}
}

func TestBadConfigNamesTheRule(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"bad regex", Config{Rules: map[string]RuleSpec{"r1": {Type: "pattern", Pattern: "("}}, Applications: map[string][]string{"$string": {"r1"}}}, `"r1"`},
		{"unknown built-in", Config{Applications: map[string][]string{"$string": {"@nope:mask"}}}, `@nope`},
		{"unknown method", Config{Applications: map[string][]string{"$string": {"@ip:burn"}}}, `"burn"`},
		{"unknown rule", Config{Applications: map[string][]string{"$string": {"missing"}}}, `"missing"`},
		{"bad selector", Config{Applications: map[string][]string{"extra.(": {"@ip"}}}, `"extra.("`},
		{"unknown value type", Config{Applications: map[string][]string{"$nope": {"@ip"}}}, `$nope`},
		{"a rule cycle", Config{Rules: map[string]RuleSpec{"a": {Type: "alias", Rule: "b"}, "b": {Type: "alias", Rule: "a"}}, Applications: map[string][]string{"$string": {"a"}}}, `"a"`},
		{"an unused bad rule", Config{Rules: map[string]RuleSpec{"lonely": {Type: "pattern", Pattern: "["}}}, `"lonely"`},
		{"empty sensitive field", Config{SensitiveFields: []string{" "}}, "sensitive_fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Compile error = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestScrubText(t *testing.T) {
	s, err := Compile(Config{ScrubDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	got, rems, ok := s.ScrubText("charge failed for 4242 4242 4242 4242")
	if !ok || got != "charge failed for [Filtered]" || len(rems) != 1 || rems[0].RuleID != "@creditcard:filter" {
		t.Fatalf("ScrubText = %q, %v, %v", got, rems, ok)
	}
	if got, _, ok := s.ScrubText("nothing here"); ok || got != "nothing here" {
		t.Fatalf("clean text changed: %q", got)
	}
}

// TestCensusMatchesPlainReading checks the census and the key scan against a plain reading of
// the text: byte classes and counts one byte at a time, and a case-insensitive substring search
// for every word, on texts of every ASCII case mixed with the bytes the gates look for.
func TestCensusMatchesPlainReading(t *testing.T) {
	s, err := Compile(Config{ScrubDefaults: true, SensitiveFields: []string{"Zq", "x_y", "\x00n"}})
	if err != nil {
		t.Fatal(err)
	}
	alphabet := "aAuUtThHpPsSzZqQxX_yY\x00nN09@:.-/\\ é"
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "a", "Authorization", "xAUTH", "my-PassWord", "zq", "\x00n", "key=Bearer abc"}
	for range 20000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(b))
	}
	for _, text := range texts {
		var want gates
		want.length = len(text)
		var wantHit uint8
		for i := 0; i < len(text); i++ {
			c := text[i]
			want.flags |= classes[c]
			switch {
			case '0' <= c && c <= '9':
				want.digits++
			case 'A' <= c && c <= 'Z':
				want.upper++
			}
		}
		low := []byte(text)
		for i, c := range low {
			low[i] = lower[c]
		}
		for k, set := range s.words.sets {
			for _, w := range set.words {
				if strings.Contains(string(low), w) {
					wantHit |= 1 << k
				}
			}
		}
		if g, hit := s.census(text); g != want || hit != wantHit {
			t.Fatalf("census(%q) = %+v, %b; want %+v, %b", text, g, hit, want, wantHit)
		}
		if g := gate(text); g != want {
			t.Fatalf("gate(%q) = %+v; want %+v", text, g, want)
		}
		if hit := s.words.find(text); hit != wantHit {
			t.Fatalf("find(%q) = %b; want %b", text, hit, wantHit)
		}
	}
}

// TestRepeatedKeysAreScrubbed checks that a key repeated in an object has all its values
// scrubbed: the event is written out with every one of them, though only the last counts when
// it is read.
func TestRepeatedKeysAreScrubbed(t *testing.T) {
	raw := `{"extra":{"password":"s3cret-1"},"extra":{"a":"b"},
	 "exception":{"values":[{"value":"x","stacktrace":{"frames":[{"vars":{"token":"s3cret-2"},"vars":{"x":"y"},"function":"f"}]},"value":"y"}]},
	 "breadcrumbs":{"values":[{"data":{"password":"s3cret-3"},"message":"m","data":{"a":1}}]},
	 "user":{"ip_address":"192.0.2.1"},"user":{"id":"u","password":"s3cret-4"}}`
	for _, cfg := range []Config{defaults, {ScrubDefaults: true, Applications: map[string][]string{"$http.x": {"@anything:remove"}}}} {
		s, err := Compile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ss := s.Session()
		out, _, err := event.Normalize([]byte(raw), event.NormalizeOptions{ReceivedAt: received, Editor: ss})
		ss.Release()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "s3cret") {
			t.Errorf("applications %v: a repeated key's value was left:\n%s", cfg.Applications, out)
		}
	}
}

// TestFindIPPrefilters checks findIP against a reading without its shortcuts (the colon and dot
// counts, the length check before trimming) on texts made of the bytes addresses are made of.
func TestFindIPPrefilters(t *testing.T) {
	plain := func(s string, from int) (int, int, bool) {
		for i := from; i < len(s); i++ {
			c := s[i]
			if !(isHex(c) || c == ':') || (i > 0 && (isAlnum(s[i-1]) || s[i-1] == '.' || s[i-1] == ':')) {
				continue
			}
			end, colons := i, 0
			for end < len(s) && (isHex(s[end]) || s[end] == ':' || s[end] == '.') {
				if s[end] == ':' {
					colons++
				}
				end++
			}
			tok := strings.TrimRight(s[i:end], ".:")
			if (end == len(s) || !isAlnum(s[end])) && len(tok) >= 7 && (colons >= 2 || strings.Count(tok, ".") == 3) {
				if a, err := netip.ParseAddr(tok); err == nil && a.Zone() == "" {
					return i, i + len(tok), true
				}
			}
			i = end
		}
		return 0, 0, false
	}
	parts := []string{"1", "2", "25", "255", "0", ".", ".", ":", ":", "::", "a", "f", "fe80", "x", " ", "/", "%", "https://", "192.0.2.1", "::1"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		for from := 0; from <= len(s); from += 1 + rng.IntN(4) {
			i, j, ok := findIP(s, from)
			pi, pj, pok := plain(s, from)
			if i != pi || j != pj || ok != pok {
				t.Fatalf("findIP(%q, %d) = %d, %d, %v; without shortcuts %d, %d, %v", s, from, i, j, ok, pi, pj, pok)
			}
		}
	}
}
