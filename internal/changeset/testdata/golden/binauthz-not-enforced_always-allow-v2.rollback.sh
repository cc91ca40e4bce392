#!/usr/bin/env bash
# runlens change set: Roll back: Enforce Binary Authorization for always-allow-v2
# Fixes findings:
# Content hash (sha256): a238afcebe2925fa932ced67c0709afc8ba5c28a0ba138bdb0d5379ea554b2dd
# Some steps are manual: they are instructions below, not commands.
# Why: Puts back what the change set “Enforce Binary Authorization for always-allow-v2” changed, as it was when that change set was planned.
# Review every step before running it. Steps run in order; the script stops at the first error.
# Removing a binding that is already gone fails: after a partial run, run the remaining steps only.
set -euo pipefail

# retry runs a command up to 5 times: a new service account takes a few seconds to be usable in IAM policies.
retry() {
  local n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 5 ]; then return 1; fi
    sleep $((n * 5))
  done
}

# Step 1 of 1: manual step
#   MANUAL, not run by this script:
#   Step 1 was manual: undo by hand whatever was done for it.
