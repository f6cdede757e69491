#!/usr/bin/env bash
# Local Tryton ERP for Switchyard (development and tests).
#
#   scripts/erp.sh prepare              build (or reuse) the cached demo snapshot; prints its dir
#   scripts/erp.sh start RUNDIR PORT    run Tryton on 127.0.0.1:PORT with its data in RUNDIR
#   scripts/erp.sh stop RUNDIR          stop the Tryton started in RUNDIR
#
# The snapshot lives in .switchyard/cache/tryton-<hash>/ where <hash> covers
# local/requirements.txt, local/tryton/* (but warehouse.py) and this script (with the modules
# it activates): change the demo data or the modules and it is rebuilt. The admin password is generated per snapshot (admin.password,
# mode 600); no password is stored in the repository. The cache may be shared (several stacks,
# or a symlink from another checkout): a build holds tryton-<hash>.lock, so concurrent prepares
# build it once.
#
# Environment: SWITCHYARD_VENV (default .switchyard/venv) - the venv holding trytond + proteus.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=${SWITCHYARD_VENV:-$ROOT/.switchyard/venv}
DB=switchyard
CACHE=$ROOT/.switchyard/cache

die() { echo "erp.sh: $*" >&2; exit 1; }

need_venv() {
    [[ -x $VENV/bin/trytond && -x $VENV/bin/trytond-admin ]] \
        || die "no trytond in $VENV (run scripts/bootstrap.sh first)"
}

snapshot_hash() {
    # Content hash of everything the snapshot is built from (the module list above is in this
    # script, so activating another module rebuilds it; warehouse.py only talks to a running
    # Tryton, so editing it does not).
    {
        sha256sum local/requirements.txt scripts/erp.sh
        find local/tryton -type f ! -name '*.pyc' ! -name warehouse.py ! -path '*/__pycache__/*' -print0 \
            | LC_ALL=C sort -z | xargs -0 sha256sum
    } | sha256sum | cut -c1-16
}

snapshot_dir() { echo "$CACHE/tryton-$(snapshot_hash)"; }

write_conf() { # write_conf FILE DATADIR [PORT]
    local file=$1 dir=$2 port=${3:-}
    {
        echo "[database]"
        echo "uri = sqlite://"
        echo "path = $dir"
        if [[ -n $port ]]; then
            echo
            echo "[web]"
            echo "listen = 127.0.0.1:$port"
        fi
    } >"$file"
}

cmd_prepare() {
    need_venv
    local snap tmp started
    snap=$(snapshot_dir)
    if [[ -f $snap/$DB.sqlite && -f $snap/admin.password ]]; then
        echo "$snap"
        return 0
    fi
    if [[ -z ${SWITCHYARD_ERP_PREPARE_LOCKED:-} ]]; then
        # Two stacks starting at once would both build it (~30 s of CPU each): the second
        # waits on the first's lock, then finds the snapshot above and reuses it.
        mkdir -p "$CACHE"
        SWITCHYARD_ERP_PREPARE_LOCKED=1 exec scripts/with-lock.sh "$snap.lock" scripts/erp.sh prepare
    fi
    started=$(date +%s)
    mkdir -p "$CACHE"
    tmp=$(mktemp -d "$CACHE/.tryton-build.XXXXXX")
    # A killed run leaves only this temp dir behind, never a half snapshot.
    trap 'rm -rf "$tmp"' EXIT
    write_conf "$tmp/trytond.conf" "$tmp"
    : >"$tmp/$DB.sqlite"
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$tmp/admin.password")
    chmod 600 "$tmp/admin.password"
    echo "erp.sh: initialising Tryton database (trytond-admin, ~20 s)..." >&2
    TRYTONPASSFILE=$tmp/admin.password "$VENV/bin/trytond-admin" -c "$tmp/trytond.conf" -d "$DB" \
        -u sale sale_stock_quantity sale_price_list product_price_list_dates \
        carrier stock_package_shipping --activate-dependencies --email admin@example.invalid \
        >"$tmp/admin.log" 2>&1 || { tail -n 40 "$tmp/admin.log" >&2; die "trytond-admin failed"; }
    echo "erp.sh: loading demo data..." >&2
    "$VENV/bin/python" local/tryton/demo_data.py "$tmp/trytond.conf" "$DB" >"$tmp/demo.log" 2>&1 \
        || { tail -n 40 "$tmp/demo.log" >&2; die "demo data failed"; }
    # Fold any write-ahead log into the file, so the snapshot is one self-contained file.
    "$VENV/bin/python" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.execute("PRAGMA journal_mode=DELETE")
db.close()' "$tmp/$DB.sqlite"
    [[ ! -e $tmp/$DB.sqlite-wal ]] || die "snapshot still has a write-ahead log"
    rm -f "$tmp/trytond.conf" # it names the temp dir; start writes its own
    if mv -T "$tmp" "$snap" 2>/dev/null; then
        trap - EXIT
    else
        # Another prepare won the race; keep theirs.
        [[ -f $snap/$DB.sqlite ]] || die "could not install snapshot at $snap"
    fi
    echo "erp.sh: snapshot built in $(($(date +%s) - started)) s" >&2
    echo "$snap"
}

