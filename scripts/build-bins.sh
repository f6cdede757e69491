#!/usr/bin/env bash
# The debug build of every binary the local stack and the quick bench run: the functions, the
# local runner, the CLI, the sandboxes and the bench tools (cold_start, burst). One package set
# for every caller, because cargo unifies features per invocation: a caller that built a subset
# (`-p switchyard-bench` alone, say) got other features for the shared crates and rebuilt them,
# minutes on 2 cores. After the first call, every later one is a no-op.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo build --quiet --bins -p orders-api -p order-processor -p webhooks -p edi \
    -p amazon-notifications -p erp-changes -p catalog-projector -p channel-push -p order-tracker \
    -p reconciler -p ops-api -p dlq-redrive -p switchyard-local -p switchyard -p sp-api-sandbox \
    -p shopify-sandbox -p woo-sandbox -p switchyard-bench "$@"
