# runlens — make help lists the targets.
GO        ?= go
TEMPL_VERSION := $(shell $(GO) list -m -f '{{.Version}}' github.com/a-h/templ)
TEMPL     ?= $(GO) run github.com/a-h/templ/cmd/templ@$(TEMPL_VERSION)
BIN       ?= bin/runlens
ADDR      ?= 127.0.0.1:8080
DEV_USER  ?= dev@example.com
TEMPL_SRC := $(wildcard web/*.templ)
TEMPL_GEN := $(TEMPL_SRC:.templ=_templ.go)

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(TEMPL_GEN) &: $(TEMPL_SRC)
	$(TEMPL) generate

.PHONY: generate
generate: ## regenerate templ views (web/*_templ.go)
	$(TEMPL) generate

.PHONY: check-generated
check-generated: ## fail if the committed *_templ.go files are stale
	@$(TEMPL) generate >/dev/null
	@git diff --exit-code --stat -- 'web/*_templ.go' || { echo "web/*_templ.go are stale: run make generate and commit"; exit 1; }

.PHONY: build
build: $(TEMPL_GEN) ## build the runlens binary into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/server

.PHONY: run
run: build ## serve the embedded demo organization on http://127.0.0.1:8080 (dev mode)
	$(BIN) serve --demo --db $(or $(DB),runlens-demo.db) --addr $(ADDR) --dev-user $(DEV_USER)

.PHONY: test
test: check-generated ## run every test (race detector on) and check generated files
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

.PHONY: test-short
test-short: ## run the tests without the race detector
	$(GO) test -count=1 ./...

.PHONY: lint
lint: ## go vet, gofmt and golangci-lint (if installed)
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if command -v golangci-lint >/dev/null; then golangci-lint run; else echo "golangci-lint not installed; skipped"; fi

.PHONY: bench
bench: ## run the benchmarks (ingest, graph build, scan on the demo organization)
	$(GO) test -run '^$$' -bench . -benchmem ./...

FUZZTIME ?= 60s

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each (make test runs their seed corpora)
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./internal/inventory/
	$(GO) test -run '^$$' -fuzz '^FuzzRecommender$$' -fuzztime $(FUZZTIME) ./internal/inventory/
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME) ./internal/auth/
	$(GO) test -run '^$$' -fuzz '^FuzzBuild$$' -fuzztime $(FUZZTIME) ./internal/build/
	$(GO) test -run '^$$' -fuzz '^FuzzRenderGcloud$$' -fuzztime $(FUZZTIME) ./internal/changeset/
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./internal/tfplan/

.PHONY: clean
clean: ## remove build output and the demo database
	rm -rf bin runlens-demo.db runlens-demo.db-wal runlens-demo.db-shm

LARGE_SIZE ?= 1000x50
LARGE_FILE ?= $(or $(TMPDIR),/tmp)/runlens-$(LARGE_SIZE).jsonl

.PHONY: bench-large
bench-large: build ## scan a generated organization (LARGE_SIZE=1000x50: 1,000,000 records, 50,000 services): time, peak memory, ratio to the plain-decode floor
	@test -s $(LARGE_FILE) || { echo "writing $(LARGE_FILE)"; $(BIN) generate --size $(LARGE_SIZE) > $(LARGE_FILE); }
	/usr/bin/time -v $(BIN) scan --input $(LARGE_FILE) --format json --timings 2>&1 >/dev/null | grep -E 'runlens: read|^  [a-z]|Elapsed|Maximum resident'
	RUNLENS_BENCH_FILE=$(LARGE_FILE) $(GO) test -run '^$$' -bench '^BenchmarkFile$$' -benchtime 1x ./internal/scan/

.PHONY: bench-scale
bench-scale: ## the whole scan (process start to JSON written) side by side with a plain encoding/json decode of the same file, every generator shape at 20,000 and 50,000 services, with peak memory (scripts/scale.sh)
	scripts/scale.sh

FEED_SIZE ?= 400x50
FEED_RATE ?= 10000
FEED_FOR  ?= 2m

.PHONY: bench-feed
bench-feed: ## time from a feed message's publication to its alert, on pstest at FEED_RATE a minute for FEED_FOR, over a generated organization (FEED_SIZE=400x50: 20,000 services)
	RUNLENS_FEED_BENCH=$(FEED_SIZE) RUNLENS_FEED_RATE=$(FEED_RATE) RUNLENS_FEED_FOR=$(FEED_FOR) $(GO) test -run '^$$' -bench '^BenchmarkFeedLatency$$' -benchtime 1x -timeout 30m -v ./internal/feedsub/

.PHONY: roles
roles: build ## refresh the embedded predefined role catalog from the live IAM API (needs Application Default Credentials)
	$(BIN) roles --out internal/iam/data/gcp-predefined-roles.json.gz

.PHONY: load
load: ## load-test the console on a generated 1000x50 organization (DESIGN §12; scripts/load.sh, needs curl and jq)
	scripts/load.sh

.PHONY: load-small
load-small: ## quick load test: 100x50 organization, 10 s per endpoint, 20 s hold during a sync
	SIZE=100x50 DURATION=10 HOLD=20 scripts/load.sh

SIZE ?= 1000x50

.PHONY: demo-file
demo-file: build ## write a generated organization of SIZE (PROJECTSxSERVICES) to generated-SIZE.jsonl
	$(BIN) generate --size $(SIZE) > generated-$(SIZE).jsonl
