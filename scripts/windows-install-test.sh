#!/usr/bin/env bash
# K1 check of the Windows installer under Wine, headless, in a throwaway prefix:
#   1. a silent install with a bad setting (/WINDOW=0) fails (exit code != 0), names /WINDOW
#      in its log and installs nothing;
#   2. a silent install with a missing setting fails naming it;
#   3. without the WebView2 runtime (Wine has none) the install stops and says so, unless
#      /WEBVIEW2=skip;
#   4. a silent install with settings puts the programs in Program Files, the Start-menu
#      entry, the uninstaller and its Add/Remove Programs key, and writes
#      %ProgramData%\yichuang\workstation.toml with the given settings;
#   5. an upgrade without settings keeps that config; /CONFIG=<file> replaces it;
#   6. the uninstaller removes programs, entry and key, and keeps the machine's config.
#   scripts/windows-install-test.sh <setup.exe>
set -euo pipefail
cd "$(dirname "$0")/.."
setup=$(realpath "$1")
export YICHUANG_WINEPREFIX=$(mktemp -d /tmp/yichuang-wine-install.XXXXXX)
trap 'WINEPREFIX=$YICHUANG_WINEPREFIX wineserver -k 2>/dev/null || true; rm -rf "$YICHUANG_WINEPREFIX"' EXIT
run() { scripts/wine-run.sh "$@"; }
c="$YICHUANG_WINEPREFIX/drive_c"
pf="$c/Program Files/yichuang"
config="$c/ProgramData/yichuang/workstation.toml"
log="$c/install.log"
fail() { echo "windows-install-test: FAIL: $*" >&2; exit 1; }
log_text() { iconv -f UTF-16 -t UTF-8 "$log" 2>/dev/null || true; }
expect_refused() { # <what the log must name> <installer args…>
  local want=$1; shift
  rm -f "$log"
  if run "$setup" /S /LOG='C:\install.log' "$@"; then fail "install with $* succeeded"; fi
  log_text | grep -qF -- "$want" || { log_text >&2; fail "log does not name $want"; }
  [ ! -e "$pf" ] || fail "refused install left $pf"
  [ ! -e "$config" ] || fail "refused install left $config"
  echo "windows-install-test: refused as it should: $(log_text | tr -d '\r' | head -n 2 | tr '\n' ' ')"
}
good=(/HALL=441500 /HALLNAME=某市政务服务中心 /WINDOW=5 /BACKEND=https://zwfw.example.gov.cn/yichuang
  /IDCARD=COM3 /SCANNER=usb /RECEIPT=192.0.2.50:9100 /A4PRINTER=hall-a4
  '/UKEY=pkcs11:C:\Windows\System32\vendor-p11.dll')

expect_refused "/WINDOW" "${good[@]}" /WINDOW=0 /WEBVIEW2=skip
expect_refused "/HALLNAME" /HALL=441500 /WINDOW=5 /WEBVIEW2=skip
expect_refused "/WINDWO" "${good[@]}" /WINDWO=5 /WEBVIEW2=skip
expect_refused "WebView2" "${good[@]}"

rm -f "$log"
run "$setup" /S /LOG='C:\install.log' "${good[@]}" /WEBVIEW2=skip || { log_text >&2; fail "silent install failed"; }
for f in yichuang-workstation.exe yichuang-wlt-helper.exe yichuang-idcard-diagnose.exe \
  yichuang-scanner-diagnose.exe yichuang-escpos-diagnose.exe yichuang-spooler-diagnose.exe \
  yichuang-ukey-diagnose.exe workstation.example.toml uninstall.exe; do
  [ -f "$pf/$f" ] || fail "missing $pf/$f"
done
lnk=$(find "$c/ProgramData/Microsoft/Windows/Start Menu/Programs" -name '一窗受理工作站.lnk' | head -n 1)
[ -n "$lnk" ] || fail "no Start-menu entry"
[ -f "$config" ] || fail "no $config"
for want in 'code = "441500"' 'name = "某市政务服务中心"' 'number = 5' \
  'url = "https://zwfw.example.gov.cn/yichuang"' 'port = "COM3"' 'address = "192.0.2.50:9100"' \
  'queue = "hall-a4"' 'module = '"'"'C:\Windows\System32\vendor-p11.dll'"'"; do
  grep -qF -- "$want" "$config" || { cat "$config" >&2; fail "config lacks $want"; }
done
uninst_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\cn.yichuang.workstation'
run reg query "$uninst_key" /v UninstallString 2>/dev/null | grep -q 'uninstall.exe' \
  || fail "no Add/Remove Programs entry"
# The installed program accepts the config it was given.
run "$pf/yichuang-workstation.exe" --check-config 'C:\ProgramData\yichuang\workstation.toml' \
  || fail "the installed workstation refuses the written config"
echo "windows-install-test: silent install ok; config:"; sed 's/^/  /' "$config"

# An upgrade without settings keeps the machine's config; /CONFIG replaces it whole.
run "$setup" /S /LOG='C:\install.log' /WEBVIEW2=skip || fail "upgrade without settings failed"
grep -qF 'number = 5' "$config" || fail "upgrade lost the config"
printf '[hall]\nname = "乙大厅"\ncode = "441501"\n[window]\nnumber = 9\n' > "$c/other.toml"
run "$setup" /S /LOG='C:\install.log' '/CONFIG=C:\other.toml' /WEBVIEW2=skip || fail "/CONFIG install failed"
grep -qF 'number = 9' "$config" || fail "/CONFIG not written"
echo "windows-install-test: upgrade keeps the config, /CONFIG replaces it"

# The uninstaller copies itself to %TEMP% and runs from there: wait for Wine's processes.
run "$pf/uninstall.exe" /S || fail "uninstall failed"
WINEPREFIX=$YICHUANG_WINEPREFIX wineserver --wait
[ ! -e "$pf/yichuang-workstation.exe" ] || fail "uninstall left the program"
if run reg query "$uninst_key" >/dev/null 2>&1; then fail "uninstall left the registry key"; fi
[ -f "$config" ] || fail "uninstall removed the machine's config"
echo "windows-install-test: ok"
