#!/usr/bin/env bash
# Terraform for Switchyard: checks both roots, provisions the local emulator.
#
#   scripts/infra.sh check [WORK_DIR]               fmt -check, init -backend=false, validate (both roots),
#                                                   no wildcard IAM actions, checkov (decision 0022)
#   scripts/infra.sh apply-local ENDPOINT OUT_JSON  fresh apply of infra/local against moto at ENDPOINT;
#                                                   runner_config -> OUT_JSON, all outputs -> ${OUT_JSON%.json}.outputs.json
#
# Nothing is written into infra/ except each root's .terraform.lock.hcl (and apply-local never
# writes that: it inits with -lockfile=readonly). Each run has its own working directory, so a
# stack's apply and a check, or two stacks' applies, never share a data dir, state or log:
#   apply-local  the directory of OUT_JSON (the stack's, e.g. .switchyard/dev/): provider plugins
#                and module links in terraform/local (TF_DATA_DIR), state in
#                terraform/local.tfstate, the log in logs/terraform.log
#   check        WORK_DIR (default .switchyard/check): terraform/<root> and logs/; two checks
#                with the same WORK_DIR take turns (a lock in it)
# Shared by every run: only .switchyard/terraform-mirror-path, the found provider mirror (written
# whole, by rename). Extra root variables can be passed as TF_VAR_* (for example TF_VAR_erp_url,
# TF_VAR_orders_max_receive_count).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIRROR_CACHE="$REPO/.switchyard/terraform-mirror-path"
PROVIDER_VERSION="5.100.0"
PROVIDER_ADDR="registry.terraform.io/hashicorp/aws"
# Set per command: TF_WORK (data dirs, state, CLI config) and LOG_DIR.
TF_WORK=""
LOG_DIR=""

die() { echo "infra.sh: $*" >&2; exit 1; }

command -v terraform >/dev/null || die "terraform not found on PATH"

# --- provider installation ---------------------------------------------------------------
# The registry is unreachable on the build machines; hashicorp/aws lives in a filesystem
# mirror. Find it once (cheap check of /opt/tf-plugins, a full-disk search only as a last
# resort), cache the result (for every stack: written to a temp file and renamed, so a
# concurrent reader sees the old path or the new one, never half of one), and write a CLI
# config that uses it.
remember_mirror() {
  local tmp
  mkdir -p "$(dirname "$MIRROR_CACHE")"
  tmp="$(mktemp "$MIRROR_CACHE.XXXXXX")"
  echo "$1" >"$tmp" && mv -f "$tmp" "$MIRROR_CACHE" || rm -f "$tmp"
}

find_mirror() {
  local cache="$MIRROR_CACHE" dir file
  if [[ -s "$cache" ]]; then
    dir="$(cat "$cache")"
    if [[ -d "$dir/$PROVIDER_ADDR/$PROVIDER_VERSION" ]]; then echo "$dir"; return 0; fi
  fi
  for dir in /opt/tf-plugins; do
    if [[ -d "$dir/$PROVIDER_ADDR/$PROVIDER_VERSION" ]]; then
      remember_mirror "$dir"; echo "$dir"; return 0
    fi
  done
  file="$(find / -xdev \( -path /proc -o -path /sys -o -path "$REPO" \) -prune -o \
            -type f -name "terraform-provider-aws_v${PROVIDER_VERSION}*" -print 2>/dev/null | head -n1 || true)"
  if [[ -n "$file" ]]; then
    # <mirror>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/<binary>
    dir="$(cd "$(dirname "$file")/../../../../.." && pwd)"
    if [[ -d "$dir/$PROVIDER_ADDR/$PROVIDER_VERSION" ]]; then
      remember_mirror "$dir"; echo "$dir"; return 0
    fi
  fi
  return 1
}

# write_cli_config: a CLI config in this run's own TF_WORK (never one another run is reading).
write_cli_config() {
  local mirror cfg="$TF_WORK/cli.tfrc"
  mkdir -p "$TF_WORK" "$LOG_DIR"
  if mirror="$(find_mirror)"; then
    cat >"$cfg" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["$PROVIDER_ADDR"]
  }
  direct {
    exclude = ["$PROVIDER_ADDR"]
  }
}
CFG
  else
    : >"$cfg" # no mirror: install from the registry as usual
  fi
  export TF_CLI_CONFIG_FILE="$cfg"
}

export TF_IN_AUTOMATION=1
export TF_INPUT=0
unset TF_WORKSPACE

# terraform against one root with its own data dir: tf ROOT ARGS...
tf() {
  local root="$1"; shift
  TF_DATA_DIR="$TF_WORK/$root" terraform -chdir="$REPO/infra/$root" "$@"
}

