#!/usr/bin/env bash
# The package check of issue 19 (run by `make package-test` after `make deb`):
#   1. a clean Debian 12 root made by debootstrap (minbase), cached outside the repo and keyed
#      by a hash of what makes it, copied fresh for every run;
#   2. apt installs the workstation and server .debs into it: their Depends must pull in every
#      library (ldd finds none missing, before anything else is installed into the root);
#   3. what the packages set up: conffiles, the yichuang group and the 1770 data root, the
#      server's system user and 0700 data dir, the systemd unit (systemd-analyze verify);
#   4. the server, started as its user with the unit's command, answers /api/v1/health;
#   5. the workstation, started as a clerk account in the yichuang group on an Xvfb display
#      (Xvfb, xdotool and ImageMagick run on the host, so nothing but the packages and their
#      Depends is installed into the root),
#      shows its login window (found by title, mapped, and its pixels are not blank) and
#      made its private data dir /var/lib/yichuang/<account> (0700); an account outside the
#      group is refused with the Chinese reason;
#   6. the UOS/deepin store package installs with dpkg -i and puts its files where the store
#      spec says (/opt/apps/<appid>/{info,entries,files}).
# No fixed sleeps: every wait polls a condition with a timeout. Under CI=1 a missing tool
# fails; elsewhere the check is skipped with the reason.
# Usage: scripts/deb-check.sh [DEB_DIR]   (default: $CARGO_TARGET_DIR/deb)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
DEBS=${1:-$TARGET_DIR/deb}
APPID=cn.yichuang.workstation
SUITE=bookworm
MIRROR=${YICHUANG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${YICHUANG_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE=${YICHUANG_DEBOOTSTRAP_CACHE:-$HOME/.cache/yichuang/debootstrap-$SUITE}
# What makes the base root; its hash names the cached copy (change anything: a new root).
BASE_RECIPE="v1 $SUITE minbase $MIRROR $SECURITY_MIRROR include=ca-certificates"
TIMEOUT=${YICHUANG_DEB_CHECK_TIMEOUT:-120}
started=$(date +%s)

say() { echo "deb-check: $*"; }
fail() { echo "deb-check: FAILED: $*" >&2; exit 1; }
missing() {
  if [ "${CI:-}" = 1 ]; then fail "$1 (CI=1: a missing tool fails; scripts/setup.sh installs it)"; fi
  say "SKIPPED: $1 (scripts/setup.sh installs it)"; exit 0
}
[ "$(id -u)" -eq 0 ] || missing "root is needed (debootstrap, chroot, mounts)"
for t in debootstrap chroot Xvfb xdotool xwininfo convert import curl mount; do
  command -v "$t" >/dev/null || missing "tool $t not found"
done
shopt -s nullglob
ws_deb=("$DEBS"/yichuang-workstation_*.deb)
srv_deb=("$DEBS"/yichuang-server_*.deb)
uos_deb=("$DEBS"/${APPID}_*.deb)
[ ${#ws_deb[@]} -eq 1 ] && [ ${#srv_deb[@]} -eq 1 ] && [ ${#uos_deb[@]} -eq 1 ] ||
  fail "expected one of each package in $DEBS (run make deb): ${ws_deb[*]} ${srv_deb[*]} ${uos_deb[*]}"

# Polls "$@" until it succeeds or TIMEOUT seconds pass.
wait_for() {
  local what=$1; shift
  local end=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || fail "timed out after ${TIMEOUT}s waiting for: $what"
    sleep 0.2
  done
}

# --- 1. the base root ----------------------------------------------------------------------
key=$(printf '%s' "$BASE_RECIPE" | sha256sum | cut -c1-16)
BASE=$CACHE/base-$key
mkdir -p "$CACHE/apt-archives/partial"
if [ ! -f "$BASE/.yichuang-complete" ]; then
  say "making the Debian 12 base root (first run on this machine; about 2 minutes): $BASE"
  rm -rf "$BASE.tmp"
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$BASE.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE/debootstrap.log" >&2; fail "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  cat >"$BASE.tmp/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  # Downloaded packages stay in the shared archive cache, not in the root.
  echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$BASE.tmp/etc/apt/apt.conf.d/01keep"
  rm -rf "$BASE.tmp/var/cache/apt/archives"/*.deb
  touch "$BASE.tmp/.yichuang-complete"
  rm -rf "$BASE" && mv "$BASE.tmp" "$BASE"
else
  say "reusing the base root $BASE"
fi

# --- a fresh copy, mounts, cleanup ---------------------------------------------------------
ROOT=$(mktemp -d /var/tmp/yichuang-deb-check.XXXXXX)
MOUNTS=()
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" || true; done
  if [ "${YICHUANG_DEB_CHECK_KEEP:-}" = 1 ]; then say "root kept: $ROOT"; else rm -rf --one-file-system "$ROOT"; fi
  exit $rc
}
trap cleanup EXIT
cp -a "$BASE/." "$ROOT/"
mnt() { mount "$@"; MOUNTS+=("${!#}"); }
mnt -t proc proc "$ROOT/proc"
mnt -t sysfs -o ro sysfs "$ROOT/sys"
mnt -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm"
mnt --bind "$CACHE/apt-archives" "$ROOT/var/cache/apt/archives"
# The X server runs on the host (Xvfb is a test tool, not something the packages bring); its
# socket directory is shared into the root. A fresh machine may not have it yet.
[ -d /tmp/.X11-unix ] || { mkdir -p /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix; }
mkdir -p "$ROOT/tmp/.X11-unix" && chmod 1777 "$ROOT/tmp/.X11-unix"
mnt --bind /tmp/.X11-unix "$ROOT/tmp/.X11-unix"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mkdir -p "$ROOT/tmp/debs" && cp "${ws_deb[0]}" "${srv_deb[0]}" "${uos_deb[0]}" "$ROOT/tmp/debs/"
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

# --- 2. apt installs the two packages; Depends cover every library ----------------------------
say "apt-get install $(basename "${ws_deb[0]}") $(basename "${srv_deb[0]}")"
in_root apt-get update -qq >"$ROOT/tmp/apt.log" 2>&1 || { cat "$ROOT/tmp/apt.log" >&2; fail "apt-get update in the root"; }
in_root apt-get install -y -qq --no-install-recommends "/tmp/debs/$(basename "${ws_deb[0]}")" \
  "/tmp/debs/$(basename "${srv_deb[0]}")" >>"$ROOT/tmp/apt.log" 2>&1 ||
  { tail -n 30 "$ROOT/tmp/apt.log" >&2; fail "apt could not install the packages"; }
for b in yichuang-workstation yichuang-wlt-helper yichuang-server yichuang-idcard-diagnose yichuang-escpos-diagnose \
  yichuang-scanner-diagnose yichuang-spooler-diagnose yichuang-ukey-diagnose; do
  [ -x "$ROOT/usr/bin/$b" ] || fail "/usr/bin/$b not installed"
  if in_root ldd "/usr/bin/$b" | grep -q "not found"; then
    in_root ldd "/usr/bin/$b" | grep "not found" >&2
    fail "$b needs a library its package's Depends do not pull in"
  fi
done
# The UI is Chinese: a font for it must come with the package too (else WebKit draws boxes).
in_root fc-list :lang=zh family | grep -q . || fail "no Chinese font installed by the workstation's Depends"
say "Depends complete: every binary's libraries and a Chinese font are installed by apt"

# --- 3. what the packages set up ---------------------------------------------------------------
# Owners as the root's own /etc/passwd and /etc/group name them.
rstat() { in_root stat -c "$1" "$2" 2>&1; }
in_root getent group yichuang >/dev/null || fail "group yichuang not created"
rstat '%a %U:%G' "/var/lib/yichuang" | grep -qx '1770 root:yichuang' ||
  fail "/var/lib/yichuang is $(rstat '%a %U:%G' "/var/lib/yichuang"), expected 1770 root:yichuang"
in_root getent passwd yichuang-server >/dev/null || fail "system user yichuang-server not created"
rstat '%a %U:%G' "/var/lib/yichuang-server" | grep -qx '700 yichuang-server:yichuang-server' ||
  fail "/var/lib/yichuang-server is $(rstat '%a %U:%G' "/var/lib/yichuang-server")"
rstat '%a %U:%G' "/etc/yichuang/server.env" | grep -qx '640 root:yichuang-server' ||
  fail "/etc/yichuang/server.env is $(rstat '%a %U:%G' "/etc/yichuang/server.env")"
grep -qx /etc/yichuang/workstation.toml "$ROOT/var/lib/dpkg/info/yichuang-workstation.conffiles" ||
  fail "/etc/yichuang/workstation.toml is not a conffile"
grep -qx /etc/yichuang/server.env "$ROOT/var/lib/dpkg/info/yichuang-server.conffiles" ||
  fail "/etc/yichuang/server.env is not a conffile"
[ -f "$ROOT/usr/lib/udev/rules.d/60-yichuang-idcard.rules" ] || fail "udev rule not installed"
[ -f "$ROOT/usr/share/applications/yichuang-workstation.desktop" ] || fail "desktop entry not installed"
[ -f "$ROOT/usr/share/icons/hicolor/128x128/apps/yichuang-workstation.png" ] || fail "icon not installed"
unit=$ROOT/usr/lib/systemd/system/yichuang-server.service
[ -f "$unit" ] || fail "systemd unit not installed"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify --root="$ROOT" /usr/lib/systemd/system/yichuang-server.service 2>&1) ||
    { echo "$out" >&2; fail "systemd-analyze verify refuses the unit"; }
  say "systemd unit verified"
elif [ "${CI:-}" = 1 ]; then
  fail "systemd-analyze not found (package systemd)"
fi
say "package contents and permissions as designed"

# --- 4. the server ---------------------------------------------------------------------------
# The unit's command, as its user; port 0 so parallel runs never collide.
srv_out=$ROOT/tmp/server.out
setsid chroot --userspec=yichuang-server:yichuang-server "$ROOT" env -i PATH=/usr/bin:/bin \
  RUST_LOG=info,sqlx=warn /usr/bin/yichuang-server --listen 127.0.0.1:0 --data-dir /var/lib/yichuang-server \
  >"$srv_out" 2>"$ROOT/tmp/server.err" &
PIDS+=($!)
wait_for "the server's listening line" grep -q "listening on http://" "$srv_out"
url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$srv_out" | head -n 1)
health=$(curl -fsS --max-time 10 "$url/api/v1/health") || { cat "$ROOT/tmp/server.err" >&2; fail "health did not answer"; }
echo "$health" | grep -q '"status":"ok"' || fail "health answered $health"
[ -f "$ROOT/var/lib/yichuang-server/server.db" ] || fail "the server made no database in /var/lib/yichuang-server"
say "server up as yichuang-server: $url/api/v1/health -> $health"

# --- 5. the workstation under Xvfb -----------------------------------------------------------
in_root useradd -m -s /bin/bash clerk
in_root usermod -aG yichuang clerk
in_root useradd -m -s /bin/bash visitor
dfile=$(mktemp)
Xvfb -displayfd 9 -screen 0 1366x768x24 -nolisten tcp 9>"$dfile" >/dev/null 2>&1 &
PIDS+=($!)
wait_for "Xvfb's display number" test -s "$dfile"
DISPLAY_NAME=":$(head -n 1 "$dfile")"
rm -f "$dfile"
say "Xvfb on $DISPLAY_NAME"
run_as() { # account, then the command
  local who=$1; shift
  chroot --userspec="$who:$who" --groups="$(in_root id -Gn "$who" | tr ' ' ',')" "$ROOT" env -i \
    HOME="/home/$who" USER="$who" LOGNAME="$who" PATH=/usr/bin:/bin LANG=C.UTF-8 DISPLAY="$DISPLAY_NAME" \
    WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1 "$@"
}

# An account outside the group is refused, with the reason, before any window.
set +e
refused=$(run_as visitor /usr/bin/yichuang-workstation 2>&1 </dev/null)
rc=$?
set -e
[ $rc -eq 4 ] || fail "an account outside the yichuang group: exit $rc, expected 4 ($refused)"
echo "$refused" | grep -q "yichuang 组" || fail "the refusal does not name the group: $refused"
[ ! -e "$ROOT/var/lib/yichuang/visitor" ] || fail "a directory was made for the account outside the group"
say "account outside the group refused: $(echo "$refused" | head -n 1)"

clerk_groups=$(in_root id -Gn clerk | tr ' ' ',')
setsid chroot --userspec=clerk:clerk --groups="$clerk_groups" "$ROOT" env -i HOME=/home/clerk USER=clerk \
  LOGNAME=clerk PATH=/usr/bin:/bin LANG=C.UTF-8 DISPLAY="$DISPLAY_NAME" WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1 \
  /usr/bin/yichuang-workstation >"$ROOT/tmp/ws.out" 2>&1 </dev/null &
PIDS+=($!)
window=
find_window() { window=$(DISPLAY=$DISPLAY_NAME xdotool search --onlyvisible --name '^一窗受理工作站 · .*号窗口$' 2>/dev/null | head -n 1); [ -n "$window" ]; }
wait_for "the workstation's clerk window (log: $ROOT/tmp/ws.out)" find_window
DISPLAY=$DISPLAY_NAME xwininfo -id "$window" | grep -q 'Map State: IsViewable' || fail "window $window is not viewable"
title=$(DISPLAY=$DISPLAY_NAME xdotool getwindowname "$window")
# The login page is what the clerk window rendered (the app logs each first render of a view;
# a bad config would render "startup-error" instead), and it is drawn: the window's area of
# the screen holds more than a handful of colours.
login_rendered() {
  sed 's/\x1b\[[0-9;]*m//g' "$ROOT/tmp/ws.out" | grep 'view rendered window="clerk" view="login"'
}
wait_for "the clerk window to render the login page (log: $ROOT/tmp/ws.out)" login_rendered
eval "$(DISPLAY=$DISPLAY_NAME xdotool getwindowgeometry --shell "$window")"
shot=$TARGET_DIR/deb/deb-check-login.png
colours() {
  DISPLAY=$DISPLAY_NAME import -window root -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" "$shot" 2>/dev/null &&
    convert "$shot" -format '%k' info:
}
drawn() { local k; k=$(colours) && [ "${k:-0}" -gt 16 ]; }
wait_for "the login page drawn in window $window" drawn
say "workstation window '$title' shows the login page ($(colours) colours; screenshot $shot)"
rstat '%a %U' "/var/lib/yichuang/clerk" | grep -qx '700 clerk' ||
  fail "/var/lib/yichuang/clerk is $(rstat '%a %U' "/var/lib/yichuang/clerk" 2>&1), expected 700 clerk"
logs=("$ROOT"/var/lib/yichuang/clerk/logs/*)
[ ${#logs[@]} -gt 0 ] || fail "no log file in /var/lib/yichuang/clerk/logs"
for f in "${logs[@]}"; do
  m=$(stat -c '%a' "$f")
  [ $((8#$m & 8#077)) -eq 0 ] || fail "$f has mode $m: other accounts could read it"
done
say "clerk data dir /var/lib/yichuang/clerk is 0700 clerk, its files owner-only"

# --- 6. the UOS/deepin store package ---------------------------------------------------------
in_root dpkg -i "/tmp/debs/$(basename "${uos_deb[0]}")" >"$ROOT/tmp/dpkg-uos.log" 2>&1 ||
  { cat "$ROOT/tmp/dpkg-uos.log" >&2; fail "dpkg -i of the UOS package"; }
A=$ROOT/opt/apps/$APPID
for f in info files/bin/yichuang-workstation files/bin/yichuang-wlt-helper files/bin/yichuang-idcard-diagnose \
  "entries/applications/$APPID.desktop" "entries/icons/hicolor/128x128/apps/$APPID.png"; do
  [ -e "$A/$f" ] || fail "UOS package: /opt/apps/$APPID/$f missing"
done
python3 - "$A/info" "$APPID" <<'EOF' || fail "UOS package: info is not what the store expects"
import json, re, sys
info = json.load(open(sys.argv[1]))
assert info["appid"] == sys.argv[2], info
assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", info["version"]), info["version"]
assert info["arch"] and all(a in ("amd64", "arm64", "mips64", "sw_64", "loongarch64") for a in info["arch"])
assert isinstance(info["permissions"], dict)
EOF
grep -qx "Exec=/opt/apps/$APPID/files/bin/yichuang-workstation" "$A/entries/applications/$APPID.desktop" ||
  fail "UOS desktop entry does not start /opt/apps/$APPID/files/bin/yichuang-workstation"
outside=$(in_root dpkg -L "$APPID" | grep -v -e "^/opt/apps/$APPID" -e '^/\.$' -e '^/opt$' -e '^/opt/apps$' || true)
[ -z "$outside" ] || fail "UOS package installs outside /opt/apps/$APPID: $outside"
[ ! -e "$ROOT/var/lib/dpkg/info/$APPID.postinst" ] || fail "UOS package has a postinst (the store refuses them)"
say "UOS package: files under /opt/apps/$APPID as the store spec says"

say "all checks passed in $(($(date +%s) - started)) s"
