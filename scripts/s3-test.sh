#!/usr/bin/env bash
# An S3-compatible server for the blob store tests: moto in server mode (PyPI `moto[server]`,
# pinned, in a private venv under ~/.cache/yichuang/moto-venv; the first install takes about
# two minutes, later runs reuse it).
#
#   scripts/s3-test.sh [start] DIR [PORT]   start (or reuse) the server for DIR; PORT defaults to 55490
#   scripts/s3-test.sh stop DIR             stop it
#   scripts/s3-test.sh install              only install the venv (scripts/setup.sh)
#
# `start` creates the bucket `yichuang-test` and prints its URL
#   http://127.0.0.1:<port>/yichuang-test
# as the last line of stdout (the server takes any access key). Everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/yichuang"
VENV="$CACHE/moto-venv"
PINS=('moto[server]==5.2.1')
BUCKET=yichuang-test

install() {
  if [ ! -x "$VENV/bin/moto_server" ]; then
    echo "s3-test: creating $VENV (${PINS[*]}; first run only, about two minutes)" >&2
    mkdir -p "$CACHE"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}" >&2
  fi
}

cmd=start
case "${1:-}" in start|stop|install) cmd=$1; shift ;; esac
if [ "$cmd" = install ]; then install; exit 0; fi
DIR=${1:?usage: scripts/s3-test.sh [start|stop|install] DIR [PORT]}
PORT=${2:-55490}
mkdir -p "$DIR"
PIDFILE="$DIR/moto.pid"

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

if [ "$cmd" = stop ]; then
  if running; then kill "$(cat "$PIDFILE")"; fi
  rm -f "$PIDFILE"
  exit 0
fi

install

URL="http://127.0.0.1:$PORT"
if ! running; then
  echo "s3-test: starting moto_server on $URL" >&2
  nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$DIR/moto.log" 2>&1 &
  echo $! >"$PIDFILE"
fi
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "$URL/"; then break; fi
  if ! running; then echo "s3-test: moto_server exited; see $DIR/moto.log" >&2; exit 1; fi
  sleep 0.1
done
# Creating an existing bucket is a no-op on moto.
curl -sf -X PUT "$URL/$BUCKET" -o /dev/null || { echo "s3-test: cannot create the bucket" >&2; exit 1; }
echo "$URL/$BUCKET"
