#!/usr/bin/env bash
# Bench section "ERP posting": the ERP's own posting rate, Tryton 8.2 on PostgreSQL against
# Tryton 8.2 on SQLite (the baseline: the local stack's default).
#
#   bench/sections/erp-posting.sh [--quick]
#
# For each database it starts a private Tryton from the cached demo snapshot (scripts/erp.sh,
# ERP_DB=sqlite then ERP_DB=postgresql; free loopback ports, state in .switchyard/bench/erp-posting/),
# posts N distinct sales with C concurrent clients through the production adapter
# (shared/erp/examples/post_sales.rs: find_sale, create_sale, confirm_sale, as the
# order-processor does; each client its own TrytonClient) and stops it. Rows (JSON lines on
# stdout; everything else on stderr): sales posted per second, and latency per sale p50, with the
# keys clients, sales, erp_rpc_per_sale (JSON-RPC requests per posted sale, counted by the adapter)
# and how long each Tryton took to start.
#
# --quick: 10 sales, 2 clients, dev build; a database whose snapshot is not cached yet gets a
# null row (building it takes minutes once: ERP_DB=postgresql scripts/erp.sh prepare).
# Full: 200 sales, 8 clients, release build (builds missing snapshots).
# Environment: ERP_POSTING_SALES, ERP_POSTING_CLIENTS override N and C; ERP_WORKERS the
# PostgreSQL Tryton's processes (scripts/erp.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

QUICK=0
for arg in "$@"; do
    case $arg in
        --quick) QUICK=1 ;;
        *) echo "erp-posting.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done
if ((QUICK)); then
    SALES=${ERP_POSTING_SALES:-10} CLIENTS=${ERP_POSTING_CLIENTS:-2} PROFILE=()
else
    SALES=${ERP_POSTING_SALES:-200} CLIENTS=${ERP_POSTING_CLIENTS:-8} PROFILE=(--release)
fi
WORK=.switchyard/bench/erp-posting
RESULTS=$(mktemp -d)
mkdir -p "$WORK"

cleanup() {
    for db in sqlite postgresql; do
        [[ -d $WORK/$db ]] && scripts/erp.sh stop "$WORK/$db" >/dev/null 2>&1 || true
        rm -rf "${WORK:?}/$db"
    done
    rm -rf "$RESULTS"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "erp-posting: building the posting client (cargo, ${PROFILE[*]:-dev})" >&2
cargo build --quiet -p switchyard-erp --example post_sales "${PROFILE[@]}" >&2

measure() { # measure DB: writes $RESULTS/DB.json, or $RESULTS/DB.why
    local db=$1 rundir=$WORK/$1 port pg_port started
    if ((QUICK)) && ! ERP_DB=$db scripts/erp.sh cached >/dev/null 2>&1; then
        echo "the Tryton snapshot on $db is not built yet (ERP_DB=$db scripts/erp.sh prepare builds it once, minutes)" >"$RESULTS/$db.why"
        return 0
    fi
    rm -rf "$rundir"
    port=$(free_port)
    pg_port=$(free_port)
    echo "erp-posting: starting Tryton on $db (127.0.0.1:$port)" >&2
    started=${EPOCHREALTIME/./}
    if ! ERP_DB=$db scripts/erp.sh start "$rundir" "$port" "$pg_port" >&2; then
        echo "Tryton on $db did not start (see $rundir/tryton.log)" >"$RESULTS/$db.why"
        return 0
    fi
    echo $(((${EPOCHREALTIME/./} - started) / 1000)) >"$RESULTS/$db.start_ms"
    echo "erp-posting: posting $SALES sales with $CLIENTS clients on $db" >&2
    # A generous timeout: an overloaded ERP is measured slow, not failed.
    if ! (set -a && . "$rundir/erp.env" && set +a && SWITCHYARD_ERP_TIMEOUT_MS=120000 \
        cargo run --quiet -p switchyard-erp --example post_sales "${PROFILE[@]}" -- \
        --sales "$SALES" --clients "$CLIENTS") >"$RESULTS/$db.json"; then
        echo "posting on $db failed (post_sales exit status; its stderr is above)" >"$RESULTS/$db.why"
    fi
    scripts/erp.sh stop "$rundir"
    rm -rf "$rundir"
}

measure sqlite
measure postgresql

python3 - "$RESULTS" "$SALES" "$CLIENTS" "$QUICK" "${ERP_WORKERS:-$(($(nproc) > 2 ? $(nproc) : 2))}" <<'PY'
import json, os, sys

results, sales, clients, quick, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]

def load(db):
    why = os.path.join(results, db + ".why")
    if os.path.exists(why):
        return None, open(why).read().strip()
    try:
        data = json.load(open(os.path.join(results, db + ".json")))
    except (OSError, ValueError) as err:
        return None, f"no result on {db}: {err}"
    start = os.path.join(results, db + ".start_ms")
    data["start_ms"] = int(open(start).read()) if os.path.exists(start) else None
    return data, None

pg, pg_why = load("postgresql")
lite, lite_why = load("sqlite")
notes = [n for n in (pg_why, lite_why) if n]
if quick:
    notes.append("--quick: a few sales, numbers are not results; bench/sections/erp-posting.sh measures 200 sales with 8 clients")
note = "; ".join(notes) or (
    f"through shared/erp's TrytonClient (find, create, quote, confirm); PostgreSQL served by "
    f"{workers} gunicorn processes, SQLite by trytond's one process")

def value(data, key):
    return data[key] if data else None

common = {
    "section": "ERP posting",
    "clients": clients,
    "sales": sales,
    "baseline_name": "Tryton 8.2 on SQLite",
    "note": note,
    "erp_rpc_per_sale": value(pg, "erp_rpc_per_sale") or value(lite, "erp_rpc_per_sale"),
    "pg_workers": int(workers),
}
rows = [
    dict(common, row=f"Tryton posting rate on PostgreSQL, {clients} clients, {sales} sales",
         unit="sales/s", ours=value(pg, "sales_per_s"), baseline=value(lite, "sales_per_s"),
         better="higher", erp_start_ms=value(pg, "start_ms"),
         baseline_erp_start_ms=value(lite, "start_ms")),
    dict(common, row=f"latency per sale p50 on PostgreSQL, {clients} clients",
         unit="ms", ours=value(pg, "p50_ms"), baseline=value(lite, "p50_ms"), better="lower",
         p99_ms=value(pg, "p99_ms"), baseline_p99_ms=value(lite, "p99_ms")),
]
for row in rows:
    print(json.dumps(row))
PY
