package stacktrace

import (
	"strconv"
	"testing"
)

// jf is the frameString of a Java frame as sentry-java fills it.
func jf(function, module, file string, line int, app bool) string {
	s := "fn=" + function + " mod=" + module + " "
	if file != "" {
		s += "file=" + file + " "
	}
	if line != 0 {
		s += "line=" + strconv.Itoa(line) + " "
	}
	if app {
		return s + "app"
	}
	return s + "sys"
}

// javaLauncher is the bottom of every trace of testdata/gen/java, which runs Gen.java through the
// JDK 17 source launcher, oldest first up to and including Gen.main.
var javaLauncher = []string{
	jf("main", "com.sun.tools.javac.launcher.Main", "Main.java", 132, false),
	jf("run", "com.sun.tools.javac.launcher.Main", "Main.java", 192, false),
	jf("execute", "com.sun.tools.javac.launcher.Main", "Main.java", 419, false),
	jf("invoke", "java.lang.reflect.Method", "Method.java", 569, false),
	jf("invoke", "jdk.internal.reflect.DelegatingMethodAccessorImpl", "DelegatingMethodAccessorImpl.java", 43, false),
	jf("invoke", "jdk.internal.reflect.NativeMethodAccessorImpl", "NativeMethodAccessorImpl.java", 77, false),
	jf("invoke0", "jdk.internal.reflect.NativeMethodAccessorImpl", "", 0, false),
	jf("main", "com.acme.shop.Gen", "Gen.java", 91, true),
}

func launched(frames ...string) []string {
	return append(append([]string(nil), javaLauncher...), frames...)
}

var parseIntFrames = []string{
	jf("parseInt", "java.lang.Integer", "Integer.java", 786, false),
	jf("parseInt", "java.lang.Integer", "Integer.java", 668, false),
	jf("forInputString", "java.lang.NumberFormatException", "NumberFormatException.java", 67, false),
}

func then(a []string, b ...string) []string { return append(append([]string(nil), a...), b...) }

