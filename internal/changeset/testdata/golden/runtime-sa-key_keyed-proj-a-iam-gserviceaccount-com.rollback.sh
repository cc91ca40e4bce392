#!/usr/bin/env bash
# runlens change set: Roll back: Delete the user-managed keys of keyed@proj-a.iam.gserviceaccount.com
# Fixes findings:
# Content hash (sha256): d41818b3821b367954c2b940a95adb22373ace0cdd8abbfc62a72ab583afa4b7
# Some steps are manual: they are instructions below, not commands.
# Why: Puts back what the change set “Delete the user-managed keys of keyed@proj-a.iam.gserviceaccount.com” changed, as it was when that change set was planned.
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
#   Step 1 deleted key //iam.googleapis.com/projects/proj-a/serviceAccounts/1401/keys/k1user of keyed@proj-a.iam.gserviceaccount.com. A deleted key cannot be restored: if a caller truly needs one, create a new key (and prefer Workload Identity Federation).
