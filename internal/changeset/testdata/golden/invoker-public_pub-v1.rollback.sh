#!/usr/bin/env bash
# runlens change set: Roll back: Remove allUsers (anyone on the internet) from roles/run.invoker on service pub-v1 (proj-a · us-central1)
# Fixes findings:
# Content hash (sha256): 68667940426fa0c25f07b48669ec151753c210de7d88e470eb0b8c60b295c6cd
# Why: Puts back what the change set “Remove allUsers (anyone on the internet) from roles/run.invoker on service pub-v1 (proj-a · us-central1)” changed, as it was when that change set was planned.
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

# Step 1 of 1: grant roles/run.invoker to allUsers on //run.googleapis.com/projects/proj-a/locations/us-central1/services/pub-v1
#   Why: undoes step 1: the binding as it was
retry gcloud run services add-iam-policy-binding 'pub-v1' --region 'us-central1' --project 'proj-a' --member 'allUsers' --role 'roles/run.invoker'
