#!/usr/bin/env bash
# runlens change set: Roll back: Turn the invoker IAM check back on for off-v2
# Fixes findings:
# Content hash (sha256): d86539576cb462c245a1605ea5a1eb134f375a058c4b3d2a49a264153387a855
# Why: Puts back what the change set “Turn the invoker IAM check back on for off-v2” changed, as it was when that change set was planned.
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

# Step 1 of 1: set invokerIamDisabled of //run.googleapis.com/projects/proj-a/locations/us-central1/services/off-v2: false -> true
#   Why: undoes step 1: invokerIamDisabled as it was
gcloud run services update 'off-v2' --region 'us-central1' --project 'proj-a' --no-invoker-iam-check
