#!/usr/bin/env bash
# runlens change set: Roll back: Narrow roles/iam.serviceAccountUser of group deployers@example.com on project proj-a
# Fixes findings:
# Content hash (sha256): cbb42bbab0b11c67b4a65bf676900b77c40ae9e5fb3193990aa2fb422dea9d08
# Why: Puts back what the change set “Narrow roles/iam.serviceAccountUser of group deployers@example.com on project proj-a” changed, as it was when that change set was planned.
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

# Step 1 of 2: grant roles/iam.serviceAccountUser to group:Deployers@example.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 2: the binding as it was
retry gcloud projects add-iam-policy-binding '111' --member 'group:Deployers@example.com' --role 'roles/iam.serviceAccountUser'

# Step 2 of 2: remove roles/iam.serviceAccountUser from group:deployers@example.com on //iam.googleapis.com/projects/proj-a/serviceAccounts/api@proj-a.iam.gserviceaccount.com
#   Why: undoes step 1: the grant it made
gcloud iam service-accounts remove-iam-policy-binding 'api@proj-a.iam.gserviceaccount.com' --project 'proj-a' --member 'group:deployers@example.com' --role 'roles/iam.serviceAccountUser'