var javaSamples = []sample{
	{
		name: "real JDK 17: helpful NullPointerException inside a stream pipeline",
		hint: "java", file: "java/real_npe_stream.txt",
		want: []wantException{{typ: "NullPointerException", module: "java.lang",
			value: `Cannot invoke "String.length()" because "this.owner" is null`,
			frames: launched(
				jf("streamTotals", "com.acme.shop.Gen", "Gen.java", 57, true),
				jf("forEach", "java.util.stream.ReferencePipeline", "ReferencePipeline.java", 596, false),
				jf("evaluate", "java.util.stream.AbstractPipeline", "AbstractPipeline.java", 234, false),
				jf("evaluateSequential", "java.util.stream.ForEachOps$ForEachOp$OfRef", "ForEachOps.java", 173, false),
				jf("evaluateSequential", "java.util.stream.ForEachOps$ForEachOp", "ForEachOps.java", 150, false),
				jf("wrapAndCopyInto", "java.util.stream.AbstractPipeline", "AbstractPipeline.java", 499, false),
				jf("copyInto", "java.util.stream.AbstractPipeline", "AbstractPipeline.java", 509, false),
				jf("forEachRemaining", "java.util.AbstractList$RandomAccessSpliterator", "AbstractList.java", 720, false),
				jf("accept", "java.util.stream.ReferencePipeline$3$1", "ReferencePipeline.java", 197, false),
				jf("ownerLength", "com.acme.shop.Gen$Cart", "Gen.java", 19, true),
			)}},
	},
	{
		name: "real JDK 17: Caused by with ... 10 more restored from the enclosing trace",
		hint: "java", file: "java/real_caused_by.txt",
		want: []wantException{
			{typ: "NumberFormatException", module: "java.lang", value: `For input string: "12,5"`,
				frames: then(launched(
					jf("lambda$main$2", "com.acme.shop.Gen", "Gen.java", 71, true),
					jf("checkout", "com.acme.shop.Gen", "Gen.java", 47, true),
					jf("loadOrder", "com.acme.shop.Gen", "Gen.java", 40, true),
					jf("parsePrice", "com.acme.shop.Gen", "Gen.java", 35, true),
				), parseIntFrames...)},
			{typ: "IllegalStateException", module: "java.lang", value: "order 42 has a bad price",
				frames: launched(
					jf("lambda$main$2", "com.acme.shop.Gen", "Gen.java", 71, true),
					jf("checkout", "com.acme.shop.Gen", "Gen.java", 47, true),
					jf("loadOrder", "com.acme.shop.Gen", "Gen.java", 42, true),
				)},
		},
	},
	{
		name: "real JDK 17: Suppressed exception stays out of the chain",
		hint: "java", file: "java/real_suppressed.txt",
		want: []wantException{{typ: "IllegalArgumentException", module: "java.lang", value: "payment declined",
			frames: launched(
				jf("lambda$main$3", "com.acme.shop.Gen", "Gen.java", 74, true),
				jf("useResource", "com.acme.shop.Gen", "Gen.java", 52, true),
			)}},
	},
	{
		name: "real JDK 17: exception thrown inside a lambda",
		hint: "java", file: "java/real_lambda.txt",
		want: []wantException{{typ: "UnsupportedOperationException", module: "java.lang", value: "not yet",
			frames: launched(
				jf("lambdaThrows", "com.acme.shop.Gen", "Gen.java", 64, true),
				jf("lambda$lambdaThrows$1", "com.acme.shop.Gen", "Gen.java", 62, true),
			)}},
	},
	{
		name: "real JDK 17: ExceptionInInitializerError without message, cause in <clinit>",
		hint: "java", file: "java/real_clinit.txt",
		want: []wantException{
			{typ: "NumberFormatException", module: "java.lang", value: `For input string: "eighty"`,
				frames: then(launched(
					jf("lambda$main$4", "com.acme.shop.Gen", "Gen.java", 80, true),
					jf("<clinit>", "com.acme.shop.Gen$Config", "Gen.java", 31, true),
				), parseIntFrames...)},
			{typ: "ExceptionInInitializerError", module: "java.lang",
				frames: launched(jf("lambda$main$4", "com.acme.shop.Gen", "Gen.java", 80, true))},
		},
	},
	{
		name: "real JDK 17: four-deep chain through reflection",
		hint: "java", file: "java/real_reflection.txt",
		want: []wantException{
			{typ: "NumberFormatException", module: "java.lang", value: `For input string: "x"`,
				frames: then(launched(
					jf("lambda$main$5", "com.acme.shop.Gen", "Gen.java", 84, true),
					jf("invoke", "java.lang.reflect.Method", "Method.java", 569, false),
					jf("invoke", "jdk.internal.reflect.DelegatingMethodAccessorImpl", "DelegatingMethodAccessorImpl.java", 43, false),
					jf("invoke", "jdk.internal.reflect.NativeMethodAccessorImpl", "NativeMethodAccessorImpl.java", 77, false),
					jf("invoke0", "jdk.internal.reflect.NativeMethodAccessorImpl", "", 0, false),
					jf("checkout", "com.acme.shop.Gen", "Gen.java", 47, true),
					jf("loadOrder", "com.acme.shop.Gen", "Gen.java", 40, true),
					jf("parsePrice", "com.acme.shop.Gen", "Gen.java", 35, true),
				), parseIntFrames...)},
			{typ: "IllegalStateException", module: "java.lang", value: "order 42 has a bad price",
				frames: launched(
					jf("lambda$main$5", "com.acme.shop.Gen", "Gen.java", 84, true),
					jf("invoke", "java.lang.reflect.Method", "Method.java", 569, false),
					jf("invoke", "jdk.internal.reflect.DelegatingMethodAccessorImpl", "DelegatingMethodAccessorImpl.java", 43, false),
					jf("invoke", "jdk.internal.reflect.NativeMethodAccessorImpl", "NativeMethodAccessorImpl.java", 77, false),
					jf("invoke0", "jdk.internal.reflect.NativeMethodAccessorImpl", "", 0, false),
					jf("checkout", "com.acme.shop.Gen", "Gen.java", 47, true),
					jf("loadOrder", "com.acme.shop.Gen", "Gen.java", 42, true),
				)},
			{typ: "InvocationTargetException", module: "java.lang.reflect",
				frames: launched(
					jf("lambda$main$5", "com.acme.shop.Gen", "Gen.java", 84, true),
					jf("invoke", "java.lang.reflect.Method", "Method.java", 569, false),
					jf("invoke", "jdk.internal.reflect.DelegatingMethodAccessorImpl", "DelegatingMethodAccessorImpl.java", 43, false),
					jf("invoke", "jdk.internal.reflect.NativeMethodAccessorImpl", "NativeMethodAccessorImpl.java", 77, false),
					jf("invoke0", "jdk.internal.reflect.NativeMethodAccessorImpl", "", 0, false),
				)},
			{typ: "RuntimeException", module: "java.lang", value: "handler failed",
				frames: launched(jf("lambda$main$5", "com.acme.shop.Gen", "Gen.java", 86, true))},
		},
	},
	{
		name: "logback: jar suffixes and common frames omitted, Spring frames are not in-app",
		hint: "java",
		text: `org.springframework.dao.DataIntegrityViolationException: could not execute statement; SQL [n/a]
	at org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:276) ~[spring-orm-6.1.2.jar:6.1.2]
	at com.acme.orders.OrderService.place(OrderService.java:58) ~[classes/:na]
	at com.acme.orders.OrderController.create(OrderController.java:31) [classes/:na]
	at jdk.internal.reflect.GeneratedMethodAccessor92.invoke(Unknown Source) ~[na:na]
Caused by: org.postgresql.util.PSQLException: ERROR: duplicate key value violates unique constraint "orders_pkey"
  Detail: Key (id)=(7) already exists.
	at org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2712) ~[postgresql-42.7.1.jar:42.7.1]
	at com.acme.orders.OrderService.place(OrderService.java:55) ~[classes/:na]
	... 2 common frames omitted
`,
		want: []wantException{
			{typ: "PSQLException", module: "org.postgresql.util",
				value: "ERROR: duplicate key value violates unique constraint \"orders_pkey\"\nDetail: Key (id)=(7) already exists.",
				frames: []string{
					jf("invoke", "jdk.internal.reflect.GeneratedMethodAccessor92", "", 0, false),
					jf("create", "com.acme.orders.OrderController", "OrderController.java", 31, true),
					jf("place", "com.acme.orders.OrderService", "OrderService.java", 55, true),
					jf("receiveErrorResponse", "org.postgresql.core.v3.QueryExecutorImpl", "QueryExecutorImpl.java", 2712, false),
				}},
			{typ: "DataIntegrityViolationException", module: "org.springframework.dao",
				value: "could not execute statement; SQL [n/a]",
				frames: []string{
					jf("invoke", "jdk.internal.reflect.GeneratedMethodAccessor92", "", 0, false),
					jf("create", "com.acme.orders.OrderController", "OrderController.java", 31, true),
					jf("place", "com.acme.orders.OrderService", "OrderService.java", 58, true),
					jf("convertHibernateAccessException", "org.springframework.orm.jpa.vendor.HibernateJpaDialect", "HibernateJpaDialect.java", 276, false),
				}},
		},
	},
	{
		name: "thread prefix, hidden lambda classes, inner classes, native and unknown locations",
		hint: "java",
		text: `Exception in thread "pool-1-thread-3" java.lang.ArithmeticException: / by zero
	at com.acme.billing.Invoice$LineItem.unitPrice(Invoice.java:88)
	at com.acme.billing.Invoice$$Lambda$141/0x0000000800c4b2a8.applyAsInt(Unknown Source)
	at com.acme.billing.Invoice$1.compare(Invoice.java:120)
	at java.base/java.lang.Thread.sleep(Native Method)
	at app//com.acme.billing.Invoice.<init>(Invoice.java:40)
	at java.base@17.0.9/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)
`,
		want: []wantException{{typ: "ArithmeticException", module: "java.lang", value: "/ by zero",
			frames: []string{
				jf("runWorker", "java.util.concurrent.ThreadPoolExecutor", "ThreadPoolExecutor.java", 1136, false),
				jf("<init>", "com.acme.billing.Invoice", "Invoice.java", 40, true),
				jf("sleep", "java.lang.Thread", "", 0, false),
				jf("compare", "com.acme.billing.Invoice$1", "Invoice.java", 120, true),
				jf("applyAsInt", "com.acme.billing.Invoice$$Lambda$141/0x0000000800c4b2a8", "", 0, true),
				jf("unitPrice", "com.acme.billing.Invoice$LineItem", "Invoice.java", 88, true),
			}}},
	},
	{
		name: "Kotlin coroutine frames and kotlin stdlib",
		hint: "java",
		text: `kotlin.KotlinNullPointerException
	at com.acme.mobile.ProfileRepository.load(ProfileRepository.kt:23)
	at com.acme.mobile.ProfileRepository$fetch$2.invokeSuspend(ProfileRepository.kt:17)
	at kotlin.coroutines.jvm.internal.BaseContinuationImpl.resumeWith(ContinuationImpl.kt:33)
	at kotlinx.coroutines.DispatchedTask.run(DispatchedTask.kt:108)
`,
		want: []wantException{{typ: "KotlinNullPointerException", module: "kotlin",
			frames: []string{
				jf("run", "kotlinx.coroutines.DispatchedTask", "DispatchedTask.kt", 108, false),
				jf("resumeWith", "kotlin.coroutines.jvm.internal.BaseContinuationImpl", "ContinuationImpl.kt", 33, false),
				jf("invokeSuspend", "com.acme.mobile.ProfileRepository$fetch$2", "ProfileRepository.kt", 17, true),
				jf("load", "com.acme.mobile.ProfileRepository", "ProfileRepository.kt", 23, true),
			}}},
	},
	{
		name: "JDK 8 style without module prefixes; app prefixes claim a library-looking package",
		hint: "java",
		opts: Options{AppPrefixes: []string{"org.apache.myplugin."}},
		text: `java.io.FileNotFoundException: /etc/acme/app.yml (No such file or directory)
	at java.io.FileInputStream.open0(Native Method)
	at java.io.FileInputStream.open(FileInputStream.java:195)
	at java.io.FileInputStream.<init>(FileInputStream.java:138)
	at org.apache.myplugin.ConfigLoader.read(ConfigLoader.java:19)
	at org.apache.catalina.core.StandardContext.startInternal(StandardContext.java:5219)
`,
		want: []wantException{{typ: "FileNotFoundException", module: "java.io",
			value: "/etc/acme/app.yml (No such file or directory)",
			frames: []string{
				jf("startInternal", "org.apache.catalina.core.StandardContext", "StandardContext.java", 5219, false),
				jf("read", "org.apache.myplugin.ConfigLoader", "ConfigLoader.java", 19, true),
				jf("<init>", "java.io.FileInputStream", "FileInputStream.java", 138, false),
				jf("open", "java.io.FileInputStream", "FileInputStream.java", 195, false),
				jf("open0", "java.io.FileInputStream", "", 0, false),
			}}},
	},
	{
		name: "Suppressed with its own Caused by, and a CIRCULAR REFERENCE line",
		hint: "java",
		text: `java.lang.RuntimeException: batch failed
	at com.acme.jobs.Batch.run(Batch.java:10)
	Suppressed: java.lang.IllegalStateException: rollback failed
		at com.acme.jobs.Batch.rollback(Batch.java:30)
		at com.acme.jobs.Batch.run(Batch.java:12)
	Caused by: java.sql.SQLException: connection closed
		at com.acme.jobs.Db.rollback(Db.java:5)
		... 2 more
	[CIRCULAR REFERENCE: java.lang.RuntimeException: batch failed]
Caused by: java.util.concurrent.TimeoutException: step 3 took 30s
	at com.acme.jobs.Step.await(Step.java:77)
	... 1 more
`,
		want: []wantException{
			{typ: "TimeoutException", module: "java.util.concurrent", value: "step 3 took 30s",
				frames: []string{
					jf("run", "com.acme.jobs.Batch", "Batch.java", 10, true),
					jf("await", "com.acme.jobs.Step", "Step.java", 77, true),
				}},
			{typ: "RuntimeException", module: "java.lang", value: "batch failed",
				frames: []string{jf("run", "com.acme.jobs.Batch", "Batch.java", 10, true)}},
		},
	},
}

func TestJavaSamples(t *testing.T) { runSamples(t, "java", javaSamples) }

func BenchmarkParseJava(b *testing.B) { benchSamples(b, javaSamples) }
