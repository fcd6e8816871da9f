# SPDX-License-Identifier: MIT
# Thin wrapper around CMake.  `make run` and `make test` do the whole set-up
# on a fresh Debian 12 machine: missing packages, configure, build; so do
# `make test-asan`, `make test-tsan` and `make bench`.  Plain `make` and
# `make build` only configure and build: they never install packages
# (`make deps` does, and nothing else).
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
CONFIG     ?= config/default.ini
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=
# Extra cmake options, e.g. CMAKE_ARGS=-DPB_WERROR=OFF.
CMAKE_ARGS ?=

.PHONY: all deps configure build run test asan tsan test-asan test-tsan bench format clean help fuzz fuzz-run

# One target at a time even under -j, so that `deps` is done before
# `configure` starts (cmake --build runs its own jobs).
.NOTPARALLEL:

all: build

help:
	@echo "make            configure and build into $(BUILD_DIR)/ (installs nothing)"
	@echo "make deps       install missing Debian packages (.ci/install-deps)"
	@echo "make run        install deps, build, run $(CONFIG)"
	@echo "make test       install deps, build, run the whole test suite"
	@echo "make test-asan  the test suite under AddressSanitizer + UBSan (build-asan/)"
	@echo "make test-tsan  the test suite under ThreadSanitizer (build-tsan/)"
	@echo "make bench      overhead benchmarks (bench/)"
	@echo "make fuzz       build the libFuzzer targets with clang (build-fuzz/)"
	@echo "make fuzz-run   run each fuzz target FUZZ_SECONDS (default 20) seconds"
	@echo "make format     clang-format every C file"

deps:
	@sh .ci/install-deps

configure:
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: deps build
	./$(BUILD_DIR)/parbench run $(CONFIG) --force

test: deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

test-asan:
	@$(MAKE) --no-print-directory test BUILD_DIR=build-asan BUILD_TYPE=Asan

test-tsan:
	@$(MAKE) --no-print-directory test BUILD_DIR=build-tsan BUILD_TYPE=Tsan

# The bench's reference programs (primesieve) are optional: without root,
# install-deps names them and bench/run.sh prints a skip line.
bench: deps build
	@sh .ci/install-deps bench
	sh bench/run.sh $(BUILD_DIR)

# Fuzzing (docs/design.md, "Fuzzing"): clang, ASan + UBSan, libFuzzer.
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 20
FUZZ_TARGETS ?= config spec frames csv http mpi

fuzz: deps
	@sh .ci/install-deps fuzz
	@cmake -S . -B $(FUZZ_DIR) -DCMAKE_C_COMPILER=clang -DPB_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF $(CMAKE_ARGS)
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz-all

fuzz-run: fuzz
	@rc=0; for t in $(FUZZ_TARGETS); do \
		sh fuzz/run.sh $$t $(FUZZ_SECONDS) $(FUZZ_DIR) || rc=1; done; exit $$rc

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-tsan build-fuzz
