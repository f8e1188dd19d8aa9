# 一窗受理工作站 — build, run, test, bench. See README.md.
#   make run    install what is missing, build, and run the app with simulated devices and a local server
#   make test   every check and test (what CI runs)
#   make bench  the benchmarks, one `bench: <name> <value> <unit>` line per figure

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
export CARGO_TARGET_DIR := $(TARGET_DIR)
APP_BIN := $(TARGET_DIR)/release/yichuang-workstation
SERVER_BIN := $(TARGET_DIR)/release/yichuang-server
# Outside the target dir: the postgres user must be able to reach it (/root is private).
PG_DIR := $(or $(YICHUANG_PG_DIR),/tmp/yichuang-pg-test)
# Test UKeys (SoftHSM2 tokens, test CAs, the simulated SKF key) for the driver tests; each UKey
# test binary runs scripts/ukey-test.sh setup into its own subdirectory.
UKEY_DIR := $(or $(YICHUANG_UKEY_DIR),/tmp/yichuang-ukey-test)
# A private cupsd for the A4 printer tests (scripts/cups-test.sh).
CUPS_DIR := $(or $(YICHUANG_CUPS_DIR),/tmp/yichuang-cups-test)
# An S3-compatible server (moto) for the server's S3 blob store test (scripts/s3-test.sh).
S3_DIR := $(or $(YICHUANG_S3_DIR),/tmp/yichuang-s3-test)
BINDINGS := ui/src/bindings.ts
# yichuang-sync-harness holds the sync tests against the real server and the kill -9 fault
# suite, which runs in its own target `faults` (20 kills, counts printed; `make faults-long`
# runs 200).
LIB_CRATES := -p yichuang-core -p yichuang-drivers -p yichuang-pki -p yichuang-seal -p yichuang-server -p yichuang-sync-harness -p yichuang-testkit

FUZZ_TARGETS := idcard_frames idcard_text escpos_status scanner_framing qr_frames licence_ids pdf_signature pdf_stamp
# Per target in `make test` (a bounded smoke run; `make fuzz FUZZ_SECONDS=600` goes deeper).
FUZZ_SECONDS ?= 30

.PHONY: setup run ui app deb package-test arm64-check windows windows-test bindings check-bindings lint deny unit faults faults-long queue-long ui-test e2e fuzz test bench clean-run

setup:
	scripts/setup.sh

# The UI bundle is rebuilt only when one of its inputs is newer than ui/dist/index.html:
# `vite build` rewrites all of ui/dist, which the shell embeds, so an unneeded build would
# relink the app (about a minute). `make bindings` rewrites ui/src/bindings.ts and so counts.
UI_DIST := ui/dist/index.html
UI_INPUTS := $(shell find ui/src ui/public -type f 2>/dev/null) ui/index.html ui/citizen.html \
  ui/package.json ui/package-lock.json ui/vite.config.ts ui/tsconfig.json

ui: $(UI_DIST)

$(UI_DIST): $(UI_INPUTS)
	@echo "ui: building the UI bundle (its sources changed)…"
	cd ui && npm run build --silent
	@touch $@

# The release binaries, always in one cargo invocation with one feature set: building them
# separately or switching features would rebuild shared crates (the webview ones are slow).
app: ui
	@echo "app: cargo build --release (only what changed; nothing to do takes a few seconds)"
	cargo build --release -p yichuang-app -p yichuang-server -p yichuang-core -p yichuang-skf-sim -p yichuang-wlt-sim --features yichuang-app/custom-protocol

# Debian packages (issue 19): the workstation, the server and the UOS/deepin store layout, made
# by scripts/package-deb.sh with dpkg-deb from the release binaries, into $(TARGET_DIR)/deb.
# The drivers' diagnose tools ship in the workstation packages.
DIAGNOSE_EXAMPLES := --example idcard_diagnose --example escpos_diagnose --example scanner_diagnose \
  --example spooler_diagnose --example ukey_diagnose
deb: app
	cargo build --release -p yichuang-drivers $(DIAGNOSE_EXAMPLES)
	scripts/package-deb.sh

# The packages installed and started in a clean Debian 12 root (scripts/deb-check.sh); part of
# `make test`.
package-test: deb
	scripts/deb-check.sh

# The arm64 cross-check of the crates that Kunpeng/Phytium halls run (scripts/arm64-check.sh):
# ~20 min from cold on 2 cores, so not in `make test` (CI's 60-minute budget); run before a
# release.
arm64-check:
	scripts/setup.sh arm64
	scripts/arm64-check.sh

# Windows x64 (issue 19, K1), cross-built here with MinGW: the workstation with its UI bundle,
# the photo helper and the device diagnose tools, then the NSIS installer made by
# installer/windows/yichuang.nsi (Debian's makensis). WEBVIEW2_INSTALLER=<file> embeds
# Microsoft's offline WebView2 runtime installer. Output: $(WIN_OUT)/.
WIN_TARGET := x86_64-pc-windows-gnu
WIN_RELEASE := $(TARGET_DIR)/$(WIN_TARGET)/release
WIN_OUT := $(TARGET_DIR)/windows
WIN_DIAGNOSE := escpos idcard scanner spooler ukey
WIN_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
WIN_SETUP := $(WIN_OUT)/yichuang-workstation-setup-$(WIN_VERSION).exe
# Tests build in release too: they share the compiled dependencies with the build above.
WIN_RUNNER := CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$(CURDIR)/scripts/wine-run.sh

windows: ui
	scripts/setup.sh windows
	@echo "windows: cross-building for $(WIN_TARGET) (release)"
	cargo build --release --target $(WIN_TARGET) -p yichuang-app -p yichuang-core -p yichuang-drivers \
	  --bin yichuang-workstation --bin yichuang-wlt-helper $(foreach d,$(WIN_DIAGNOSE),--example $(d)_diagnose) \
	  --features yichuang-app/custom-protocol
	scripts/windows-package.sh $(WIN_RELEASE) $(WIN_OUT)

