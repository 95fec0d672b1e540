package search

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/internal/store"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, q string
		want    store.IssueQuery
		wantErr bool
	}{
		{name: "empty selects everything", q: "", want: store.IssueQuery{}},
		{name: "status, level and free text", q: "is:resolved level:error checkout failed",
			want: store.IssueQuery{Status: "resolved", Level: "error", Text: "checkout failed"}},
		{name: "archived is ignored", q: "is:archived", want: store.IssueQuery{Status: "ignored"}},
		{name: "quoted values keep their spaces", q: `release:"shop 1.2" environment:prod "two words"`,
			want: store.IssueQuery{Release: "shop 1.2", Environment: "prod", Text: "two words"}},
		{name: "other keys are tags", q: `browser:"Chrome 120.0.6099" handled:no user:id:42 tags[os.name]:Windows`,
			want: store.IssueQuery{Tags: []store.Tag{{Key: "browser", Value: "Chrome 120.0.6099"}, {Key: "handled", Value: "no"},
				{Key: "user", Value: "id:42"}, {Key: "os.name", Value: "Windows"}}}},
		{name: "a colon ending a word is text", q: "TypeError: boom", want: store.IssueQuery{Text: "TypeError: boom"}},
		{name: "an unknown status is an error", q: "is:bookmarked", wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.q)
			if c.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %+v, want an error", c.q, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != c.want.Status || got.Level != c.want.Level || got.Release != c.want.Release ||
				got.Environment != c.want.Environment || got.Text != c.want.Text || !slices.Equal(got.Tags, c.want.Tags) {
				t.Errorf("Parse(%q) = %+v, want %+v", c.q, got, c.want)
			}
		})
	}
}

func TestTagQueryParsesBack(t *testing.T) {
	for _, tg := range []store.Tag{{Key: "browser", Value: "Chrome 120.0.6099"}, {Key: "user", Value: "email:a@example.com"}, {Key: "os.name", Value: "Mac OS X"}} {
		q, ok := TagQuery(tg.Key, tg.Value)
		if !ok {
			t.Fatalf("TagQuery(%v) refused", tg)
		}
		got, err := Parse(q)
		if err != nil || len(got.Tags) != 1 || got.Tags[0] != tg || got.Text != "" {
			t.Errorf("Parse(%q) = %+v, %v; want the tag %v", q, got, err, tg)
		}
	}
	for _, tg := range []store.Tag{{Key: "two words", Value: "x"}, {Key: "k", Value: `say "hi"`}} {
		if q, ok := TagQuery(tg.Key, tg.Value); ok {
			t.Errorf("TagQuery(%v) = %q, want refused", tg, q)
		}
	}
}
