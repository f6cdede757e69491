#!/usr/bin/env bash
# `make test`: starts a private stack (STACK=test: its own ports and state), runs every test
# against it, checks the Terraform, and stops the stack whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export STACK=test

trap 'scripts/stack.sh stop' EXIT
scripts/stack.sh start
set -a
# shellcheck disable=SC1091
source .switchyard/test/local.env
set +a

echo "==> Terraform: fmt, validate (both roots)"
scripts/infra.sh check
echo "==> cargo test (unit, adapter, handler, end to end)"
cargo test --workspace --no-fail-fast
