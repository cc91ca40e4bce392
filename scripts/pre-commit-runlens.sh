#!/usr/bin/env bash
# runlens-plan, the pre-commit hook of .pre-commit-hooks.yaml: runs
#   runlens scan --plan FILE --fail-on "${RUNLENS_FAIL_ON:-high}"
# on each Terraform plan JSON file (terraform show -json) given as an
# argument, and exits non-zero when any of them plans an open finding at
# least that severe (low, medium, high or critical) or cannot be scanned.
# Each plan's findings are printed; --tf-dir is the plan file's directory.
#
# The runlens binary is $RUNLENS_BIN if set, else runlens on PATH, else one
# built with Go from the runlens checkout this script is in (pre-commit's
# clone of the hook repository), once per commit, into
# ${XDG_CACHE_HOME:-~/.cache}/runlens/pre-commit/.
set -uo pipefail

fail_on="${RUNLENS_FAIL_ON:-high}"

runlens_bin() {
  if [ -n "${RUNLENS_BIN:-}" ]; then
    printf '%s\n' "$RUNLENS_BIN"
    return
  fi
  if command -v runlens >/dev/null 2>&1; then
    command -v runlens
    return
  fi
  local src rev out
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if ! command -v go >/dev/null 2>&1 || [ ! -f "$src/go.mod" ]; then
    echo "runlens-plan: no runlens: set RUNLENS_BIN, put runlens on PATH, or install Go to build it" >&2
    return 1
  fi
  rev="$(git -C "$src" rev-parse HEAD 2>/dev/null)" || rev=""
  if [ -n "$rev" ] && [ -z "$(git -C "$src" status --porcelain 2>/dev/null)" ]; then
    out="${XDG_CACHE_HOME:-$HOME/.cache}/runlens/pre-commit/$rev/runlens"
  else
    out="${XDG_CACHE_HOME:-$HOME/.cache}/runlens/pre-commit/worktree/runlens" # rebuilt every run
    rm -f "$out"
  fi
  if [ ! -x "$out" ]; then
    echo "runlens-plan: building runlens from $src" >&2
    (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$out" ./cmd/server) >&2 || return 1
  fi
  printf '%s\n' "$out"
}

[ "$#" -gt 0 ] || exit 0
bin="$(runlens_bin)" || exit 1

status=0
for plan in "$@"; do
  "$bin" scan --plan "$plan" --fail-on "$fail_on"
  rc=$?
  case "$rc" in
    0) ;;
    3)
      echo "runlens-plan: $plan plans findings at $fail_on or above" >&2
      [ "$status" -ne 0 ] || status=3
      ;;
    *)
      echo "runlens-plan: $plan could not be scanned (exit status $rc)" >&2
      status=$rc
      ;;
  esac
done
exit "$status"
