#!/usr/bin/env bash
# Local Tryton ERP for Switchyard (development and tests).
#
#   scripts/erp.sh prepare                    build (or reuse) the cached demo snapshot; prints its dir
#   scripts/erp.sh cached                     print the snapshot's dir if it is built, else fail
#   scripts/erp.sh start RUNDIR PORT [PGPORT] run Tryton on 127.0.0.1:PORT with its data in RUNDIR
#                                             (PGPORT: its PostgreSQL's, with ERP_DB=postgresql)
#   scripts/erp.sh stop RUNDIR                stop the Tryton (and PostgreSQL) started in RUNDIR
#
# ERP_DB picks Tryton's database: `sqlite` (the default: one file, no server; writes are
# serialised, about 1.5 sales/s) or `postgresql` (Debian's PostgreSQL, installed with apt-get when
# missing, run as a private cluster in RUNDIR/pg/: its own data dir, port PGPORT on 127.0.0.1
# only, its socket in RUNDIR/pg/run, stopped with the Tryton; the system's cluster is never
# touched), with Tryton served by several processes (gunicorn, ERP_WORKERS): trytond's own server
# is one process. As root the cluster runs as the `postgres` user (the server refuses root).
#
# The snapshot lives in .switchyard/cache/tryton-<hash>/ (PostgreSQL: tryton-pg-<hash>/, a
# cleanly stopped cluster with the demo database, copied per start) where <hash> covers
# local/requirements.txt, local/tryton/* (but warehouse.py) and this script (with the modules
# it activates): change the demo data or the modules and it is rebuilt. The admin password is generated per snapshot (admin.password,
# mode 600); no password is stored in the repository. The cache may be shared (several stacks,
# or a symlink from another checkout): a build holds tryton-<hash>.lock, so concurrent prepares
# build it once.
#
# Environment: SWITCHYARD_VENV (default .switchyard/venv) - the venv holding trytond + proteus;
# ERP_DB (sqlite | postgresql, default sqlite), for prepare and start; ERP_WORKERS (PostgreSQL
# only: Tryton's processes, default the number of CPUs but at least 2).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=${SWITCHYARD_VENV:-$ROOT/.switchyard/venv}
DB=switchyard
CACHE=$ROOT/.switchyard/cache

die() { echo "erp.sh: $*" >&2; exit 1; }

ERP_DB=${ERP_DB:-sqlite}
case $ERP_DB in
    sqlite) ;;
    postgresql | postgres | pg) ERP_DB=postgresql ;;
    *) die "ERP_DB must be sqlite or postgresql, not '$ERP_DB'" ;;
esac

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
        # A cluster's data dir only opens with the server major version that wrote it.
        if [[ $ERP_DB == postgresql ]]; then echo "postgresql $("$(pg_bindir)/postgres" --version)"; fi
        find local/tryton -type f ! -name '*.pyc' ! -name warehouse.py ! -path '*/__pycache__/*' -print0 \
            | LC_ALL=C sort -z | xargs -0 sha256sum
    } | sha256sum | cut -c1-16
}

snapshot_dir() {
    if [[ $ERP_DB == postgresql ]]; then
        echo "$CACHE/tryton-pg-$(snapshot_hash)"
    else
        echo "$CACHE/tryton-$(snapshot_hash)"
    fi
}

write_conf() { # write_conf FILE DATADIR [PORT [PGPORT PGPASSWORDFILE]]
    local file=$1 dir=$2 port=${3:-} pg_port=${4:-} pg_password=${5:-}
    rm -f "$file"
    (umask 077 && { # the PostgreSQL URI holds the cluster's password
        echo "[database]"
        if [[ -n $pg_port ]]; then
            echo "uri = postgresql://postgres:$(cat "$pg_password")@127.0.0.1:$pg_port/"
        else
            echo "uri = sqlite://"
        fi
        # SQLite: where the database file is; both: the file store (attachments).
        echo "path = $dir"
        if [[ -n $port ]]; then
            echo
            echo "[web]"
            echo "listen = 127.0.0.1:$port"
        fi
    } >"$file")
}

# ---- PostgreSQL (ERP_DB=postgresql) -----------------------------------------------------------

pg_bindir() { # the newest installed Debian PostgreSQL server's bin dir
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    [[ -n $dir && -x $dir/initdb ]] || return 1
    echo "$dir"
}

