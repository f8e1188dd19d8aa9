#!/usr/bin/env bash
# Generates (once) the shared QR test set of document-camera frames and prints its directory.
# The set is never committed: it lives in the cache, keyed by seed, and is made by
# scripts/qr/gen_testset.py (a copy of shared/bench/qr/gen_testset.py) in a private venv
# with pinned packages, so every machine draws the same 94 frames (84 with a code).
#   scripts/qr-testset.sh            → ~/.cache/yichuang/qr-testset-20261122
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/yichuang"
SEED="${QR_SEED:-20261122}"
OUT="$CACHE/qr-testset-$SEED"
VENV="$CACHE/qr-venv"
PINS=(numpy==2.4.6 pillow==13.0.0 opencv-python-headless==5.0.0.93 segno==1.6.6)

if [ -f "$OUT/manifest.json" ]; then
  echo "$OUT"
  exit 0
fi
mkdir -p "$CACHE"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import numpy, cv2, PIL, segno' 2>/dev/null; then
  echo "qr-testset: creating $VENV (${PINS[*]})" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}" >&2
fi
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  echo "qr-testset: fonts-wqy-microhei is missing; run scripts/setup.sh" >&2
  exit 1
fi
echo "qr-testset: generating the set into $OUT (about 2 minutes)" >&2
tmp="$OUT.tmp.$$"
rm -rf "$tmp"
QR_SEED="$SEED" "$VENV/bin/python" scripts/qr/gen_testset.py "$tmp" >/dev/null
mv "$tmp" "$OUT"
echo "$OUT"
