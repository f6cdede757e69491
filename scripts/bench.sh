#!/usr/bin/env bash
# `make bench` (scripts/bench.sh [--quick]): every benchmark section in bench/sections/, one
# table. Each section prints its rows as JSON lines (bench/README.md); this script collects them
# into .switchyard/bench/latest.jsonl (and a dated copy), renders the table (bench/render.py), and
# recomputes the cost and scale model from them (scripts/cost-model.py) in a full run.
#
# Sections that need the local stack use the one whose local.env is exported (make test's);
# without one, this script starts its own (STACK=bench, its own ports) and stops it afterwards.
# --quick: small inputs and the debug build, so `make test` can check every section still runs
# and prints its rows; its numbers are not results.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
QUICK=
[[ ${1:-} == --quick ]] && QUICK=--quick
OUT=.switchyard/bench
mkdir -p "$OUT"
ROWS=$OUT/latest.jsonl
: >"$ROWS"

if [[ -z ${SWITCHYARD_API_URL:-} ]]; then
    echo "==> bench: starting a private stack (STACK=bench; scripts/stack.sh)"
    export STACK=bench
    trap 'scripts/stack.sh stop' EXIT
    scripts/stack.sh start
    set -a
    # shellcheck disable=SC1091
    source ".switchyard/bench/local.env"
    set +a
fi
export SWITCHYARD_STACK_DIR=${SWITCHYARD_STACK_DIR:-.switchyard/${STACK:-test}}

failed=()
for section in bench/sections/*.sh; do
    name=$(basename "$section" .sh)
    echo "==> bench: $name ${QUICK}" >&2
    started=$SECONDS
    if "$section" $QUICK >"$OUT/$name.jsonl" 2>"$OUT/$name.log"; then
        echo "    $(grep -c . "$OUT/$name.jsonl" || true) rows in $((SECONDS - started)) s" >&2
    else
        echo "    FAILED after $((SECONDS - started)) s; last lines of $OUT/$name.log:" >&2
        tail -n 15 "$OUT/$name.log" >&2
        failed+=("$name")
    fi
    cat "$OUT/$name.jsonl" >>"$ROWS"
done
cp "$ROWS" "$OUT/bench-$(date -u +%Y%m%dT%H%M%SZ)${QUICK:+-quick}.jsonl"

echo
[[ -n $QUICK ]] && echo "(--quick: debug build and small inputs; the numbers show the sections run, not how fast)"
python3 bench/render.py "$ROWS" || failed+=(render)
if [[ -z $QUICK && -x scripts/cost-model.py ]]; then
    echo
    scripts/cost-model.py report --bench "$ROWS" || failed+=(cost-model)
fi
if ((${#failed[@]})); then
    echo "bench: failed: ${failed[*]}" >&2
    exit 1
fi
