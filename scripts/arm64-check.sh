#!/usr/bin/env bash
# arm64 (Kunpeng/Phytium halls): type-checks the crates that run there for
# aarch64-unknown-linux-gnu. Build scripts compile C for the target (SQLCipher, libusb, ring)
# with Debian's cross gcc and find the target's libraries (libssl, libdbus, libturbojpeg,
# linux headers for V4L2's bindgen) through multiarch (dpkg --add-architecture arm64);
# scripts/setup.sh installs all of it. Linking and running on arm64 are not checked here.
# Under CI=1 a missing tool fails; elsewhere the check is skipped with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=aarch64-unknown-linux-gnu
missing() {
  if [ "${CI:-}" = 1 ]; then echo "arm64-check: FAILED: $1 (CI=1; scripts/setup.sh installs it)" >&2; exit 1; fi
  echo "arm64-check: SKIPPED: $1 (scripts/setup.sh installs it)"; exit 0
}
command -v aarch64-linux-gnu-gcc >/dev/null || missing "aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu)"
rustup target list --installed 2>/dev/null | grep -qx "$TARGET" || missing "rust target $TARGET"
for pc in openssl dbus-1 libturbojpeg; do
  [ -f "/usr/lib/aarch64-linux-gnu/pkgconfig/$pc.pc" ] || missing "arm64 pkg-config file $pc.pc (multiarch -dev:arm64 package)"
done
started=$(date +%s)
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# pkg-config answers with the arm64 libraries only for the target's build scripts.
export PKG_CONFIG_aarch64_unknown_linux_gnu=pkg-config
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
export OPENSSL_INCLUDE_DIR_aarch64_unknown_linux_gnu=/usr/include
export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR=/usr/lib/aarch64-linux-gnu
export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_INCLUDE_DIR=/usr/include
export BINDGEN_EXTRA_CLANG_ARGS_aarch64_unknown_linux_gnu="--target=aarch64-linux-gnu -I/usr/include/aarch64-linux-gnu"
cargo check --target "$TARGET" -p yichuang-core -p yichuang-drivers -p yichuang-pki -p yichuang-server
echo "arm64-check: core, drivers, pki and server type-check for $TARGET in $(($(date +%s) - started)) s"
