#!/usr/bin/env bash
# runlens change set: Roll back: Remove roles/editor from runtime identity app@proj-a.iam.gserviceaccount.com
# Fixes findings:
# Content hash (sha256): 2217384c3ef581709da212c0255c8dd6162701dd4c28cce2a0daa6be755ff570
# Why: Puts back what the change set “Remove roles/editor from runtime identity app@proj-a.iam.gserviceaccount.com” changed, as it was when that change set was planned.
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

# Step 1 of 3: grant roles/editor to serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 3: the binding as it was
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/editor' --condition 'None'

# Step 2 of 3: remove roles/storage.objectViewer from serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 2: the grant it made
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/storage.objectViewer' --condition 'None'

# Step 3 of 3: remove roles/pubsub.publisher from serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 1: the grant it made
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/pubsub.publisher' --condition 'None'
