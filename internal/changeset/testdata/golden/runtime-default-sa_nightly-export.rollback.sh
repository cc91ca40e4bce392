#!/usr/bin/env bash
# runlens change set: Roll back: Give Cloud Run job nightly-export a dedicated service account
# Fixes findings:
# Content hash (sha256): 658d48bbfd808df330dd3b7eb7b5f5bb466858d099c092d1677bda311fcb09e1
# Some steps are manual: they are instructions below, not commands.
# Why: Puts back what the change set “Give Cloud Run job nightly-export a dedicated service account” changed, as it was when that change set was planned.
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

# Step 1 of 3: manual step
#   MANUAL, not run by this script:
#   Step 3 was manual: undo by hand whatever was done for it.

# Step 2 of 3: set serviceAccount of //run.googleapis.com/projects/proj-b/locations/europe-west1/jobs/nightly-export: nightly-export-sa@proj-b.iam.gserviceaccount.com -> 222-compute@developer.gserviceaccount.com
#   Why: undoes step 2: serviceAccount as it was
gcloud run jobs update 'nightly-export' --region 'europe-west1' --project 'proj-b' --service-account '222-compute@developer.gserviceaccount.com'

# Step 3 of 3: manual step
#   MANUAL, not run by this script:
#   Step 1 created service account nightly-export-sa@proj-b.iam.gserviceaccount.com. It is left in place: it holds nothing once the grants above are removed. Delete it (gcloud iam service-accounts delete) once nothing runs as it.