cmd_check() {
  [[ $# -le 1 ]] || die "usage: scripts/infra.sh check [WORK_DIR]"
  local work="${1:-$REPO/.switchyard/check}"
  mkdir -p "$work"
  work="$(cd "$work" && pwd)"
  if [[ -z ${SWITCHYARD_INFRA_CHECK_LOCKED:-} ]]; then
    SWITCHYARD_INFRA_CHECK_LOCKED=1 exec "$REPO/scripts/with-lock.sh" "$work/check.lock" \
      "$REPO/scripts/infra.sh" check "$work"
  fi
  TF_WORK="$work/terraform"
  LOG_DIR="$work/logs"
  write_cli_config
  local root
  echo "terraform fmt -check -recursive infra"
  if ! terraform fmt -check -recursive -diff "$REPO/infra"; then
    die "formatting differs: run 'terraform fmt -recursive infra'"
  fi
  for root in local aws; do
    echo "terraform validate infra/$root"
    tf "$root" init -backend=false -input=false -no-color >"$LOG_DIR/terraform-init-$root.log" 2>&1 \
      || { cat "$LOG_DIR/terraform-init-$root.log" >&2; die "init failed for infra/$root"; }
    tf "$root" validate -no-color
  done
  check_no_wildcard_actions
  run_checkov
}

# No IAM action with a wildcard ("sqs:*", "dynamodb:Get*") in any policy of either root. The
# function module validates its roles' statements too; this also covers queue and key policies.
# The one exception AWS requires (a key policy's account-root kms:*) carries "wildcard-ok:" and
# its reason on the line.
check_no_wildcard_actions() {
  local hits
  echo "no wildcard IAM actions in infra"
  hits="$(grep -rnE --include='*.tf' '"[a-z0-9-]+:[A-Za-z]*\*"' "$REPO/infra" | grep -v 'wildcard-ok:' || true)"
  [[ -z $hits ]] || { echo "$hits" >&2; die "wildcard IAM actions: list every action explicitly"; }
}

# checkov over infra/ (both roots and the modules). Fails on any failed check, and on any skip
# without a written reason (#checkov:skip=CKV_…:reason beside the resource). One summary line.
run_checkov() {
  local venv="$REPO/.switchyard/checkov-venv" out="$LOG_DIR/checkov" status=0
  echo "checkov infra"
  "$REPO/scripts/bootstrap.sh" checkov
  rm -rf "$out"
  mkdir -p "$out"
  # --skip-download: no policies or guidelines fetched from a platform; only checkov's own checks.
  "$venv/bin/checkov" --directory "$REPO/infra" --framework terraform --skip-download --compact \
    --output cli --output json --output-file-path "$out" >"$LOG_DIR/checkov.log" 2>&1 || status=$?
  [[ -s $out/results_json.json ]] || { cat "$LOG_DIR/checkov.log" >&2; die "checkov did not run (exit $status)"; }
  "$venv/bin/python" - "$out/results_json.json" <<'PY' || { cat "$out/results_cli.txt" >&2; die "checkov: failed checks or unjustified skips (above; full report in $out)"; }
import json, sys
reports = json.load(open(sys.argv[1]))
reports = reports if isinstance(reports, list) else [reports]
passed = sum(r["summary"]["passed"] for r in reports)
failed = sum(r["summary"]["failed"] for r in reports)
skips = [c for r in reports for c in r["results"].get("skipped_checks", [])]
bare = [c for c in skips if not (c.get("check_result", {}).get("suppress_comment") or "").strip()
        or c["check_result"]["suppress_comment"].strip() == "No comment provided"]
for c in bare:
    print(f"checkov: skip of {c['check_id']} on {c['resource']} ({c['file_path']}) has no reason", file=sys.stderr)
print(f"checkov: passed {passed}, failed {failed}, skipped {len(skips)} (each skip with its reason beside the resource)")
sys.exit(1 if failed or bare else 0)
PY
}

cmd_apply_local() {
  [[ $# -eq 2 ]] || die "usage: scripts/infra.sh apply-local ENDPOINT OUT_JSON"
  local endpoint="$1" out="$2" outputs state start tmp dir LOG
  outputs="${out%.json}.outputs.json"
  start=$SECONDS
  dir="$(dirname "$out")"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  TF_WORK="$dir/terraform"
  LOG_DIR="$dir/logs"
  LOG="$LOG_DIR/terraform.log"
  state="$TF_WORK/local.tfstate"
  write_cli_config

  # moto starts empty every time: any previous state describes resources that are gone.
  rm -f "$state" "$state.backup"
  : >"$LOG"

  if command -v curl >/dev/null && ! curl -s -o /dev/null --max-time 3 "$endpoint"; then
    die "no AWS emulator answering at $endpoint"
  fi

  {
    echo "== init ($(date -u +%FT%TZ))"
    tf local init -input=false -no-color -reconfigure -lockfile=readonly -backend-config="path=$state"
    echo "== apply"
    tf local apply -input=false -no-color -auto-approve -parallelism=20 -var "endpoint=$endpoint"
  } >>"$LOG" 2>&1 || {
    echo "infra.sh: terraform apply of infra/local against $endpoint failed; last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  }

  tmp="$(mktemp "$out.XXXXXX")"
  tf local output -no-color -json runner_config >"$tmp" 2>>"$LOG" && mv "$tmp" "$out" \
    || { rm -f "$tmp"; tail -n 20 "$LOG" >&2; die "terraform output failed"; }
  tmp="$(mktemp "$outputs.XXXXXX")"
  tf local output -no-color -json >"$tmp" 2>>"$LOG" && mv "$tmp" "$outputs" \
    || { rm -f "$tmp"; tail -n 20 "$LOG" >&2; die "terraform output failed"; }

  echo "infra: local stack provisioned at $endpoint in $((SECONDS - start))s -> $out"
}

case "${1:-}" in
  check) shift; cmd_check "$@" ;;
  apply-local) shift; cmd_apply_local "$@" ;;
  *) echo "usage: scripts/infra.sh check [WORK_DIR] | apply-local ENDPOINT OUT_JSON" >&2; exit 2 ;;
esac
