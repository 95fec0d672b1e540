// Package issuestoreextension is the `issuestore` extension: it owns Faultline's issue store —
// opening the SQLite file or the PostgreSQL pool, running migrations, closing it — and the HTTP
// server that serves the Sentry-style web API under /api/0/ and the web UI at /. Other components
// find it among the collector's extensions by id: the issuestore exporter writes events through
// Store(), and other components can mount pages with Handle().
//
// It knows the collector and HTTP plumbing; the storage logic lives in internal/store, the API
// handlers in internal/api and the pages in internal/ui.
package issuestoreextension // import "github.com/faultline/faultline/extension/issuestoreextension"
