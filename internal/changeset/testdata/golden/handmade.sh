#!/usr/bin/env bash
# runlens change set: Every kind of step
# Fixes findings: f1
# Content hash (sha256): 7339eda526f0860e0964aa33565bc27035650fba2e3a518d35c31d9c629ecf5d
# Some steps are manual: they are instructions below, not commands.
# Why: test
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwX1
#   //iam.googleapis.com/projects/proj-a/serviceAccounts/api-sa@proj-a.iam.gserviceaccount.com etag (none in the inventory)
# Risk: nothing
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

# Step 1 of 14: create service account api-sa@proj-a.iam.gserviceaccount.com
gcloud iam service-accounts describe 'api-sa@proj-a.iam.gserviceaccount.com' --project 'proj-a' >/dev/null 2>&1 || gcloud iam service-accounts create 'api-sa' --project 'proj-a' --display-name 'API'

# Step 2 of 14: grant roles/iam.serviceAccountUser to group:deployers@example.com on //iam.googleapis.com/projects/proj-a/serviceAccounts/api-sa@proj-a.iam.gserviceaccount.com
retry gcloud iam service-accounts add-iam-policy-binding 'api-sa@proj-a.iam.gserviceaccount.com' --project 'proj-a' --member 'group:deployers@example.com' --role 'roles/iam.serviceAccountUser'

# Step 3 of 14: grant roles/cloudsql.client to serviceAccount:api-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:api-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudsql.client' --condition 'None'

# Step 4 of 14: remove roles/editor from serviceAccount:old@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111 (condition "until 2030, maybe": request.time < timestamp("2030-01-01T00:00:00Z"))
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:old@proj-a.iam.gserviceaccount.com' --role 'roles/editor' --condition '^;^expression=request.time < timestamp("2030-01-01T00:00:00Z");title=until 2030, maybe'

# Step 5 of 14: set serviceAccount of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api: old@proj-a.iam.gserviceaccount.com -> api-sa@proj-a.iam.gserviceaccount.com
gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --service-account 'api-sa@proj-a.iam.gserviceaccount.com'

# Step 6 of 14: set ingress of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api: all -> internal
gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --ingress 'internal'

# Step 7 of 14: set invokerIamDisabled of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api: true -> false
gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --invoker-iam-check

# Step 8 of 14: set binaryAuthorization of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api: (not set) -> default
gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --binary-authorization 'default'

# Step 9 of 14: create secret api-token in project proj-a for env var TOKEN of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api; the operator supplies the value
# runlens does not have the value: export RUNLENS_SECRET_VALUE_9 with the value to store (the current value of the variable, or its rotated replacement).
gcloud secrets describe 'api-token' --project 'proj-a' >/dev/null 2>&1 || gcloud secrets create 'api-token' --project 'proj-a' --replication-policy 'automatic'
printf '%s' "${RUNLENS_SECRET_VALUE_9:?set RUNLENS_SECRET_VALUE_9 to the value to store}" | gcloud secrets versions add 'api-token' --project 'proj-a' --data-file=-

# Step 10 of 14: set env var TOKEN of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api from the secret api-token:latest instead of a literal value
gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --container 'app' --remove-env-vars 'TOKEN' --update-secrets 'TOKEN=api-token:latest'

# Step 11 of 14: push from //pubsub.googleapis.com/projects/proj-a/subscriptions/s with an OIDC token of api-sa@proj-a.iam.gserviceaccount.com (audience https://api-x.a.run.app)
retry gcloud pubsub subscriptions update 's' --project 'proj-a' --push-endpoint 'https://api-x.a.run.app/push' --push-auth-service-account 'api-sa@proj-a.iam.gserviceaccount.com' --push-auth-token-audience 'https://api-x.a.run.app'

# Step 12 of 14: call from Scheduler job //cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/j with an OIDC token of api-sa@proj-a.iam.gserviceaccount.com (audience https://api-x.a.run.app)
retry gcloud scheduler jobs update http 'j' --location 'us-central1' --project 'proj-a' --oidc-service-account-email 'api-sa@proj-a.iam.gserviceaccount.com' --oidc-token-audience 'https://api-x.a.run.app'

# Step 13 of 14: delete key //iam.googleapis.com/projects/proj-a/serviceAccounts/1/keys/abc of old@proj-a.iam.gserviceaccount.com
gcloud iam service-accounts keys delete 'abc' --iam-account 'old@proj-a.iam.gserviceaccount.com' --quiet

# Step 14 of 14: manual step
#   MANUAL, not run by this script:
#   Do the thing.
#   Then the other.
