package stacktrace

import (
	"strconv"
	"testing"
)

// nf is the frameString of a .NET frame as the Sentry .NET SDK fills it; path is empty for a
// frame printed without symbols.
func nf(function, module, path string, line int, app bool) string {
	s := "fn=" + function + " "
	if module != "" {
		s += "mod=" + module + " "
	}
	if path != "" {
		s += "file=" + path + " "
		if isAbsolutePath(path) {
			s += "abs=" + path + " "
		}
	}
	if line != 0 {
		s += "line=" + strconv.Itoa(line) + " "
	}
	if app {
		return s + "app"
	}
	return s + "sys"
}

var dotnetSamples = []sample{
	{
		name: "inner exception with its own section, outer frames after the end marker",
		hint: "dotnet",
		text: `System.InvalidOperationException: Order 42 cannot be shipped
 ---> System.ArgumentNullException: Value cannot be null. (Parameter 'address')
   at System.ArgumentNullException.Throw(String paramName)
   at Acme.Shop.Shipping.Validate(Address address) in /src/Acme.Shop/Shipping.cs:line 27
   at Acme.Shop.Shipping.Ship(Order order) in /src/Acme.Shop/Shipping.cs:line 12
   --- End of inner exception stack trace ---
   at Acme.Shop.Shipping.Ship(Order order) in /src/Acme.Shop/Shipping.cs:line 15
   at Acme.Shop.Controllers.OrdersController.Post(Int32 id) in /src/Acme.Shop/Controllers/OrdersController.cs:line 40
`,
		want: []wantException{
			{typ: "System.ArgumentNullException", value: "Value cannot be null. (Parameter 'address')", frames: []string{
				nf("Ship", "Acme.Shop.Shipping", "/src/Acme.Shop/Shipping.cs", 12, true),
				nf("Validate", "Acme.Shop.Shipping", "/src/Acme.Shop/Shipping.cs", 27, true),
				nf("Throw", "System.ArgumentNullException", "", 0, false),
			}},
			{typ: "System.InvalidOperationException", value: "Order 42 cannot be shipped", frames: []string{
				nf("Post", "Acme.Shop.Controllers.OrdersController", "/src/Acme.Shop/Controllers/OrdersController.cs", 40, true),
				nf("Ship", "Acme.Shop.Shipping", "/src/Acme.Shop/Shipping.cs", 15, true),
			}},
		},
	},
	{
		name: "ASP.NET Core async pipeline with previous-location boundaries and lambda_method",
		hint: "dotnet",
		text: `System.Collections.Generic.KeyNotFoundException: The given key 'EUR' was not present in the dictionary.
   at System.Collections.Generic.Dictionary` + "`" + `2.get_Item(TKey key)
   at Acme.Rates.RateService.GetAsync(String currency) in C:\build\Acme.Rates\RateService.cs:line 31
--- End of stack trace from previous location ---
   at Acme.Rates.Api.RatesController.Get(String currency) in C:\build\Acme.Rates\Api\RatesController.cs:line 22
   at lambda_method5(Closure , Object )
   at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.AwaitableObjectResultExecutor.Execute(ActionContext actionContext, IActionResultTypeMapper mapper, ObjectMethodExecutor executor, Object controller, Object[] arguments)
`,
		want: []wantException{{typ: "System.Collections.Generic.KeyNotFoundException",
			value: "The given key 'EUR' was not present in the dictionary.", frames: []string{
				nf("Execute", "Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.AwaitableObjectResultExecutor", "", 0, false),
				nf("lambda_method5", "", "", 0, false),
				nf("Get", "Acme.Rates.Api.RatesController", `C:\build\Acme.Rates\Api\RatesController.cs`, 22, true),
				nf("GetAsync", "Acme.Rates.RateService", `C:\build\Acme.Rates\RateService.cs`, 31, true),
				nf("get_Item", "System.Collections.Generic.Dictionary`2", "", 0, false),
			}}},
	},
	{
		name: "pre-.NET Core async state machines are named after their method",
		hint: "dotnet",
		text: `System.Net.Http.HttpRequestException: Response status code does not indicate success: 503 (Service Unavailable).
   at System.Net.Http.HttpResponseMessage.EnsureSuccessStatusCode()
   at Acme.Billing.InvoiceClient.<SendAsync>d__7.MoveNext() in D:\a\billing\src\InvoiceClient.cs:line 58
--- End of stack trace from previous location where exception was thrown ---
   at System.Runtime.CompilerServices.TaskAwaiter.ThrowForNonSuccess(Task task)
   at Acme.Billing.Jobs.MonthlyRun.<ExecuteAsync>d__3.MoveNext() in D:\a\billing\src\Jobs\MonthlyRun.cs:line 19
`,
		want: []wantException{{typ: "System.Net.Http.HttpRequestException",
			value: "Response status code does not indicate success: 503 (Service Unavailable).", frames: []string{
				nf("ExecuteAsync", "Acme.Billing.Jobs.MonthlyRun", `D:\a\billing\src\Jobs\MonthlyRun.cs`, 19, true),
				nf("ThrowForNonSuccess", "System.Runtime.CompilerServices.TaskAwaiter", "", 0, false),
				nf("SendAsync", "Acme.Billing.InvoiceClient", `D:\a\billing\src\InvoiceClient.cs`, 58, true),
				nf("EnsureSuccessStatusCode", "System.Net.Http.HttpResponseMessage", "", 0, false),
			}}},
	},
	{
		name: "HRESULT after the type, constructors and lambdas in display classes",
		hint: "dotnet",
		text: `Npgsql.PostgresException (0x80004005): 23505: duplicate key value violates unique constraint "orders_pkey"
   at Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async, DataRowLoadingMode dataRowLoadingMode, Boolean readingNotifications, Boolean isReadingPrependedMessage)
   at Acme.Orders.OrderRepository.<>c__DisplayClass4_0.<Insert>b__0(NpgsqlCommand cmd) in /app/src/OrderRepository.cs:line 77
   at Acme.Orders.Order..ctor(Int32 id) in /app/src/Order.cs:line 12
   at Acme.Orders.Settings..cctor() in /app/src/Settings.cs:line 5
`,
		want: []wantException{{typ: "Npgsql.PostgresException",
			value: `23505: duplicate key value violates unique constraint "orders_pkey"`, frames: []string{
				nf(".cctor", "Acme.Orders.Settings", "/app/src/Settings.cs", 5, true),
				nf(".ctor", "Acme.Orders.Order", "/app/src/Order.cs", 12, true),
				nf("<Insert>b__0", "Acme.Orders.OrderRepository.<>c__DisplayClass4_0", "/app/src/OrderRepository.cs", 77, true),
				nf("ReadMessageLong", "Npgsql.Internal.NpgsqlConnector", "", 0, false),
			}}},
	},
	{
		name: "console crash output with the Unhandled exception prefix",
		hint: "dotnet",
		text: `Unhandled exception. System.IO.FileNotFoundException: Could not find file '/app/appsettings.Production.json'.
File name: '/app/appsettings.Production.json'
   at Microsoft.Win32.SafeHandles.SafeFileHandle.Open(String fullPath, FileMode mode, FileAccess access, FileShare share, FileOptions options, Int64 preallocationSize, UnixFileMode openPermissions, Int64& fileLength, UnixFileMode& filePermissions, Boolean failForSymlink, Boolean& wasSymlink, Func` + "`" + `4 createOpenException)
   at System.IO.File.ReadAllText(String path)
   at Acme.Worker.Program.Main(String[] args) in /src/Acme.Worker/Program.cs:line 9
`,
		want: []wantException{{typ: "System.IO.FileNotFoundException",
			value: "Could not find file '/app/appsettings.Production.json'.\nFile name: '/app/appsettings.Production.json'", frames: []string{
				nf("Main", "Acme.Worker.Program", "/src/Acme.Worker/Program.cs", 9, true),
				nf("ReadAllText", "System.IO.File", "", 0, false),
				nf("Open", "Microsoft.Win32.SafeHandles.SafeFileHandle", "", 0, false),
			}}},
	},
	{
		name: "three-deep chain",
		hint: "dotnet",
		text: `Acme.Shop.CheckoutException: Checkout failed
 ---> Acme.Shop.PaymentException: Payment declined
 ---> System.TimeoutException: The operation has timed out.
   at Acme.Shop.Payments.Gateway.Charge(Decimal amount) in /src/Payments/Gateway.cs:line 44
   --- End of inner exception stack trace ---
   at Acme.Shop.Payments.PaymentService.Pay(Order order) in /src/Payments/PaymentService.cs:line 20
   --- End of inner exception stack trace ---
   at Acme.Shop.CheckoutService.Checkout(Cart cart) in /src/CheckoutService.cs:line 33
`,
		want: []wantException{
			{typ: "System.TimeoutException", value: "The operation has timed out.", frames: []string{
				nf("Charge", "Acme.Shop.Payments.Gateway", "/src/Payments/Gateway.cs", 44, true),
			}},
			{typ: "Acme.Shop.PaymentException", value: "Payment declined", frames: []string{
				nf("Pay", "Acme.Shop.Payments.PaymentService", "/src/Payments/PaymentService.cs", 20, true),
			}},
			{typ: "Acme.Shop.CheckoutException", value: "Checkout failed", frames: []string{
				nf("Checkout", "Acme.Shop.CheckoutService", "/src/CheckoutService.cs", 33, true),
			}},
		},
	},
	{
		name: "AggregateException keeps its first inner exception",
		hint: "dotnet",
		text: `System.AggregateException: One or more errors occurred. (Disk full) (Quota exceeded)
 ---> System.IO.IOException: Disk full
   at Acme.Backup.Writer.Flush() in /src/Writer.cs:line 8
   --- End of inner exception stack trace ---
   at System.Threading.Tasks.Task.WaitAllCore(Task[] tasks, Int32 millisecondsTimeout, CancellationToken cancellationToken)
   at Acme.Backup.Runner.Run() in /src/Runner.cs:line 14
 ---> (Inner Exception #1) System.InvalidOperationException: Quota exceeded
   at Acme.Backup.Quota.Check() in /src/Quota.cs:line 3<---
`,
		want: []wantException{
			{typ: "System.IO.IOException", value: "Disk full", frames: []string{nf("Flush", "Acme.Backup.Writer", "/src/Writer.cs", 8, true)}},
			{typ: "System.AggregateException", value: "One or more errors occurred. (Disk full) (Quota exceeded)", frames: []string{
				nf("Run", "Acme.Backup.Runner", "/src/Runner.cs", 14, true),
				nf("WaitAllCore", "System.Threading.Tasks.Task", "", 0, false),
			}},
		},
	},
	{
		name: "generic methods and an app prefix claiming a library-looking namespace",
		hint: "dotnet",
		opts: Options{AppPrefixes: []string{"Microsoft.Extensions.AcmePlugin."}},
		text: `System.FormatException: Input string was not in a correct format.
   at System.Number.ThrowFormatException[TChar](ReadOnlySpan` + "`" + `1 value)
   at Microsoft.Extensions.AcmePlugin.Parser.Parse[T](String text) in /src/Plugin/Parser.cs:line 17
   at Acme.Cli.Commands.ImportCommand.Execute() in /src/Cli/ImportCommand.cs:line 50
`,
		want: []wantException{{typ: "System.FormatException", value: "Input string was not in a correct format.", frames: []string{
			nf("Execute", "Acme.Cli.Commands.ImportCommand", "/src/Cli/ImportCommand.cs", 50, true),
			nf("Parse[T]", "Microsoft.Extensions.AcmePlugin.Parser", "/src/Plugin/Parser.cs", 17, true),
			nf("ThrowFormatException[TChar]", "System.Number", "", 0, false),
		}}},
	},
	{
		name: "NullReferenceException in an iterator and a local function",
		hint: "dotnet",
		text: `System.NullReferenceException: Object reference not set to an instance of an object.
   at Acme.Reports.Builder.<Rows>d__12.MoveNext() in /src/Reports/Builder.cs:line 101
   at System.Linq.Enumerable.SelectEnumerableIterator` + "`" + `2.ToList()
   at Acme.Reports.Builder.<Build>g__Render|8_0(Report report) in /src/Reports/Builder.cs:line 64
   at Acme.Reports.Builder.Build(Report report) in /src/Reports/Builder.cs:line 40
`,
		want: []wantException{{typ: "System.NullReferenceException", value: "Object reference not set to an instance of an object.", frames: []string{
			nf("Build", "Acme.Reports.Builder", "/src/Reports/Builder.cs", 40, true),
			nf("<Build>g__Render|8_0", "Acme.Reports.Builder", "/src/Reports/Builder.cs", 64, true),
			nf("ToList", "System.Linq.Enumerable.SelectEnumerableIterator`2", "", 0, false),
			nf("Rows", "Acme.Reports.Builder", "/src/Reports/Builder.cs", 101, true),
		}}},
	},
	{
		name: "exception without message, frames without symbols",
		hint: "dotnet",
		text: `System.OperationCanceledException
   at System.Threading.CancellationToken.ThrowOperationCanceledException()
   at Acme.Queue.Consumer.Poll(CancellationToken token)
   at Acme.Queue.Consumer.Run()
`,
		want: []wantException{{typ: "System.OperationCanceledException", frames: []string{
			nf("Run", "Acme.Queue.Consumer", "", 0, true),
			nf("Poll", "Acme.Queue.Consumer", "", 0, true),
			nf("ThrowOperationCanceledException", "System.Threading.CancellationToken", "", 0, false),
		}}},
	},
}

func TestDotnetSamples(t *testing.T) { runSamples(t, "csharp", dotnetSamples) }

func BenchmarkParseDotnet(b *testing.B) { benchSamples(b, dotnetSamples) }
