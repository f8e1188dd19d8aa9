#!/usr/bin/env bash
# Generates (once) the shared QR test set of document-camera frames and prints its directory.
# The set is never committed: it lives in the cache, keyed by seed, and is made by
# scripts/qr/gen_testset.py (a copy of shared/bench/qr/gen_testset.py) in a private venv
# with pinned packages, so every machine draws the same 94 frames (84 with a code). The venv
# also holds zxing-cpp, the reference decoder `bench: qr_read_vs_zxing` compares against.
#   scripts/qr-testset.sh              → ~/.cache/yichuang/qr-testset-20261122 (QR_SEED=… for another)
#   scripts/qr-testset.sh --compare    → the sets of the three comparison seeds, one a line
#   scripts/qr-testset.sh --zxing DIR  → the files of set DIR that zxing-cpp reads correctly
#                                        (scripts/qr/zxing_read.py; fails when it cannot run)
#   scripts/qr-testset.sh install      → only the venv (scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/yichuang"
VENV="$CACHE/qr-venv"
PINS=(numpy==2.4.6 pillow==13.0.0 opencv-python-headless==5.0.0.93 segno==1.6.6 zxing-cpp==3.1.1)
# The seeds of `bench: qr_read_vs_zxing`: the benchmark's own and two other draws.
COMPARE_SEEDS=(20261122 20261123 20261124)

venv() {
  # The stamp names the pins the venv was made with: a venv from before a pin changed (or
  # without zxing-cpp) is brought up to date, not trusted because its imports work.
  local stamp="$VENV/.yichuang-pins"
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${PINS[*]}" ]; then
    echo "qr-testset: installing ${PINS[*]} into $VENV" >&2
    mkdir -p "$CACHE"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}" >&2
    echo "${PINS[*]}" >"$stamp"
  fi
}

# The set of seed $1, generated when missing; prints its directory.
testset() {
  local out="$CACHE/qr-testset-$1"
  if [ -f "$out/manifest.json" ]; then
    echo "$out"
    return
  fi
  if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    echo "qr-testset: fonts-wqy-microhei is missing; run scripts/setup.sh" >&2
    exit 1
  fi
  echo "qr-testset: generating the set into $out (about 2 minutes)" >&2
  local tmp="$out.tmp.$$"
  rm -rf "$tmp"
  QR_SEED="$1" "$VENV/bin/python" scripts/qr/gen_testset.py "$tmp" >/dev/null
  mv "$tmp" "$out"
  echo "$out"
}

venv
case "${1:-}" in
  install) ;;
  --compare)
    for seed in "${COMPARE_SEEDS[@]}"; do testset "$seed"; done
    ;;
  --zxing)
    exec "$VENV/bin/python" scripts/qr/zxing_read.py "${2:?usage: scripts/qr-testset.sh --zxing DIR}"
    ;;
  "") testset "${QR_SEED:-20261122}" ;;
  *)
    echo "usage: scripts/qr-testset.sh [install | --compare | --zxing DIR]" >&2
    exit 2
    ;;
esac
