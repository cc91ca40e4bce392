#!/usr/bin/env bash
# runlens change set: Narrow roles/iam.serviceAccountTokenCreator of user ops@example.com on project proj-b
# Fixes findings: e5be8ee5131b552d
# Content hash (sha256): fa1463915ac29d66906c1d98280b12c41659194c13be41e9b7942669fa07ea79
# Why: user ops@example.com holds roles/iam.serviceAccountTokenCreator on project proj-b, so it can act as every service account below it, and so reach everything those reach.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/222 etag BwX1
# Risk: The graph shows no runtime identity user ops@example.com needs to act as (deploying a workload that runs as it): the role is removed without a narrower grant. If it impersonates specific accounts, grant roles/iam.serviceAccountTokenCreator on those accounts only.
# Risk: user ops@example.com can no longer act as: b@proj-b.iam.gserviceaccount.com.
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

# Step 1 of 1: remove roles/iam.serviceAccountTokenCreator from user:ops@example.com on //cloudresourcemanager.googleapis.com/projects/222
#   Why: the project proj-b-wide grant
gcloud projects remove-iam-policy-binding '222' --member 'user:ops@example.com' --role 'roles/iam.serviceAccountTokenCreator'
