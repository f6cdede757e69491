#!/usr/bin/env bash
# Release zip size per function (arm64, `cargo lambda build --release --arm64 --output-format
# zip`), goal <= 5 MB each, against the Powertools peer's deployment package zipped (its handler
# and the dependencies the Lambda Python runtime does not provide). Rows as JSON lines on stdout.
#
#   bench/sections/zip-size.sh           builds the zips (minutes), then reports them
#   bench/sections/zip-size.sh --quick   builds nothing: reports the zips already in the target
#                                        dir, and rows with "ours":null for the ones missing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
QUICK=0
[[ ${1:-} == --quick ]] && QUICK=1
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PEER=$ROOT/.switchyard/bench/peers/powertools-orders
# Every Lambda in infra/aws/main.tf: a package per function crate, a zip per binary.
PACKAGES=(-p orders-api -p order-processor -p webhooks -p edi -p amazon-notifications -p erp-changes
    -p catalog-projector -p channel-push -p order-tracker -p ops-api -p reconciler -p dlq-redrive)
BINS=(orders-api webhooks edi-api edi-acknowledger edi-inventory-advice amazon-notifications
    order-processor erp-changes reconciler catalog-projector order-tracker ops-api dlq-redrive
    stock-push-shopify stock-push-woocommerce stock-push-amazon fulfilment-push-shopify
    fulfilment-push-woocommerce fulfilment-push-amazon)
BUILD="cargo lambda build --release --arm64 --output-format zip ${PACKAGES[*]}"

bench/peers/powertools-orders/install.sh >&2
if ((!QUICK)); then
    # cargo-lambda cross-compiles with zig, but the Rust standard library for arm64 comes from
    # rustup.
    rustup target list --installed | grep -qx aarch64-unknown-linux-gnu ||
        rustup target add aarch64-unknown-linux-gnu >&2
    echo "==> $BUILD" >&2
    PATH="$ROOT/.switchyard/venv/bin:$PATH" $BUILD >&2
fi

python3 - "$TARGET/lambda" "$PEER" "$ROOT/bench/peers/powertools-orders" "$QUICK" "$BUILD" "${BINS[@]}" <<'PY'
import io, json, pathlib, sys, zipfile
lambda_dir, peer, peer_src, quick, build = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
bins = sys.argv[6:]
MB = 1024 * 1024

# The peer's package as one would upload it: app.py plus its site-packages, less what the Lambda
# Python runtime already has (boto3 and its dependencies) and the Runtime Interface Client
# (the runtime's own). Zipped with deflate, as `zip -r` and SAM do; no bytecode caches.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil",
                    "six", "urllib3", "awslambdaric", "simplejson", "snapshot_restore_py",
                    "pip", "setuptools", "_distutils_hack"}
BOTO = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "six", "urllib3"}
site = next(peer.glob("lib/python*/site-packages"))
def top(path):
    name = path.relative_to(site).parts[0]
    for suffix in (".dist-info", ".py", ".pth"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.split("-")[0].lower().replace("-", "_")
def package(with_boto):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(peer_src / "app.py", "app.py")
        for f in sorted(site.rglob("*")):
            if not f.is_file() or "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            t = top(f)
            if t in RUNTIME_PROVIDED and not (with_boto and t in BOTO):
                continue
            z.write(f, str(f.relative_to(site)))
    return len(buf.getvalue()) / MB
peer_mb = package(False)
peer_boto_mb = package(True)
for name in bins:
    z = lambda_dir / name / "bootstrap.zip"
    row = {"section": "Release zip size", "row": f"{name} (arm64 bootstrap.zip)", "unit": "MB",
           "baseline": round(peer_mb, 2), "baseline_name": "Powertools peer package",
           "better": "lower", "goal": "<= 5", "function": name}
    peer_note = (f"baseline: app.py + Powertools + pydantic zipped, boto3 not counted (the Lambda "
                 f"Python runtime provides it; with boto3 and botocore it is {peer_boto_mb:.1f} MB)")
    if z.is_file():
        with zipfile.ZipFile(z) as zf:
            unzipped = sum(i.file_size for i in zf.infolist())
        row["ours"] = round(z.stat().st_size / MB, 2)
        row["unzipped_mb"] = round(unzipped / MB, 2)
        row["note"] = f"{z.stat().st_size} bytes, {unzipped / MB:.1f} MB unzipped; {peer_note}"
    else:
        row["ours"] = None
        why = "--quick builds nothing and no zip is in the target dir" if quick else "the build made no zip"
        row["note"] = f"not measured: {why}; measured by: {build}; {peer_note}"
    print(json.dumps(row))
PY
