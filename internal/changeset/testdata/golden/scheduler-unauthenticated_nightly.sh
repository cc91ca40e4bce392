#!/usr/bin/env bash
# runlens change set: Authenticate the calls of Scheduler job nightly
# Fixes findings: e20df71d5641cf27
# Content hash (sha256): 629d7342a5772245ea4184adc3c36e4e043512f7bc91f0e2bd166f0e8599fd1c
# Why: Cloud Scheduler job nightly calls service worker (proj-a · us-central1) without an OIDC token, so the target has to accept unauthenticated requests. A dedicated caller identity holding roles/run.invoker on the target alone signs every call.
# Risk: Whoever runs this needs iam.serviceAccounts.actAs on nightly-sched@proj-a.iam.gserviceaccount.com to attach it to nightly.
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

# Step 1 of 3: create service account nightly-sched@proj-a.iam.gserviceaccount.com
#   Why: a dedicated identity for Cloud Scheduler job nightly (proj-a · us-central1) to call its targets with
gcloud iam service-accounts describe 'nightly-sched@proj-a.iam.gserviceaccount.com' --project 'proj-a' >/dev/null 2>&1 || gcloud iam service-accounts create 'nightly-sched' --project 'proj-a' --display-name 'Caller identity of Cloud Scheduler job nightly'

# Step 2 of 3: grant roles/run.invoker to serviceAccount:nightly-sched@proj-a.iam.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/worker
#   Why: lets nightly invoke worker and nothing else
retry gcloud run services add-iam-policy-binding 'worker' --region 'us-central1' --project 'proj-a' --member 'serviceAccount:nightly-sched@proj-a.iam.gserviceaccount.com' --role 'roles/run.invoker'

# Step 3 of 3: call from Scheduler job //cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/nightly with an OIDC token of nightly-sched@proj-a.iam.gserviceaccount.com (audience https://worker-xyz789-uc.a.run.app)
#   Why: Cloud Scheduler signs each call with an OIDC token of nightly-sched@proj-a.iam.gserviceaccount.com
retry gcloud scheduler jobs update http 'nightly' --location 'us-central1' --project 'proj-a' --oidc-service-account-email 'nightly-sched@proj-a.iam.gserviceaccount.com' --oidc-token-audience 'https://worker-xyz789-uc.a.run.app'
