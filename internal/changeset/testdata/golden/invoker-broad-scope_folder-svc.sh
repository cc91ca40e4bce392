#!/usr/bin/env bash
# runlens change set: Narrow roles/run.invoker of group eng@example.com on folder apps
# Fixes findings: 32625f4bd86ae865
# Content hash (sha256): fcd3d6653c4b97f29893661000031607d261aa73ab911a77e21365bf813972df
# Why: group eng@example.com holds roles/run.invoker on folder apps, which reaches every service and job below it. It is granted again on service folder-svc (proj-a · us-central1) alone, then removed from folder apps.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/folders/200 etag BwX1
# Risk: group eng@example.com keeps invoke access to service folder-svc (proj-a · us-central1) through the grant on it above.
# Risk: group eng@example.com loses invoke access to 1 workload(s): job folder-job (proj-a · us-central1).
# Risk: After the removal nobody but project owners and editors holds an invoke role on job folder-job (proj-a · us-central1): grant roles/run.invoker on it to its real callers first.
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

# Step 1 of 2: grant roles/run.invoker to group:eng@example.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/folder-svc
#   Why: keeps group eng@example.com able to invoke folder-svc after the broad grant goes
retry gcloud run services add-iam-policy-binding 'folder-svc' --region 'us-central1' --project 'proj-a' --member 'group:eng@example.com' --role 'roles/run.invoker'

# Step 2 of 2: remove roles/run.invoker from group:eng@example.com on //cloudresourcemanager.googleapis.com/folders/200
#   Why: the broad grant
gcloud resource-manager folders remove-iam-policy-binding '200' --member 'group:eng@example.com' --role 'roles/run.invoker'
