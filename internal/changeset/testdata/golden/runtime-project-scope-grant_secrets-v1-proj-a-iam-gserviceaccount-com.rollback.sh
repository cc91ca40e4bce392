#!/usr/bin/env bash
# runlens change set: Roll back: Move roles/secretmanager.secretAccessor of secrets-v1@proj-a.iam.gserviceaccount.com from project proj-a to the resources it uses
# Fixes findings:
# Content hash (sha256): fc7445aaeffc72b0b5d11595043880372ebc33c6ed7a4b216e39588d9df5229f
# Why: Puts back what the change set “Move roles/secretmanager.secretAccessor of secrets-v1@proj-a.iam.gserviceaccount.com from project proj-a to the resources it uses” changed, as it was when that change set was planned.
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

# Step 1 of 2: grant roles/secretmanager.secretAccessor to serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 2: the binding as it was
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'

# Step 2 of 2: remove roles/secretmanager.secretAccessor from serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/db-pass
#   Why: undoes step 1: the grant it made
gcloud secrets remove-iam-policy-binding 'db-pass' --project '111' --member 'serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'
