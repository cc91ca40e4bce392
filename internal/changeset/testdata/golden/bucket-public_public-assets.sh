#!/usr/bin/env bash
# runlens change set: Make bucket public-assets private
# Fixes findings: 2180a0ce5e7c9c82
# Content hash (sha256): a49e3e7be5f2ad9f7febeb4602e1181fdacd7173c2c6ec3ac2e79d2977cb456d
# Why: Bucket public-assets grants roles to allUsers or allAuthenticatedUsers without a condition: its objects are readable (or worse) by anyone.
# Planned against these IAM policy etags (re-plan if they changed):
#   //storage.googleapis.com/public-assets etag BwX1
# Risk: allUsers (anyone on the internet) loses roles/storage.objectViewer on bucket public-assets: public links (https://storage.googleapis.com/public-assets/...) stop working.
# Risk: Workloads that use the bucket keep their own grants: service web (proj-a · us-central1).
# Risk: If the bucket serves public content on purpose, do not apply: put a CDN with signed URLs in front, or record an exception. Consider enforcing public access prevention on it afterwards.
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

# Step 1 of 1: remove roles/storage.objectViewer from allUsers on //storage.googleapis.com/public-assets
#   Why: the public binding
gcloud storage buckets remove-iam-policy-binding 'gs://public-assets' --member 'allUsers' --role 'roles/storage.objectViewer'
