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
# A config an older make run wrote (simulators by default, no control token) is rewritten:
# devices are now simulated only where the config says so, the control port needs a token, and
# personal codes count only when signed by a configured issuer key.
if [ -f .run/workstation.toml ] && head -n1 .run/workstation.toml | grep -q '^# Written by make run' \
  && ! grep -q '^personal_code_keys = ' .run/workstation.toml; then
  rm .run/workstation.toml
fi
if [ ! -f .run/workstation.toml ]; then
  # The control port's token: 32 random hex digits, kept in the config (yichuang-sim reads it
  # from .run/workstation.toml, or takes --token / YICHUANG_SIM_TOKEN).
  TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  cat > .run/workstation.toml <<TOML
# Written by make run: a demo counter with simulated devices and the local server.
[hall]
name = "政务服务中心（本地演示）"
code = "441500"

[window]
number = 1
name = "综合受理窗口"

[backend]
url = "http://127.0.0.1:$PORT"

# Every device is simulated, explicitly: a device without its section is not installed.
# Act on them from a shell (run from the repository root, the token is read from this file):
#   yichuang-sim card place foreign_permanent | card remove | scan TEXT | printer fault paper_out on
[devices.id_card]
driver = "simulator"
# The test WLT decoder (drivers/testkeys/wlt-sim, built by make app) stands in for the reader
# vendor's library: card photos appear; sample cards photo_crash / photo_hang / photo_refused
# show the decoder failing while the app goes on.
photo_decoder = "$(realpath -m "$TARGET_DIR/release/libyichuang_wlt_sim.so")"
[devices.scanner]
driver = "simulator"
[devices.ukey]
driver = "simulator"
[devices.camera]
driver = "simulator"
[devices.receipt_printer]
driver = "simulator"
[devices.a4_printer]
driver = "simulator"

[simulator]
control = "127.0.0.1:8721"
token = "$TOKEN"

# The test issuer's public key (core devices::camera::signed::TEST_PUBLIC_KEY): the simulated
# camera's sample personal code (camera show-personal-code) verifies. Never in production.
[codes]
personal_code_keys = ["q3Jg8g7auCCJkDQ/C5lUsgtCsL2ByCVr66sMcNQXUMw="]
TOML
  chmod 600 .run/workstation.toml
fi
# The local server listens on this run's port (YICHUANG_LOCAL_PORT may differ from the run that
# wrote the config, as in the bench's runs): the demo config follows it.
if head -n1 .run/workstation.toml | grep -q '^# Written by make run'; then
  sed -i "s|^url = \"http://127.0.0.1:[0-9]*\"\$|url = \"http://127.0.0.1:$PORT\"|" .run/workstation.toml
fi

# Test UKeys (SoftHSM2 tokens and the simulated SKF key, see scripts/ukey-test.sh), made once
# and kept in .run/ukey; their settings (SOFTHSM2_CONF, YICHUANG_SKF_SIM_STATE, library paths)
# are exported for the app.
# The SKF simulator is the release build `make app` made (no second, debug build here).
if [ ! -f .run/ukey/env ]; then
  echo "run: making the test UKeys in .run/ukey (first run only, a few seconds)…"
  mkdir -p .run/ukey
  UKEY_SKF_SIM_BIN="$TARGET_DIR/release/yichuang-skf-sim" scripts/ukey-test.sh setup .run/ukey \
    | grep -E '^[A-Z0-9_]+=' > .run/ukey/env.tmp
  mv .run/ukey/env.tmp .run/ukey/env
fi
set -a
# shellcheck disable=SC1091
. .run/ukey/env
set +a
# One simulated SKF library serves the clerk's login key and the department's seal UKey
# (A7, YCSIM-SEAL-01, seal PIN YICHUANG_SEAL_PIN): their state files as one path list.
if [ -n "${YICHUANG_SKF_SEAL_STATE:-}" ] && [ -f "$YICHUANG_SKF_SEAL_STATE" ]; then
  export YICHUANG_SKF_SIM_STATE="$YICHUANG_SKF_SIM_STATE:$YICHUANG_SKF_SEAL_STATE"
  echo "run: seal UKey 某市市场监督管理局 plugged in, seal PIN $YICHUANG_SEAL_PIN"
else
  echo "run: .run/ukey has no seal UKey (made before A7); delete .run/ukey and .run/server to make one"
fi
# The demo desk's seal: the simulated seal UKey, and the test CAs trusted on documents.
if head -n1 .run/workstation.toml | grep -q '^# Written by make run' \
  && ! grep -q '^\[devices.seal\]' .run/workstation.toml; then
  cat >> .run/workstation.toml <<TOML

