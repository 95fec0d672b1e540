package stacktrace

import (
	"strconv"
	"testing"
)

// phf is the frameString of a PHP frame as sentry-php fills it: the function containing the
// line, "[internal]" for a frame without file, abs_path only for an absolute path.
func phf(function, path string, line int, app bool) string {
	s := "fn=" + function + " "
	switch {
	case path == "":
		s += "file=[internal] "
	case isAbsolutePath(path):
		s += "file=" + path + " abs=" + path + " "
	default:
		s += "file=" + path + " "
	}
	if line != 0 {
		s += "line=" + strconv.Itoa(line) + " "
	}
	if app {
		return s + "app"
	}
	return s + "sys"
}

const (
	shop    = "/var/www/shop/"
	laravel = "/var/www/html/vendor/laravel/framework/src/Illuminate/"
)

var phpSamples = []sample{
	{
		name: "native: PDO error through an internal function and Symfony's kernel",
		hint: "php",
		text: `PDOException: SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '7' for key 'PRIMARY' in /var/www/shop/src/Repository/OrderRepository.php:42
Stack trace:
#0 /var/www/shop/src/Repository/OrderRepository.php(42): PDOStatement->execute(Array)
#1 /var/www/shop/src/Controller/OrderController.php(30): App\Repository\OrderRepository->save(Object(App\Entity\Order))
#2 [internal function]: App\Controller\OrderController->create(Object(Symfony\Component\HttpFoundation\Request))
#3 /var/www/shop/vendor/symfony/http-kernel/HttpKernel.php(163): call_user_func_array(Array, Array)
#4 /var/www/shop/public/index.php(20): Symfony\Component\HttpKernel\HttpKernel->handle(Object(Symfony\Component\HttpFoundation\Request))
#5 {main}
`,
		want: []wantException{{typ: "PDOException",
			value: "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '7' for key 'PRIMARY'", frames: []string{
				phf("{main}", shop+"public/index.php", 20, true),
				phf(`Symfony\Component\HttpKernel\HttpKernel::handle`, shop+"vendor/symfony/http-kernel/HttpKernel.php", 163, false),
				phf("call_user_func_array", "", 0, false),
				phf(`App\Controller\OrderController::create`, shop+"src/Controller/OrderController.php", 30, true),
				phf(`App\Repository\OrderRepository::save`, shop+"src/Repository/OrderRepository.php", 42, true),
				phf("PDOStatement::execute", shop+"src/Repository/OrderRepository.php", 42, true),
			}}},
	},
	{
		name: "native: previous exception first, the outer one after Next",
		hint: "php",
		text: `InvalidArgumentException: Unknown currency "XBT" in /app/src/Money/Currency.php:18
Stack trace:
#0 /app/src/Money/Money.php(31): App\Money\Currency::fromCode('XBT')
#1 /app/src/Checkout.php(12): App\Money\Money::of(100, 'XBT')
#2 /app/public/index.php(9): App\Checkout->run()
#3 {main}

Next App\CheckoutException: Checkout failed in /app/src/Checkout.php:14
Stack trace:
#0 /app/public/index.php(9): App\Checkout->run()
#1 {main}
`,
		want: []wantException{
			{typ: "InvalidArgumentException", value: `Unknown currency "XBT"`, frames: []string{
				phf("{main}", "/app/public/index.php", 9, true),
				phf(`App\Checkout::run`, "/app/src/Checkout.php", 12, true),
				phf(`App\Money\Money::of`, "/app/src/Money/Money.php", 31, true),
				phf(`App\Money\Currency::fromCode`, "/app/src/Money/Currency.php", 18, true),
			}},
			{typ: `App\CheckoutException`, value: "Checkout failed", frames: []string{
				phf("{main}", "/app/public/index.php", 9, true),
				phf(`App\Checkout::run`, "/app/src/Checkout.php", 14, true),
			}},
		},
	},
	{
		name: "native: uncaught fatal error with the thrown-in trailer",
		hint: "php",
		text: `PHP Fatal error:  Uncaught TypeError: str_repeat(): Argument #2 ($times) must be of type int, string given in /srv/app/lib/format.php:7
Stack trace:
#0 /srv/app/lib/format.php(7): str_repeat('-', 'x')
#1 /srv/app/bin/report.php(15): pad('title', 'x')
#2 {main}
  thrown in /srv/app/lib/format.php on line 7
`,
		want: []wantException{{typ: "TypeError", value: "str_repeat(): Argument #2 ($times) must be of type int, string given", frames: []string{
			phf("{main}", "/srv/app/bin/report.php", 15, true),
			phf("pad", "/srv/app/lib/format.php", 7, true),
			phf("str_repeat", "/srv/app/lib/format.php", 7, true),
		}}},
	},
	{
		name: "native: Laravel pipeline closures and vendor frames",
		hint: "php",
		text: "Illuminate\\Database\\QueryException: SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: select * from `users`) in " + laravel + "Database/Connection.php:829\n" +
			"Stack trace:\n" +
			"#0 " + laravel + "Database/Connection.php(783): Illuminate\\Database\\Connection->runQueryCallback('select * from `...', Array, Object(Closure))\n" +
			"#1 /var/www/html/app/Http/Controllers/UserController.php(21): Illuminate\\Database\\Connection->select('select * from `...')\n" +
			"#2 " + laravel + "Pipeline/Pipeline.php(144): App\\Http\\Controllers\\UserController->index(Object(Illuminate\\Http\\Request))\n" +
			"#3 /var/www/html/public/index.php(51): Illuminate\\Pipeline\\Pipeline->Illuminate\\Pipeline\\{closure}(Object(Illuminate\\Http\\Request))\n" +
			"#4 {main}\n",
		want: []wantException{{typ: `Illuminate\Database\QueryException`,
			value: "SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: select * from `users`)", frames: []string{
				phf("{main}", "/var/www/html/public/index.php", 51, true),
				phf(`Illuminate\Pipeline\Pipeline::Illuminate\Pipeline\{closure}`, laravel+"Pipeline/Pipeline.php", 144, false),
				phf(`App\Http\Controllers\UserController::index`, "/var/www/html/app/Http/Controllers/UserController.php", 21, true),
				phf(`Illuminate\Database\Connection::select`, laravel+"Database/Connection.php", 783, false),
				phf(`Illuminate\Database\Connection::runQueryCallback`, laravel+"Database/Connection.php", 829, false),
			}}},
	},
	{
		name: "native: multi-line message ends with the location",
		hint: "php",
		text: `RuntimeException: Validation failed:
 - email is required
 - name is too long in /app/src/Validator.php:40
Stack trace:
#0 /app/src/Controller/SignupController.php(22): App\Validator->assert(Array)
#1 {main}
`,
		want: []wantException{{typ: "RuntimeException", value: "Validation failed:\n- email is required\n- name is too long", frames: []string{
			phf("{main}", "/app/src/Controller/SignupController.php", 22, true),
			phf(`App\Validator::assert`, "/app/src/Validator.php", 40, true),
		}}},
	},
	{
		name: "native: no message, Windows paths",
		hint: "php",
		text: `Exception in C:\inetpub\shop\src\Job.php:3
Stack trace:
#0 C:\inetpub\shop\src\run.php(5): Job::fail()
#1 {main}
`,
		want: []wantException{{typ: "Exception", frames: []string{
			phf("{main}", `C:\inetpub\shop\src\run.php`, 5, true),
			phf("Job::fail", `C:\inetpub\shop\src\Job.php`, 3, true),
		}}},
	},
	{
		name: "native: PHP 8.4 closure names",
		hint: "php",
		text: `Error: Call to undefined method App\Cart::totl() in /srv/shop/src/Http/Kernel.php:42
Stack trace:
#0 /srv/shop/src/Http/Router.php(17): {closure:App\Http\Kernel::handle():41}(Object(App\Http\Request))
#1 /srv/shop/src/Http/Kernel.php(45): App\Http\Router->dispatch(Object(App\Http\Request), Object(Closure))
#2 /srv/shop/public/index.php(8): App\Http\Kernel->handle(Object(App\Http\Request))
#3 {main}
`,
		want: []wantException{{typ: "Error", value: `Call to undefined method App\Cart::totl()`, frames: []string{
			phf("{main}", "/srv/shop/public/index.php", 8, true),
			phf(`App\Http\Kernel::handle`, "/srv/shop/src/Http/Kernel.php", 45, true),
			phf(`App\Http\Router::dispatch`, "/srv/shop/src/Http/Router.php", 17, true),
			phf(`{closure:App\Http\Kernel::handle():41}`, "/srv/shop/src/Http/Kernel.php", 42, true),
		}}},
	},
	{
		name: "native: app path prefix claims an own package under vendor",
		hint: "php",
		opts: Options{AppPrefixes: []string{"/var/www/shop/vendor/acme/"}},
		text: `Acme\Billing\InvoiceException: Invoice 12 is locked in /var/www/shop/vendor/acme/billing/src/Invoice.php:88
Stack trace:
#0 /var/www/shop/vendor/symfony/console/Command/Command.php(326): Acme\Billing\Invoice->lock()
#1 {main}
`,
		want: []wantException{{typ: `Acme\Billing\InvoiceException`, value: "Invoice 12 is locked", frames: []string{
			phf("{main}", shop+"vendor/symfony/console/Command/Command.php", 326, false),
			phf(`Acme\Billing\Invoice::lock`, shop+"vendor/acme/billing/src/Invoice.php", 88, true),
		}}},
	},
	{
		name: "OTel PHP SDK: Java-shaped text of a global function",
		hint: "php",
		text: "Exception: message\n\tat create(worker.php:16)\n\tat {main}(worker.php:23)",
		want: []wantException{{typ: "Exception", value: "message", frames: []string{
			phf("{main}", "worker.php", 23, true),
			phf("create", "worker.php", 16, true),
		}}},
	},
	{
		name: "OTel PHP SDK: namespaces dotted, Caused by with ... 1 more",
		hint: "php",
		text: `App.Checkout.CheckoutException: Checkout failed
	at App.Checkout.Service.run(Service.php:40)
	at {main}(index.php:9)
Caused by: App.Money.InvalidCurrency: Unknown currency "XBT"
	at App.Money.Currency.fromCode(Currency.php:18)
	at App.Checkout.Service.run(Service.php:38)
	... 1 more`,
		want: []wantException{
			{typ: `App\Money\InvalidCurrency`, value: `Unknown currency "XBT"`, frames: []string{
				phf("{main}", "index.php", 9, true),
				phf(`App\Checkout\Service::run`, "Service.php", 38, true),
				phf(`App\Money\Currency::fromCode`, "Currency.php", 18, true),
			}},
			{typ: `App\Checkout\CheckoutException`, value: "Checkout failed", frames: []string{
				phf("{main}", "index.php", 9, true),
				phf(`App\Checkout\Service::run`, "Service.php", 40, true),
			}},
		},
	},
	{
		name: "OTel PHP SDK: Unknown Source, vendor namespaces and a circular reference",
		hint: "php",
		text: `GuzzleHttp.Exception.ConnectException: cURL error 7: Failed to connect to rates.internal port 443
	at GuzzleHttp.Handler.CurlFactory.createRejection(CurlFactory.php:210)
	at GuzzleHttp.Handler.CurlHandler.__invoke(CurlHandler.php:47)
	at array_map(Unknown Source)
	at App.Rates.Client.fetch(Client.php:25)
	at {main}(cron.php:4)
Caused by: [CIRCULAR REFERENCE: GuzzleHttp.Exception.ConnectException: cURL error 7]`,
		want: []wantException{{typ: `GuzzleHttp\Exception\ConnectException`,
			value: "cURL error 7: Failed to connect to rates.internal port 443", frames: []string{
				phf("{main}", "cron.php", 4, true),
				phf(`App\Rates\Client::fetch`, "Client.php", 25, true),
				phf("array_map", "", 0, false),
				phf(`GuzzleHttp\Handler\CurlHandler::__invoke`, "CurlHandler.php", 47, false),
				phf(`GuzzleHttp\Handler\CurlFactory::createRejection`, "CurlFactory.php", 210, false),
			}}},
	},
}

func TestPHPSamples(t *testing.T) { runSamples(t, "php", phpSamples) }

func BenchmarkParsePHP(b *testing.B) { benchSamples(b, phpSamples) }