# The core, drivers and pki unit tests under Wine (tests that need what Wine or Windows lacks
# are cfg'd out for Windows, each with its reason), including the A4 test page drawn with GDI
# and printed through Wine's spooler, then the silent install under Wine. Part of `make test`.
# The A4 test prints through Wine's spooler, which hands the job to the PostScript queue of the
# private cupsd (Wine reads $$CUPS_SERVER; the Windows program sees the printer by name).
windows-test: windows
	@cups=$$(scripts/cups-test.sh start $(CUPS_DIR) | tail -n 1) && \
	CUPS_SERVER=$$cups YICHUANG_TEST_WIN_PRINTER=yichuang-ps \
	YICHUANG_TEST_WIN_PRINTED='Z:$(subst /,\,$(CUPS_DIR))\out\printed.ps' \
	$(WIN_RUNNER) cargo test --release --target $(WIN_TARGET) -p yichuang-core -p yichuang-drivers -p yichuang-pki --lib
	scripts/windows-install-test.sh $(WIN_SETUP)


run: setup app
	scripts/run-local.sh

bindings: app
	$(APP_BIN) --export-bindings $(BINDINGS)

# Fails when the committed bindings differ from what the Rust types generate.
check-bindings: app
	@tmp=$$(mktemp --suffix=.ts) && $(APP_BIN) --export-bindings $$tmp && \
	if ! diff -u $(BINDINGS) $$tmp; then \
	  echo "error: $(BINDINGS) is out of date with the Rust types; run 'make bindings' and commit it" >&2; rm -f $$tmp; exit 1; \
	fi; rm -f $$tmp; echo "bindings: up to date"

lint: ui
	python3 scripts/check-shape.py
	python3 scripts/check-cjk.py
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --features yichuang-app/custom-protocol -- -D warnings
	cd ui && npm run typecheck && npm run lint

# Licences, bans (duplicates only warn) and sources of the dependency graph: deny.toml.
deny:
	cargo deny --log-level error check licenses bans sources

unit:
	@url=$$(scripts/pg-test.sh start $(PG_DIR) | tail -n 1) && \
	cups=$$(scripts/cups-test.sh start $(CUPS_DIR) | tail -n 1) && \
	s3=$$(scripts/s3-test.sh start $(S3_DIR) | tail -n 1) && \
	cargo build -p yichuang-wlt-sim && \
	YICHUANG_TEST_PG_URL=$$url YICHUANG_TEST_CUPS=$$cups YICHUANG_TEST_S3_URL=$$s3 YICHUANG_TEST_UKEY_DIR=$(UKEY_DIR) cargo test $(LIB_CRATES) -- --skip j1_kill9

# The sync fault-injection suite with its counts (a few minutes at most on 2 cores).
faults:
	cargo test -p yichuang-sync-harness --test faults -- --nocapture

faults-long:
	YICHUANG_FAULT_KILLS=200 cargo test -p yichuang-sync-harness --test faults -- --nocapture

# The hall queue on PostgreSQL with two server instances: 50 desks calling at once for 60 s
# (the unit run does 10 s), no ticket called twice, none lost.
queue-long:
	@url=$$(scripts/pg-test.sh start $(PG_DIR) | tail -n 1) && \
	YICHUANG_TEST_PG_URL=$$url YICHUANG_QUEUE_STRESS_SECS=60 cargo test -p yichuang-server --test queue_pg_http -- --nocapture i17_two_instances

ui-test:
	cd ui && npm test

e2e: app
	cargo test -p yichuang-e2e --tests -- --test-threads=1

# Bounded libFuzzer runs of the device codecs (cargo-fuzz; RUSTC_BOOTSTRAP lets the stable
# toolchain take the sanitizer flags). Any crash fails the run; its input is kept in
# fuzz/artifacts/.
fuzz:
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) 2>&1 | grep -E "^(Done|==|SUMMARY)|panicked|ERROR" ; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

test: setup lint deny check-bindings unit faults ui-test e2e fuzz package-test windows-test
	@echo "make test: all checks passed"

bench: setup app
	scripts/bench-make-run.sh
	cargo run --release -q -p yichuang-drivers --example bench
	cargo run --release -q -p yichuang-seal --features ukey --example seal_bench
	QR_TESTSET=$$(scripts/qr-testset.sh) QR_COMPARE_SETS="$$(scripts/qr-testset.sh --compare)" \
	  cargo run --release -q -p yichuang-drivers --example camera_bench
	cargo run --release -q -p yichuang-core --example document_bench
	cargo run --release -q -p yichuang-core --example intake_bench
	cargo run --release -q -p yichuang-e2e --bin yichuang-bench
	cargo run --release -q -p yichuang-sync-harness -- drain-bench --tls
	@url=$$(scripts/pg-test.sh start $(PG_DIR) | tail -n 1) && \
	cargo run --release -q -p yichuang-sync-harness -- ingest-bench --tls --database-url "$$url"
	@url=$$(scripts/pg-test.sh start $(PG_DIR) | tail -n 1) && \
	cargo run --release -q -p yichuang-server --example queue_bench -- --database-url "$$url"
	@url=$$(scripts/pg-test.sh start $(PG_DIR) | tail -n 1) && \
	cargo run --release -q -p yichuang-server --example case_bench -- --database-url "$$url"
	@url=$$(scripts/pg-test.sh start $(PG_DIR) | tail -n 1) && \
	cargo run --release -q -p yichuang-server --example licence_bench -- --database-url "$$url"

clean-run:
	rm -rf .run
