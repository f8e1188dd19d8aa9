#!/usr/bin/env bash
# Builds the Debian packages from the release binaries (`make deb` builds those first):
#   yichuang-workstation_<v>_amd64.deb   the workstation (/usr/bin, udev rule, desktop entry,
#                                        /etc/yichuang/workstation.toml conffile, diagnose tools)
#   yichuang-server_<v>_amd64.deb        the hall server (systemd unit, system user,
#                                        /etc/yichuang/server.env, /var/lib/yichuang-server)
#   cn.yichuang.workstation_<v>_amd64.deb  the workstation in the UOS/deepin store layout
#                                        (/opt/apps/<appid>/{info,entries,files}, no maintainer
#                                        scripts, as the store requires)
# With dpkg-deb only (no cargo-tauri). Depends are derived by dpkg-shlibdeps from the
# binaries' ELF NEEDED entries against this Debian 12 machine's libraries.
# Usage: scripts/package-deb.sh [OUT_DIR]   (default: $CARGO_TARGET_DIR/deb)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
REL=$TARGET_DIR/release
OUT=${1:-$TARGET_DIR/deb}
APPID=cn.yichuang.workstation
ARCH=$(dpkg --print-architecture)

VERSION=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
[ -n "$VERSION" ] || { echo "package-deb: no workspace version in Cargo.toml" >&2; exit 1; }

DIAGNOSE=(idcard escpos scanner spooler ukey)
# The UI is Chinese: without a CJK font WebKit draws boxes (no library links a font, so
# dpkg-shlibdeps cannot see this one). Domestic systems ship one of these.
CJK_FONT="fonts-wqy-microhei | fonts-noto-cjk | fonts-wqy-zenhei"
need=("$REL/yichuang-workstation" "$REL/yichuang-wlt-helper" "$REL/yichuang-server")
for d in "${DIAGNOSE[@]}"; do need+=("$REL/examples/${d}_diagnose"); done
for f in "${need[@]}"; do
  [ -x "$f" ] || { echo "package-deb: $f is missing (run make deb, which builds it)" >&2; exit 1; }
