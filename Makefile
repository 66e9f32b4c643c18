# mimirctl — run `make help` for the targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

GO            ?= go
BIN           := $(CURDIR)/bin
GOLANGCI_LINT := $(BIN)/golangci-lint
GOLANGCI_VER  := v2.15.0
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -X github.com/mimirctl/mimirctl/pkg/cli.Version=$(VERSION)
# The e2e suite needs the local cluster (root, network namespaces). Its
# longest scenario, the read-write round trip, took 43.5 minutes in a
# CI-like run with everything else `make test` runs beside it (see test),
# and 58 to 67 minutes in earlier runs on more loaded machines: 70m leaves
# room.
E2E_TIMEOUT   ?= 70m
# The real Tanka CLI (e2e/local/tools/build.sh tk) that pkg/tanka's renderer
# is compared with; passed to the tests when it is built and the caller did
# not choose another. Expanded when a recipe runs, after `tools` built it.
TK_BIN        := $(CURDIR)/e2e/local/bin/tk
# The helm CLI that tk runs for std.native('helmTemplate') when pkg/tanka's
# in-process helmTemplate is compared with it: built from the
# helm.sh/helm/v4 module of go.mod, the Helm mimirctl links (`make unit`
# builds it; seconds when the build cache is warm).
HELM_BIN      := $(BIN)/helm
TEST_TK_ENV    = $(if $(MIMIRCTL_TEST_TK),,$(if $(wildcard $(TK_BIN)),MIMIRCTL_TEST_TK=$(TK_BIN))) \
                 $(if $(MIMIRCTL_TEST_HELM),,$(if $(wildcard $(HELM_BIN)),MIMIRCTL_TEST_HELM=$(HELM_BIN)))
# $(call logged,NAME) ends a `go test -v` command of a long suite: its
# output goes to the terminal and to bin/NAME-test.log, and when it fails
# e2e/failed-tests.sh prints the end of each failed test's output again
# after it (the recipe line must start with `set -o pipefail;`).
logged         = 2>&1 | tee $(BIN)/$(1)-test.log || { e2e/failed-tests.sh $(BIN)/$(1)-test.log; exit 1; }

include e2e/local/local.mk

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The product module and the e2e module (e2e/go.mod: the local cluster, the
# suite, the conformance harness), tied together by go.work.
PKGS := ./... ./e2e/...

.PHONY: build
build: ## Build bin/mimirctl and the kubectl plugin bin/kubectl-mimir (with its completion link kubectl_complete-mimir), version stamped from git describe
	# GOWORK=off: the product's go.mod alone, as `go install` builds it (the
	# workspace would raise shared dependencies to the e2e module's versions).
	GOWORK=off $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/mimirctl ./cmd/mimirctl
	GOWORK=off $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/kubectl-mimir ./cmd/kubectl-mimir
	ln -sf kubectl-mimir $(BIN)/kubectl_complete-mimir

IMAGE_GOARCH  ?= $(shell $(GO) env GOARCH)

.PHONY: image
image: ## Build the container image bin/mimirctl-image.tar without Docker (e2e/image): static binary, non-root 65532, no shell, reproducible; `docker load -i` / `kind load image-archive` take it (IMAGE_GOARCH=arm64 for another architecture)
	$(GO) run ./e2e/image -o $(BIN)/mimirctl-image.tar -version $(VERSION) -goarch $(IMAGE_GOARCH)

.PHONY: unit
# In the workspace: go.work.sum holds the sums of the CLI's own
# dependencies, which mimirctl's go.sum does not need.
$(HELM_BIN): go.mod go.sum go.work.sum
	$(GO) build -o $@ helm.sh/helm/v4/cmd/helm

unit: $(HELM_BIN) ## Unit tests with the race detector (no cluster needed; compared with real Tanka when e2e/local/bin/tk is built)
	$(TEST_TK_ENV) $(GO) test -race -count=1 $(PKGS)

.PHONY: vet
# One pass with every test tag: the tags only add files (the grep fails
# the target on a file built only without one), so it vets everything a
# pass without tags would.
vet: ## go vet, including the build-tagged integration and e2e code
	@if grep -rlE --include='*.go' '^//go:build .*!(integration|e2e|capture|conformance)' .; then echo "vet: the files above build only without a test tag: vet without tags too"; exit 1; fi
	$(GO) vet -tags integration,e2e,capture,conformance $(PKGS)

$(GOLANGCI_LINT):
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VER)

