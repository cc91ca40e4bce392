#!/usr/bin/env bash
# runlens change set: Roll back: Authenticate the pushes of subscription to-worker
# Fixes findings:
# Content hash (sha256): b23e76b73e6ada1240983480b2d853e9da49934d6c9cb44d641b7c54c390675c
# Some steps are manual: they are instructions below, not commands.
# Why: Puts back what the change set “Authenticate the pushes of subscription to-worker” changed, as it was when that change set was planned.
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
#   Step 3 made push subscription //pubsub.googleapis.com/projects/proj-a/subscriptions/to-worker send an OIDC token of to-worker-push@proj-a.iam.gserviceaccount.com; it sent none before. To undo, remove its OIDC token (the receiver will then get unauthenticated requests, which is what the change set fixed).

# Step 2 of 3: remove roles/run.invoker from serviceAccount:to-worker-push@proj-a.iam.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/worker
#   Why: undoes step 2: the grant it made
gcloud run services remove-iam-policy-binding 'worker' --region 'us-central1' --project 'proj-a' --member 'serviceAccount:to-worker-push@proj-a.iam.gserviceaccount.com' --role 'roles/run.invoker'

# Step 3 of 3: manual step
#   MANUAL, not run by this script:
#   Step 1 created service account to-worker-push@proj-a.iam.gserviceaccount.com. It is left in place: it holds nothing once the grants above are removed. Delete it (gcloud iam service-accounts delete) once nothing runs as it.
