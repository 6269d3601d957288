# musicboxd — the two commands that matter:
#   make run    install what is missing, build, and run the daemon with simulated hardware
#   make test   install what is missing, build, and run every test
# Both work on a fresh Debian 12 (bookworm) machine with a Swift 6 toolchain on PATH.

SWIFT        ?= swift
CONFIG       ?= debug
PORT         ?= 8080
# JOBS=1 builds one module at a time: a release compiler process peaks near 1 GiB (see README,
# "Install on a Raspberry Pi"), so a 1 GB board builds with JOBS=1 and swap.
SWIFT_JOBS   := $(if $(JOBS),-j $(JOBS))
DATA_DIR     ?= ./data
# Debian packages, the same names on bookworm and trixie. `make deps` installs what building and
# running need (make run, make install: no browser, no sound server); `make test-deps` adds what
# only the tests need (TEST_BROWSER=no leaves out Chromium, for the hardware tests alone).
APT_PACKAGES      := pkg-config libexpat1-dev libmosquitto-dev libsqlite3-dev libasound2-dev libnfc-dev libnfc-bin libgpiod-dev gcc dpkg-dev nasm zlib1g-dev libgnutls28-dev
TEST_PACKAGES     := ffmpeg pulseaudio pulseaudio-utils libasound2-plugins alsa-utils python3 python3-venv curl systemd fuse3 icecast2 openssl mosquitto avahi-daemon avahi-utils dbus \
                     $(if $(filter no,$(TEST_BROWSER)),,chromium chromium-driver)
# Python clients for the protocol tests live in their own virtualenv (Debian's system Python is externally managed).
VENV         := .venv-test
HA_VENV      := .venv-ha
# Python suite workers (pytest-xdist, whole files each): its tests mostly wait on daemons, so
# three share two cores; PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 3
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# FFmpeg, built from Debian's own source package with only what a music box decodes (audio
# demuxers, decoders and parsers; HTTPS (GnuTLS: FFmpeg 5.1 checks the host name only with it) and HLS for web radio; no video or
# devices) and linked in statically.
# Debian's shared libavcodec pulls in some 150 libraries (x265, librsvg, gnutls, …), which alone
# cost ~29 MiB of resident memory; this build costs ~2. See README "Audio formats".
FFMPEG_DIR   := $(CURDIR)/.build/ffmpeg
FFMPEG_SRC   := $(CURDIR)/.build/ffmpeg-src
FFMPEG_FLAGS := --disable-everything --disable-autodetect --disable-programs --disable-doc \
                --disable-debug --disable-avdevice --disable-avfilter --disable-swscale --disable-postproc \
                --enable-pic --enable-static --disable-shared --enable-zlib --enable-network --enable-gnutls \
                --enable-protocol=file,http,https,tcp,tls,crypto \
                --enable-demuxer=mp3,mov,flac,ogg,wav,aac,matroska,aiff,w64,hls,mpegts \
                --enable-decoder=mp3,mp3float,aac,aac_latm,alac,flac,vorbis,opus,pcm_s16le,pcm_s24le,pcm_s32le,pcm_f32le,pcm_f64le,pcm_u8,pcm_s16be,pcm_s24be,pcm_s32be,pcm_f32be,pcm_alaw,pcm_mulaw \
                --enable-parser=mpegaudio,aac,aac_latm,flac,vorbis,opus
# SwiftPM finds CFFmpeg's libraries through pkg-config: ours first.
export PKG_CONFIG_PATH := $(FFMPEG_DIR)/lib/pkgconfig

.PHONY: all deps test-deps print-deps ffmpeg pydeps ha-venv build deb run test test-swift test-socketio release install install-files uninstall bench-startup bench-socketio bench-latency bench-audio bench-tap bench-stream bench-links bench-pause bench-upload fuzz sample-config clean

all: build

# Installs the missing ones of $(1) (apt-get, with sudo unless root).
define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

