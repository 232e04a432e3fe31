# Tierline's tasks. `make run` serves the demo on http://127.0.0.1:3000; `make test` runs every
# test. Both install what is missing first (see .ci/tools).

export CARGO_TARGET_DIR ?= $(HOME)/.cache/tierline/target
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run build test tools

tools:
	@.ci/tools

## Build the release site (server binary, WASM, JS, CSS) with cargo-leptos.
build: tools
	cargo leptos build --release --split

## Serve on 127.0.0.1:3000 with SQLite under data/; demo data and logins on first start.
run: build
	TIERLINE_DEMO_ON_FIRST_START=true $(CARGO_TARGET_DIR)/release/tierline serve

## Every test: formatting, lints, unit, store (SQLite and PostgreSQL), server and browser tests.
test:
	@.ci/test
