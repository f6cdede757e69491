#!/usr/bin/env bash
# Installs the local stack's tools into project-local folders, nothing global:
# a Python venv (.switchyard/venv) with the pinned moto, Tryton and cargo-lambda from
# local/requirements.txt. Re-runs are no-ops until the requirements change.
#
# Several stacks (make up and make test, or checkouts whose .switchyard/venv is a symlink to one
# venv) may bootstrap at the same moment: an install runs under a lock beside the venv's real
# path, and whoever waited for it re-checks and finds the work done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.switchyard/venv
STAMP=$VENV/.requirements.sha256
want=$(sha256sum local/requirements.txt | cut -d' ' -f1)

command -v python3 >/dev/null || { echo "bootstrap: python3 (3.11+) is required" >&2; exit 1; }
command -v cargo >/dev/null || { echo "bootstrap: cargo (Rust 1.94+) is required" >&2; exit 1; }
command -v terraform >/dev/null || { echo "bootstrap: terraform (1.11) is required" >&2; exit 1; }

ready() { [[ -f $STAMP && $(cat "$STAMP") == "$want" && -x $VENV/bin/moto_server ]]; }
ready && exit 0
if [[ -z ${SWITCHYARD_BOOTSTRAP_LOCKED:-} ]]; then
    # The lock sits beside the venv's real directory, so every checkout sharing it shares the lock.
    real=$(python3 -c 'import os, sys; print(os.path.realpath(sys.argv[1]))' "$VENV")
    SWITCHYARD_BOOTSTRAP_LOCKED=1 exec scripts/with-lock.sh "$real.lock" scripts/bootstrap.sh "$@"
fi
ready && exit 0 # another bootstrap finished it while this one waited
echo "==> installing the local stack's Python tools into $VENV (moto, Tryton, cargo-lambda; ~1 min the first time)"
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r local/requirements.txt
echo "$want" >"$STAMP"
