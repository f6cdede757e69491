#!/usr/bin/env bash
# Hot path per order (criterion): v1 read + validate + canonicalise + hash, Shopify verify + map,
# X12 850 read + map, GET /v1/inventory from the projection, each against a baseline measured
# in the same run (tools/bench/benches/hot_path.rs says which). Rows as JSON lines on stdout
# (the `make bench` row contract); criterion's own output goes to stderr.
#
#   bench/sections/hot-path.sh           the bench profile (release), criterion's default sampling
#   bench/sections/hot-path.sh --quick   a dev-profile build (what make test already built; a
#                                        release build would cost minutes) and criterion's
#                                        --quick with 0.1 s warm-up and 0.2 s of measurement
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
QUICK=0
[[ ${1:-} == --quick ]] && QUICK=1
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
# Results of this run only: a renamed or dropped benchmark must not linger as a row.
export CRITERION_HOME=$TARGET/criterion/hot-path
rm -rf "$CRITERION_HOME"
if ((QUICK)); then
    BUILD="dev profile, criterion --quick (not a result)"
    cargo bench --quiet --profile dev -p switchyard-bench --bench hot_path -- \
        --quick --warm-up-time 0.1 --measurement-time 0.2 --noplot >&2
else
    BUILD="bench profile (release)"
    cargo bench -p switchyard-bench --bench hot_path -- --noplot >&2
fi
python3 - "$CRITERION_HOME" "$BUILD" <<'PY'
import json, pathlib, sys
home, build = pathlib.Path(sys.argv[1]), sys.argv[2]
groups = {}
for meta in sorted(home.glob("**/new/benchmark.json")):
    info = json.loads(meta.read_text())
    estimates = json.loads((meta.parent / "estimates.json").read_text())
    groups.setdefault(info["group_id"], {})[info["function_id"]] = estimates["median"]["point_estimate"]
import re
def order(group):
    # The bench's order: v1, Shopify, X12, reads; smaller inputs first.
    kind = next((i for i, p in enumerate(["v1 ", "Shopify", "X12", "GET "]) if group.startswith(p)), 9)
    size = re.search(r"(\d+) (lines|PO1)", group)
    return (kind, int(size.group(1)) if size else 0, group)
for group, functions in sorted(groups.items(), key=lambda kv: order(kv[0])):
    baselines = [f for f in functions if f.startswith("baseline: ")]
    ours = functions.get("ours")
    base = functions[baselines[0]] if baselines else None
    per = "request" if group.startswith("GET ") else "order"
    print(json.dumps({
        "section": "Hot path per order", "row": group, "unit": f"ns/{per}",
        "ours": None if ours is None else round(ours, 1),
        "baseline": None if base is None else round(base, 1),
        "baseline_name": baselines[0][len("baseline: "):] if baselines else None,
        "better": "lower",
        "note": f"criterion median, {build}; cargo bench -p switchyard-bench --bench hot_path",
        "duration_ms": None if ours is None else ours / 1e6,
    }))
if not groups:
    sys.exit("hot-path.sh: criterion wrote no estimates")
PY
