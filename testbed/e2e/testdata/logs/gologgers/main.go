// A shop that logs its errors as JSON through Go's common loggers, for logs_test.go's
// TestJSONLogsOfRealLoggers: loadOrder fails twice and reserve once. Run as `go run . zap` or
// `go run . logrus` from this directory (its own module, so that the loggers stay out of
// Faultline's go.mod); the records go to stderr.
//
//   - zap (NewProduction): the error in "error", zap's own stack in "stacktrace".
//   - logrus (JSONFormatter): loadOrder's github.com/pkg/errors error printed with %+v (its
//     message, then the stack it captured) in "error"; reserve's debug.Stack in "stack".
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/pkg/errors"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
)

func loadOrder(order int) error { return errors.Errorf("order %d has no price", order) }

func reserve(sku string) error { return fmt.Errorf("inventory service unavailable for %s", sku) }

type shop struct {
	zap    *zap.Logger
	logrus *logrus.Logger
}

func (s shop) handleOrder(order int) {
	if err := loadOrder(order); err != nil {
		if s.zap != nil {
			s.zap.Error("load order", zap.Error(err))
			return
		}
		s.logrus.WithField("error", fmt.Sprintf("%+v", err)).Error("load order")
	}
}

func (s shop) handleReserve(sku string) {
	if err := reserve(sku); err != nil {
		if s.zap != nil {
			s.zap.Error("reserve", zap.Error(err))
			return
		}
		s.logrus.WithError(err).WithField("stack", string(debug.Stack())).Error("reserve")
	}
}

func main() {
	var s shop
	switch os.Args[1] {
	case "zap":
		cfg := zap.NewProductionConfig()
		cfg.OutputPaths, cfg.ErrorOutputPaths = []string{"stderr"}, []string{"stderr"}
		l, err := cfg.Build()
		if err != nil {
			panic(err)
		}
		defer l.Sync()
		s.zap = l
		l.Info("shop starting")
	case "logrus":
		l := logrus.New()
		l.SetOutput(os.Stderr)
		l.SetFormatter(&logrus.JSONFormatter{})
		s.logrus = l
		l.Info("shop starting")
	}
	s.handleOrder(41)
	s.handleOrder(42)
	s.handleReserve("sku-7")
}
