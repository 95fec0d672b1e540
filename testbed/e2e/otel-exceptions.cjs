// An OpenTelemetry-instrumented Node service (no Sentry SDK) that records exceptions on its spans
// and exports them over OTLP/HTTP to OTLP_TRACES_URL. It throws one bug twice from the same call
// site (different inputs, different traces) and another bug once, then prints the trace id of
// every request, by bug, as JSON.
const { NodeTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources');

const provider = new NodeTracerProvider({
  // The default resource says telemetry.sdk.language "nodejs", as with the NodeSDK.
  resource: defaultResource().merge(resourceFromAttributes({
    'service.name': 'cart-node',
    'service.version': 'cart@3.0.0',
    'deployment.environment.name': 'e2e',
  })),
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_TRACES_URL }))],
});
const tracer = provider.getTracer('cart');

function parseQuantity(q) {
  if (q <= 0) {
    throw new RangeError(`quantity ${q} must be positive`);
  }
  return q;
}

function reserveStock(sku) {
  const stock = new Map();
  return stock.get(sku).reserve(1);
}

// handle runs one request in its own trace and records what it throws, as OTel instrumentations do.
function handle(route, work) {
  return tracer.startActiveSpan(route, (span) => {
    try {
      work();
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: 2, message: err.message });
    } finally {
      span.end();
    }
    return span.spanContext().traceId;
  });
}

async function main() {
  const traces = { quantity: [], stock: [] };
  for (const q of [-3, -7]) {
    traces.quantity.push(handle('POST /cart/items', () => parseQuantity(q)));
  }
  traces.stock.push(handle('POST /cart/checkout', () => reserveStock('A-17')));
  await provider.shutdown();
  console.log(JSON.stringify(traces));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
