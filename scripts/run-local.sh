#!/usr/bin/env bash
# `make run`: the workstation with simulated devices and a local central server.
# With YICHUANG_CONFIG set, that config is used as it is and no local server is started
# (a real workstation: real devices, real backend).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
APP="$TARGET_DIR/release/yichuang-workstation"
SERVER="$TARGET_DIR/release/yichuang-server"

if [ -n "${YICHUANG_CONFIG:-}" ]; then
  exec "$APP"
fi

mkdir -p .run
PORT="${YICHUANG_LOCAL_PORT:-8720}"
if [ ! -f .run/workstation.toml ]; then
  cat > .run/workstation.toml <<TOML
# Written by make run: a demo counter with simulated devices and the local server.
[hall]
name = "政务服务中心（本地演示）"

[window]
number = 1
name = "综合受理窗口"

[backend]
url = "http://127.0.0.1:$PORT"

# Every device is simulated (driver = "simulator", the default). Act on them from a shell:
#   yichuang-sim card place foreign_permanent | card remove | scan TEXT | printer fault paper_out on
[simulator]
control = "127.0.0.1:8721"
TOML
fi

# Test UKeys (SoftHSM2 tokens and the simulated SKF key, see scripts/ukey-test.sh), made once
# and kept in .run/ukey; their settings (SOFTHSM2_CONF, YICHUANG_SKF_SIM_STATE, library paths)
# are exported for the app.
if [ ! -f .run/ukey/env ]; then
  mkdir -p .run/ukey
  scripts/ukey-test.sh setup .run/ukey | grep -E '^[A-Z0-9_]+=' > .run/ukey/env.tmp
  mv .run/ukey/env.tmp .run/ukey/env
fi
set -a
# shellcheck disable=SC1091
. .run/ukey/env
set +a

"$SERVER" --listen "127.0.0.1:$PORT" --data-dir .run/server > .run/server.out 2> .run/server.log &
SERVER_PID=$!
trap 'kill -TERM $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true' EXIT

if [ -z "${DISPLAY:-}" ]; then
  echo "run: no DISPLAY; starting the app under Xvfb :99 (screenshots: import -display :99 -window root shot.png)"
  Xvfb :99 -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  trap 'kill -TERM $SERVER_PID $XVFB_PID 2>/dev/null; wait 2>/dev/null || true' EXIT
  export DISPLAY=:99
  sleep 1
fi

YICHUANG_CONFIG="$PWD/.run/workstation.toml" YICHUANG_DATA_DIR="$PWD/.run/data" "$APP"
