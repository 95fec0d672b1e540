package grouping

import (
	"fmt"
	"strings"
	"testing"
)

// event20Frames is an SDK-shaped node error with 20 frames: framework frames from node_modules,
// node internals and in-app frames with context lines, as @sentry/node sends them.
func event20Frames() string {
	var frames []string
	for i := 0; i < 20; i++ {
		switch {
		case i < 6:
			frames = append(frames, fmt.Sprintf(`{"filename": "node:internal/process/task_queues", "abs_path": "node:internal/process/task_queues", "function": "processTicksAndRejections", "module": "task_queues", "lineno": %d, "colno": 5, "in_app": false}`, 90+i))
		case i < 12:
			frames = append(frames, fmt.Sprintf(`{"filename": "/srv/app/node_modules/express/lib/router/layer.js", "abs_path": "/srv/app/node_modules/express/lib/router/layer.js", "function": "Layer.handle [as handle_request]", "module": "express.lib.router:layer", "lineno": %d, "colno": 5, "in_app": false, "context_line": "    fn(req, res, next);"}`, 95+i))
		default:
			frames = append(frames, fmt.Sprintf(`{"filename": "/srv/app/src/routes/orders%d.js", "abs_path": "/srv/app/src/routes/orders%d.js", "function": "OrderService.loadOrder%d", "module": "routes:orders%d", "lineno": %d, "colno": 11, "in_app": true, "context_line": "      const order = await this.repo.find(id); // step %d"}`, i, i, i, i, 10+i, i))
		}
	}
	return `{"platform": "node", "transaction": "GET /orders/:id", "exception": {"values": [{"type": "TypeError",
	  "value": "Cannot read properties of undefined (reading 'id') for order 12345",
	  "mechanism": {"type": "onunhandledrejection"},
	  "stacktrace": {"frames": [` + strings.Join(frames, ",") + `]}}]}}`
}

// BenchmarkGroup20Frames measures grouping of an already decoded 20-frame event under the
// default config (DESIGN §7 target: ≥ 100,000 events/s per core, i.e. ≤ 10 µs/op).
func BenchmarkGroup20Frames(b *testing.B) {
	g, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	ev := mustEvent(b, event20Frames())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Group(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroupHashes20Frames is the same event through GroupHashes (no explanation trees).
func BenchmarkGroupHashes20Frames(b *testing.B) {
	g, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	ev := mustEvent(b, event20Frames())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.GroupHashes(ev); err != nil {
			b.Fatal(err)
		}
	}
}
