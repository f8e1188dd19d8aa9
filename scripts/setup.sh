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
  # Windows x64 cross build and checks (issue 19, `make windows`): MinGW (also builds the
  # vendored OpenSSL and SQLCipher), Debian's makensis, and 64-bit Wine for the tests and the
  # silent install (no i386 architecture needed: the installer is an amd64 NSIS build)
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 nsis wine wine64
)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# One dpkg-query for the whole list (a fraction of a second when everything is there).
installed=" $(dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' "${APT_PACKAGES[@]}" 2>/dev/null \
  | awk '$1 == "ii" { print $2 }' | tr '\n' ' ' || true) "
missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ "$installed" == *" $p "* ]] || missing+=("$p")
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
if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
  echo "setup: adding the Rust target x86_64-pc-windows-gnu"
  rustup target add x86_64-pc-windows-gnu
fi
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
