#!/usr/bin/env bash
# runlens change set: Narrow roles/run.invoker of group eng@example.com on folder apps
# Fixes findings: 895bbf7cc64fa719
# Content hash (sha256): 1639cd9c51e7b8c840f2a08b90c60a5655251c6d6f4625237bf34867fbdbedd2
# Why: group eng@example.com holds roles/run.invoker on folder apps, which reaches every service and job below it (2 today). It is granted again on each of them alone, then removed from folder apps: services created below folder apps later no longer inherit it.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/folders/200 etag BwX1
# Risk: Review the grants above before approving: a service group eng@example.com does not call needs no grant of its own.
# Risk: group eng@example.com keeps invoke access to job folder-job (proj-a · us-central1), service folder-svc (proj-a · us-central1) through the grant on each above.
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

# Step 1 of 3: grant roles/run.invoker to group:eng@example.com on //run.googleapis.com/projects/proj-a/locations/us-central1/jobs/folder-job
#   Why: keeps group eng@example.com able to invoke job folder-job (proj-a · us-central1) after the broad grant goes
retry gcloud run jobs add-iam-policy-binding 'folder-job' --region 'us-central1' --project 'proj-a' --member 'group:eng@example.com' --role 'roles/run.invoker'

# Step 2 of 3: grant roles/run.invoker to group:eng@example.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/folder-svc
#   Why: keeps group eng@example.com able to invoke service folder-svc (proj-a · us-central1) after the broad grant goes
retry gcloud run services add-iam-policy-binding 'folder-svc' --region 'us-central1' --project 'proj-a' --member 'group:eng@example.com' --role 'roles/run.invoker'

# Step 3 of 3: remove roles/run.invoker from group:eng@example.com on //cloudresourcemanager.googleapis.com/folders/200
#   Why: the broad grant
gcloud resource-manager folders remove-iam-policy-binding '200' --member 'group:eng@example.com' --role 'roles/run.invoker'
