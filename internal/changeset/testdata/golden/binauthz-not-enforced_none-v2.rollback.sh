#!/usr/bin/env bash
# runlens change set: Roll back: Enforce Binary Authorization for none-v2
# Fixes findings:
# Content hash (sha256): 5a44ebd07c2fd312ab49d070325bdbd33a6beed26dc92c2ed4e8c3e98308d884
# Why: Puts back what the change set “Enforce Binary Authorization for none-v2” changed, as it was when that change set was planned.
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

# Step 1 of 1: set binaryAuthorization of //run.googleapis.com/projects/proj-a/locations/us-central1/services/none-v2: default -> (not set)
#   Why: undoes step 1: binaryAuthorization as it was
gcloud run services update 'none-v2' --region 'us-central1' --project 'proj-a' --clear-binary-authorization
