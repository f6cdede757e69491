#!/usr/bin/env bash
# Pushes a few sample orders through the running stack and prints where each one ended.
#   scripts/samples.sh [ENV_FILE]   (default .switchyard/local.env)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec python3 local/samples.py "${1:-.switchyard/local.env}"
