// Command gen crashes in the way its argument names, so that gen.sh can record real Go panic
// output and runtime/debug.Stack traces in testdata/go. Line numbers here are asserted by the
// tests.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
)

type Inventory struct {
	stock map[string]int
}

func (inv *Inventory) Reserve(sku string, n int) {
	inv.stock[sku] -= n
}

func pick(items []string, i int) string {
	return items[i]
}

func checkout(items []string) {
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Errorf("checkout failed: %v", r))
		}
	}()
	pick(items, 5)
}

func worker(orders <-chan string) {
	<-orders
	var inv *Inventory
	inv.Reserve("sku-1", 1)
}

var errNoStock = errors.New("no stock")

func reportStack() {
	os.Stderr.Write(debug.Stack())
}

// recordStack mimics the OTel Go SDK's recordStackTrace: runtime.Stack into a 2048-byte buffer.
func recordStack() {
	buf := make([]byte, 2048)
	n := runtime.Stack(buf, false)
	os.Stderr.Write(buf[:n])
}

func deep(n int, f func()) {
	if n == 0 {
		f()
		return
	}
	deep(n-1, f)
}

func main() {
	switch os.Args[1] {
	case "index":
		pick([]string{"a"}, 3)
	case "nil-map":
		(&Inventory{}).Reserve("sku-1", 2)
	case "repanic":
		checkout([]string{"a", "b"})
	case "goroutine":
		orders, idle := make(chan string), make(chan string)
		go func() { <-idle }()
		go worker(orders)
		orders <- "o-1"
		<-idle
	case "error-value":
		func() { panic(errNoStock) }()
	case "debug-stack":
		reportStack()
	case "runtime-stack-truncated":
		deep(30, recordStack)
	}
}