.PHONY: lint
lint: $(GOLANGCI_LINT) ## golangci-lint with the checked-in .golangci.yml
	$(GOLANGCI_LINT) run --build-tags integration,e2e,capture,conformance $(PKGS)

# GoReleaser and cyclonedx-gomod, built from their Go modules by
# e2e/local/tools/build.sh (a second when up to date; about 7 minutes cold,
# which .ci/run spends in its component step).
TOOLS_BIN     := $(CURDIR)/e2e/local/bin
DIST          := $(CURDIR)/dist
# GoReleaser reads the git remote's URL and, in a snapshot, ignores git
# altogether (stamping "none") when there is none, as in a checkout made
# without a remote; such a checkout gets the release's repository as the
# URL of its origin for this command only (nothing is fetched or pushed).
GORELEASER_GIT_ENV = $(if $(shell git remote 2>/dev/null),,GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/mimirctl/mimirctl.git)

.PHONY: release-snapshot
release-snapshot: ## The release of .goreleaser.yaml as a snapshot into dist/ (nothing published), then checked: every platform's archives, checksums, SBOMs, the stamped version
	e2e/local/tools/build.sh goreleaser
	PATH=$(TOOLS_BIN):$$PATH goreleaser check
	$(GORELEASER_GIT_ENV) PATH=$(TOOLS_BIN):$$PATH goreleaser release --snapshot --clean
	MIMIRCTL_TEST_RELEASE_DIST=$(DIST) MIMIRCTL_TEST_RELEASE_VERSION=$(VERSION) $(GO) test -count=1 -run '^TestTheSnapshotRelease$$' ./deploy

.PHONY: bench
bench: ## Go benchmarks (performance goals live here, not in unit tests)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# The harness is CPU-bound jsonnet evaluation (about 30% of it garbage
# collection at Go's default GOGC=100), in its own process and in tk's, which
# inherits the environment. GOGC=400 trades memory the harness can spare for
# CPU the e2e suite beside it needs: the largest Grafana environment took
# 43.5 → 28.6 s of CPU with pkg/tanka and 41.9 → 32.1 s with tk (5 renders
# each, `make bench-conformance`'s benchmark run both ways on 2 cores,
# 2026-12-01). GOMEMLIMIT makes the collector work harder before the
# process reaches 3 GiB. bench-conformance keeps Go's defaults: it measures
# what users run.
CONFORMANCE_GC := GOGC=400 GOMEMLIMIT=3GiB

.PHONY: conformance
conformance: ## Grafana's Mimir jsonnet test environments rendered by pkg/tanka (and tk) vs Grafana's YAML; every built-in plan step by step on Grafana's library; pkg/mimir's facts against the module
	mkdir -p $(BIN)
	set -o pipefail; $(TEST_TK_ENV) $(CONFORMANCE_GC) $(GO) test -count=1 -tags conformance -timeout 70m -v ./e2e/conformance/ $(call logged,conformance)

.PHONY: bench-conformance
bench-conformance: ## Benchmark the largest Grafana test environment (newest Mimir): pkg/tanka vs the tk binary, side by side
	$(TEST_TK_ENV) $(GO) test -tags conformance -run '^$$' -bench BenchmarkRenderLargestGrafanaEnvironment -benchtime 5x ./e2e/conformance/

# The integration tests are the Test functions of the files built with the
# integration tag; `make unit` runs the rest of those packages' tests (a
# file that is not tagged holds no test that needs the cluster), so the
# tag's packages run only these here.
INTEGRATION_FILES = $(shell grep -rl --include='*_test.go' '^//go:build integration' pkg)
INTEGRATION_PKGS  = $(sort $(patsubst %/,./%,$(dir $(INTEGRATION_FILES))))
INTEGRATION_TESTS = $(shell sed -n 's/^func \(Test[A-Za-z0-9_]*\)(t \*testing\.T).*/\1/p' $(INTEGRATION_FILES) | sort -u | paste -sd'|')

