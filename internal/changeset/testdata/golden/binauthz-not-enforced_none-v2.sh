#!/usr/bin/env bash
# runlens change set: Enforce Binary Authorization for none-v2
# Fixes findings: 85d885729815b91c
# Content hash (sha256): ef502c302a4f28768c5017e54bb362e9bc58dd7e67ba140dca4e96d2537106b1
# Why: service none-v2 can run any image: it does not use Binary Authorization.
# Risk: Deploying none-v2 with --binary-authorization changes nothing while the project policy allows all images; the policy is what blocks unattested images.
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

# Step 1 of 1: set binaryAuthorization of //run.googleapis.com/projects/proj-a/locations/us-central1/services/none-v2: (not set) -> default
#   Why: deployments are checked against the project's Binary Authorization policy
gcloud run services update 'none-v2' --region 'us-central1' --project 'proj-a' --binary-authorization 'default'