done
for t in dpkg-deb dpkg-shlibdeps fakeroot; do
  command -v "$t" >/dev/null || { echo "package-deb: $t is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/yichuang-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# shlibs:Depends of the given ELF files, e.g. "libc6 (>= 2.34), libgtk-3-0 (>= 3.23.0), …".
shlib_depends() {
  local dir=$WORK/shlibdeps
  rm -rf "$dir" && mkdir -p "$dir/debian"
  printf 'Source: yichuang\n\nPackage: yichuang\nArchitecture: any\n' >"$dir/debian/control"
  (cd "$dir" && dpkg-shlibdeps -O --warnings=0 "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

# Installed size in KiB, md5sums, then the .deb (root-owned files through fakeroot).
build_deb() {
  local root=$1 name=$2
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 -r md5sum >DEBIAN/md5sums)
  local size
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  sed -i "s/^Installed-Size: .*/Installed-Size: $size/" "$root/DEBIAN/control"
  fakeroot dpkg-deb --build -Zxz -z6 "$root" "$OUT/$name" >/dev/null
  echo "package-deb: $OUT/$name ($(du -h "$OUT/$name" | cut -f1))"
}

strip_into() { # strip a copy of a release binary (debug info stays in the target dir)
  install -D -m 0755 "$1" "$2"
  strip --strip-unneeded "$2"
}

# Every setting line of the example commented out: a valid file meaning "no devices, no
# backend" until IT fills it in (a conffile: dpkg keeps IT's edits on upgrade).
commented_example() {
  printf '%s\n' "# 一窗受理工作站 — this machine's workstation configuration (dpkg conffile)." \
    "# Uncomment and fill in the settings; every key is explained below and in" \
    "# /usr/share/doc/yichuang-workstation/workstation.example.toml." ""
  sed -e 's/^\([^#]\)/#\1/' installer/workstation.example.toml
}

icons_into() { # <icons root> <name>
  for s in 32 128; do
    install -D -m 0644 "src-tauri/icons/${s}x${s}.png" "$1/hicolor/${s}x${s}/apps/$2.png"
  done
  install -D -m 0644 src-tauri/icons/icon.png "$1/hicolor/512x512/apps/$2.png"
}

# --- (a) workstation -----------------------------------------------------------------------
W=$WORK/workstation
strip_into "$REL/yichuang-workstation" "$W/usr/bin/yichuang-workstation"
strip_into "$REL/yichuang-wlt-helper" "$W/usr/bin/yichuang-wlt-helper"
for d in "${DIAGNOSE[@]}"; do strip_into "$REL/examples/${d}_diagnose" "$W/usr/bin/yichuang-$d-diagnose"; done
install -D -m 0644 installer/linux/yichuang-workstation.desktop "$W/usr/share/applications/yichuang-workstation.desktop"
icons_into "$W/usr/share/icons" yichuang-workstation
install -D -m 0644 installer/linux/60-yichuang-idcard.rules "$W/usr/lib/udev/rules.d/60-yichuang-idcard.rules"
install -d -m 0755 "$W/etc/yichuang"
commented_example >"$W/etc/yichuang/workstation.toml"
chmod 0644 "$W/etc/yichuang/workstation.toml"
install -D -m 0644 installer/workstation.example.toml "$W/usr/share/doc/yichuang-workstation/workstation.example.toml"
install -D -m 0644 installer/README.md "$W/usr/share/doc/yichuang-workstation/README.md"
mkdir -p "$W/DEBIAN"
install -m 0755 installer/linux/workstation/postinst installer/linux/workstation/postrm "$W/DEBIAN/"
echo /etc/yichuang/workstation.toml >"$W/DEBIAN/conffiles"
ws_deps=$(shlib_depends -e"$W/usr/bin/yichuang-workstation" -e"$W/usr/bin/yichuang-wlt-helper" \
  $(for d in "${DIAGNOSE[@]}"; do printf -- '-e%s ' "$W/usr/bin/yichuang-$d-diagnose"; done))
[ -n "$ws_deps" ] || { echo "package-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
cat >"$W/DEBIAN/control" <<EOF
Package: yichuang-workstation
Version: $VERSION
Architecture: $ARCH
Maintainer: yichuang <it@yichuang.invalid>
Installed-Size: 0
Depends: adduser, $ws_deps, $CJK_FONT
Recommends: gnome-keyring
Section: misc
Priority: optional
Description: 一窗受理工作站 (government service counter workstation)
 The counter application of a government service hall: intake, ID-card reader, scanner,
 document camera, UKey login, receipt and A4 printing, sync with the hall server.
 Clerk OS accounts must be in the group yichuang (adduser <account> yichuang).
EOF
build_deb "$W" "yichuang-workstation_${VERSION}_${ARCH}.deb"

# --- (b) server ----------------------------------------------------------------------------
S=$WORK/server
strip_into "$REL/yichuang-server" "$S/usr/bin/yichuang-server"
install -D -m 0644 installer/linux/server/yichuang-server.service "$S/usr/lib/systemd/system/yichuang-server.service"
install -D -m 0640 installer/linux/server/server.env "$S/etc/yichuang/server.env"
install -D -m 0644 server/README.md "$S/usr/share/doc/yichuang-server/README.md"
mkdir -p "$S/DEBIAN"
install -m 0755 installer/linux/server/postinst installer/linux/server/prerm installer/linux/server/postrm "$S/DEBIAN/"
echo /etc/yichuang/server.env >"$S/DEBIAN/conffiles"
srv_deps=$(shlib_depends -e"$S/usr/bin/yichuang-server")
cat >"$S/DEBIAN/control" <<EOF
Package: yichuang-server
Version: $VERSION
Architecture: $ARCH
Maintainer: yichuang <it@yichuang.invalid>
Installed-Size: 0
Depends: adduser, $srv_deps
Recommends: systemd
Suggests: postgresql
Section: net
Priority: optional
Description: 一窗受理工作站 中心服务 (hall server)
 The hall's central REST backend for the counter workstations: sync, queue, clerk
 certificate login, workstation enrollment. SQLite by default, PostgreSQL for a deployment.
EOF
build_deb "$S" "yichuang-server_${VERSION}_${ARCH}.deb"

# --- (c) UOS/deepin store layout -------------------------------------------------------------
# Everything under /opt/apps/<appid>/: `info` (JSON), entries/ (desktop entry, icons) that the
# store's launcher links into the system, files/ (the program). The store refuses maintainer
# scripts, so there is no group and no machine data root: the app keeps its data per user
# (README "Configuration"); the udev rule ships in files/ for IT to copy.
U=$WORK/uos
A=$U/opt/apps/$APPID
strip_into "$REL/yichuang-workstation" "$A/files/bin/yichuang-workstation"
strip_into "$REL/yichuang-wlt-helper" "$A/files/bin/yichuang-wlt-helper"
for d in "${DIAGNOSE[@]}"; do strip_into "$REL/examples/${d}_diagnose" "$A/files/bin/yichuang-$d-diagnose"; done
install -D -m 0644 installer/linux/60-yichuang-idcard.rules "$A/files/share/udev/60-yichuang-idcard.rules"
install -D -m 0644 installer/workstation.example.toml "$A/files/share/workstation.example.toml"
icons_into "$A/entries/icons" "$APPID"
install -d "$A/entries/applications"
sed -e "s|^Exec=.*|Exec=/opt/apps/$APPID/files/bin/yichuang-workstation|" -e "s|^Icon=.*|Icon=$APPID|" \
  installer/linux/yichuang-workstation.desktop >"$A/entries/applications/$APPID.desktop"
# The store's version is four numbers: MAJOR.MINOR.PATCH.BUILD.
UOS_VERSION="$VERSION.0"
cat >"$A/info" <<EOF
{
  "appid": "$APPID",
  "name": "一窗受理工作站",
  "version": "$UOS_VERSION",
  "arch": ["$ARCH"],
  "permissions": {
    "autostart": false,
    "notification": false,
    "trayicon": false,
    "clipboard": false,
    "account": false,
    "bluetooth": false,
    "camera": true,
    "audio_record": false,
    "installed_apps": false
  }
}
EOF
mkdir -p "$U/DEBIAN"
cat >"$U/DEBIAN/control" <<EOF
Package: $APPID
Version: $UOS_VERSION
Architecture: $ARCH
Maintainer: yichuang <it@yichuang.invalid>
Installed-Size: 0
Depends: $ws_deps, $CJK_FONT
Section: misc
Priority: optional
Description: 一窗受理工作站 (UOS/deepin store layout)
 The counter workstation of a government service hall, packaged for the UOS/deepin
 application store (/opt/apps/$APPID).
EOF
build_deb "$U" "${APPID}_${UOS_VERSION}_${ARCH}.deb"
