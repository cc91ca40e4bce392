#!/usr/bin/env bash
# runlens change set: Give Cloud Run job nightly-export a dedicated service account
# Fixes findings: 6b956ab92d53ad06
# Content hash (sha256): 98bbcbc5c3fbaac95f15b35443586e3d21e4c2a3ed09d9d6892ca3b8561fdfc3
# Some steps are manual: they are instructions below, not commands.
# Why: nightly-export runs as the default compute service account 222-compute@developer.gserviceaccount.com, which every unconfigured workload in the project shares and which usually holds roles/editor on the project. A dedicated account holding only what the job's configuration references limits what a compromise of the job reaches.
# Risk: No IAM recommender insight says which permissions 222-compute@developer.gserviceaccount.com (proj-b, default compute) used: the grants above come from the configuration alone and may not cover what the code calls by name at run time.
# Risk: The job's configuration references no secret, bucket, topic, CMEK key or Cloud SQL instance: nightly-export-sa@proj-b.iam.gserviceaccount.com starts with no grants, and whatever the code calls by name at run time will be denied until granted.
# Risk: Whoever deploys nightly-export from now on needs iam.serviceAccounts.actAs on nightly-export-sa@proj-b.iam.gserviceaccount.com (roles/iam.serviceAccountUser on that account, not on the project).
# Risk: 222-compute@developer.gserviceaccount.com (proj-b, default compute) holds roles/editor on project proj-b (and so on the 3 resources the graph shows inside it); nightly-export-sa@proj-b.iam.gserviceaccount.com will not.
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

# Step 1 of 3: create service account nightly-export-sa@proj-b.iam.gserviceaccount.com
#   Why: a dedicated runtime identity for job nightly-export
gcloud iam service-accounts describe 'nightly-export-sa@proj-b.iam.gserviceaccount.com' --project 'proj-b' >/dev/null 2>&1 || gcloud iam service-accounts create 'nightly-export-sa' --project 'proj-b' --display-name 'Runtime identity of Cloud Run job nightly-export'

# Step 2 of 3: set serviceAccount of //run.googleapis.com/projects/proj-b/locations/europe-west1/jobs/nightly-export: 222-compute@developer.gserviceaccount.com -> nightly-export-sa@proj-b.iam.gserviceaccount.com
#   Why: deploys a new revision running as nightly-export-sa@proj-b.iam.gserviceaccount.com
gcloud run jobs update 'nightly-export' --region 'europe-west1' --project 'proj-b' --service-account 'nightly-export-sa@proj-b.iam.gserviceaccount.com'

# Step 3 of 3: manual step
#   MANUAL, not run by this script:
#   Later, not now: the default identity 222-compute@developer.gserviceaccount.com keeps its grants (roles/editor on project proj-b (and so on the 3 resources the graph shows inside it)) because it still serves service api (proj-b · europe-west1). Give those their own identities first (propose the fix of each one's default-identity finding); once nothing runs as it, remove its grants.
