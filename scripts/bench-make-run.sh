#!/usr/bin/env bash
# `make bench`'s make_run_second_start_s: `make run` with nothing changed, from the command to
# the clerk window's login view painted (the app logs `view rendered … login`), under its own
# Xvfb and on a free server port. A first run, not measured, makes what a first `make run`
# makes (.run's test keys, server data). Fails when another `make run` holds .run (the app
# runs once per data directory).
set -euo pipefail
cd "$(dirname "$0")/.."

free_display() {
  for n in $(seq 90 199); do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || { echo ":$n"; return; }
  done
  echo "bench-make-run: no free X display" >&2
  exit 1
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Seconds from `make run` to the login view (one decimal); the run is then ended.
run_once() {
  local log pid start end ok=
  log=$(mktemp)
  start=$(date +%s%N)
  setsid env -u DISPLAY YICHUANG_LOCAL_PORT="$(free_port)" YICHUANG_RUN_DISPLAY="$(free_display)" \
    RUST_LOG=info make --no-print-directory run >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1200); do # at most 120 s
    if grep -q 'view rendered.*clerk.*login' "$log"; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  end=$(date +%s%N)
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -z "$ok" ]; then
    echo "bench-make-run: make run did not reach the login view; its output:" >&2
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  awk -v ns=$((end - start)) 'BEGIN { printf "%.1f\n", ns / 1e9 }'
}

run_once >/dev/null
echo "bench: make_run_second_start_s $(run_once) s"