## Install the missing Debian packages of the build and check for Swift.
deps:
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 is not on PATH: install the toolchain from swift.org (see README)"; exit 1; }
	$(call apt_install,$(APT_PACKAGES))
	@# Source packages (for FFmpeg): derive deb-src entries from the configured deb ones if there are none.
	@if ! apt-get source --print-uris -qq ffmpeg >/dev/null 2>&1; then \
		echo "enabling Debian source packages (for FFmpeg)"; \
		stanzas=$$(for f in /etc/apt/sources.list.d/*.sources; do [ -e "$$f" ] && sed 's/^Types: deb$$/Types: deb-src/' "$$f" && echo; done); \
		lines=$$(sed -n 's/^deb /deb-src /p' /etc/apt/sources.list 2>/dev/null); \
		[ -z "$$stanzas" ] || echo "$$stanzas" | $(SUDO) tee /etc/apt/sources.list.d/musicboxd-deb-src.sources >/dev/null; \
		[ -z "$$lines" ] || echo "$$lines" | $(SUDO) tee /etc/apt/sources.list.d/musicboxd-deb-src.list >/dev/null; \
		$(SUDO) apt-get update -qq; \
	fi
	@$(MAKE) --no-print-directory ffmpeg

## The minimal static FFmpeg (once per set of flags: the marker is named by them, so a checkout
## whose flags changed builds it again).
FFMPEG_STAMP := $(FFMPEG_DIR)/.built-$(shell echo '$(FFMPEG_FLAGS)' | md5sum | cut -c1-12)
ffmpeg: $(FFMPEG_STAMP)
$(FFMPEG_STAMP):
	rm -rf $(FFMPEG_SRC) $(FFMPEG_DIR) && mkdir -p $(FFMPEG_SRC)
	cd $(FFMPEG_SRC) && apt-get source --download-only -qq ffmpeg 2>&1 | grep -v "unsandboxed" || true
	cd $(FFMPEG_SRC) && dpkg-source -x --no-check ffmpeg_*.dsc src >/dev/null
	@echo "building FFmpeg's audio decoders (about a minute on 2 cores)"
	cd $(FFMPEG_SRC)/src && { ./configure --prefix=$(FFMPEG_DIR) $(FFMPEG_FLAGS) && $(MAKE) -j$$(nproc) && $(MAKE) install; } \
		>$(FFMPEG_SRC)/build.log 2>&1 || { tail -40 $(FFMPEG_SRC)/build.log; exit 1; }
	@# SwiftPM reads Libs and refuses -pthread (glibc has threads built in).
	sed -i 's/ -pthread//' $(FFMPEG_DIR)/lib/pkgconfig/*.pc
	rm -rf $(FFMPEG_SRC)
	touch $@

## What only the tests need besides: test media, the paced sound server, Python, Chromium.
test-deps: deps
	$(call apt_install,$(TEST_PACKAGES))

## The Debian packages `make deps` and `make test-deps` would install here (none are installed).
print-deps:
	@echo "deps: $(APT_PACKAGES)"
	@echo "test-deps: $(TEST_PACKAGES)"

build: deps
	$(SWIFT) build -c $(CONFIG) $(SWIFT_JOBS)

## Run the daemon on http://localhost:$(PORT) with simulated hardware and data in $(DATA_DIR).
## The simulated hardware's /api/dev/* routes are on here (never on a real box).
run: build
	MUSICBOXD_SERVER_DEV_ROUTES=on $$($(SWIFT) build -c $(CONFIG) --show-bin-path)/musicboxd run --hardware sim --port $(PORT) --data-dir $(DATA_DIR)

$(VENV)/.installed: Tests/socketio/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r Tests/socketio/requirements.txt
	touch $@

## Home Assistant's own package, whose MQTT discovery schemas check the box's configs.
$(HA_VENV)/.installed: Tests/socketio/requirements-ha.txt
	python3 -m venv $(HA_VENV)
	$(HA_VENV)/bin/python -m pip install --quiet -r Tests/socketio/requirements-ha.txt
	touch $@

ha-venv: $(HA_VENV)/.installed

pydeps: test-deps $(VENV)/.installed $(HA_VENV)/.installed

## Every test: the Swift suites (unit, SQLite, real HTTP, real processes), then the Socket.IO
## conformance suite with python-socketio against the real server.
test: test-swift test-socketio

test-swift: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

test-socketio: pydeps
	$(SWIFT) build --product SocketIOTestServer
	$(SWIFT) build --product musicboxd
	SOCKETIO_TEST_SERVER=$$($(SWIFT) build --show-bin-path)/SocketIOTestServer MUSICBOXD_BINARY=$$($(SWIFT) build --show-bin-path)/musicboxd \
		$(VENV)/bin/python -m pytest -q -rs -p no:cacheprovider -m solo Tests/socketio && \
	SOCKETIO_TEST_SERVER=$$($(SWIFT) build --show-bin-path)/SocketIOTestServer MUSICBOXD_BINARY=$$($(SWIFT) build --show-bin-path)/musicboxd \
		$(VENV)/bin/python -m pytest -q -rs -p no:cacheprovider -m "not solo" -n $(PYTEST_WORKERS) --dist worksteal Tests/socketio

release:
	$(MAKE) build CONFIG=release

## A Debian package, musicboxd_<version>_<arch>.deb in .build/deb (see README, "Install"): the
## release binary with the Swift runtime linked in, so the box needs no toolchain. DEB_VERSION
## overrides the version (the upgrade test builds a newer one).
DEB_SCRATCH := .build/deb-build
deb: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(DEB_SCRATCH) $(SWIFT_JOBS)
	systemd/debian/build "$$($(SWIFT) build -c release --static-swift-stdlib --scratch-path $(DEB_SCRATCH) --show-bin-path)" .build/deb $(DEB_VERSION)

## Install on the box (see README "Install"): the release binary, the web UI, the unit, a default
## config (kept if present), the sample hardware files; then the system user and the service.
## `make install-files DESTDIR=/tmp/x BIN_DIR=.build/debug` installs the files only (used by the tests).
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR    ?= /etc/systemd/system
DESTDIR    ?=
BIN_DIR    ?= $(shell $(SWIFT) build -c release --show-bin-path 2>/dev/null)
SHARE_DIR  := $(DESTDIR)$(PREFIX)/share/musicboxd
# No sudo needed to install into a staging folder.
ISUDO      := $(if $(DESTDIR),,$(SUDO))

install: release
	$(MAKE) --no-print-directory install-files
	@if [ -z "$(DESTDIR)" ]; then \
		getent passwd musicboxd >/dev/null || $(ISUDO) useradd --system --home-dir /var/lib/musicboxd --no-create-home --shell /usr/sbin/nologin musicboxd; \
		for g in audio gpio i2c spi dialout; do getent group $$g >/dev/null && $(ISUDO) usermod -a -G $$g musicboxd; done; \
		$(ISUDO) systemctl daemon-reload && $(ISUDO) systemctl enable --now musicboxd.service musicboxd-shutdown.path \
			&& systemctl --no-pager status musicboxd.service | head -5; \
	fi

install-files:
	@test -x "$(BIN_DIR)/musicboxd" || { echo "no musicboxd in $(BIN_DIR): build it first (make release)"; exit 1; }
	$(ISUDO) install -D -m 0755 "$(BIN_DIR)/musicboxd" "$(DESTDIR)$(PREFIX)/bin/musicboxd"
	$(ISUDO) rm -rf "$(SHARE_DIR)/web" && $(ISUDO) mkdir -p "$(SHARE_DIR)/web" "$(SHARE_DIR)/hardware"
	$(ISUDO) cp -R "$(BIN_DIR)/musicboxd_WebUI.resources/site/." "$(SHARE_DIR)/web/"
	$(ISUDO) cp -R hardware/. "$(SHARE_DIR)/hardware/"
	$(ISUDO) install -D -m 0644 README.md "$(DESTDIR)$(PREFIX)/share/doc/musicboxd/README.md"
	for unit in musicboxd.service musicboxd-shutdown.path musicboxd-shutdown.service; do \
		sed 's|/usr/local/bin/musicboxd|$(PREFIX)/bin/musicboxd|; s|/usr/local/share/doc|$(PREFIX)/share/doc|' systemd/$$unit \
			| $(ISUDO) install -D -m 0644 /dev/stdin "$(DESTDIR)$(UNITDIR)/$$unit" || exit 1; \
	done
	@if [ -e "$(DESTDIR)$(SYSCONFDIR)/musicboxd/musicboxd.toml" ]; then echo "keeping $(SYSCONFDIR)/musicboxd/musicboxd.toml"; \
	else $(ISUDO) install -D -m 0644 musicboxd.example.toml "$(DESTDIR)$(SYSCONFDIR)/musicboxd/musicboxd.toml"; fi
	@# Found by name on the home network when Avahi runs (README "Find the box by name").
	$(ISUDO) install -D -m 0644 systemd/avahi/musicboxd.service "$(DESTDIR)$(SYSCONFDIR)/avahi/services/musicboxd.service"

## Removes what install put in place; keeps the configuration and the library (/var/lib/musicboxd).
uninstall:
	@if [ -z "$(DESTDIR)" ]; then $(ISUDO) systemctl disable --now musicboxd.service musicboxd-shutdown.path 2>/dev/null || true; fi
	$(ISUDO) rm -f "$(DESTDIR)$(PREFIX)/bin/musicboxd" "$(DESTDIR)$(UNITDIR)/musicboxd.service" \
		"$(DESTDIR)$(UNITDIR)/musicboxd-shutdown.path" "$(DESTDIR)$(UNITDIR)/musicboxd-shutdown.service" \
		"$(DESTDIR)$(SYSCONFDIR)/avahi/services/musicboxd.service"
	$(ISUDO) rm -rf "$(SHARE_DIR)" "$(DESTDIR)$(PREFIX)/share/doc/musicboxd"
	@if [ -z "$(DESTDIR)" ]; then $(ISUDO) systemctl daemon-reload; fi
	@echo "kept $(SYSCONFDIR)/musicboxd and /var/lib/musicboxd (remove them by hand to forget the library)"

## Start-up time to a ready /api/health, release build (a measurement, not a test).
bench-startup: deps
	$(SWIFT) build -c release --product musicboxd
	python3 Benchmarks/startup.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd

## Fuzz the packet decoders with libFuzzer for FUZZ_SECONDS (default 600).
FUZZ_SECONDS ?= 600
FUZZ_SOURCES := Sources/SocketIO/Values/*.swift Sources/SocketIO/Protocol/SocketPacket.swift Sources/SocketIO/EngineIO/EnginePacket.swift Fuzz/FuzzPackets.swift
fuzz:
	mkdir -p .build/fuzz .build/fuzz/corpus
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name SocketIOFuzz $(FUZZ_SOURCES) -o .build/fuzz/fuzz-packets
	.build/fuzz/fuzz-packets -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 .build/fuzz/corpus Fuzz/corpus

## Socket.IO broadcast benchmark against python-socketio (release builds, same run).
## Command-to-event latency (HTTP operation in → state event at a client) with 1, 50 and 200 clients.
bench-latency: pydeps
	$(SWIFT) build -c release --product musicboxd
	$(VENV)/bin/python -m pip install --quiet -r Benchmarks/socketio/requirements.txt
	$(VENV)/bin/python Benchmarks/event_latency.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd

## CPU per second of audio (decode, resample, volume, ALSA) next to ffmpeg's decoder; peak RSS.
bench-audio: pydeps
	$(SWIFT) build -c release --product musicboxd
	$(VENV)/bin/python Benchmarks/audio_cost.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd

## Tap-to-sound: emulated PN532 answer -> first audible frame written to ALSA, 50 taps (release build).
bench-links: pydeps
	$(SWIFT) build -c release --product musicboxd
	$(VENV)/bin/python Benchmarks/link_import.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd

bench-stream: pydeps
	$(SWIFT) build -c release --product musicboxd
	$(VENV)/bin/python Benchmarks/stream_tap.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd --memory-minutes 10

bench-tap: pydeps
	$(SWIFT) build -c release --product musicboxd
	$(VENV)/bin/python Benchmarks/tap_to_sound.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd --slow-fsync-ms 40

## Pause -> state:player on the plain disk and with every fsync 40 ms slower (a busy SD card).
bench-pause: pydeps
	$(SWIFT) build -c release --product musicboxd
	$(VENV)/bin/python Benchmarks/pause_latency.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd

## Upload of a 200 MiB file in 1 MiB chunks over loopback next to cp on the same disk; RSS growth.
bench-upload: pydeps
	$(SWIFT) build -c release --product musicboxd
	$(VENV)/bin/python Benchmarks/upload_throughput.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd

## 500 playlists x 20 tracks, 200 clients: memory after 10 000 uploads vs a restart; rename fan-out with deltas, without, at 50 playlists.
bench-scale: pydeps
	$(SWIFT) build -c release --product musicboxd
	$(VENV)/bin/python Benchmarks/library_scale.py --binary $$($(SWIFT) build -c release --show-bin-path)/musicboxd

bench-socketio: pydeps
	$(SWIFT) build -c release --product SocketIOTestServer
	$(SWIFT) build -c release --package-path Benchmarks/SocketIOBench
	$(VENV)/bin/python -m pip install --quiet -r Benchmarks/socketio/requirements.txt
	BENCH_PYTHON=$(VENV)/bin/python $(VENV)/bin/python Benchmarks/socketio_bench.py

## Regenerate the documented sample config from the schema.
sample-config: build
	$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/musicboxd config sample > musicboxd.example.toml

clean:
	rm -rf .build
