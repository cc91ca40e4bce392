#!/usr/bin/env bash
# runlens change set: Roll back: Remove roles/editor from runtime identity legacy@proj-a.iam.gserviceaccount.com
# Fixes findings:
# Content hash (sha256): 5d5d17cabf82d27bfe30b54958e9529701cc9aa1ee9236139fe8d42c4147b686
# Some steps are manual: they are instructions below, not commands.
# Why: Puts back what the change set “Remove roles/editor from runtime identity legacy@proj-a.iam.gserviceaccount.com” changed, as it was when that change set was planned.
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

# Step 1 of 3: grant roles/editor to serviceAccount:legacy@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 3: the binding as it was
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:legacy@proj-a.iam.gserviceaccount.com' --role 'roles/editor' --condition 'None'

# Step 2 of 3: manual step
#   MANUAL, not run by this script:
#   Step 2 was manual: undo by hand whatever was done for it.

# Step 3 of 3: remove roles/secretmanager.secretAccessor from serviceAccount:legacy@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/ledger-token
#   Why: undoes step 1: the grant it made
gcloud secrets remove-iam-policy-binding 'ledger-token' --project '111' --member 'serviceAccount:legacy@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'
