# musicboxd — the two commands that matter:
#   make run    install what is missing, build, and run the daemon with simulated hardware
#   make test   install what is missing, build, and run every test
# Both work on a fresh Debian 12 (bookworm) machine with a Swift 6 toolchain on PATH.

SWIFT        ?= swift
CONFIG       ?= debug
PORT         ?= 8080
DATA_DIR     ?= ./data
# Debian packages the build and the tests need (one list; `make deps` installs the missing ones).
APT_PACKAGES := pkg-config libsqlite3-dev python3 curl
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test release bench-startup sample-config clean

all: build

## Install missing Debian packages and check for Swift.
deps:
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 is not on PATH: install the toolchain from swift.org (see README)"; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

## Run the daemon on http://localhost:$(PORT) with simulated hardware and data in $(DATA_DIR).
run: build
	$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/musicboxd run --hardware sim --port $(PORT) --data-dir $(DATA_DIR)

## Every test: Swift Testing suites (unit, SQLite, real HTTP, real processes).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

release:
	$(MAKE) build CONFIG=release

## Start-up time to a ready /api/health, release build (a measurement, not a test).
bench-startup: deps
	$(SWIFT) build -c release --product musicboxd
	python3 Benchmarks/startup.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd

## Regenerate the documented sample config from the schema.
sample-config: build
	$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/musicboxd config sample > musicboxd.example.toml

clean:
	rm -rf .build
