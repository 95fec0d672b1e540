package event

import (
	"strings"
	"testing"
)

func TestRenderStacktrace(t *testing.T) {
	// Frames are caller first, as SDKs send them.
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "node prints V8 frames callee first with columns",
			in: `{"platform":"node","exception":{"values":[{"type":"TypeError","value":"Cannot read properties of undefined",
				"stacktrace":{"frames":[
					{"function":"processTicksAndRejections","filename":"node:internal/process/task_queues","lineno":95,"colno":5},
					{"abs_path":"/srv/app/cart.js","function":"checkout","lineno":42,"colno":17},
					{"abs_path":"/srv/app/price.js","lineno":7,"colno":3}]}}]}}`,
			want: "TypeError: Cannot read properties of undefined\n" +
				"    at /srv/app/price.js:7:3\n" +
				"    at checkout (/srv/app/cart.js:42:17)\n" +
				"    at processTicksAndRejections (node:internal/process/task_queues:95:5)",
		},
		{
			name: "python prints a traceback caller first, causes before the raised exception",
			in: `{"platform":"python","exception":{"values":[
				{"type":"KeyError","value":"'id'","module":"builtins","stacktrace":{"frames":[
					{"abs_path":"/app/db.py","function":"load","lineno":3,"context_line":"    return row['id']"}]}},
				{"type":"LookupFailed","value":"no user","module":"app.errors","stacktrace":{"frames":[
					{"abs_path":"/app/main.py","function":"<module>","lineno":10,"context_line":"main()"},
					{"abs_path":"/app/main.py","function":"main","lineno":6,"context_line":"    raise LookupFailed('no user')"}]}}]}}`,
			want: "Traceback (most recent call last):\n" +
				"  File \"/app/db.py\", line 3, in load\n" +
				"    return row['id']\n" +
				"KeyError: 'id'\n" +
				"\nThe above exception was the direct cause of the following exception:\n\n" +
				"Traceback (most recent call last):\n" +
				"  File \"/app/main.py\", line 10, in <module>\n" +
				"    main()\n" +
				"  File \"/app/main.py\", line 6, in main\n" +
				"    raise LookupFailed('no user')\n" +
				"app.errors.LookupFailed: no user",
		},
		{
			name: "java prints the raised exception first and causes after it",
			in: `{"platform":"java","exception":{"values":[
				{"type":"SQLException","value":"timeout","module":"java.sql","stacktrace":{"frames":[
					{"module":"com.acme.Db","function":"query","filename":"Db.java","lineno":88}]}},
				{"type":"IllegalStateException","value":"no order","module":"java.lang","stacktrace":{"frames":[
					{"module":"com.acme.Main","function":"main","filename":"Main.java","lineno":5},
					{"module":"com.acme.Orders","function":"load","filename":"Orders.java","lineno":31},
					{"module":"jdk.internal.reflect.NativeMethodAccessorImpl","function":"invoke0"}]}}]}}`,
			want: "java.lang.IllegalStateException: no order\n" +
				"\tat jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Unknown Source)\n" +
				"\tat com.acme.Orders.load(Orders.java:31)\n" +
				"\tat com.acme.Main.main(Main.java:5)\n" +
				"Caused by: java.sql.SQLException: timeout\n" +
				"\tat com.acme.Db.query(Db.java:88)",
		},
		{
			name: "go prints a panic with its goroutine",
			in: `{"platform":"go","exception":[{"type":"*errors.errorString","value":"boom","stacktrace":{"frames":[
				{"module":"main","function":"main","abs_path":"/src/main.go","lineno":9},
				{"module":"main","function":"run","abs_path":"/src/main.go","lineno":20}]}}]}`,
			want: "panic: boom\n\ngoroutine 1 [running]:\n" +
				"main.run(...)\n\t/src/main.go:20\n" +
				"main.main(...)\n\t/src/main.go:9",
		},
		{
			name: "csharp prints inner exceptions inline and their stacks first",
			in: `{"platform":"csharp","exception":[
				{"type":"System.IO.IOException","value":"disk","stacktrace":{"frames":[
					{"module":"Acme.Store","function":"Write","abs_path":"C:\\src\\Store.cs","lineno":12}]}},
				{"type":"System.InvalidOperationException","value":"save failed","stacktrace":{"frames":[
					{"module":"Acme.Program","function":"Main","abs_path":"C:\\src\\Program.cs","lineno":7}]}}]}`,
			want: "System.InvalidOperationException: save failed ---> System.IO.IOException: disk\n" +
				"   at Acme.Store.Write() in C:\\src\\Store.cs:line 12\n" +
				"   --- End of inner exception stack trace ---\n" +
				"   at Acme.Program.Main() in C:\\src\\Program.cs:line 7",
		},
		{
			name: "ruby prints the raising line with the message and the callers with from",
			in: `{"platform":"ruby","exception":[{"type":"ZeroDivisionError","value":"divided by 0","stacktrace":{"frames":[
				{"abs_path":"/app/main.rb","function":"<main>","lineno":1},
				{"abs_path":"/app/calc.rb","function":"divide","lineno":4}]}}]}`,
			want: "/app/calc.rb:4:in `divide': divided by 0 (ZeroDivisionError)\n" +
				"\tfrom /app/main.rb:1:in `<main>'",
		},
		{
			name: "php prints the throw site and the calls leading to it",
			in: `{"platform":"php","exception":[{"type":"RuntimeException","value":"nope","stacktrace":{"frames":[
				{"abs_path":"/var/www/index.php","function":"main","lineno":3},
				{"abs_path":"/var/www/Service.php","function":"App\\Service::run","lineno":20}]}}]}`,
			want: "RuntimeException: nope in /var/www/Service.php:20\nStack trace:\n" +
				"#0 /var/www/index.php(3): App\\Service::run()\n#1 {main}",
		},
		{
			name: "native frames fall back to generic lines with addresses",
			in: `{"platform":"native","exception":[{"type":"SIGSEGV","value":"Segfault","stacktrace":{"frames":[
				{"instruction_addr":"0x1000","function":"main"},
				{"instruction_addr":"0x2000","function":"crash","filename":"crash.c","lineno":5}]}}]}`,
			want: "SIGSEGV: Segfault\n  at 0x2000 crash (crash.c:5)\n  at 0x1000 main",
		},
		{
			name: "an exception without frames borrows its thread's stack",
			in: `{"platform":"java","exception":[{"type":"E","value":"v","thread_id":7}],
				"threads":[{"id":7,"stacktrace":{"frames":[{"module":"a.B","function":"c","filename":"B.java","lineno":2}]}}]}`,
			want: "E: v\n\tat a.B.c(B.java:2)",
		},
		{
			name: "a message event renders its thread stack under the message",
			in: `{"platform":"python","message":"slow request","threads":[{"id":1,"current":true,"stacktrace":{"frames":[
				{"abs_path":"/app/x.py","function":"f","lineno":1}]}}]}`,
			want: "Traceback (most recent call last):\n  File \"/app/x.py\", line 1, in f\nslow request",
		},
		{
			name: "an event without any stack renders nothing",
			in:   `{"message":"hello"}`,
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ev, err := Normalize([]byte(tt.in), baseOpts)
			if err != nil {
				t.Fatal(err)
			}
			if got := RenderStacktrace(ev); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderStacktraceOfTheReferenceEvent(t *testing.T) {
	_, ev, err := Normalize(referenceEvent(t), baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	got := RenderStacktrace(ev)
	lines := strings.Split(got, "\n")
	if len(lines) != 19 || !strings.HasPrefix(lines[0], "TypeError0: Cannot read properties") ||
		!strings.HasPrefix(lines[1], "    at ") {
		t.Errorf("unexpected rendering:\n%s", got)
	}
}

func BenchmarkRenderStacktrace(b *testing.B) {
	_, ev, err := Normalize(referenceEvent(b), baseOpts)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = RenderStacktrace(ev)
	}
}
