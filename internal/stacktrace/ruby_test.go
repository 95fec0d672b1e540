package stacktrace

import (
	"strconv"
	"testing"
)

// rf is the frameString of a Ruby frame as sentry-ruby fills it: file is load-path relative for
// gems and the stdlib, abs the path as printed.
func rf(function, module, file, abs string, line int, app bool) string {
	s := "fn=" + function + " "
	if module != "" {
		s += "mod=" + module + " "
	}
	s += "file=" + file + " "
	if abs != "" {
		s += "abs=" + abs + " "
	}
	s += "line=" + strconv.Itoa(line) + " "
	if app {
		return s + "app"
	}
	return s + "sys"
}

// rapp is an app frame: filename and abs_path are the path as printed.
func rapp(function, module, path string, line int) string {
	return rf(function, module, path, path, line, true)
}

const bundle = "/usr/local/bundle/gems/"

var rubySamples = []sample{
	{
		name: "Ruby 3.4 quoting with Class#method labels and a gem frame",
		hint: "ruby",
		text: `/app/app/models/order.rb:12:in 'Order#total': undefined method 'price' for nil (NoMethodError)
	from /app/app/controllers/orders_controller.rb:8:in 'block in OrdersController#create'
	from ` + bundle + `actionpack-7.1.3/lib/action_controller/metal/basic_implicit_render.rb:6:in 'ActionController::BasicImplicitRender#send_action'
	from /app/app/controllers/orders_controller.rb:5:in 'OrdersController#create'
`,
		want: []wantException{{typ: "NoMethodError", value: "undefined method 'price' for nil", frames: []string{
			rapp("create", "OrdersController", "/app/app/controllers/orders_controller.rb", 5),
			rf("send_action", "ActionController::BasicImplicitRender", "action_controller/metal/basic_implicit_render.rb",
				bundle+"actionpack-7.1.3/lib/action_controller/metal/basic_implicit_render.rb", 6, false),
			rapp("block in create", "OrdersController", "/app/app/controllers/orders_controller.rb", 8),
			rapp("total", "Order", "/app/app/models/order.rb", 12),
		}}},
	},
	{
		name: "Ruby 3.3 backtick quoting without class names",
		hint: "ruby",
		text: "/app/app/models/order.rb:12:in `total': undefined method `price' for nil:NilClass (NoMethodError)\n" +
			"\tfrom /app/app/controllers/orders_controller.rb:8:in `block in create'\n" +
			"\tfrom /app/app/controllers/orders_controller.rb:5:in `create'\n",
		want: []wantException{{typ: "NoMethodError", value: "undefined method `price' for nil:NilClass", frames: []string{
			rapp("create", "", "/app/app/controllers/orders_controller.rb", 5),
			rapp("block in create", "", "/app/app/controllers/orders_controller.rb", 8),
			rapp("total", "", "/app/app/models/order.rb", 12),
		}}},
	},
	{
		name: "cause printed after the exception it caused",
		hint: "ruby",
		text: `/app/lib/importer.rb:20:in 'Importer#run': import of rows.csv failed (Importer::Error)
	from /app/bin/import:5:in '<main>'
/app/lib/importer.rb:31:in 'Integer': invalid value for Integer(): "x" (ArgumentError)
	from /app/lib/importer.rb:31:in 'Importer#parse_row'
	from /app/lib/importer.rb:18:in 'Importer#run'
	from /app/bin/import:5:in '<main>'
`,
		want: []wantException{
			{typ: "ArgumentError", value: `invalid value for Integer(): "x"`, frames: []string{
				rapp("<main>", "", "/app/bin/import", 5),
				rapp("run", "Importer", "/app/lib/importer.rb", 18),
				rapp("parse_row", "Importer", "/app/lib/importer.rb", 31),
				rapp("Integer", "", "/app/lib/importer.rb", 31),
			}},
			{typ: "Importer::Error", value: "import of rows.csv failed", frames: []string{
				rapp("<main>", "", "/app/bin/import", 5),
				rapp("run", "Importer", "/app/lib/importer.rb", 20),
			}},
		},
	},
	{
		name: "plain Rails backtrace with relative paths, no header",
		hint: "ruby",
		text: "app/services/payment_service.rb:44:in `charge!'\napp/jobs/charge_job.rb:9:in `perform'\n" +
			"/usr/local/bundle/gems/activejob-7.1.3/lib/active_job/execution.rb:68:in `block in _perform_job'\n",
		want: []wantException{{frames: []string{
			rf("block in _perform_job", "", "active_job/execution.rb", "/usr/local/bundle/gems/activejob-7.1.3/lib/active_job/execution.rb", 68, false),
			rapp("perform", "", "app/jobs/charge_job.rb", 9),
			rapp("charge!", "", "app/services/payment_service.rb", 44),
		}}},
	},
	{
		name: "stdlib and internal frames are not in-app",
		hint: "ruby",
		text: `/usr/local/lib/ruby/3.3.0/net/http.rb:1603:in 'Net::HTTP#connect': Failed to open TCP connection to rates.internal:443 (getaddrinfo: Name or service not known) (Socket::ResolutionError)
	from <internal:kernel>:187:in 'Kernel#loop'
	from /app/lib/rates.rb:7:in 'Rates.fetch'
`,
		want: []wantException{{typ: "Socket::ResolutionError",
			value: "Failed to open TCP connection to rates.internal:443 (getaddrinfo: Name or service not known)", frames: []string{
				rapp("fetch", "Rates", "/app/lib/rates.rb", 7),
				rf("loop", "Kernel", "<internal:kernel>", "", 187, false),
				rf("connect", "Net::HTTP", "net/http.rb", "/usr/local/lib/ruby/3.3.0/net/http.rb", 1603, false),
			}}},
	},
	{
		name: "nested blocks, rescue and ensure labels",
		hint: "ruby",
		text: `/app/lib/sync.rb:40:in 'block (2 levels) in Sync::Runner#each_batch': batch 3 failed (RuntimeError)
	from /app/lib/sync.rb:38:in 'rescue in Sync::Runner#each_batch'
	from /app/lib/sync.rb:50:in 'ensure in Sync::Runner.call'
`,
		want: []wantException{{typ: "RuntimeError", value: "batch 3 failed", frames: []string{
			rapp("ensure in call", "Sync::Runner", "/app/lib/sync.rb", 50),
			rapp("rescue in each_batch", "Sync::Runner", "/app/lib/sync.rb", 38),
			rapp("block (2 levels) in each_batch", "Sync::Runner", "/app/lib/sync.rb", 40),
		}}},
	},
	{
		name: "multi-line message continues before the from lines",
		hint: "ruby",
		text: `/app/config/boot.rb:3:in 'Config.load!': missing settings: (KeyError)
  database.url
  redis.url
	from /app/config.ru:1:in '<main>'
`,
		want: []wantException{{typ: "KeyError", value: "missing settings:\ndatabase.url\nredis.url", frames: []string{
			rapp("<main>", "", "/app/config.ru", 1),
			rapp("load!", "Config", "/app/config/boot.rb", 3),
		}}},
	},
	{
		name: "vendored bundle and a truncated backtrace",
		hint: "ruby",
		text: `/srv/shop/vendor/bundle/ruby/3.2.0/gems/sidekiq-7.2.0/lib/sidekiq/processor.rb:202:in 'Sidekiq::Processor#execute_job': Timeout (Sidekiq::Shutdown)
	 ... 12 levels...
	from /srv/shop/app/workers/mailer_worker.rb:14:in 'MailerWorker#perform'
`,
		want: []wantException{{typ: "Sidekiq::Shutdown", value: "Timeout", frames: []string{
			rapp("perform", "MailerWorker", "/srv/shop/app/workers/mailer_worker.rb", 14),
			rf("execute_job", "Sidekiq::Processor", "sidekiq/processor.rb", "/srv/shop/vendor/bundle/ruby/3.2.0/gems/sidekiq-7.2.0/lib/sidekiq/processor.rb", 202, false),
		}}},
	},
	{
		name: "top-level script frames and a class body",
		hint: "ruby",
		text: `script.rb:2:in '<class:Report>': uninitialized constant Report::Csv (NameError)
	from script.rb:1:in '<top (required)>'
	from script.rb:9:in 'Kernel#require_relative'
`,
		want: []wantException{{typ: "NameError", value: "uninitialized constant Report::Csv", frames: []string{
			rapp("require_relative", "Kernel", "script.rb", 9),
			rapp("<top (required)>", "", "script.rb", 1),
			rapp("<class:Report>", "", "script.rb", 2),
		}}},
	},
	{
		name: "app prefix claims a path inside gems (a local engine)",
		hint: "ruby",
		opts: Options{AppPrefixes: []string{"/srv/shop/engines/"}},
		text: `/srv/shop/engines/billing/gems/invoice-1.0/lib/invoice.rb:5:in 'Invoice.render': template missing (Invoice::TemplateError)
	from /srv/shop/app/controllers/invoices_controller.rb:12:in 'InvoicesController#show'
`,
		want: []wantException{{typ: "Invoice::TemplateError", value: "template missing", frames: []string{
			rapp("show", "InvoicesController", "/srv/shop/app/controllers/invoices_controller.rb", 12),
			rf("render", "Invoice", "invoice.rb", "/srv/shop/engines/billing/gems/invoice-1.0/lib/invoice.rb", 5, true),
		}}},
	},
}

func TestRubySamples(t *testing.T) { runSamples(t, "ruby", rubySamples) }

func BenchmarkParseRuby(b *testing.B) { benchSamples(b, rubySamples) }
