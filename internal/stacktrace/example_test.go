package stacktrace_test

import (
	"fmt"

	"github.com/faultline/faultline/internal/stacktrace"
)

func ExampleParse() {
	text := `java.lang.IllegalStateException: order 42 has a bad price
	at com.acme.shop.Orders.load(Orders.java:42)
	at java.base/java.lang.Thread.run(Thread.java:833)
Caused by: java.lang.NumberFormatException: For input string: "12,5"
	at java.base/java.lang.Integer.parseInt(Integer.java:668)
	at com.acme.shop.Orders.load(Orders.java:40)
	... 1 more
`
	trace, ok := stacktrace.Parse(text, "java", stacktrace.Options{AppPrefixes: []string{"com.acme."}})
	if !ok {
		return
	}
	for _, e := range trace.Exceptions {
		fmt.Printf("%s.%s: %s\n", e.Module, e.Type, e.Value)
		for _, f := range e.Frames {
			fmt.Printf("  %s.%s (%s:%d) in_app=%v\n", f.Module, f.Function, f.Filename, f.Lineno, *f.InApp)
		}
	}
	// Output:
	// java.lang.NumberFormatException: For input string: "12,5"
	//   java.lang.Thread.run (Thread.java:833) in_app=false
	//   com.acme.shop.Orders.load (Orders.java:40) in_app=true
	//   java.lang.Integer.parseInt (Integer.java:668) in_app=false
	// java.lang.IllegalStateException: order 42 has a bad price
	//   java.lang.Thread.run (Thread.java:833) in_app=false
	//   com.acme.shop.Orders.load (Orders.java:42) in_app=true
}
