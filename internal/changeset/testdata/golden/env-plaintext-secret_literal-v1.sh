#!/usr/bin/env bash
# runlens change set: Move DB_PASSWORD of literal-v1 into Secret Manager
# Fixes findings: 5b55157fd24c53f9
# Content hash (sha256): 5c4a1c5d9159a631bc6e0df93de2f59c3ae7a0ecda2638d060dbb6456b684d66
# Some steps are manual: they are instructions below, not commands.
# Why: The env var DB_PASSWORD of service literal-v1 has a literal value, visible to anyone who can view the service's configuration (run.services.get, roles/viewer). runlens never read or kept the value.
# Risk: Older revisions of literal-v1 keep the literal value in their configuration until they are deleted; rotation is what makes it worthless.
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

# Step 1 of 4: create secret literal-v1-db_password in project proj-a for env var DB_PASSWORD of //run.googleapis.com/projects/proj-a/locations/us-central1/services/literal-v1; the operator supplies the value
#   Why: creates the secret; the operator supplies the value (runlens does not have it)
# runlens does not have the value: export RUNLENS_SECRET_VALUE_1 with the value to store (the current value of the variable, or its rotated replacement).
gcloud secrets describe 'literal-v1-db_password' --project 'proj-a' >/dev/null 2>&1 || gcloud secrets create 'literal-v1-db_password' --project 'proj-a' --replication-policy 'automatic'
printf '%s' "${RUNLENS_SECRET_VALUE_1:?set RUNLENS_SECRET_VALUE_1 to the value to store}" | gcloud secrets versions add 'literal-v1-db_password' --project 'proj-a' --data-file=-

# Step 2 of 4: grant roles/secretmanager.secretAccessor to serviceAccount:app@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/literal-v1-db_password
#   Why: the runtime identity reads the secret
retry gcloud secrets add-iam-policy-binding 'literal-v1-db_password' --project '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'

# Step 3 of 4: set env var DB_PASSWORD of //run.googleapis.com/projects/proj-a/locations/us-central1/services/literal-v1 from the secret literal-v1-db_password:latest instead of a literal value
#   Why: the variable reads the secret's latest version; a new revision is deployed
gcloud run services update 'literal-v1' --region 'us-central1' --project 'proj-a' --remove-env-vars 'DB_PASSWORD' --update-secrets 'DB_PASSWORD=literal-v1-db_password:latest'

# Step 4 of 4: manual step
#   MANUAL, not run by this script:
#   Rotate the exposed value: it was visible in the service's configuration and revision history to anyone with read access. Issue a new credential at its source, add it as a new version of secret literal-v1-db_password, redeploy, then revoke the old one.
