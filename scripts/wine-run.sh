#!/usr/bin/env bash
# Runs a Windows program under Wine, headless, in the project's throwaway Wine prefix: cargo's
# runner for the x86_64-pc-windows-gnu tests (CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER) and
# the installer check. The prefix ($YICHUANG_WINEPREFIX, default /tmp/yichuang-wine) is made
# on first use (about 10 s); Mono and Gecko are not installed (nothing here needs them).
set -euo pipefail
export WINEPREFIX=${YICHUANG_WINEPREFIX:-/tmp/yichuang-wine}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
# Headless: no X display is needed by console programs or a silent installer.
unset DISPLAY WAYLAND_DISPLAY
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  mkdir -p "$WINEPREFIX"
  wineboot --init >/dev/null 2>&1
  wineserver --wait
fi
# Wine 8 (Debian 12) has no bcryptprimitives.dll, which every Rust program imports: a test-only
# stand-in (scripts/wine/bcryptprimitives.c) goes into the prefix.
shim="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f "$shim" ]; then
  x86_64-w64-mingw32-gcc -O2 -shared -o "$shim" "$(dirname "$0")/wine/bcryptprimitives.c" -ladvapi32
fi
exec wine "$@"
