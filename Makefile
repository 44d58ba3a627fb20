# The two commands of the README:
#   make run    installs what is missing, builds, runs the default scenario, draws the figures
#   make test   installs what is missing, builds, runs every C++ and Python test
# Everything else is a building block of those two.

SCENARIO ?= scenarios/el_salvador_2025.yaml
NAME := $(basename $(notdir $(SCENARIO)))
OUT ?= out
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON := scripts/python
DEPORTSIM := build/release/deportsim

.PHONY: run test bootstrap build build-asan test-cpp test-asan test-python format check-format bench clean \
	regression regression-update

run: bootstrap build
	@mkdir -p $(OUT)/figures
	$(DEPORTSIM) run $(SCENARIO) -o $(OUT)/$(NAME).h5
	$(PYTHON) -m deportsim plot $(OUT)/$(NAME).h5 -o $(OUT)/figures
	$(PYTHON) -m deportsim report $(OUT)/$(NAME).h5 -o $(OUT)/$(NAME).html
	$(PYTHON) -m deportsim summary $(OUT)/$(NAME).h5 --format markdown

test: bootstrap build check-format test-cpp test-python build-asan test-asan

bootstrap:
	scripts/bootstrap

build:
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

build-asan:
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)

test-cpp: build
	ctest --preset release -j $(JOBS)

test-asan: build-asan
	ctest --preset asan -j $(JOBS)

test-python: build
	CI=$${CI:-1} DEPORTSIM_BINARY=$(CURDIR)/$(DEPORTSIM) $(PYTHON) -m pytest tests/python -q

# Shipped scenarios in every mode against tests/regression/references (test-python runs the
# same comparison); regression-update writes the references anew after an intended change.
regression: build
	DEPORTSIM_BINARY=$(CURDIR)/$(DEPORTSIM) $(PYTHON) tests/regression/regression.py

regression-update: build
	DEPORTSIM_BINARY=$(CURDIR)/$(DEPORTSIM) $(PYTHON) tests/regression/regression.py --update

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

check-format:
	@bad=$$(git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror 2>&1 | grep -c 'error:' || true); \
	if [ "$$bad" != "0" ]; then \
		git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror; \
		echo "clang-format: run 'make format'"; exit 1; fi; \
	echo "clang-format: all files formatted"

bench: build
	benchmarks/run_default.sh
	benchmarks/sweep_throughput.sh

clean:
	rm -rf build $(OUT)
