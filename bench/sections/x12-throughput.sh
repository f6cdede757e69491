#!/usr/bin/env bash
# X12 throughput: switchyard-x12 against node-x12 on the same generated interchange of 850s.
# Prints JSON-lines table rows on stdout (see scripts/bench.sh); progress goes to stderr.
#   bench/sections/x12-throughput.sh [--quick]
# Full: release build, 2,000 850s x 20 PO1 lines (~5 MB), 31 rounds (node-x12: 3).
# --quick: the dev build, 100 sets, 3 rounds (node-x12: 1): checks the section runs, not speed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1

out="$root/.switchyard/bench"
mkdir -p "$out"
bench/peers/node-x12/install.sh
peer_modules="$out/peers/node-x12/node_modules"

target="${CARGO_TARGET_DIR:-$root/target}"
if (( quick )); then
  profile=debug; build=(); sets=100; rounds=3; peer_rounds=1
else
  profile=release; build=(--release); sets=2000; rounds=31; peer_rounds=3
fi
echo "x12-throughput: building the throughput example ($profile)" >&2
cargo build "${build[@]}" -p switchyard-x12 --example throughput 1>&2
bin="$target/$profile/examples/throughput"

file="$out/x12-850s-$sets.x12"
"$bin" generate "$file" --sets "$sets" --lines 20

# Each in its own process, so each peak RSS is that run's own.
parse="$("$bin" parse "$file" --rounds "$rounds")"
read_map="$("$bin" read-map "$file" --rounds "$rounds")"
peer="$(NODE_PATH="$peer_modules" node bench/peers/node-x12/parse.js "$file" "$peer_rounds")"
echo "x12-throughput: ours parse $parse" >&2
echo "x12-throughput: ours read-map $read_map" >&2
echo "x12-throughput: node-x12 $peer" >&2

PARSE="$parse" READ_MAP="$read_map" PEER="$peer" QUICK="$quick" SETS="$sets" python3 - <<'PY'
import json, os
parse = json.loads(os.environ["PARSE"])
read_map = json.loads(os.environ["READ_MAP"])
peer = json.loads(os.environ["PEER"])
quick = os.environ["QUICK"] == "1"
sets = int(os.environ["SETS"])
mb = parse["file_bytes"] / 1e6
size = f"{mb:.1f} MB interchange ({sets} 850s x 20 PO1)"
name = f"node-x12 {peer['version']}"
caveat = " Quick mode: dev build and a small file; the numbers are not results (run bench/sections/x12-throughput.sh)." if quick else ""
def rss_x(run):
    return round(run["peak_rss_kb"] * 1024 / parse["file_bytes"], 2)
cpu = lambda run: f" By CPU time (mean of rounds, steady on a loaded machine): {run['cpu_mb_per_s']} MB/s."
rows = [
    {"row": f"parse alone, {size}", "unit": "MB/s", "ours": parse["mb_per_s"],
     "baseline": peer["mb_per_s"], "better": "higher", "goal": ">= 500",
     "note": "wall-clock median of rounds, like the peer's; the body is in memory before timing and handed to parse_interchange_owned." + cpu(parse) + caveat,
     "duration_ms": parse["median_ms"], "cpu_ms": parse["cpu_mean_ms"],
     "cpu_mb_per_s": parse["cpu_mb_per_s"]},
    {"row": f"parse + read 850 + map to order, {size}", "unit": "MB/s", "ours": read_map["mb_per_s"],
     "baseline": peer["mb_per_s"], "better": "higher", "goal": ">= 200",
     "note": "the peer only parses (node-x12 has no 850 reader or order mapping)." + cpu(read_map) + caveat,
     "duration_ms": read_map["median_ms"], "cpu_ms": read_map["cpu_mean_ms"],
     "cpu_mb_per_s": read_map["cpu_mb_per_s"]},
    {"row": f"peak RSS / file size, parse + read + map, {size}", "unit": "x file", "ours": rss_x(read_map),
     "baseline": rss_x(peer), "better": "lower", "goal": "<= 3",
     "note": "whole-process peak (VmHWM; node: maxRSS), the input buffer and ~3 MB of empty process included; the peer only parses." + caveat,
     "memory_mb": round(read_map["peak_rss_kb"] / 1024, 1),
     "parse_memory_mb": round(parse["peak_rss_kb"] / 1024, 1)},
]
for row in rows:
    row = {"section": "X12 throughput", **row, "baseline_name": name, "file_mb": round(mb, 2)}
    print(json.dumps(row))
PY
