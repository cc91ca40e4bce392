#!/usr/bin/env bash
# runlens change set: Roll back: Narrow roles/run.invoker of group eng@example.com on folder apps
# Fixes findings:
# Content hash (sha256): cdd0b4d896b0b68e0c766698c9a7b5bbf4c8205314959a87e8a086fae95f0f61
# Why: Puts back what the change set “Narrow roles/run.invoker of group eng@example.com on folder apps” changed, as it was when that change set was planned.
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

# Step 1 of 3: grant roles/run.invoker to group:eng@example.com on //cloudresourcemanager.googleapis.com/folders/200
#   Why: undoes step 3: the binding as it was
retry gcloud resource-manager folders add-iam-policy-binding '200' --member 'group:eng@example.com' --role 'roles/run.invoker'

# Step 2 of 3: remove roles/run.invoker from group:eng@example.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/folder-svc
#   Why: undoes step 2: the grant it made
gcloud run services remove-iam-policy-binding 'folder-svc' --region 'us-central1' --project 'proj-a' --member 'group:eng@example.com' --role 'roles/run.invoker'

# Step 3 of 3: remove roles/run.invoker from group:eng@example.com on //run.googleapis.com/projects/proj-a/locations/us-central1/jobs/folder-job
#   Why: undoes step 1: the grant it made
gcloud run jobs remove-iam-policy-binding 'folder-job' --region 'us-central1' --project 'proj-a' --member 'group:eng@example.com' --role 'roles/run.invoker'
