# Entry points for building, running and testing oxidis.
#   make run     build (release) and start oxidis-server on its embedded defaults (port 6379)
#   make test    the whole test suite (unit, TCP and differential tests against redis-server)
#   make check   formatting + lints + the whole test suite
#   make bench   oxidis vs redis-server benchmark, written to docs/performance.md

CARGO ?= cargo
# Extra arguments for `make run`, e.g. make run ARGS="--port 7000"
ARGS ?=

.PHONY: all build run test fmt fmt-check clippy check clean docs bench

all: build

build:
	$(CARGO) build --release

run: build
	./target/release/oxidis-server $(ARGS)

# The one entry point for the suite: every target (lib, bin, tests/*.rs, benches, examples)
# plus the doc tests. --no-fail-fast reports every failing test binary, not just the first.
test:
	$(CARGO) test --no-fail-fast --all-targets
	$(CARGO) test --no-fail-fast --doc

# Regenerates docs/commands.md from the command table.
docs:
	OXIDIS_UPDATE_DOCS=1 $(CARGO) test --lib commands_doc_is_current

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

# Side-by-side benchmark against redis-server (several minutes): docs/performance.md and .png.
bench: build
	python3 tools/bench.py --out docs/performance.md

check: fmt-check clippy test

clean:
	$(CARGO) clean
