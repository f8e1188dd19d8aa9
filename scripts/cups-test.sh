#!/usr/bin/env bash
# A throw-away CUPS server for the A4 printer tests.
#
#   scripts/cups-test.sh [start] DIR [PORT]   start (or reuse) a cupsd in DIR; PORT defaults to 6631
#   scripts/cups-test.sh stop DIR             stop the cupsd in DIR
#
# `start` installs the Debian `cups-daemon` and `cups-client` packages if cupsd is missing,
# writes a private configuration under DIR (its own ServerRoot, spool, cache, state, log and
# temp directories; no authentication; listening on 127.0.0.1:PORT only), starts cupsd and
# creates the queues the tests use:
#   yichuang-test      a PDF queue whose device writes each job, unchanged, to DIR/out/printed.pdf
#   yichuang-stopped   the same, but disabled (stopped), for the error-path tests
#   yichuang-ps        a PostScript queue writing each job to DIR/out/printed.ps: what Wine's
#                      PostScript driver sends when the Windows build prints with GDI
# and prints the server address `127.0.0.1:<port>` as the last line of stdout. Everything
# else goes to stderr. Run again while the server is up, it only prints the address.
#
#   export YICHUANG_TEST_CUPS="$(scripts/cups-test.sh /tmp/yc-cups | tail -n1)"
set -euo pipefail

DEFAULT_PORT=6631

log() { printf 'cups-test: %s\n' "$*" >&2; }
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

mkdir -p "$dir_arg"
dir=$(cd "$dir_arg" && pwd -P)
case $dir in
    *\ * | *\'* | *\"* | *\\*) die "directory path must not contain spaces, quotes or backslashes: $dir" ;;
esac
pidfile=$dir/cupsd.pid
portfile=$dir/port

is_running() {
    [[ -f $pidfile ]] && kill -0 "$(<"$pidfile")" 2>/dev/null
}

if [[ $mode == stop ]]; then
    if is_running; then
        pid=$(<"$pidfile")
        log "stopping cupsd (pid $pid) in $dir"
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    else
        log "no cupsd running in $dir"
    fi
    rm -f "$pidfile"
    exit 0
fi

# --- binaries ---------------------------------------------------------------------------------

if ! command -v cupsd >/dev/null && [[ ! -x /usr/sbin/cupsd ]] || ! command -v lpadmin >/dev/null; then
    [[ $(id -u) -eq 0 ]] || die "CUPS is not installed; run as root or: apt-get install -y cups-daemon cups-client"
    log "installing CUPS (apt-get)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cups-daemon cups-client >&2
fi
CUPSD=$(command -v cupsd || echo /usr/sbin/cupsd)
[[ -x $CUPSD ]] || die "cupsd not found after installing"

server_ready() {
    lpstat -h "127.0.0.1:$1" -r 2>/dev/null | grep -q "is running"
}

# --- start ------------------------------------------------------------------------------------

if is_running; then
    port=$(<"$portfile")
    log "cupsd already running in $dir on port $port"
else
    port=${port_arg:-$DEFAULT_PORT}
    if server_ready "$port"; then
        die "port $port is already used by another CUPS server; pass another port"
    fi
    mkdir -p "$dir"/{etc/ppd,etc/ssl,spool/tmp,cache,state/certs,log,tmp,out}
    # cupsd refuses group- or world-writable configuration as root.
    chmod 0755 "$dir" "$dir"/etc "$dir"/out
    chmod 0710 "$dir"/spool
    chmod 1777 "$dir"/tmp "$dir"/spool/tmp
    user=$(id -un)
    group=$(id -gn)
    cat >"$dir/cupsd.conf" <<CONF
# Private test server: loopback only, no authentication.
LogLevel info
MaxLogSize 0
Listen 127.0.0.1:$port
Browsing No
WebInterface No
DefaultAuthType None
JobRetryLimit 0
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
    cat >"$dir/cups-files.conf" <<CONF
