#!/usr/bin/env bash
# Terraform for Switchyard: checks both roots, provisions the local emulator.
#
#   scripts/infra.sh check                          fmt -check, init -backend=false, validate (both roots)
#   scripts/infra.sh apply-local ENDPOINT OUT_JSON  fresh apply of infra/local against moto at ENDPOINT;
#                                                   runner_config -> OUT_JSON, all outputs -> ${OUT_JSON%.json}.outputs.json
#
# Nothing is written into infra/ except each root's .terraform.lock.hcl: provider plugins and
# module links live under .switchyard/terraform/<root> (TF_DATA_DIR), local state in
# .switchyard/terraform/local.tfstate. Extra root variables can be passed as TF_VAR_* (for
# example TF_VAR_erp_url, TF_VAR_orders_max_receive_count).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TF_WORK="$REPO/.switchyard/terraform"
LOG_DIR="$REPO/.switchyard/logs"
LOG="$LOG_DIR/terraform.log"
PROVIDER_VERSION="5.100.0"
PROVIDER_ADDR="registry.terraform.io/hashicorp/aws"

die() { echo "infra.sh: $*" >&2; exit 1; }

command -v terraform >/dev/null || die "terraform not found on PATH"
mkdir -p "$TF_WORK" "$LOG_DIR"

# --- provider installation ---------------------------------------------------------------
# The registry is unreachable on the build machines; hashicorp/aws lives in a filesystem
# mirror. Find it once (cheap check of /opt/tf-plugins, a full-disk search only as a last
# resort), cache the result, and write a CLI config that uses it.
find_mirror() {
  local cache="$TF_WORK/mirror-path" dir file
  if [[ -s "$cache" ]]; then
    dir="$(cat "$cache")"
    if [[ -d "$dir/$PROVIDER_ADDR/$PROVIDER_VERSION" ]]; then echo "$dir"; return 0; fi
  fi
  for dir in /opt/tf-plugins; do
    if [[ -d "$dir/$PROVIDER_ADDR/$PROVIDER_VERSION" ]]; then
      echo "$dir" >"$cache"; echo "$dir"; return 0
    fi
  done
  file="$(find / -xdev \( -path /proc -o -path /sys -o -path "$REPO" \) -prune -o \
            -type f -name "terraform-provider-aws_v${PROVIDER_VERSION}*" -print 2>/dev/null | head -n1 || true)"
  if [[ -n "$file" ]]; then
    # <mirror>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/<binary>
    dir="$(cd "$(dirname "$file")/../../../../.." && pwd)"
    if [[ -d "$dir/$PROVIDER_ADDR/$PROVIDER_VERSION" ]]; then
      echo "$dir" >"$cache"; echo "$dir"; return 0
    fi
  fi
  return 1
}

write_cli_config() {
  local mirror cfg="$TF_WORK/cli.tfrc"
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

write_cli_config
export TF_IN_AUTOMATION=1
export TF_INPUT=0
unset TF_WORKSPACE

# terraform against one root with its own data dir: tf ROOT ARGS...
tf() {
  local root="$1"; shift
  TF_DATA_DIR="$TF_WORK/$root" terraform -chdir="$REPO/infra/$root" "$@"
}

cmd_check() {
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
}

cmd_apply_local() {
  [[ $# -eq 2 ]] || die "usage: scripts/infra.sh apply-local ENDPOINT OUT_JSON"
  local endpoint="$1" out="$2" outputs state="$TF_WORK/local.tfstate" start tmp
  outputs="${out%.json}.outputs.json"
  start=$SECONDS

  # moto starts empty every time: any previous state describes resources that are gone.
  rm -f "$state" "$state.backup"
  : >"$LOG"

  if command -v curl >/dev/null && ! curl -s -o /dev/null --max-time 3 "$endpoint"; then
    die "no AWS emulator answering at $endpoint"
  fi

  {
    echo "== init ($(date -u +%FT%TZ))"
    tf local init -input=false -no-color -reconfigure -backend-config="path=$state"
    echo "== apply"
    tf local apply -input=false -no-color -auto-approve -parallelism=20 -var "endpoint=$endpoint"
  } >>"$LOG" 2>&1 || {
    echo "infra.sh: terraform apply of infra/local against $endpoint failed; last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  }

  mkdir -p "$(dirname "$out")" "$(dirname "$outputs")"
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
  *) echo "usage: scripts/infra.sh check | apply-local ENDPOINT OUT_JSON" >&2; exit 2 ;;
esac
