// A stand-in for contrib's pkg/semconvtest, used only by builder-config.yaml's `replaces:` so
// that ocb can resolve the journald receiver's module graph; see doc.go.
module github.com/open-telemetry/opentelemetry-collector-contrib/pkg/semconvtest

go 1.26.0
