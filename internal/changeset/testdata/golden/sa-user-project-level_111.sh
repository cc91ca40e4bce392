#!/usr/bin/env bash
# runlens change set: Narrow roles/iam.serviceAccountUser of group deployers@example.com on project proj-a
# Fixes findings: 394027751d3c8c02
# Content hash (sha256): e49f0a8f9c34b75224af1c9ccf7e11533032f934e4625dc940533a3d51d26c13
# Why: group deployers@example.com holds roles/iam.serviceAccountUser on project proj-a, so it can act as every service account below it, and so reach everything those reach.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwYC0001
#   //iam.googleapis.com/projects/proj-a/serviceAccounts/api@proj-a.iam.gserviceaccount.com etag BwYC0002
# Risk: group deployers@example.com can no longer act as: etl@proj-a.iam.gserviceaccount.com.
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

# Step 1 of 2: grant roles/iam.serviceAccountUser to group:deployers@example.com on //iam.googleapis.com/projects/proj-a/serviceAccounts/api@proj-a.iam.gserviceaccount.com
#   Why: runtime identity of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api, which group:deployers@example.com can deploy
retry gcloud iam service-accounts add-iam-policy-binding 'api@proj-a.iam.gserviceaccount.com' --project 'proj-a' --member 'group:deployers@example.com' --role 'roles/iam.serviceAccountUser'

# Step 2 of 2: remove roles/iam.serviceAccountUser from group:Deployers@example.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the project proj-a-wide grant
gcloud projects remove-iam-policy-binding '111' --member 'group:Deployers@example.com' --role 'roles/iam.serviceAccountUser'
