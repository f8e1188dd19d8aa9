#!/usr/bin/env bash
# Installs everything the workstation needs to build, run and test on a Debian 12 machine:
# Debian packages (webkit2gtk and friends, Xvfb, WebKitWebDriver, PostgreSQL, CUPS, fonts), the
# UI's npm packages, and tauri-driver. Idempotent and quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Tauri 2 build
  libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
  libayatana-appindicator3-dev libgtk-3-dev build-essential pkg-config libssl-dev libxdo-dev file
  # Real-window tests and screenshots
  xvfb xauth imagemagick xdotool webkit2gtk-driver
  # Server tests on PostgreSQL
  postgresql
  # A4 printer tests through a private CUPS server (scripts/cups-test.sh)
  cups-daemon cups-client
  # Virtual devices and document checks (later device issues build on these)
  socat poppler-utils fonts-wqy-microhei
  # Test UKeys: SoftHSM2 PKCS#11 tokens, pkcs11-tool, the PKCS#11 engine, SM2 certificates
  softhsm2 opensc libengine-pkcs11-openssl openssl jq
  # Sync (issue 6): the OS keystore through the Secret Service (keyring's dbus backend);
  # SQLCipher links libcrypto from libssl-dev (above)
  libdbus-1-dev
  # Document camera (issue 7): nokhwa's V4L2 bindings need libclang; the QR test-set
  # generator (scripts/qr-testset.sh) runs in a venv; MJPEG frames are decoded by the
  # system libjpeg-turbo (TurboJPEG API, found by pkg-config)
  libclang-dev clang python3-venv libturbojpeg0-dev
  # The hall's call screen (issue 17) is tested and benched in headless Chromium via chromedriver
  chromium chromium-driver
  # Packages (issue 19): dpkg-deb, dpkg-shlibdeps (Depends from the binaries), fakeroot; the
  # package check's clean Debian 12 root (debootstrap), window checks (xwininfo), the unit
  # check (systemd-analyze), health over HTTP (curl)
  dpkg-dev fakeroot debootstrap x11-utils systemd curl
)

# Optional sets, installed only when asked for (`scripts/setup.sh windows arm64`; the make
# targets that need them ask): they are large and `make test` does not use them.
RUST_TARGETS=()
for extra in "$@"; do
  case "$extra" in
    windows)
      # Windows x64 cross build and checks (`make windows`): MinGW (also builds the vendored
      # OpenSSL and SQLCipher), Debian's makensis, and 64-bit Wine for the tests and the
      # silent install (no i386 architecture needed: the installer is an amd64 NSIS build)
      APT_PACKAGES+=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 nsis wine wine64)
      RUST_TARGETS+=(x86_64-pc-windows-gnu) ;;
    arm64)
      # arm64 cross-check (`make arm64-check`): the cross gcc for the C build scripts and the
      # target's libraries through multiarch (the arm64 architecture is added below)
      APT_PACKAGES+=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross
        libssl-dev:arm64 libdbus-1-dev:arm64 libturbojpeg0-dev:arm64 linux-libc-dev:arm64)
      RUST_TARGETS+=(aarch64-unknown-linux-gnu) ;;
    *) echo "setup: unknown extra '$extra' (windows, arm64)" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The :arm64 packages above need the architecture known to dpkg (then apt-get update).
if [[ " ${APT_PACKAGES[*]} " == *":arm64 "* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "setup: adding the arm64 architecture (multiarch, for the arm64 cross-check)"
  as_root dpkg --add-architecture arm64
fi

# One dpkg-query for the whole list (a fraction of a second when everything is there).
# Each installed package as name:arch; a name without :arch means the native one (or all).
installed=" $(dpkg-query -W -f='${db:Status-Abbrev}${Package}:${Architecture}\n' "${APT_PACKAGES[@]}" 2>/dev/null \
  | awk '$1 == "ii" { print $2 }' | tr '\n' ' ' || true) "
native=$(dpkg --print-architecture)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if [[ "$p" == *:* ]]; then
    [[ "$installed" == *" $p "* ]] || missing+=("$p")
  else
    [[ "$installed" == *" $p:$native "* || "$installed" == *" $p:all "* ]] || missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: Node.js 20.19+ and npm are required (the machine image provides them)" >&2
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("setup: Node.js >= 20.19 required, found "+process.versions.node); process.exit(1) }'

# npm packages, as pinned by ui/package-lock.json; reinstalled only when the lock file is
# newer than the last install. `npm install` rather than `npm ci`: npm 11 here writes lock
# files without the other platforms' optional packages (rollup's native builds), which
# `npm ci` then rejects as out of sync; `npm install` installs the locked versions as well.
# The stamp is touched after each install: npm leaves node_modules/.package-lock.json alone
# when nothing changed, so comparing with it would reinstall on every run of a fresh checkout.
NPM_STAMP=ui/node_modules/.yichuang-installed
if [ ! -f "$NPM_STAMP" ] || [ ui/package-lock.json -nt "$NPM_STAMP" ] || [ ui/package.json -nt "$NPM_STAMP" ]; then
  echo "setup: installing npm packages"
  (cd ui && npm install --no-audit --no-fund --loglevel=error)
  touch "$NPM_STAMP"
fi

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
for t in "${RUST_TARGETS[@]}"; do
  if ! rustup target list --installed | grep -qx "$t"; then
    echo "setup: adding the Rust target $t"
    rustup target add "$t"
  fi
done
if [ ! -x "$CARGO_BIN/tauri-driver" ]; then
  echo "setup: installing tauri-driver (first run only, a few minutes)…"
  cargo install tauri-driver --locked --version '^2' --quiet
fi
if [ ! -x "$CARGO_BIN/cargo-fuzz" ]; then
  echo "setup: installing cargo-fuzz (first run only, a few minutes)…"
  cargo install cargo-fuzz --locked --quiet
fi
if [ ! -x "$CARGO_BIN/cargo-deny" ]; then
  echo "setup: installing cargo-deny (first run only, a few minutes)…"
  # Its own temporary target dir: the project's CARGO_TARGET_DIR stays for the project.
  env -u CARGO_TARGET_DIR cargo install cargo-deny --locked --version '^0.20' --quiet
fi
# moto in server mode, the S3-compatible server of the blob store test (a pinned venv).
scripts/s3-test.sh install
# The QR test-set generator's packages and zxing-cpp, the reference decoder of
# `bench: qr_read_vs_zxing` (a pinned venv).
scripts/qr-testset.sh install
echo "setup: ok"
