#!/usr/bin/env bash
# runlens change set: Roll back: Narrow roles/iam.serviceAccountTokenCreator of user ops@example.com on project proj-b
# Fixes findings:
# Content hash (sha256): dddabf1fa0bb28dded40155ac880f34bc1dfd7ddfb0fdc0a6f1a604159f666f0
# Why: Puts back what the change set “Narrow roles/iam.serviceAccountTokenCreator of user ops@example.com on project proj-b” changed, as it was when that change set was planned.
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

# Step 1 of 1: grant roles/iam.serviceAccountTokenCreator to user:ops@example.com on //cloudresourcemanager.googleapis.com/projects/222
#   Why: undoes step 1: the binding as it was
retry gcloud projects add-iam-policy-binding '222' --member 'user:ops@example.com' --role 'roles/iam.serviceAccountTokenCreator'
