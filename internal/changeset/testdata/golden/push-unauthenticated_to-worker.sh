#!/usr/bin/env bash
# runlens change set: Authenticate the pushes of subscription to-worker
# Fixes findings: f9cb7e1a9a36c9e5
# Content hash (sha256): 8a31d0a079c361e4fceacd7439af1ea8a38f1c30ecc36a0dbc50c0e3f3ba0e4b
# Why: Subscription to-worker pushes to service worker (proj-a · us-central1) without an OIDC token, so the service cannot tell Pub/Sub from anyone else and has to accept unauthenticated requests. A dedicated caller identity holding roles/run.invoker on that service alone signs every push.
# Risk: Whoever runs this needs iam.serviceAccounts.actAs on to-worker-push@proj-a.iam.gserviceaccount.com to attach it to to-worker.
# Risk: In projects created before 8 April 2021 the Pub/Sub service agent (service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com) also needs roles/iam.serviceAccountTokenCreator on to-worker-push@proj-a.iam.gserviceaccount.com to mint the tokens.
# Risk: If the push handler checks the token's audience itself, it must accept "https://worker-abc123-uc.a.run.app".
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

# Step 1 of 3: create service account to-worker-push@proj-a.iam.gserviceaccount.com
#   Why: a dedicated identity for Pub/Sub subscription to-worker (proj-a) to call its targets with
gcloud iam service-accounts describe 'to-worker-push@proj-a.iam.gserviceaccount.com' --project 'proj-a' >/dev/null 2>&1 || gcloud iam service-accounts create 'to-worker-push' --project 'proj-a' --display-name 'Caller identity of Pub/Sub subscription to-worker'

# Step 2 of 3: grant roles/run.invoker to serviceAccount:to-worker-push@proj-a.iam.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/worker
#   Why: lets to-worker invoke worker and nothing else
retry gcloud run services add-iam-policy-binding 'worker' --region 'us-central1' --project 'proj-a' --member 'serviceAccount:to-worker-push@proj-a.iam.gserviceaccount.com' --role 'roles/run.invoker'

# Step 3 of 3: push from //pubsub.googleapis.com/projects/proj-a/subscriptions/to-worker with an OIDC token of to-worker-push@proj-a.iam.gserviceaccount.com (audience https://worker-abc123-uc.a.run.app)
#   Why: Pub/Sub signs each push with an OIDC token of to-worker-push@proj-a.iam.gserviceaccount.com
retry gcloud pubsub subscriptions update 'to-worker' --project 'proj-a' --push-endpoint 'https://worker-abc123-uc.a.run.app/push' --push-auth-service-account 'to-worker-push@proj-a.iam.gserviceaccount.com' --push-auth-token-audience 'https://worker-abc123-uc.a.run.app'
