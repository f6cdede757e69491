#!/usr/bin/env bash
# Cold start of every function against the Powertools peer (bench/peers/powertools-orders),
# through one Runtime API loop on loopback: spawn -> first response, and peak RSS.
# Rows as JSON lines on stdout (the `make bench` row contract); everything else on stderr.
#
#   bench/sections/cold-start.sh           release binaries (built here, native), 7 spawns a row
#   bench/sections/cold-start.sh --quick   the debug binaries already built, 1 spawn a row
#
# AWS is a moto: AWS_ENDPOINT_URL when set (the test stack's), otherwise one started here on
# COLD_MOTO_PORT (4776) and stopped on exit. The tool creates its own fresh tables and queues.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
QUICK=0
[[ ${1:-} == --quick ]] && QUICK=1
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$ROOT/.switchyard/venv
PEER=$ROOT/.switchyard/bench/peers/powertools-orders
BINS=(orders-api webhooks edi-api edi-acknowledger edi-inventory-advice amazon-notifications
    order-processor erp-changes reconciler catalog-projector order-tracker ops-api dlq-redrive
    stock-push-shopify stock-push-woocommerce stock-push-amazon fulfilment-push-shopify
    fulfilment-push-woocommerce fulfilment-push-amazon)
PACKAGES=(-p orders-api -p webhooks -p edi -p amazon-notifications -p order-processor -p erp-changes
    -p reconciler -p catalog-projector -p order-tracker -p ops-api -p dlq-redrive -p channel-push)

bench/peers/powertools-orders/install.sh >&2

if ((QUICK)); then
    PROFILE=debug SPAWNS=1
    # The stack's build (make test's) has them already: a no-op then (scripts/build-bins.sh).
    scripts/build-bins.sh >&2
    TOOL=$TARGET/debug/cold_start
else
    PROFILE=release SPAWNS=${COLD_SPAWNS:-7}
    echo "==> building the functions (release, native) and the cold-start tool" >&2
    cargo build --release "${PACKAGES[@]}" >&2
    cargo build --release -p switchyard-bench --bin cold_start >&2
    TOOL=$TARGET/release/cold_start
fi

MOTO_PID=
cleanup() { [[ -n $MOTO_PID ]] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null; true; }
trap cleanup EXIT
if [[ -z ${AWS_ENDPOINT_URL:-} ]]; then
    port=${COLD_MOTO_PORT:-4776}
    echo "==> starting moto on 127.0.0.1:$port" >&2
    "$VENV/bin/python" local/moto_server.py -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
    MOTO_PID=$!
    for _ in $(seq 150); do
        curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null && break
        kill -0 "$MOTO_PID" 2>/dev/null || { echo "cold-start.sh: moto did not start" >&2; exit 1; }
        sleep 0.2
    done
    export AWS_ENDPOINT_URL=http://127.0.0.1:$port
fi
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_REGION=${AWS_REGION:-us-east-1}

"$TOOL" --bin-dir "$TARGET/$PROFILE" --peer-python "$PEER/bin/python" \
    --peer-dir "$ROOT/bench/peers/powertools-orders" --events "$ROOT/events" \
    --spawns "$SPAWNS" --build "$PROFILE"
