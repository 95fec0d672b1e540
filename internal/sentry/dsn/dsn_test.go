package dsn

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     DSN
		wantErr  bool
	}{
		{name: "a plain DSN", in: "http://abc@127.0.0.1:8000/1",
			want: DSN{Scheme: "http", PublicKey: "abc", Host: "127.0.0.1:8000", ProjectID: "1"}},
		{name: "a DSN with a secret and a path prefix", in: "https://pub:sec@sentry.example.com/sentry/42/",
			want: DSN{Scheme: "https", PublicKey: "pub", Host: "sentry.example.com", Path: "/sentry", ProjectID: "42"}},
		{name: "no key is an error", in: "http://127.0.0.1:8000/1", wantErr: true},
		{name: "no project is an error", in: "http://k@127.0.0.1:8000/", wantErr: true},
		{name: "another scheme is an error", in: "ftp://k@host/1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestEnvelopeURLKeepsThePathPrefix(t *testing.T) {
	d, err := Parse("https://pub@sentry.example.com/sentry/42")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.EnvelopeURL(), "https://sentry.example.com/sentry/api/42/envelope/"; got != want {
		t.Errorf("EnvelopeURL() = %q, want %q", got, want)
	}
}
