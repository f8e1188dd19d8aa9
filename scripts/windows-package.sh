#!/usr/bin/env bash
# Assembles the Windows x64 files built by `make windows` (cargo, x86_64-pc-windows-gnu) and
# builds the NSIS installer with the project's script installer/windows/yichuang.nsi.
#   scripts/windows-package.sh <cargo release dir of the target> <output dir>
# WEBVIEW2_INSTALLER=<path of MicrosoftEdgeWebView2RuntimeInstallerX64.exe> embeds
# Microsoft's offline WebView2 runtime installer (see README, "Windows").
set -euo pipefail
cd "$(dirname "$0")/.."
release=$1
out=$2
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
dist="$out/dist"
rm -rf "$dist"
mkdir -p "$dist"
cp "$release/yichuang-workstation.exe" "$release/yichuang-wlt-helper.exe" "$dist/"
for example in "$release"/examples/*_diagnose.exe; do
  device=$(basename "$example" _diagnose.exe)
  cp "$example" "$dist/yichuang-$device-diagnose.exe"
done
# webview2-com links WebView2Loader.dll on the GNU target: it ships beside the exe.
imports=$(x86_64-w64-mingw32-objdump -p "$dist/yichuang-workstation.exe")
if grep -qi 'DLL Name: WebView2Loader.dll' <<<"$imports"; then
  loader=$(find "$release/build" -path '*x64/WebView2Loader.dll' -print -quit)
  [ -n "$loader" ] || { echo "windows: WebView2Loader.dll is imported but not found under $release/build" >&2; exit 1; }
  cp "$loader" "$dist/"
fi
cp installer/workstation.example.toml "$dist/"
x86_64-w64-mingw32-strip "$dist"/*.exe
setup="$out/yichuang-workstation-setup-$version.exe"
defines=(-DDIST="$(realpath "$dist")" -DOUTFILE="$(realpath "$out")/$(basename "$setup")"
  -DVERSION="$version" -DICON="$(realpath src-tauri/icons/icon.ico)")
if [ -n "${WEBVIEW2_INSTALLER:-}" ]; then
  [ -f "$WEBVIEW2_INSTALLER" ] || { echo "windows: WEBVIEW2_INSTALLER=$WEBVIEW2_INSTALLER does not exist" >&2; exit 1; }
  defines+=(-DWEBVIEW2_INSTALLER="$(realpath "$WEBVIEW2_INSTALLER")")
  echo "windows: embedding the WebView2 offline runtime installer $WEBVIEW2_INSTALLER"
fi
makensis -V2 -INPUTCHARSET UTF8 "${defines[@]}" installer/windows/yichuang.nsi
ls -l "$dist" "$setup"
echo "windows: $setup"
