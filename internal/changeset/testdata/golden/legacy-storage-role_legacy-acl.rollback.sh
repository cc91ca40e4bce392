#!/usr/bin/env bash
# runlens change set: Roll back: Remove legacy storage roles from bucket legacy-acl
# Fixes findings:
# Content hash (sha256): 0cc44f10adff0fa91fac7506cc14994a1e0a60b194bc7d07f4c2032b5ec81cd8
# Why: Puts back what the change set “Remove legacy storage roles from bucket legacy-acl” changed, as it was when that change set was planned.
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

# Step 1 of 1: grant roles/storage.legacyObjectReader to user:bob@example.com on //storage.googleapis.com/legacy-acl
#   Why: undoes step 1: the binding as it was
retry gcloud storage buckets add-iam-policy-binding 'gs://legacy-acl' --member 'user:bob@example.com' --role 'roles/storage.legacyObjectReader'
