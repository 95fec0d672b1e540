// The Go loggers of testbed/e2e's JSON log test, in their own module so that they stay out of
// github.com/faultline/faultline's dependencies.
module github.com/faultline/faultline/testbed/e2e/testdata/logs/gologgers

go 1.26.0

require (
	github.com/pkg/errors v0.9.1
	github.com/sirupsen/logrus v1.10.2
	go.uber.org/zap v1.28.0
)

require (
	go.uber.org/multierr v1.10.0 // indirect
	golang.org/x/sys v0.13.0 // indirect
)
