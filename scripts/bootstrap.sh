#!/usr/bin/env bash
# Installs the local stack's tools into project-local folders, nothing global:
# a Python venv (.switchyard/venv) with the pinned moto, Tryton and cargo-lambda from
# local/requirements.txt. Re-runs are no-ops until the requirements change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.switchyard/venv
STAMP=$VENV/.requirements.sha256
want=$(sha256sum local/requirements.txt | cut -d' ' -f1)

command -v python3 >/dev/null || { echo "bootstrap: python3 (3.11+) is required" >&2; exit 1; }
command -v cargo >/dev/null || { echo "bootstrap: cargo (Rust 1.94+) is required" >&2; exit 1; }
command -v terraform >/dev/null || { echo "bootstrap: terraform (1.11) is required" >&2; exit 1; }

if [[ -f $STAMP && $(cat "$STAMP") == "$want" && -x $VENV/bin/moto_server ]]; then
    exit 0
fi
echo "==> installing the local stack's Python tools into $VENV (moto, Tryton, cargo-lambda; ~1 min the first time)"
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r local/requirements.txt
echo "$want" >"$STAMP"
