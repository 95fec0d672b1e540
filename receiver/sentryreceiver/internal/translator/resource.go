package translator

import (
	"strings"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/jsontext"
)

// resourceKey is what the translator puts on a resource. Records whose keys are equal share one
// ResourceLogs / ResourceSpans / ResourceMetrics.
type resourceKey struct {
	service    string
	version    string // release
	env        string
	sdkName    string
	sdkVersion string
	lang       string
	host       string
}

// resource builds the resource of an item. Items that name no SDK (check-ins, sessions, client
// reports, some logs and spans) take the envelope header's sdk, so they land on the same
// resource as the event they were sent with.
func (t *translation) resource(release, env, sdkName, sdkVersion, platform, host string) resourceKey {
	if sdkName == "" {
		sdkName, sdkVersion = t.headerSDK()
	}
	lang := sdkLanguage(platform)
	if lang == "" {
		lang = sdkNameLanguage(sdkName)
	}
	return resourceKey{service: t.serviceName, version: release, env: env, sdkName: sdkName, sdkVersion: sdkVersion, lang: lang, host: host}
}

// headerSDK reads sdk.name and sdk.version from the envelope header once per envelope.
func (t *translation) headerSDK() (name, version string) {
	if !t.sdkRead {
		t.sdkRead = true
		if raw := t.in.Envelope.Header.Raw; len(raw) > 0 {
			t.sdkName, t.sdkVersion = headerSDK(raw)
		}
	}
	return t.sdkName, t.sdkVersion
}

// headerSDK reads sdk.name and sdk.version from an envelope header, which the envelope package
// has checked is a JSON object; the strings are copies.
func headerSDK(header []byte) (name, version string) {
	var r jsontext.Reader
	r.Reset(unsafe.String(unsafe.SliceData(header), len(header)), 0)
	r.Object(func(key string) bool {
		if key != "sdk" {
			return r.Skip()
		}
		name, version = "", ""
		return r.Object(func(key string) bool {
			switch key {
			case "name":
				v, ok := r.Scalar()
				name = strings.Clone(v.Text())
				return ok
			case "version":
				v, ok := r.Scalar()
				version = strings.Clone(v.Text())
				return ok
			}
			return r.Skip()
		})
	})
	return name, version
}

func (k *resourceKey) fill(m pcommon.Map) {
	m.EnsureCapacity(7)
	m.PutStr(attrkey.ServiceName, k.service)
	putNonEmpty(m, attrkey.ServiceVersion, k.version)
	putNonEmpty(m, attrkey.DeploymentEnv, k.env)
	putNonEmpty(m, attrkey.TelemetrySDKName, k.sdkName)
	putNonEmpty(m, attrkey.TelemetrySDKVersion, k.sdkVersion)
	putNonEmpty(m, attrkey.TelemetrySDKLang, k.lang)
	putNonEmpty(m, attrkey.HostName, k.host)
}

// sdkLanguage maps a Sentry platform onto the semconv telemetry.sdk.language values; platforms
// without an equivalent give "" and the attribute is left out.
func sdkLanguage(platform string) string {
	switch platform {
	case "node":
		return "nodejs"
	case "javascript":
		return "webjs"
	case "python", "go", "java", "ruby", "php", "rust":
		return platform
	case "csharp":
		return "dotnet"
	case "cocoa", "objc":
		return "swift"
	case "native", "c":
		return "cpp"
	case "elixir":
		return "erlang"
	}
	return ""
}

// sdkNameLanguage is sdkLanguage for items without a platform, from the Sentry SDK's name
// (sentry.javascript.node, sentry.python.django, sentry.go …).
func sdkNameLanguage(name string) string {
	rest, ok := strings.CutPrefix(name, "sentry.")
	if !ok {
		return ""
	}
	family, sub, _ := strings.Cut(rest, ".")
	switch family {
	case "javascript":
		switch sub {
		case "node", "nestjs", "express", "koa", "hapi", "fastify", "aws-serverless", "google-cloud-serverless":
			return "nodejs"
		case "browser", "react", "vue", "angular", "svelte", "ember", "solid", "gatsby", "react-native":
			return "webjs"
		}
		return ""
	case "cocoa":
		return "swift"
	case "native":
		return "cpp"
	case "elixir":
		return "erlang"
	case "python", "go", "java", "dotnet", "ruby", "php", "rust":
		return family
	}
	return ""
}

type resourceLogs struct {
	key     resourceKey
	records plog.LogRecordSlice
}

// logRecord appends a record under the resource k, creating the resource on first use.
func (t *translation) logRecord(k resourceKey) plog.LogRecord {
	for i := range t.logResources {
		if t.logResources[i].key == k {
			return t.logResources[i].records.AppendEmpty()
		}
	}
	rl := t.out.Logs.ResourceLogs().AppendEmpty()
	k.fill(rl.Resource().Attributes())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(ScopeName)
	t.logResources = append(t.logResources, resourceLogs{key: k, records: sl.LogRecords()})
	return sl.LogRecords().AppendEmpty()
}

type resourceSpans struct {
	key   resourceKey
	spans ptrace.SpanSlice
}

// spans returns the span slice of resource k, creating the resource on first use.
func (t *translation) spans(k resourceKey) ptrace.SpanSlice {
	for i := range t.spanResources {
		if t.spanResources[i].key == k {
			return t.spanResources[i].spans
		}
	}
	rs := t.out.Traces.ResourceSpans().AppendEmpty()
	k.fill(rs.Resource().Attributes())
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName(ScopeName)
	t.spanResources = append(t.spanResources, resourceSpans{key: k, spans: ss.Spans()})
	return ss.Spans()
}

type resourceMetrics struct {
	key     resourceKey
	metrics pmetric.MetricSlice
}

// metricSlice returns the metrics of resource k, creating the resource on first use.
func (t *translation) metricSlice(k resourceKey) pmetric.MetricSlice {
	for i := range t.metricResources {
		if t.metricResources[i].key == k {
			return t.metricResources[i].metrics
		}
	}
	rm := t.out.Metrics.ResourceMetrics().AppendEmpty()
	k.fill(rm.Resource().Attributes())
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(ScopeName)
	t.metricResources = append(t.metricResources, resourceMetrics{key: k, metrics: sm.Metrics()})
	return sm.Metrics()
}

// metric returns the metric name of type typ under resource k, creating it on first use, so one
// envelope yields one metric per name, type and resource however many items feed it.
func (t *translation) metric(k resourceKey, name string, typ pmetric.MetricType, unit string) (m pmetric.Metric, created bool) {
	ms := t.metricSlice(k)
	for i := 0; i < ms.Len(); i++ {
		if m := ms.At(i); m.Name() == name && m.Type() == typ {
			return m, false
		}
	}
	m = ms.AppendEmpty()
	m.SetName(name)
	m.SetUnit(unit)
	return m, true
}

// deltaSum returns the data points of the delta, monotonic sum name under resource k.
func (t *translation) deltaSum(k resourceKey, name, unit, description string) pmetric.NumberDataPointSlice {
	m, created := t.metric(k, name, pmetric.MetricTypeSum, unit)
	if created {
		m.SetDescription(description)
		sum := m.SetEmptySum()
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		sum.SetIsMonotonic(true)
	}
	return m.Sum().DataPoints()
}
