package grouping

import "testing"

func TestTitleAndCulpritAsSentryDerivesThem(t *testing.T) {
	cases := []struct {
		name, event, title, culprit string
	}{
		{
			// captureMessage in @sentry/node 11 sends a synthetic exception: the title is the
			// function where it was raised, not "Error: <message>".
			name: "a synthetic exception is titled by its crash function",
			event: `{"platform": "node", "exception": {"values": [{"type": "Error", "value": "cart is empty",
			  "mechanism": {"type": "generic", "synthetic": true},
			  "stacktrace": {"frames": [
			    {"filename": "/srv/app/node_modules/express/lib/router/layer.js", "function": "handle", "in_app": false},
			    {"filename": "/srv/app/src/cart.js", "function": "checkout", "in_app": true},
			    {"filename": "/srv/app/src/log.js", "in_app": true}]}}]}}`,
			// The culprit keeps its own rule: the last in-app frame, named or not.
			title: "checkout", culprit: "?(/srv/app/src/log.js)",
		},
		{
			name:  "a synthetic exception without a named frame is <unknown>",
			event: `{"platform": "node", "exception": {"values": [{"type": "Error", "value": "x", "mechanism": {"type": "generic", "synthetic": true}}]}}`,
			title: "<unknown>",
		},
		{
			// raven-js sends its own culprit; Sentry keeps it.
			name: "the SDK's culprit is kept",
			event: `{"platform": "javascript", "culprit": "https://shop.example.com/static/app.js", "transaction": "/checkout",
			  "exception": {"values": [{"type": "TypeError", "value": "x", "stacktrace": {"frames": [{"filename": "app.js", "function": "pay", "in_app": true}]}}]}}`,
			title: "TypeError: x", culprit: "https://shop.example.com/static/app.js",
		},
		{
			name:    "a request URL culprit has no query string or fragment",
			event:   `{"platform": "python", "logentry": {"formatted": "boom"}, "request": {"url": "https://shop.example.com/reset?token=s3cr3t#top"}}`,
			title:   "boom",
			culprit: "https://shop.example.com/reset",
		},
	}
	for _, config := range Configs() {
		for _, c := range cases {
			t.Run(config+"/"+c.name, func(t *testing.T) {
				res := group(t, Options{Config: config}, c.event)
				if res.Title != c.title {
					t.Errorf("title = %q, want %q", res.Title, c.title)
				}
				if res.Culprit != c.culprit {
					t.Errorf("culprit = %q, want %q", res.Culprit, c.culprit)
				}
			})
		}
	}
}