.PHONY: integration
integration: cluster-up ## Integration tests: real Mimir and Prometheus processes, a real API server (the local cluster)
	$(TEST_TK_ENV) MIMIRCTL_TEST_KUBECONFIG=$$($(LOCALCLUSTER) env --kubeconfig) $(GO) test -race -count=1 -p 1 -tags integration -timeout 30m -run '^($(INTEGRATION_TESTS))$$' $(INTEGRATION_PKGS)

.PHONY: e2e
e2e: cluster-up build ## The end-to-end suite on the local cluster (zone shutdown, read-write round trip, KV migrations), its scenarios side by side
	set -o pipefail; $(GO) test -count=1 -p 1 -parallel 3 -tags e2e -timeout $(E2E_TIMEOUT) -v ./e2e/local/cluster ./e2e/suite $(call logged,e2e)

.PHONY: e2e-single-zone-tanka
e2e-single-zone-tanka: cluster-up build ## single-zone-to-zone-aware end to end on Grafana's library (Tanka), alone: not part of make test (CI's budget)
	set -o pipefail; MIMIRCTL_E2E_SINGLE_ZONE_TANKA=1 $(GO) test -count=1 -tags e2e -timeout 60m -v -run TestSingleZoneToZoneAwareOnGrafanasLibrary ./e2e/suite $(call logged,e2e-single-zone-tanka)

.PHONY: e2e-and-conformance
e2e-and-conformance: ## The e2e suite and the conformance harness side by side (each prints its output when it ends)
	$(MAKE) -j2 --output-sync=target e2e conformance

# timed-<target>: make <target>, then a line with the seconds it took
# (CI's log says where its time went). The output is also kept in
# $(LANES)/<target>.log and the closing line in $(LANES)/<target>.result,
# which make test's summary reads (e2e/lane-summary.sh).
LANES := $(BIN)/lanes
timed-%:
	@mkdir -p $(LANES); rm -f $(LANES)/$*.result; s=$$(date +%s); \
	if set -o pipefail; $(MAKE) $* 2>&1 | tee $(LANES)/$*.log; then \
		echo "==> make $* took $$(( $$(date +%s) - s ))s" | tee $(LANES)/$*.result; \
	else \
		echo "==> make $* failed after $$(( $$(date +%s) - s ))s" | tee $(LANES)/$*.result; exit 1; \
	fi

# The CPU-bound checks besides the e2e suite, one after another: the
# conformance harness first, then vet, lint, the image, unit and the
# snapshot release.
CHECKS := conformance vet lint image unit release-snapshot
.PHONY: checks
checks:
	@$(MAKE) -j1 $(addprefix timed-,$(CHECKS))

# The e2e suite is the long pole (its read-write round trip waits on
# rollouts, windows and declared waits for 45 to 60 minutes, using about a
# third of the 2 cores once the conformance harness is done: vmstat showed
# 60-77 % idle then), so it starts first and everything else runs beside
# it instead of before it. The integration tests, which mostly wait on the
# processes and the API server they start, run beside both.
.PHONY: test
test: ## Everything CI runs: the e2e suite, and beside it the conformance harness, vet, lint, the container image, unit, the snapshot release and integration
	$(MAKE) cluster-up build
	@rm -rf $(LANES); status=0; \
	$(MAKE) -j3 --output-sync=target timed-e2e checks timed-integration || status=$$?; \
	e2e/lane-summary.sh $(LANES) e2e $(CHECKS) integration; exit $$status

.PHONY: demo
demo: tools build ## Bring the local cluster up with Mimir 2.16 (Grafana's jsonnet library) in microservices mode and migrate it to read-write
	$(GO) run ./e2e/demo -mimirctl $(BIN)/mimirctl

.PHONY: demo-back
demo-back: tools build ## After make demo: take the demo's cluster back to microservices
	$(GO) run ./e2e/demo -mimirctl $(BIN)/mimirctl -way-back

.PHONY: clean
clean: ## Remove build outputs (not the component builds in e2e/local/bin)
	rm -rf $(BIN)/mimirctl $(BIN)/kubectl-mimir $(BIN)/kubectl_complete-mimir $(BIN)/mimirctl-image.tar $(DIST)
