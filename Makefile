# Faultline: build, run and test the otelcol-faultline distribution.
# Needs Go and make; every Go tool is installed into .tools/ at a pinned version, and `make test`
# (through test-env) installs or starts what the tests need besides: see scripts/test-env.sh.

SHELL       := /bin/bash
GO          ?= go
TOOLS_DIR   := $(CURDIR)/.tools/bin
OCB_VERSION := v0.165.0
STATICCHECK_VERSION := v0.8.2
OCB         := $(TOOLS_DIR)/builder
MDATAGEN    := $(TOOLS_DIR)/mdatagen
STATICCHECK := $(TOOLS_DIR)/staticcheck
DIST        := _build/otelcol-faultline
COMPONENTS  := $(shell find receiver processor exporter extension -name metadata.yaml -exec dirname {} \; 2>/dev/null)
FUZZTIME    ?= 2m

export CGO_ENABLED := 0

.PHONY: all build run test test-env test-clock bench lint fuzz generate tools clean testbed soak testbed-sweep

all: build

$(OCB):
	GOBIN=$(TOOLS_DIR) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)

# mdatagen v0.165 is not served by the module proxy; v0.159.0 is the newest that builds, and its
# output compiles against core v0.165. It lives in its own module so it cannot skew ours.
$(MDATAGEN): internal/tools/go.mod
	cd internal/tools && $(GO) build -o $(MDATAGEN) go.opentelemetry.io/collector/cmd/mdatagen

$(STATICCHECK):
	GOBIN=$(TOOLS_DIR) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(OCB) $(MDATAGEN)

generate: $(MDATAGEN)
	@for d in $(COMPONENTS); do echo "mdatagen $$d"; (cd $$d && $(MDATAGEN) metadata.yaml) || exit 1; done

build: $(OCB)
	$(OCB) --config builder-config.yaml
	$(GO) build -o _build/faultline ./cmd/faultline

# The Go garbage collector runs at GOGC=300 unless the environment says otherwise: per stored
# event the collector allocates several copies of the event, and at Go's default (100) collecting
# them took a quarter of its CPU (testbed scenario 1: -24% CPU per event, peak RSS 130 -> 185 MB).
GOGC ?= 300
run: build
	GOGC=$(GOGC) $(DIST) --config config/default.yaml

# What the tests need outside Go: Node.js, Chromium, a running PostgreSQL and MariaDB, installed or started
# where missing (or one line saying what to install). .ci/run comes through here too.
test-env:
	@scripts/test-env.sh

# Node packages (real Sentry SDKs, esbuild, sentry-cli, Mozilla source-map) for the end-to-end
# tests and benchmarks, from the lockfile.
testbed/node_modules/.package-lock.json: testbed/package.json testbed/package-lock.json | test-env
	cd testbed && npm ci --no-audit --no-fund
	touch $@

test: test-env build testbed/node_modules/.package-lock.json
	FAULTLINE_DIST=$(CURDIR)/$(DIST) $(GO) test -count=1 -timeout 20m ./...

# The whole suite with every clock, the collector's included, DAYS (default 3650) ahead: a test
# that depends on the day it runs fails here. Slow (everything is rebuilt); not part of make test.
DAYS ?= 3650
test-clock: test-env $(OCB) testbed/node_modules/.package-lock.json
	scripts/test-shifted-clock.sh $(DAYS)

# The testbed (testbed/scenarios): the five load scenarios against the built distribution, with a
# results table at the end. RESULTS=testbed/RESULTS.md also writes it as markdown (NOTE='…' adds a
# remark to it); other knobs go in TESTBED_ARGS, e.g. TESTBED_ARGS='-duration=60s -gzip'.
RESULTS      ?=
NOTE         ?=
TESTBED_ARGS ?=
testbed: build
	FAULTLINE_DIST=$(CURDIR)/$(DIST) FAULTLINE_TESTBED=1 $(GO) test -count=1 -v -timeout 60m \
	  -run '^TestScenarios$$' ./testbed/scenarios -args $(if $(RESULTS),-results=$(RESULTS)) \
	  $(if $(NOTE),-note='$(NOTE)') $(TESTBED_ARGS)

# The soak (testbed TestSoak): config/default.yaml with a small disk budget on SQLite and on
# PostgreSQL, long enough to cross it several times; TESTBED_ARGS='-soak=10m -soak-budget=500MB'.
soak: build
	FAULTLINE_DIST=$(CURDIR)/$(DIST) FAULTLINE_TESTBED_SOAK=1 $(GO) test -count=1 -v -timeout 60m \
	  -run '^TestSoak$$' ./testbed/scenarios -args $(TESTBED_ARGS)

# Testbed scenario "1 sweep" (TestSweepCost): scenario 1 while the collector's sweep deletes 1M
# events past retention, against the same runs with nothing to delete, alternately;
# TESTBED_ARGS='-sweep-events=1000000 -sweep-rounds=2 -duration=15s'.
testbed-sweep: build
	FAULTLINE_DIST=$(CURDIR)/$(DIST) FAULTLINE_TESTBED_SWEEP=1 $(GO) test -count=1 -v -timeout 60m \
	  -run '^TestSweepCost$$' ./testbed/scenarios -args $(TESTBED_ARGS)

bench: test-env testbed/node_modules/.package-lock.json
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./...

lint: $(STATICCHECK)
	$(GO) vet ./...
	$(STATICCHECK) ./...

# Each fuzz target runs for FUZZTIME; the corpus it finds stays under testdata/fuzz/.
fuzz:
	@set -e; for pkg in $$($(GO) list ./... ); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

clean:
	rm -rf _build
