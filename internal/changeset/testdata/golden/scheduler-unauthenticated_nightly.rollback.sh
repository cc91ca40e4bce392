#!/usr/bin/env bash
# runlens change set: Roll back: Authenticate the calls of Scheduler job nightly
# Fixes findings:
# Content hash (sha256): 5993c65a7a16285f3e1f61e7aa52976008756d7f31b629e6ca13276be53aa126
# Some steps are manual: they are instructions below, not commands.
# Why: Puts back what the change set “Authenticate the calls of Scheduler job nightly” changed, as it was when that change set was planned.
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
#   Step 3 made Scheduler job //cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/nightly send an OIDC token of nightly-sched@proj-a.iam.gserviceaccount.com; it sent none before. To undo, remove its OIDC token (the receiver will then get unauthenticated requests, which is what the change set fixed).

# Step 2 of 3: remove roles/run.invoker from serviceAccount:nightly-sched@proj-a.iam.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/worker
#   Why: undoes step 2: the grant it made
gcloud run services remove-iam-policy-binding 'worker' --region 'us-central1' --project 'proj-a' --member 'serviceAccount:nightly-sched@proj-a.iam.gserviceaccount.com' --role 'roles/run.invoker'

# Step 3 of 3: manual step
#   MANUAL, not run by this script:
#   Step 1 created service account nightly-sched@proj-a.iam.gserviceaccount.com. It is left in place: it holds nothing once the grants above are removed. Delete it (gcloud iam service-accounts delete) once nothing runs as it.
