// Package semconvtest stands in for contrib's pkg/semconvtest in the distribution's build, and
// for nothing else: it holds no code.
//
// Why it exists: contrib's journald receiver imports pkg/stanza/operator/input/journald, whose
// integration test (journald_attr_mapping_integration_test.go) imports pkg/semconvtest. ocb runs
// `go mod tidy` on the generated module, and tidy resolves the imports of its dependencies'
// tests too, so it needs that module's source; the Go module proxy serves its go.mod but answers
// 403 for its zip at every version, and the build fails. builder-config.yaml's `replaces:` points
// the module here. No file of the collector imports it (only that test, which the distribution
// never builds), so the binary is the same as with the real module; and since this go.mod
// requires nothing, the real module's test dependencies (testcontainers …) stay out of the
// generated go.sum. Remove the replace (and this directory) once the proxy serves the module.
//
// It lives in its own module (this directory's go.mod), so it is not part of
// github.com/faultline/faultline and `go build ./...` of the repository skips it.
package semconvtest
