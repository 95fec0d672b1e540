package search

import (
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
		{name: "unknown keys are text", q: "browser:Chrome", want: store.IssueQuery{Text: "browser:Chrome"}},
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
				got.Environment != c.want.Environment || got.Text != c.want.Text {
				t.Errorf("Parse(%q) = %+v, want %+v", c.q, got, c.want)
			}
		})
	}
}