pid_alive() { # pid_alive PIDFILE
    [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

rpc_version() { # rpc_version PORT -> 0 when the JSON-RPC answers
    "$VENV/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import json, sys, urllib.request
req = urllib.request.Request(
    'http://127.0.0.1:%s/rpc/' % sys.argv[1],
    data=json.dumps({'id': 1, 'method': 'common.server.version', 'params': []}).encode(),
    headers={'Content-Type': 'application/json'})
with urllib.request.urlopen(req, timeout=2) as resp:
    sys.exit(0 if 'result' in json.load(resp) else 1)
PY
}

cmd_start() {
    [[ $# -eq 2 ]] || die "usage: scripts/erp.sh start RUNDIR PORT"
    need_venv
    local rundir=$1 port=$2 snap
    [[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number: $port"
    mkdir -p "$rundir"
    rundir=$(cd "$rundir" && pwd)
    if pid_alive "$rundir/tryton.pid"; then
        die "Tryton already running from $rundir (pid $(cat "$rundir/tryton.pid"))"
    fi
    snap=$(cmd_prepare)
    if [[ ! -f $rundir/$DB.sqlite ]]; then
        # Copy then rename, so a killed copy never looks like a database.
        cp "$snap/$DB.sqlite" "$rundir/.$DB.sqlite.tmp"
        mv "$rundir/.$DB.sqlite.tmp" "$rundir/$DB.sqlite"
        cp "$snap/admin.password" "$rundir/admin.password"
    fi
    [[ -f $rundir/admin.password ]] || cp "$snap/admin.password" "$rundir/admin.password"
    chmod 600 "$rundir/admin.password"
    write_conf "$rundir/trytond.conf" "$rundir" "$port"
    {
        echo "SWITCHYARD_ERP_URL=http://127.0.0.1:$port"
        echo "SWITCHYARD_ERP_DB=$DB"
        echo "SWITCHYARD_ERP_USER=admin"
        echo "SWITCHYARD_ERP_PASSWORD=$(cat "$rundir/admin.password")"
    } >"$rundir/erp.env"
    chmod 600 "$rundir/erp.env"
    local started=${EPOCHREALTIME/./}
    "$VENV/bin/trytond" -c "$rundir/trytond.conf" -d "$DB" >>"$rundir/tryton.log" 2>&1 </dev/null &
    echo $! >"$rundir/tryton.pid"
    local deadline=$((SECONDS + 30))
    until rpc_version "$port"; do
        if ! pid_alive "$rundir/tryton.pid" || ((SECONDS >= deadline)); then
            tail -n 30 "$rundir/tryton.log" >&2 || true
            cmd_stop "$rundir" >/dev/null 2>&1 || true
            die "Tryton did not answer on 127.0.0.1:$port within 30 s (log: $rundir/tryton.log)"
        fi
        sleep 0.2
    done
    local ms=$(((${EPOCHREALTIME/./} - started) / 1000))
    echo "erp.sh: Tryton up on http://127.0.0.1:$port in ${ms} ms (env: $rundir/erp.env)" >&2
}

cmd_stop() {
    [[ $# -eq 1 ]] || die "usage: scripts/erp.sh stop RUNDIR"
    local pidfile=$1/tryton.pid pid
    [[ -f $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

case ${1:-} in
    prepare) shift; cmd_prepare "$@" ;;
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    *) die "usage: scripts/erp.sh prepare | start RUNDIR PORT | stop RUNDIR" ;;
esac
