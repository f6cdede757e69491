#!/usr/bin/env bash
# Installs node-x12, pinned by package-lock.json, into .switchyard/bench/peers/node-x12/ from
# the npm registry. Idempotent: does nothing when that lock is already installed there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
dest="$root/.switchyard/bench/peers/node-x12"
mkdir -p "$dest"
if [[ -d "$dest/node_modules/node-x12" ]] && cmp -s "$here/package-lock.json" "$dest/package-lock.json"; then
  echo "node-x12 peer already installed in $dest" >&2
  exit 0
fi
cp "$here/package.json" "$here/package-lock.json" "$dest/"
# npm ci installs exactly the lock and nothing else; its progress goes to stderr.
(cd "$dest" && npm ci --no-audit --no-fund --ignore-scripts 1>&2)
echo "node-x12 peer installed in $dest" >&2
