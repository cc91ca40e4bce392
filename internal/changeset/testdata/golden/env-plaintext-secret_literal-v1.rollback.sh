#!/usr/bin/env bash
# runlens change set: Roll back: Move DB_PASSWORD of literal-v1 into Secret Manager
# Fixes findings:
# Content hash (sha256): ae78eb67f6bdb09a3c4efd9eb98c98c1ccbce3223918d549d1e60257fc600dca
# Some steps are manual: they are instructions below, not commands.
# Why: Puts back what the change set “Move DB_PASSWORD of literal-v1 into Secret Manager” changed, as it was when that change set was planned.
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

# Step 1 of 4: manual step
#   MANUAL, not run by this script:
#   Step 4 was manual: undo by hand whatever was done for it.

# Step 2 of 4: manual step
#   MANUAL, not run by this script:
#   Step 3 moved env var DB_PASSWORD of //run.googleapis.com/projects/proj-a/locations/us-central1/services/literal-v1 to the secret literal-v1-db_password:latest. runlens never keeps a literal value, so it cannot put the old one back: to undo, set DB_PASSWORD again from your own records (its value is in the secret).

# Step 3 of 4: remove roles/secretmanager.secretAccessor from serviceAccount:app@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/literal-v1-db_password
#   Why: undoes step 2: the grant it made
gcloud secrets remove-iam-policy-binding 'literal-v1-db_password' --project '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'

# Step 4 of 4: manual step
#   MANUAL, not run by this script:
#   Step 1 created secret literal-v1-db_password in project proj-a. It is left in place; delete it once //run.googleapis.com/projects/proj-a/locations/us-central1/services/literal-v1 no longer reads it.
