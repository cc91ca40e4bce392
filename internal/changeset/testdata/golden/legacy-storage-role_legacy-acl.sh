#!/usr/bin/env bash
# runlens change set: Remove legacy storage roles from bucket legacy-acl
# Fixes findings: 64719dc6dfa9b6b1
# Content hash (sha256): 2767e470387200c8f94242f56aafd36342b10f05e8bd695ee4afc75ee2e3f742
# Why: Legacy bucket roles mirror ACLs and grant more than their names suggest (a legacyBucketReader lists every object; a legacyBucketOwner can change the bucket's IAM policy).
# Planned against these IAM policy etags (re-plan if they changed):
#   //storage.googleapis.com/legacy-acl etag BwX1
# Risk: user bob@example.com loses roles/storage.legacyObjectReader on bucket legacy-acl; if it needs access, grant roles/storage.objectViewer on the bucket instead.
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

# Step 1 of 1: remove roles/storage.legacyObjectReader from user:bob@example.com on //storage.googleapis.com/legacy-acl
#   Why: the legacy role
gcloud storage buckets remove-iam-policy-binding 'gs://legacy-acl' --member 'user:bob@example.com' --role 'roles/storage.legacyObjectReader'
