#!/usr/bin/env python3
"""Fails `make test` when a test did not run: reads the log of
`cargo test --workspace --features live` and checks that

* every target that requires the `live` feature (found with `cargo metadata`) ran,
* nothing was ignored or filtered out, nothing failed,
* the number of tests that passed equals the number `cargo test -- --list` announced.

Usage: check-test-run.py RUN_LOG LIST_LOG
"""
import json
import re
import subprocess
import sys

run_log, list_log = sys.argv[1], sys.argv[2]
run = open(run_log, encoding="utf-8", errors="replace").read()
listed = sum(1 for line in open(list_log, encoding="utf-8", errors="replace")
             if line.rstrip().endswith(": test"))

meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--no-deps"]))
live = sorted((p["name"], t["src_path"]) for p in meta["packages"] for t in p["targets"]
              if "live" in (t.get("required-features") or []))

problems = []
ran_paths = re.findall(r"^\s*Running (\S+) \(", run, re.M)
for package, path in live:
    relative = path.split("/")[-2] + "/" + path.split("/")[-1]
    if not any(r.endswith(relative) for r in ran_paths):
        problems.append(f"live target {package} {relative} did not run")
results = re.findall(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored; "
                     r"(\d+) measured; (\d+) filtered out", run)
passed, failed, ignored, _, filtered = (sum(int(r[i]) for r in results) for i in range(5))
if failed:
    problems.append(f"{failed} tests failed")
if ignored or filtered:
    problems.append(f"{ignored} ignored and {filtered} filtered out: every test must run")
if passed != listed:
    problems.append(f"{passed} tests passed but {listed} were listed")
if not live:
    problems.append("no target requires the `live` feature: the stack tests are not wired")

if problems:
    print("make test: NOT every test ran and passed:", file=sys.stderr)
    for p in problems:
        print("  - " + p, file=sys.stderr)
    sys.exit(1)
print(f"make test: {passed} tests passed ({len(live)} targets against the local stack), "
      "none skipped")
