#!/usr/bin/env bash
# runlens change set: Roll back: Remove allUsers (anyone on the internet) from roles/run.invoker on folder web
# Fixes findings:
# Content hash (sha256): e484ce6ab524c06169b52d9d981363f9d449d76252fd3ca0327811848fcd9c7d
# Why: Puts back what the change set “Remove allUsers (anyone on the internet) from roles/run.invoker on folder web” changed, as it was when that change set was planned.
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

# Step 1 of 1: grant roles/run.invoker to allUsers on //cloudresourcemanager.googleapis.com/folders/200
#   Why: undoes step 1: the binding as it was
retry gcloud resource-manager folders add-iam-policy-binding '200' --member 'allUsers' --role 'roles/run.invoker'
