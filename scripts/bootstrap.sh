#!/usr/bin/env bash
# Installs the local stack's tools into project-local folders, nothing global:
# a Python venv (.switchyard/venv) with the pinned moto, Tryton and cargo-lambda from
# local/requirements.txt. Re-runs are no-ops until the requirements change. Also Debian's
# chromium (system package, installed only when missing) for the ops page's browser test.
#
#   scripts/bootstrap.sh           the stack's tools (above)
#   scripts/bootstrap.sh checkov   only checkov (scripts/infra.sh check), pinned in
#                                  local/checkov-requirements.txt, into its own venv
#                                  .switchyard/checkov-venv: its boto3/botocore pins would fight moto's
#   scripts/bootstrap.sh schemathesis   likewise schemathesis (the API conformance test),
#                                  local/schemathesis-requirements.txt, .switchyard/schemathesis-venv
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

# A tool whose pins would fight moto's (boto3, botocore, jsonschema, requests) gets its own venv.
if [[ ${1:-} == checkov || ${1:-} == schemathesis ]]; then
    TOOL=$1
    T_VENV=.switchyard/$TOOL-venv
    T_STAMP=$T_VENV/.requirements.sha256
    t_want=$(sha256sum "local/$TOOL-requirements.txt" | cut -d' ' -f1)
    t_ready() { [[ -f $T_STAMP && $(cat "$T_STAMP") == "$t_want" && -x $T_VENV/bin/$TOOL ]]; }
    t_ready && exit 0
    if [[ -z ${SWITCHYARD_BOOTSTRAP_LOCKED:-} ]]; then
        mkdir -p .switchyard
        real=$(python3 -c 'import os, sys; print(os.path.realpath(sys.argv[1]))' "$T_VENV")
        SWITCHYARD_BOOTSTRAP_LOCKED=1 exec scripts/with-lock.sh "$real.lock" scripts/bootstrap.sh "$TOOL"
    fi
    t_ready && exit 0 # another bootstrap finished it while this one waited
    echo "==> installing $TOOL into $T_VENV (its own venv; ~1 min the first time)"
    [[ -x $T_VENV/bin/python ]] || python3 -m venv "$T_VENV"
    "$T_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$T_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "local/$TOOL-requirements.txt"
    echo "$t_want" >"$T_STAMP"
    exit 0
fi

# Debian's headless Chromium renders the ops page in the end-to-end test (tests/e2e/tests/ops_page.rs).
# System-wide, so only when missing; apt waits for another install's lock instead of failing.
if ! command -v chromium >/dev/null; then
    echo "==> installing Debian's chromium (headless; the ops page test drives it)"
    sudo=(); [[ $(id -u) == 0 ]] || sudo=(sudo)
    apt_get() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }
    apt_get install -y --no-install-recommends chromium >/dev/null \
        || { apt_get update >/dev/null && apt_get install -y --no-install-recommends chromium >/dev/null; } \
        || { echo "bootstrap: could not install chromium (apt-get install chromium)" >&2; exit 1; }
fi

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
