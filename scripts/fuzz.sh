#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz (libFuzzer) target in fuzz/ for FUZZ_SECONDS each (default
# 60), seeded from events/, local/samples, the X12 fixtures and fuzz/seeds. Crashes land in
# fuzz/artifacts/<target>/; the run fails if any target found one. See fuzz/README.md.
#
#   scripts/fuzz.sh                 every target, FUZZ_SECONDS each, AddressSanitizer
#   scripts/fuzz.sh v1_order        only the named targets
#   scripts/fuzz.sh --ci            the bounded CI pass: every target for FUZZ_SECONDS (default
#                                   12), no sanitizer (see docs/decisions/0023-fuzzing.md)
#
# FUZZ_SANITIZER overrides the sanitizer (address, none, …). cargo-fuzz is installed, pinned,
# into .switchyard/cargo-bin on first use. libFuzzer needs nightly-only rustc flags; the stable
# toolchain accepts them under RUSTC_BOOTSTRAP=1, which is set for the fuzz build only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

CARGO_FUZZ_VERSION=0.13.1
CI_MODE=0
TARGETS=()
for arg in "$@"; do
    case "$arg" in
    --ci) CI_MODE=1 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) TARGETS+=("$arg") ;;
    esac
done
if [[ $CI_MODE == 1 ]]; then
    SECONDS_EACH=${FUZZ_SECONDS:-12}
    SANITIZER=${FUZZ_SANITIZER:-none}
else
    SECONDS_EACH=${FUZZ_SECONDS:-60}
    SANITIZER=${FUZZ_SANITIZER:-address}
fi

# cargo-fuzz, pinned, into the project's own bin dir so a clean clone gets the same one.
BIN=$ROOT/.switchyard/cargo-bin/bin
export PATH="$BIN:$PATH"
if [[ "$(cargo-fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    echo "==> installing cargo-fuzz $CARGO_FUZZ_VERSION into .switchyard/cargo-bin"
    # --debug: cargo-fuzz only drives cargo and libFuzzer, and a debug build of it takes a third
    # of the time (it is installed on every clean clone, so by every CI run).
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --debug --root "$ROOT/.switchyard/cargo-bin"
fi

export RUSTC_BOOTSTRAP=1
# Sanitizer builds share nothing with the workspace's, nor with each other (other RUSTFLAGS):
# the fuzz crate keeps its own target dir, one per sanitizer, so switching never rebuilds.
if [[ $SANITIZER == address ]]; then
    export CARGO_TARGET_DIR=$ROOT/fuzz/target
else
    export CARGO_TARGET_DIR=$ROOT/fuzz/target/$SANITIZER
fi
FLAGS=(--fuzz-dir "$ROOT/fuzz" -s "$SANITIZER" --debug-assertions)
if [[ $CI_MODE == 1 ]]; then
    # The bounded pass proves the targets build and run and finds shallow crashes; unoptimised
    # builds take about half as long, and a few seconds per target need no optimiser.
    FLAGS+=(--dev)
fi

if [[ ${#TARGETS[@]} == 0 ]]; then
    mapfile -t TARGETS < <(cargo fuzz list --fuzz-dir "$ROOT/fuzz")
fi

echo "==> seeding fuzz/corpus/<target>/ from the repository's samples"
python3 - "${TARGETS[@]}" <<'PY'
"""Copies each target's seeds into fuzz/corpus/<target>/ (kept between runs, not committed)."""
import base64, glob, hashlib, json, os, sys

def body(path):
    """The body of an API Gateway event, or the bodies of an SQS batch."""
    with open(path) as f:
        event = json.load(f)
    if "Records" in event:
        return [r["body"].encode() for r in event["Records"]]
    raw = event.get("body") or ""
    return [base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()]

def files(pattern):
    return [open(p, "rb").read() for p in sorted(glob.glob(pattern))]

def events(pattern):
    return [b for p in sorted(glob.glob(pattern)) for b in body(p)]

def amazon_pairs():
    out = []
    for order in sorted(glob.glob("local/sp-api/orders/*-*-*.json")):
        if ".items" in order:
            continue
        for items in sorted(glob.glob(order[: -len(".json")] + ".items*.json")):
            out.append(open(order, "rb").read() + b"\0" + open(items, "rb").read())
    return out

seeds = {
    "edifact_interchange": lambda: files("shared/edifact/samples/*.edi") + files("local/samples/*.edi"),
    "x12_interchange": lambda: files("local/samples/*.x12") + files("shared/x12/tests/fixtures/*.x12") + events("events/edi-api/post-*.json"),
    "v1_order": lambda: files("local/samples/partner-order.json") + events("events/orders-api/post-*.json"),
    "return_lines": lambda: [],
    "shopify_order": lambda: files("local/samples/shopify-*.json") + events("events/webhooks/shopify-*.json"),
    "woocommerce_order": lambda: files("local/samples/woocommerce-*.json") + events("events/webhooks/woocommerce-*.json"),
    "amazon_notification": lambda: files("local/sp-api/notifications/*.json") + events("events/amazon-notifications/*.json"),
    "amazon_order": amazon_pairs,
}
for target in sys.argv[1:]:
    out = os.path.join("fuzz/corpus", target)
    os.makedirs(out, exist_ok=True)
    found = seeds.get(target, lambda: [])() + files(f"fuzz/seeds/{target}/*")
    for seed in found:
        # Named by content, as libFuzzer names what it adds, so reseeding never duplicates.
        with open(os.path.join(out, hashlib.sha1(seed).hexdigest()), "wb") as f:
            f.write(seed)
    print(f"    {target}: {len(found)} seeds")
PY

echo "==> building ${#TARGETS[@]} fuzz targets (sanitizer: $SANITIZER)"
build_start=$(date +%s)
# One build for all targets: they share every dependency, so building one at a time costs more.
cargo fuzz build "${FLAGS[@]}"
echo "    built in $(($(date +%s) - build_start)) s"

LOGS=$ROOT/fuzz/logs
mkdir -p "$LOGS"
failed=()
for target in "${TARGETS[@]}"; do
    mkdir -p "fuzz/artifacts/$target"
    echo "==> $target: ${SECONDS_EACH} s"
    # -timeout: an input that takes over 10 s is a hang worth a report; -rss_limit_mb: so is a
    # memory blow-up (the machine is shared). -print_final_stats gives the execution count.
    if cargo fuzz run "${FLAGS[@]}" "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$LOGS/$target.log" 2>&1; then
        execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$LOGS/$target.log" | grep -Eo '[0-9]+$' || echo '?')
        corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
        echo "    ok: $execs executions, corpus $corpus inputs"
    else
        failed+=("$target")
        echo "    CRASH: see fuzz/logs/$target.log; input in fuzz/artifacts/$target/:"
        grep -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer)|Test unit written' "$LOGS/$target.log" | head -5 | sed 's/^/      /'
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzzing found crashes in: ${failed[*]} (reproduce: cargo fuzz run <target> <artifact>; see fuzz/README.md)" >&2
    exit 1
fi
echo "==> no crashes in ${#TARGETS[@]} targets"
