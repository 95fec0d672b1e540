//go:build ignore

// A shop that logs its errors the way Go services do, for logs_test.go: loadOrder fails twice,
// logged with the stack (log.Printf with runtime/debug.Stack, then slog's JSON handler with a
// "stack" attribute), reserve once, then checkout panics in a goroutine and the process dies.
package main

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
)

func loadOrder(order int) error { return fmt.Errorf("order %d has no price", order) }

func reserve(sku string) error { return errors.New("inventory service unavailable for " + sku) }

func checkout(items []int) int { return items[3] }

var jsonLog = slog.New(slog.NewJSONHandler(os.Stderr, nil))

// handleOrder logs a failed order with its stack: as text, or as JSON through slog.
func handleOrder(order int, asJSON bool) {
	if err := loadOrder(order); err != nil {
		if asJSON {
			jsonLog.Error("load order", "err", err.Error(), "stack", string(debug.Stack()))
			return
		}
		log.Printf("load order: %v\n%s", err, debug.Stack())
	}
}

func handleReserve(sku string) {
	if err := reserve(sku); err != nil {
		log.Printf("reserve: %v\n%s", err, debug.Stack())
	}
}

func main() {
	log.SetOutput(os.Stderr)
	log.Print("shop starting")
	handleOrder(41, false)
	log.Print("GET /health 200")
	handleOrder(42, true)
	handleReserve("sku-7")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		checkout([]int{1})
	}()
	wg.Wait()
}
