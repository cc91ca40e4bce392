#!/usr/bin/env bash
# runlens change set: Move roles/secretmanager.secretAccessor of secrets-v1@proj-a.iam.gserviceaccount.com from project proj-a to the resources it uses
# Fixes findings: 80d59eb19f5faeed
# Content hash (sha256): 4effc29a2e37f22c1993189f1b7dc896b1d2f88f2229171bd24ff220935a8645
# Why: secrets-v1@proj-a.iam.gserviceaccount.com holds roles/secretmanager.secretAccessor on project proj-a, which reaches every secretmanager resource in it; its workloads' configuration references only specific ones.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwX1
# Risk: secrets-v1@proj-a.iam.gserviceaccount.com loses roles/secretmanager.secretAccessor on 2 other secretmanager resources the graph shows in project proj-a: secret api-key (proj-a), secret tls-cert (proj-a).
# Risk: Workloads running as secrets-v1@proj-a.iam.gserviceaccount.com: service svc-secrets-v1 (proj-a · us-central1).
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

# Step 1 of 2: grant roles/secretmanager.secretAccessor to serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/db-pass
#   Why: referenced by the configuration of a workload running as secrets-v1@proj-a.iam.gserviceaccount.com
retry gcloud secrets add-iam-policy-binding 'db-pass' --project '111' --member 'serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'

# Step 2 of 2: remove roles/secretmanager.secretAccessor from serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the project proj-a-wide grant
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'
