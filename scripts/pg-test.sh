#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the server's tests.
#
#   scripts/pg-test.sh [start] DIR [PORT]   start (or reuse) a cluster in DIR; PORT defaults to 55432
#   scripts/pg-test.sh stop DIR             stop the cluster in DIR (data is kept)
#
# `start` installs the Debian `postgresql` package if no server binaries exist, creates the
# cluster in DIR/pgdata (superuser `postgres`, trust authentication), listens on 127.0.0.1
# only with its unix socket in DIR, creates the database `yichuang_test`, and prints
#   postgres://postgres@127.0.0.1:<port>/yichuang_test
# as the last line of stdout. Everything else goes to stderr. Run again while the cluster
# is up, it only prints the URL. As root the cluster is owned by and runs as `postgres`.
#
#   export YICHUANG_TEST_PG_URL="$(scripts/pg-test.sh /tmp/yc-pg | tail -n1)"
set -euo pipefail

DB_NAME=yichuang_test
DEFAULT_PORT=55432

log() { printf 'pg-test: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() {
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

mode=start
case "${1:-}" in
    start | stop) mode=$1; shift ;;
    -h | --help | "") usage ;;
esac
[[ $# -ge 1 && $# -le 2 ]] || usage
[[ $mode == start || $# -eq 1 ]] || usage

dir_arg=$1
port_arg=${2:-}
if [[ -n $port_arg && ! $port_arg =~ ^[0-9]+$ ]]; then
    die "port must be a number: $port_arg"
fi

# --- PostgreSQL binaries ------------------------------------------------------------------

find_bindir() {
    local d
    d=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n1)
    [[ -n $d ]] && dirname "$d"
}

bindir=$(find_bindir || true)
if [[ -z $bindir ]]; then
    [[ $mode == stop ]] && die "no PostgreSQL installation found, nothing to stop"
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed; run as root or: apt-get install -y postgresql"
    log "installing PostgreSQL (apt-get)"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
    bindir=$(find_bindir || true)
    [[ -n $bindir ]] || die "apt-get install postgresql did not provide initdb"
fi

# --- who runs the server --------------------------------------------------------------------

# PostgreSQL refuses to run as root: as root, run the server tools as `postgres`.
if [[ $(id -u) -eq 0 ]]; then
    run_owner=postgres
    id -u "$run_owner" >/dev/null 2>&1 || die "user postgres does not exist (is the postgresql package installed?)"
    # From / so the tools never trip over a working directory postgres cannot read.
    as_owner() { (cd / && runuser -u "$run_owner" -- "$@"); }
else
    run_owner=$(id -un)
    as_owner() { "$@"; }
fi

mkdir -p "$dir_arg"
dir=$(cd "$dir_arg" && pwd -P)
pgdata=$dir/pgdata
logfile=$dir/postgres.log
portfile=$dir/port

# The unix socket path must fit in sockaddr_un (107 bytes).
if (( ${#dir} > 80 )); then
    die "directory path too long for a unix socket (${#dir} > 80 characters): $dir"
fi
case $dir in
    *\'* | *\\*) die "directory path must not contain quotes or backslashes: $dir" ;;
esac

url_for() { printf 'postgres://postgres@127.0.0.1:%s/%s\n' "$1" "$DB_NAME"; }

is_running() {
    [[ -f $pgdata/PG_VERSION ]] && as_owner "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1
}

if [[ $mode == stop ]]; then
    if is_running; then
        log "stopping the cluster in $dir"
        as_owner "$bindir/pg_ctl" -D "$pgdata" -m fast -w -t 60 stop >&2
    else
        log "no cluster running in $dir"
    fi
    exit 0
fi

# --- start ------------------------------------------------------------------------------------

if is_running; then
    [[ -f $portfile ]] || die "a cluster runs in $dir but $portfile is missing"
    port=$(<"$portfile")
    if [[ -n $port_arg && $port_arg != "$port" ]]; then
        log "note: cluster already running on port $port (ignoring requested port $port_arg)"
    fi
    log "cluster already running in $dir on port $port"
else
    port=${port_arg:-$DEFAULT_PORT}

    if [[ $run_owner != "$(id -un)" ]]; then
        # The owner must be able to reach DIR: every parent directory needs search (+x).
        p=$(dirname "$dir")
        while [[ $p != / ]]; do
            if ! as_owner test -x "$p"; then
                log "granting search permission (o+x) on $p so $run_owner can reach $dir"
                chmod o+x "$p"
            fi
            p=$(dirname "$p")
        done
        chown -R "$run_owner:" "$dir"
        chmod 0700 "$dir"
    fi

    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then
        die "port $port is already used by another PostgreSQL server; pass another port"
    fi

    if [[ ! -f $pgdata/PG_VERSION ]]; then
        log "creating a cluster in $pgdata"
        rm -rf "$pgdata"
        as_owner "$bindir/initdb" -D "$pgdata" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C --no-sync >&2
        echo "include_if_exists = 'yichuang-test.conf'" >>"$pgdata/postgresql.conf"
    fi

    # Rewritten on every start so a different port takes effect.
    cat >"$pgdata/yichuang-test.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
# A test cluster: speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    [[ $run_owner == "$(id -un)" ]] || chown "$run_owner:" "$pgdata/yichuang-test.conf"
    echo "$port" >"$portfile"

    log "starting PostgreSQL on 127.0.0.1:$port (log: $logfile)"
    if ! as_owner "$bindir/pg_ctl" -D "$pgdata" -l "$logfile" -w -t 60 start >&2; then
        tail -n 30 "$logfile" >&2 || true
        die "PostgreSQL did not start"
    fi
fi

for _ in $(seq 1 60); do
    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
done
"$bindir/pg_isready" -h 127.0.0.1 -p "$port" >&2 || die "PostgreSQL on port $port is not ready"

exists=$("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
if [[ $exists != 1 ]]; then
    log "creating database $DB_NAME"
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME"
fi

url_for "$port"
