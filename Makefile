# SPDX-License-Identifier: Apache-2.0
# ordo's front door. Every target first makes sure the Debian packages the
# build needs are present (scripts/deps.sh), then configures and builds.
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
TEST_DIR  ?= build-test
REL_DIR   ?= build
DEMO_DIR  ?= $(REL_DIR)/demo
PREFIX    ?= /usr/local
DESTDIR   ?=

.PHONY: all deps build test bench demo demo-replay format clean install install-files fuzz

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(REL_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(REL_DIR) -j $(JOBS)

test: deps
	@cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug -DORDO_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_DIR) -j $(JOBS)
	@cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bash scripts/bench.sh $(REL_DIR)

demo: build
	@bash scripts/demo_sim.sh $(REL_DIR) $(DEMO_DIR)

# The earlier demo: one order explained, a synthetic order stream, log replay.
demo-replay: build
	@bash scripts/demo.sh $(REL_DIR) $(DEMO_DIR)

# Installs bin/ordo, share/man/man1/ordo.1 and the bash completion under
# $(DESTDIR)$(PREFIX). install-files installs what $(REL_DIR) already holds.
install: build
	@$(MAKE) --no-print-directory install-files

install-files:
	@DESTDIR="$(DESTDIR)" cmake --install $(REL_DIR) --prefix "$(PREFIX)"

# libFuzzer targets (fuzz/, docs/internals/FUZZ.md), built with clang in
# build-fuzz; each runs FUZZ_SECONDS after the regression inputs are replayed.
FUZZ_SECONDS ?= 60
fuzz: deps
	@bash scripts/deps.sh fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(REL_DIR) $(TEST_DIR)
