package stacktrace

import (
	"strconv"
	"testing"
)

// jsf is the frameString of a JavaScript frame: filename and abs_path both hold the path or URL.
func jsf(function, module, path string, line, col int, app bool) string {
	s := ""
	if function != "" {
		s += "fn=" + function + " "
	}
	if module != "" {
		s += "mod=" + module + " "
	}
	if path != "" {
		s += "file=" + path + " abs=" + path + " "
	}
	if line != 0 {
		s += "line=" + strconv.Itoa(line) + " "
	}
	if col != 0 {
		s += "col=" + strconv.Itoa(col) + " "
	}
	if app {
		return s + "app"
	}
	return s + "sys"
}

const (
	ordersJS = "/srv/shop/src/orders.js"
	mainJS   = "/srv/shop/src/main.js"
)

var (
	nodeImmediate = []string{
		jsf("process.processImmediate", "timers", "node:internal/timers", 483, 21, false),
		jsf("Immediate._onImmediate", "main", mainJS, 5, 15, true),
	}
	fastpayCharge = func(line, col int) string {
		return jsf("Object.charge", "fastpay.lib:client", "/srv/shop/node_modules/fastpay/lib/client.js", line, col, false)
	}
)

var javascriptSamples = []sample{
	{
		name: "real Node 20: TypeError in an arrow function called by Array.map",
		hint: "nodejs", file: "javascript/real_type_error.txt",
		want: []wantException{{typ: "TypeError", value: "Cannot read properties of undefined (reading 'name')",
			frames: then(nodeImmediate,
				jsf("real_type_error", "orders", ordersJS, 19, 35, true),
				jsf("Array.map", "", "<anonymous>", 0, 0, false),
				jsf("", "orders", ordersJS, 19, 62, true),
			)}},
	},
	{
		name: "real Node 20: constructor frame",
		hint: "nodejs", file: "javascript/real_new_order.txt",
		want: []wantException{{typ: "TypeError", value: "Cannot read properties of null (reading 'amount')",
			frames: then(nodeImmediate,
				jsf("real_new_order", "orders", ordersJS, 20, 29, true),
				jsf("new Order", "orders", ordersJS, 4, 26, true),
				jsf("Array.reduce", "", "<anonymous>", 0, 0, false),
				jsf("", "orders", ordersJS, 4, 65, true),
			)}},
	},
	{
		name: "real Node 20: async frames after the tick boundary",
		hint: "nodejs", file: "javascript/real_async.txt",
		want: []wantException{{typ: "SyntaxError", value: "Expected ',' or '}' after property value in JSON at position 8",
			frames: []string{
				jsf("Immediate.<anonymous>", "main", mainJS, 5, 9, true),
				jsf("checkout", "orders", ordersJS, 12, 12, true),
				jsf("process.processImmediate", "timers", "node:internal/timers", 454, 9, false),
				jsf("runNextTicks", "task_queues", "node:internal/process/task_queues", 60, 5, false),
				jsf("loadOrder", "orders", ordersJS, 9, 17, true),
				jsf("JSON.parse", "", "<anonymous>", 0, 0, false),
			}}},
	},
	{
		name: "real Node 20: error thrown inside a node_modules package",
		hint: "nodejs", file: "javascript/real_library.txt",
		want: []wantException{{typ: "FastpayError", value: "limit exceeded: 250",
			frames: then(nodeImmediate,
				jsf("real_library", "orders", ordersJS, 22, 36, true),
				jsf("Object.submitPayment", "orders", ordersJS, 16, 20, true),
				fastpayCharge(10, 31),
			)}},
	},
	{
		name: "real Node 20: package calls back into app code",
		hint: "nodejs", file: "javascript/real_callback_into_app.txt",
		want: []wantException{{typ: "TypeError", value: "Cannot read properties of undefined (reading 'toFixed')",
			frames: then(nodeImmediate,
				jsf("real_callback_into_app", "orders", ordersJS, 23, 46, true),
				jsf("Object.submitPayment", "orders", ordersJS, 16, 20, true),
				fastpayCharge(11, 14),
				jsf("", "orders", ordersJS, 16, 56, true),
			)}},
	},
	{
		name: "real Node 20: eval frames point at the eval call",
		hint: "nodejs", file: "javascript/real_eval.txt",
		want: []wantException{{typ: "ReferenceError", value: "undefinedTemplate is not defined",
			frames: then(nodeImmediate,
				jsf("real_eval", "orders", ordersJS, 24, 24, true),
				jsf("eval", "orders", ordersJS, 24, 24, true),
				jsf("render", "orders", ordersJS, 24, 24, true),
			)}},
	},
	{
		name: "Chrome: bundled URLs get no module (grouping derives it), vendor chunk and webpack paths",
		hint: "webjs",
		text: `Uncaught TypeError: Cannot read properties of null (reading 'addEventListener')
    at initCart (https://shop.example.com/static/js/main.3f2a1b9c.js:2:10453)
    at https://shop.example.com/static/js/main.3f2a1b9c.js:2:11020
    at Module.render (webpack:///./node_modules/react-dom/cjs/react-dom.development.js:100:3)
    at HTMLDocument.<anonymous> (https://shop.example.com/static/js/main.3f2a1b9c.js:2:11102)
`,
		want: []wantException{{typ: "TypeError", value: "Cannot read properties of null (reading 'addEventListener')",
			frames: []string{
				jsf("HTMLDocument.<anonymous>", "", "https://shop.example.com/static/js/main.3f2a1b9c.js", 2, 11102, true),
				jsf("Module.render", "", "webpack:///./node_modules/react-dom/cjs/react-dom.development.js", 100, 3, false),
				jsf("", "", "https://shop.example.com/static/js/main.3f2a1b9c.js", 2, 11020, true),
				jsf("initCart", "", "https://shop.example.com/static/js/main.3f2a1b9c.js", 2, 10453, true),
			}}},
	},
	{
		name: "Firefox: no header, anonymous and async-callback frames",
		hint: "webjs",
		text: `initCart@https://shop.example.com/static/js/app.js:120:17
loadCart/<@https://shop.example.com/static/js/app.js:98:5
promise callback*loadCart@https://shop.example.com/static/js/app.js:97:10
@https://shop.example.com/static/js/app.js:300:1
`,
		want: []wantException{{frames: []string{
			jsf("", "", "https://shop.example.com/static/js/app.js", 300, 1, true),
			jsf("promise callback*loadCart", "", "https://shop.example.com/static/js/app.js", 97, 10, true),
			jsf("loadCart/<", "", "https://shop.example.com/static/js/app.js", 98, 5, true),
			jsf("initCart", "", "https://shop.example.com/static/js/app.js", 120, 17, true),
		}}},
	},
	{
		name: "Safari: native code and global code frames",
		hint: "webjs",
		text: `render@https://shop.example.com/assets/index-4d2f.js:14:2210
forEach@[native code]
global code@https://shop.example.com/assets/index-4d2f.js:14:4001
`,
		want: []wantException{{frames: []string{
			jsf("global code", "", "https://shop.example.com/assets/index-4d2f.js", 14, 4001, true),
			jsf("forEach", "", "[native code]", 0, 0, false),
			jsf("render", "", "https://shop.example.com/assets/index-4d2f.js", 14, 2210, true),
		}}},
	},
	{
		name: "Node ESM: file URLs, error code in the header, Promise.all index frame, express",
		hint: "nodejs",
		text: `TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string. Received undefined
    at Object.join (node:path:1268:7)
    at readTemplate (file:///srv/shop/src/views/render.mjs:8:22)
    at async Promise.all (index 1)
    at async Layer.handle [as handle_request] (/srv/shop/node_modules/express/lib/router/layer.js:95:5)
`,
		want: []wantException{{typ: "TypeError", value: `The "path" argument must be of type string. Received undefined`,
			frames: []string{
				jsf("Layer.handle", "express.lib.router:layer", "/srv/shop/node_modules/express/lib/router/layer.js", 95, 5, false),
				jsf("Promise.all", "", "", 0, 0, false),
				jsf("readTemplate", "render", "/srv/shop/src/views/render.mjs", 8, 22, true),
				jsf("Object.join", "node:path", "node:path", 1268, 7, false),
			}}},
	},
	{
		name: "Node on Windows with a multi-line message",
		hint: "nodejs",
		text: `Error: config invalid:
  port must be a number
    at loadConfig (C:\shop\src\config.js:14:11)
    at Module._compile (node:internal/modules/cjs/loader:1256:14)
`,
		want: []wantException{{typ: "Error", value: "config invalid:\nport must be a number",
			frames: []string{
				jsf("Module._compile", "loader", "node:internal/modules/cjs/loader", 1256, 14, false),
				jsf("loadConfig", "config", `C:\shop\src\config.js`, 14, 11, true),
			}}},
	},
}

func TestJavaScriptSamples(t *testing.T) { runSamples(t, "javascript", javascriptSamples) }

func BenchmarkParseJavaScript(b *testing.B) { benchSamples(b, javascriptSamples) }
