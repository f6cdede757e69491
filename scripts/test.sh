#!/usr/bin/env bash
# `make test`: starts a private stack (STACK=test: its own ports and state), runs every test
# against it, checks the Terraform, and stops the stack whatever happens.
#
# Two tiers (see README): `cargo test --workspace` needs no service; the targets that need
# moto, Tryton or the local runner require the `live` feature, turned on here. The run fails
# if any test, of either tier, did not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export STACK=test
LOGS=.switchyard/$STACK/logs

trap 'scripts/stack.sh stop' EXIT
scripts/stack.sh start
set -a
# shellcheck disable=SC1091
source ".switchyard/$STACK/local.env"
set +a

echo "==> Terraform: fmt, validate (both roots), no wildcard IAM actions, checkov (scripts/infra.sh check)"
scripts/infra.sh check ".switchyard/$STACK/check" # its own data dir, not make check's nor a stack's
scripts/bootstrap.sh schemathesis # tests/e2e/tests/conformance.rs runs it against the stack
scripts/fuzz.sh --ci # bounded fuzzing pass, every target a few seconds, fails on a crash (fuzz/README.md)
echo "==> cargo test --workspace --features live (every tier: unit, contract, handler, adapter, end to end)"
mkdir -p "$LOGS"
cargo test --workspace --features live --quiet -- --list --format terse >"$LOGS/cargo-test-list.log" 2>/dev/null
status=0
cargo test --workspace --features live --no-fail-fast 2>&1 | tee "$LOGS/cargo-test.log" || status=$?
scripts/check-test-run.py "$LOGS/cargo-test.log" "$LOGS/cargo-test-list.log" || status=1
# Benchmarks are not timed tests: this only checks that every section still runs against this
# stack and prints its rows (bench/README.md); `make bench` is the real run.
echo "==> make bench QUICK=1 (every benchmark section runs and prints its table)"
scripts/bench.sh --quick || status=1
exit "$status"