need_postgres() { # Debian's server packages, installed once (the system cluster is left alone)
    pg_bindir >/dev/null && return 0
    echo "erp.sh: installing Debian's postgresql (apt-get; once)..." >&2
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    apt_get() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }
    apt_get install -y --no-install-recommends postgresql >/dev/null \
        || { apt_get update >/dev/null && apt_get install -y --no-install-recommends postgresql >/dev/null; } \
        || die "could not install postgresql (apt-get install postgresql)"
    pg_bindir >/dev/null || die "postgresql is installed but no /usr/lib/postgresql/*/bin/initdb"
}

as_pg() { # run a server command as the cluster's owner: PostgreSQL refuses to run as root
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

own_pg() { # hand PATH... to the cluster's owner (as root; otherwise they are ours already)
    if [[ $(id -u) == 0 ]]; then chown -R postgres:postgres "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_settings() { # pg_settings DATADIR PORT SOCKETDIR [SETTING...]: this run's settings (included last)
    local data=$1 port=$2 sockets=$3
    shift 3
    # A Unix socket path has a ~107-byte limit: past it, TCP only.
    if (( ${#sockets} + 20 > 100 )); then sockets=; fi
    {
        echo "# Written by scripts/erp.sh at each start."
        echo "port = $port"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$sockets'"
        printf '%s\n' "$@"
    } >"$data/switchyard.conf"
    own_pg "$data/switchyard.conf"
}

pg_start() { # pg_start DATADIR LOGFILE
    local data=$1 log=$2
    : >>"$log"
    own_pg "$log"
    as_pg "$(pg_bindir)/pg_ctl" -D "$data" -l "$log" -w -t 30 start >/dev/null \
        || { tail -n 20 "$log" >&2; return 1; }
}

pg_stop() { # pg_stop DATADIR: a fast, clean shutdown (a snapshot must be cleanly stopped)
    local data=$1 pid
    [[ -f $data/postmaster.pid ]] || return 0
    pid=$(head -n 1 "$data/postmaster.pid")
    kill -0 "$pid" 2>/dev/null || return 0
    as_pg "$(pg_bindir)/pg_ctl" -D "$data" -m fast -w -t 20 stop >/dev/null 2>&1 \
        || kill -KILL "$pid" 2>/dev/null || true
}

prepare_postgresql() { # build the snapshot in TMP: a stopped cluster holding the demo database
    local tmp=$1 port pgbin
    pgbin=$(pg_bindir)
    chmod 755 "$tmp" # the cluster's owner must reach its data dir inside
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$tmp/pg.password")
    install -m 600 /dev/null "$tmp/pgdata.pwfile"
    cp "$tmp/pg.password" "$tmp/pgdata.pwfile"
    own_pg "$tmp/pgdata.pwfile"
    mkdir -m 700 "$tmp/pgdata"
    own_pg "$tmp/pgdata"
    # Local socket: the owner only (its directory is the owner's); TCP: the password.
    as_pg "$pgbin/initdb" -D "$tmp/pgdata" -U postgres --pwfile="$tmp/pgdata.pwfile" --no-sync \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        >"$tmp/initdb.log" 2>&1 || { tail -n 20 "$tmp/initdb.log" >&2; die "initdb failed"; }
    rm -f "$tmp/pgdata.pwfile"
    echo "include_if_exists = 'switchyard.conf'" >>"$tmp/pgdata/postgresql.conf"
    # The build's cluster: TCP on a free port, no socket (the cache path may be too long for one).
    # Nothing in it outlives a crash (a killed build is thrown away), so it skips syncing to disk
    # (the clean shutdown at the end still writes everything out); a stack's cluster does sync.
    port=$(free_port)
    pg_settings "$tmp/pgdata" "$port" "" "fsync = off" "synchronous_commit = off" "full_page_writes = off"
    pg_start "$tmp/pgdata" "$tmp/postgres.log" || die "the build's PostgreSQL did not start"
    trap 'pg_stop "$tmp/pgdata"; rm -rf "$tmp"' EXIT
    PGPASSWORD=$(cat "$tmp/pg.password") "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres \
        -E UTF8 -T template0 "$DB" || die "createdb failed"
    write_conf "$tmp/trytond.conf" "$tmp" "" "$port" "$tmp/pg.password"
}

snapshot_built() { # snapshot_built DIR
    [[ -f $1/admin.password ]] \
        && { [[ -f $1/$DB.sqlite ]] || [[ -f $1/pgdata/PG_VERSION && -f $1/pg.password ]]; }
}

cmd_cached() { # for callers that must not spend minutes building (bench --quick)
    local snap
    if [[ $ERP_DB == postgresql ]]; then pg_bindir >/dev/null || return 1; fi
    snap=$(snapshot_dir)
    snapshot_built "$snap" || return 1
    echo "$snap"
}

cmd_prepare() {
    need_venv
    local snap tmp started
    [[ $ERP_DB == sqlite ]] || need_postgres
    snap=$(snapshot_dir)
    if snapshot_built "$snap"; then
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
    if [[ $ERP_DB == postgresql ]]; then
        echo "erp.sh: initialising a PostgreSQL cluster for the snapshot..." >&2
        prepare_postgresql "$tmp" # also stops that cluster and removes tmp on exit
    else
        write_conf "$tmp/trytond.conf" "$tmp"
        : >"$tmp/$DB.sqlite"
    fi
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
    if [[ $ERP_DB == postgresql ]]; then
        # Cleanly stopped, so a copy of the data dir starts without recovery.
        pg_stop "$tmp/pgdata"
        [[ ! -f $tmp/pgdata/postmaster.pid ]] || die "the build's PostgreSQL did not stop cleanly"
        rm -f "$tmp/pgdata/switchyard.conf"
        sync -f "$tmp/pgdata" # fsync was off: make the snapshot durable before it is published
        trap 'rm -rf "$tmp"' EXIT
    else
        sqlite_fold "$tmp/$DB.sqlite"
    fi
    rm -f "$tmp/trytond.conf" # it names the temp dir; start writes its own
    if mv -T "$tmp" "$snap" 2>/dev/null; then
        trap - EXIT
    else
        # Another prepare won the race; keep theirs.
        [[ -f $snap/admin.password ]] || die "could not install snapshot at $snap"
    fi
    echo "erp.sh: snapshot built in $(($(date +%s) - started)) s" >&2
    echo "$snap"
}

sqlite_fold() { # sqlite_fold FILE
    # Fold any write-ahead log into the file, so the snapshot is one self-contained file.
    "$VENV/bin/python" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.execute("PRAGMA journal_mode=DELETE")
db.close()' "$1"
    [[ ! -e $1-wal ]] || die "snapshot still has a write-ahead log"
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
    [[ $# -eq 2 || $# -eq 3 ]] || die "usage: scripts/erp.sh start RUNDIR PORT [PGPORT]"
    need_venv
    local rundir=$1 port=$2 pg_port=${3:-} snap
    [[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number: $port"
    if [[ $ERP_DB == postgresql ]]; then
        [[ $pg_port =~ ^[0-9]+$ ]] || die "ERP_DB=postgresql needs PGPORT (a number): scripts/erp.sh start RUNDIR PORT PGPORT"
    fi
    mkdir -p "$rundir"
    rundir=$(cd "$rundir" && pwd)
    if pid_alive "$rundir/tryton.pid"; then
        die "Tryton already running from $rundir (pid $(cat "$rundir/tryton.pid"))"
    fi
    snap=$(cmd_prepare)
    if [[ $ERP_DB == postgresql ]]; then
        start_postgresql "$rundir" "$snap" "$pg_port"
    elif [[ ! -f $rundir/$DB.sqlite ]]; then
        # Copy then rename, so a killed copy never looks like a database.
        cp "$snap/$DB.sqlite" "$rundir/.$DB.sqlite.tmp"
        mv "$rundir/.$DB.sqlite.tmp" "$rundir/$DB.sqlite"
        cp "$snap/admin.password" "$rundir/admin.password"
    fi
    [[ -f $rundir/admin.password ]] || cp "$snap/admin.password" "$rundir/admin.password"
    chmod 600 "$rundir/admin.password"
    if [[ $ERP_DB == postgresql ]]; then
        write_conf "$rundir/trytond.conf" "$rundir" "$port" "$pg_port" "$rundir/pg.password"
    else
        write_conf "$rundir/trytond.conf" "$rundir" "$port"
    fi
    {
        echo "SWITCHYARD_ERP_URL=http://127.0.0.1:$port"
        echo "SWITCHYARD_ERP_DB=$DB"
        echo "SWITCHYARD_ERP_USER=admin"
        echo "SWITCHYARD_ERP_PASSWORD=$(cat "$rundir/admin.password")"
    } >"$rundir/erp.env"
    chmod 600 "$rundir/erp.env"
    local started=${EPOCHREALTIME/./} limit=30 served_by
    if [[ $ERP_DB == postgresql ]]; then
        # Several processes, as Tryton is deployed: each worker loads the database's pool
        # before it takes a request (TRYTOND_DATABASE_NAMES), and they share one socket.
        local workers=${ERP_WORKERS:-$(($(nproc) > 2 ? $(nproc) : 2))}
        [[ $workers =~ ^[1-9][0-9]*$ ]] || die "ERP_WORKERS must be a positive number: $workers"
        served_by="gunicorn, $workers processes"
        limit=60 # each worker loads the module pool (~5 s of CPU), so more workers start slower
        TRYTOND_CONFIG=$rundir/trytond.conf TRYTOND_DATABASE_NAMES=$DB TRYTOND_LOGGING_LEVEL=30 \
            "$VENV/bin/gunicorn" --bind "127.0.0.1:$port" --workers "$workers" \
            --worker-class gthread --threads 4 --timeout 120 --graceful-timeout 3 \
            --chdir "$rundir" trytond.application:app >>"$rundir/tryton.log" 2>&1 </dev/null &
    else
        served_by="trytond, one process" # SQLite takes one writer at a time anyway
        "$VENV/bin/trytond" -c "$rundir/trytond.conf" -d "$DB" >>"$rundir/tryton.log" 2>&1 </dev/null &
    fi
    echo $! >"$rundir/tryton.pid"
    local deadline=$((SECONDS + limit))
    until rpc_version "$port"; do
        if ! pid_alive "$rundir/tryton.pid" || ((SECONDS >= deadline)); then
            tail -n 30 "$rundir/tryton.log" >&2 || true
            cmd_stop "$rundir" >/dev/null 2>&1 || true
            die "Tryton did not answer on 127.0.0.1:$port within $limit s (log: $rundir/tryton.log)"
        fi
        sleep 0.2
    done
    local ms=$(((${EPOCHREALTIME/./} - started) / 1000))
    echo "erp.sh: Tryton on $ERP_DB ($served_by) up on http://127.0.0.1:$port in ${ms} ms (env: $rundir/erp.env)" >&2
}

start_postgresql() { # start_postgresql RUNDIR SNAPSHOT PGPORT: this run's cluster, from the snapshot
    local rundir=$1 snap=$2 pg_port=$3 started=${EPOCHREALTIME/./}
    local data=$rundir/pg/data
    mkdir -p "$rundir/pg"
    if [[ ! -f $data/PG_VERSION ]]; then
        port_free "$pg_port" || die "port $pg_port (PostgreSQL) is in use by another program"
        # Copy then rename, so a killed copy never looks like a cluster.
        rm -rf "$rundir/pg/.data.tmp"
        cp -a "$snap/pgdata" "$rundir/pg/.data.tmp"
        mv "$rundir/pg/.data.tmp" "$data"
        cp "$snap/pg.password" "$rundir/pg.password"
    fi
    chmod 600 "$rundir/pg.password"
    chmod 755 "$rundir" "$rundir/pg" # the cluster's owner reaches its data dir and socket
    mkdir -p -m 700 "$rundir/pg/run"
    own_pg "$data" "$rundir/pg/run"
    pg_settings "$data" "$pg_port" "$rundir/pg/run"
    pg_start "$data" "$rundir/pg/postgres.log" \
        || die "PostgreSQL did not start on 127.0.0.1:$pg_port (log: $rundir/pg/postgres.log)"
    echo "erp.sh: PostgreSQL up on 127.0.0.1:$pg_port in $(((${EPOCHREALTIME/./} - started) / 1000)) ms (data: $data)" >&2
}

cmd_stop() {
    [[ $# -eq 1 ]] || die "usage: scripts/erp.sh stop RUNDIR"
    local pidfile=$1/tryton.pid pid
    stop_tryton "$pidfile"
    # Whatever ERP_DB says now: the cluster this RUNDIR holds, if any, after its Tryton.
    if [[ -f $1/pg/data/postmaster.pid ]]; then pg_stop "$1/pg/data"; fi
}

stop_tryton() { # stop_tryton PIDFILE
    local pidfile=$1 pid
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
    cached) shift; cmd_cached "$@" ;;
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    *) die "usage: scripts/erp.sh prepare | cached | start RUNDIR PORT [PGPORT] | stop RUNDIR" ;;
esac