# The department's electronic seal (A7): the simulated SKF seal UKey, served by the same test
# library as the login key; documents stamped by the test CAs' keys verify.
[devices.seal]
driver = "simulator"
key = "YCSIM-SEAL-01"
caption = "协查专用章"
trusted_cas = ["$PWD/.run/ukey/ca/sm2-ca.pem", "$PWD/.run/ukey/ca/ecdsa-ca.pem"]
TOML
fi

# The local server trusts the test CAs and knows the test clerks, so the simulated UKey
# (钱七, SM2, PIN in .run/ukey/env as YICHUANG_SKF_PIN) and the SoftHSM tokens can log in.
mkdir -p .run/server/ca
cp .run/ukey/ca/ecdsa-ca.pem .run/ukey/ca/sm2-ca.pem .run/server/ca/
# The seals the server accepts on stamped 协查 proofs (L4): the seal UKey's test CAs.
mkdir -p .run/server/seal-ca
cp .run/ukey/ca/ecdsa-ca.pem .run/ukey/ca/sm2-ca.pem .run/server/seal-ca/
if [ ! -f .run/server/clerks.csv ]; then
  echo "run: registering the test clerks with the local server (first run only)…"
  cat > .run/server/clerks.csv <<CSV
id,name,department,post,permissions
T-ZS,张三,市政务服务中心,综合窗口,accept;query;export;reprint;change
T-LS,李四,某市市场监督管理局,协查岗,accept;query;assist
T-QQ,钱七,区政务服务中心,综合窗口,accept;query;print;export;reprint;change
CSV
  "$SERVER" clerk import .run/server/clerks.csv --data-dir .run/server >/dev/null
  for pair in T-ZS:.run/ukey/ca/clerk-ecdsa.pem T-LS:.run/ukey/ca/clerk-rsa.pem T-QQ:.run/ukey/skf/clerk.pem; do
    "$SERVER" cert bind --clerk "${pair%%:*}" --ca-dir .run/server/ca "${pair#*:}" --data-dir .run/server >/dev/null
  done
fi
echo "run: log in with the simulated UKey (钱七), PIN $YICHUANG_SKF_PIN"

echo "run: starting the local server on 127.0.0.1:$PORT (log: .run/server.log)"
YICHUANG_CA_DIR="$PWD/.run/server/ca" YICHUANG_SEAL_CA_DIR="$PWD/.run/server/seal-ca" "$SERVER" --listen "127.0.0.1:$PORT" --data-dir .run/server > .run/server.out 2> .run/server.log &
SERVER_PID=$!
trap 'kill -TERM $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true' EXIT

if [ -z "${DISPLAY:-}" ]; then
  XDISPLAY="${YICHUANG_RUN_DISPLAY:-:99}"
  echo "run: no DISPLAY; starting the app under Xvfb $XDISPLAY (screenshots: import -display $XDISPLAY -window root shot.png)"
  Xvfb "$XDISPLAY" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  trap 'kill -TERM $SERVER_PID $XVFB_PID 2>/dev/null; wait 2>/dev/null || true' EXIT
  export DISPLAY="$XDISPLAY"
  # Up when its socket is there (at most 10 s).
  for _ in $(seq 100); do
    [ -S "/tmp/.X11-unix/X${XDISPLAY#:}" ] && break
    kill -0 $XVFB_PID 2>/dev/null || { echo "run: Xvfb $XDISPLAY did not start (display in use?)" >&2; exit 1; }
    sleep 0.1
  done
fi

# Enrolled once, as IT provisions a counter (issue 15): a one-time code from the admin CLI,
# then the app's --enroll; the key stays in the data directory's keystore entry.
if [ ! -f .run/data/enrollment.json ]; then
  for _ in $(seq 100); do
    grep -q "listening on" .run/server.out 2>/dev/null && break
    kill -0 $SERVER_PID 2>/dev/null || { echo "run: the local server did not start (.run/server.log)" >&2; exit 1; }
    sleep 0.1
  done
  code=$("$SERVER" workstation enroll --hall 441500 --window 1 --data-dir .run/server | sed -n 's/^code //p')
  echo "run: enrolling this workstation with the local server (first run only)"
  YICHUANG_CONFIG="$PWD/.run/workstation.toml" YICHUANG_DATA_DIR="$PWD/.run/data" "$APP" --enroll "$code"
fi

echo "run: starting the workstation"

YICHUANG_CONFIG="$PWD/.run/workstation.toml" YICHUANG_DATA_DIR="$PWD/.run/data" "$APP"
