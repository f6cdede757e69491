#!/usr/bin/env bash
# Installs the Powertools peer into .switchyard/bench/peers/powertools-orders/ (a venv) from PyPI,
# with exactly the pinned requirements. Idempotent: does nothing when the venv already holds
# this requirements.txt (its hash is stamped in the venv).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DEST=$ROOT/.switchyard/bench/peers/powertools-orders
STAMP=$DEST/.requirements.sha256
want=$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)
if [[ -f $STAMP && $(cat "$STAMP") == "$want" && -x $DEST/bin/python ]]; then
    exit 0
fi
echo "==> installing the Powertools peer into $DEST" >&2
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
python3 -m venv "$DEST"
# --no-deps: requirements.txt is the whole closure, so nothing unpinned slips in.
"$DEST/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$HERE/requirements.txt" >&2
echo "$want" >"$STAMP"
