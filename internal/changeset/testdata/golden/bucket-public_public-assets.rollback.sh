#!/usr/bin/env bash
# runlens change set: Roll back: Make bucket public-assets private
# Fixes findings:
# Content hash (sha256): b9b36e54eb71aa488f2d4e2b8caf36282a94c2d40dc6591ff5ee201626ef7696
# Why: Puts back what the change set “Make bucket public-assets private” changed, as it was when that change set was planned.
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

# Step 1 of 1: grant roles/storage.objectViewer to allUsers on //storage.googleapis.com/public-assets
#   Why: undoes step 1: the binding as it was
retry gcloud storage buckets add-iam-policy-binding 'gs://public-assets' --member 'allUsers' --role 'roles/storage.objectViewer'
