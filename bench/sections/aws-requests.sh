#!/usr/bin/env bash
# AWS requests per accepted order, counted at moto's request recorder, for the v1 API, Shopify
# webhook, X12 850 and Amazon notification paths (bench/aws_requests.py). Needs a running stack:
# scripts/bench.sh exports its local.env.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec python3 bench/aws_requests.py "$@"