ServerRoot $dir/etc
RequestRoot $dir/spool
CacheDir $dir/cache
StateDir $dir/state
TempDir $dir/tmp
ErrorLog $dir/log/error_log
AccessLog $dir/log/access_log
PageLog $dir/log/page_log
Printcap $dir/etc/printcap
FileDevice Yes
SystemGroup $group
CONF
    if [[ $(id -u) -ne 0 ]]; then
        # As an ordinary user cupsd runs filters as that user.
        printf 'User %s\nGroup %s\n' "$user" "$group" >>"$dir/cups-files.conf"
    fi
    echo "$port" >"$portfile"
    log "starting cupsd on 127.0.0.1:$port (log: $dir/log/error_log)"
    setsid "$CUPSD" -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" </dev/null >>"$dir/log/cupsd.out" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
        server_ready "$port" && break
        is_running || { tail -n 30 "$dir/log/error_log" "$dir/log/cupsd.out" >&2 2>/dev/null || true; die "cupsd exited"; }
        sleep 0.1
    done
    server_ready "$port" || die "cupsd on port $port is not ready"
fi

# --- queues -----------------------------------------------------------------------------------

# A raw queue (`-m raw`) would be simpler, but CUPS 2.4 runs no filter for a raw job with one
# copy, and its internal file: device then writes nothing. So the queue gets a minimal A4 PPD
# whose only filter passes the PDF through unchanged to the file device.
cat >"$dir/passthrough" <<'FILTER'
#!/bin/sh
# CUPS filter: job-id user title copies options [file]; copies the document to stdout.
if [ -n "$6" ]; then exec cat -- "$6"; else exec cat; fi
FILTER
chmod 0755 "$dir/passthrough"
cat >"$dir/yichuang-test.ppd" <<PPD
*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "YCTEST.PPD"
*Manufacturer: "Yichuang"
*Product: "(Yichuang Test PDF Printer)"
*ModelName: "Yichuang Test PDF Printer"
*ShortNickName: "Yichuang Test"
*NickName: "Yichuang Test PDF Printer"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: False
*DefaultColorSpace: Gray
*FileSystem: False
*Throughput: "1"
*LandscapeOrientation: Plus90
*TTRasterizer: Type42
*cupsFilter2: "application/pdf application/vnd.cups-pdf 0 $dir/passthrough"
*OpenUI *PageSize: PickOne
*OrderDependency: 10 AnySetup *PageSize
*DefaultPageSize: A4
*PageSize A4/A4: "<</PageSize[595 842]>>setpagedevice"
*CloseUI: *PageSize
*DefaultPageRegion: A4
*DefaultImageableArea: A4
*ImageableArea A4: "0 0 595 842"
*DefaultPaperDimension: A4
*PaperDimension A4: "595 842"
PPD

# The same for PostScript (Wine's wineps.drv turns GDI pages into PostScript for CUPS).
sed -e 's|application/pdf application/vnd.cups-pdf|application/postscript application/vnd.cups-postscript|' \
    -e 's|YCTEST.PPD|YCTESTPS.PPD|' -e 's|Test PDF Printer|Test PostScript Printer|g' \
    "$dir/yichuang-test.ppd" >"$dir/yichuang-ps.ppd"

host=127.0.0.1:$port
if ! lpstat -h "$host" -p yichuang-ps >/dev/null 2>&1; then
    log "creating queue yichuang-ps -> $dir/out/printed.ps"
    lpadmin -h "$host" -p yichuang-ps -E -v "file://$dir/out/printed.ps" \
        -P "$dir/yichuang-ps.ppd" -D "一窗受理测试打印机（PostScript）" 2>&1 | grep -v "deprecated" >&2 || true
fi
if ! lpstat -h "$host" -p yichuang-test >/dev/null 2>&1; then
    log "creating queue yichuang-test -> $dir/out/printed.pdf"
    lpadmin -h "$host" -p yichuang-test -E -v "file://$dir/out/printed.pdf" \
        -P "$dir/yichuang-test.ppd" -D "一窗受理测试打印机" 2>&1 | grep -v "deprecated" >&2 || true
fi
if ! lpstat -h "$host" -p yichuang-stopped >/dev/null 2>&1; then
    log "creating queue yichuang-stopped (disabled)"
    lpadmin -h "$host" -p yichuang-stopped -E -v "file://$dir/out/stopped.pdf" \
        -P "$dir/yichuang-test.ppd" 2>&1 | grep -v "deprecated" >&2 || true
fi
# Stopped on every start, whatever a test did to it.
cupsdisable -h "$host" -r "测试：已停用" yichuang-stopped >&2
cupsenable -h "$host" yichuang-test >&2
cupsaccept -h "$host" yichuang-test >&2

echo "$host"
