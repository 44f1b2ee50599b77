# treem — see README.md. `make demo` runs the platform, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
CHILDREN ?= 50000
SEED ?= 1
ADDR ?= $(or $(TREEM_ADDR),127.0.0.1:8080)
ETL_METRICS_ADDR ?= $(or $(TREEM_METRICS_ADDR),127.0.0.1:9464)
BENCH_CHILDREN ?= 1000000
NATIONAL_MONTHS ?= 60

# Servers under another data directory write their own env file: treem and
# the tests read it instead of .data/env.
ifdef TREEM_DATA_DIR
export TREEM_ENV_FILE ?= $(TREEM_DATA_DIR)/env
endif

.PHONY: help up down build migrate seed etl serve demo test test-go test-cluster test-browser test-examples screenshots bulletin-sample bench bench-national generate check-generated lint

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

up: ## start private Postgres and ClickHouse under .data/ (idempotent; TREEM_CH_SHARDS=2: two ClickHouse shards)
	@scripts/services.sh up

down: ## stop them, every ClickHouse shard and the test cluster included
	@scripts/services.sh down

build: ## build ./treem
	$(GO) build -o treem ./cmd/treem

migrate: up build ## apply Postgres and ClickHouse migrations
	./treem migrate

seed: migrate ## seed a synthetic province (CHILDREN=50000 SEED=1)
	./treem seed --children $(CHILDREN) --seed $(SEED) --if-empty

etl: build ## load the warehouse, then publish its values for BI tools
	./treem etl
	./treem publish

demo: up build ## up, migrate, seed, ETL, demo users (passwords printed once), then serve on http://$(ADDR) with the ETL every 30 s beside it
	./treem migrate
	./treem seed --children $(CHILDREN) --seed $(SEED) --if-empty
	./treem etl
	./treem user demo
	./treem etl --every 30s --metrics-addr $(ETL_METRICS_ADDR) & etl=$$!; trap 'kill $$etl 2>/dev/null; wait $$etl' EXIT; \
	  TREEM_ADDR=$(ADDR) ./treem serve --introspection

test: up check-generated ## every test against the real Postgres and ClickHouse, the typed client examples, and the browser test
	scripts/need-poppler.sh
	$(GO) vet ./...
	$(GO) test -count=1 -p 2 -timeout 30m ./...
	GO=$(GO) scripts/test-cluster.sh
	scripts/test-examples.sh
	scripts/test-browser.sh

test-cluster: up ## the sharded warehouse's tests on a two-shard cluster of their own, left running (scripts/test-cluster.sh)
	GO=$(GO) scripts/test-cluster.sh

test-examples: ## the typed clients under examples/ against schema.graphqls (scripts/test-examples.sh)
	scripts/test-examples.sh

test-browser: up ## the dashboard's end-to-end test in headless Chromium (scripts/test-browser.sh)
	scripts/test-browser.sh

screenshots: up ## the browser test on the demo seed (50,000 children), saving its screenshots into docs/screenshots/
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots TREEM_E2E_CHILDREN=50000 scripts/test-browser.sh

bulletin-sample: up ## the 2024-Q2 bulletin on a demo-like seed: its first two PDF pages into docs/screenshots/ (scripts/bulletin-sample.sh)
	scripts/bulletin-sample.sh

generate: ## regenerate gqlgen code
	$(GO) tool gqlgen generate

# git status, not git diff: a newly generated file that nobody added is
# untracked, and git diff would not see it. So this also fails on any
# uncommitted or untracked (non-ignored) file under graph/.
check-generated: generate ## fail when graph/ or schema.graphqls differ from the commit after generating
	@dirty=$$(git status --porcelain --untracked-files=all -- graph/ schema.graphqls); \
	if [ -n "$$dirty" ]; then \
	  echo "check-generated: graph/ or schema.graphqls differ from the commit after 'make generate':"; echo "$$dirty"; \
	  git --no-pager diff -- graph/ schema.graphqls; exit 1; \
	fi

bench: up build ## benchmarks at province scale (BENCH_CHILDREN=1000000)
	scripts/bench.sh $(BENCH_CHILDREN)

bench-national: up build ## the national warehouse simulated on the servers of make up (one, or TREEM_CH_SHARDS=2): insert rate, p50/p99 of three questions (NATIONAL_MONTHS=60)
	scripts/bench-national.sh --months $(NATIONAL_MONTHS)
