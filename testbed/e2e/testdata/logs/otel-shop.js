// A shop instrumented with the OpenTelemetry SDK (no Sentry SDK) that also logs its errors, for
// logs_test.go's TestLogAndOTelExceptionsGroupTogether: each error loadOrder and reserve throw is
// recorded on the request's span (span.recordException, exported over OTLP/HTTP to
// OTLP_TRACES_URL) and printed with console.error, from the same catch. loadOrder fails twice,
// reserve once. NODE_MODULES names testbed/node_modules.
'use strict';
const modules = process.env.NODE_MODULES;
const { NodeTracerProvider, SimpleSpanProcessor } = require(modules + '/@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require(modules + '/@opentelemetry/exporter-trace-otlp-http');
const { defaultResource, resourceFromAttributes } = require(modules + '/@opentelemetry/resources');

const provider = new NodeTracerProvider({
  resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'shop' })),
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_TRACES_URL }))],
});
const tracer = provider.getTracer('shop');

function loadOrder(order) {
  const prices = { 41: undefined, 42: undefined };
  return prices[order].amount * 2;
}

function reserve(sku) {
  throw new Error('inventory service unavailable for ' + sku);
}

function handle(route, work) {
  tracer.startActiveSpan(route, (span) => {
    try {
      work();
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: 2, message: err.message });
      console.error(err);
    } finally {
      span.end();
    }
  });
}

async function main() {
  console.log('shop starting');
  for (const order of [41, 42]) {
    handle('GET /orders/:id', () => loadOrder(order));
  }
  handle('POST /orders/:id/reserve', () => reserve('sku-7'));
  await provider.shutdown();
}

main();
