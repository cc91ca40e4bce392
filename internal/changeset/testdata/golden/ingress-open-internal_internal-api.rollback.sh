#!/usr/bin/env bash
# runlens change set: Roll back: Set ingress of internal-api to internal
# Fixes findings:
# Content hash (sha256): 61660431f0790e3f0b6dc374b3f88c0560cb93a5d3a51940657827afb649196a
# Why: Puts back what the change set “Set ingress of internal-api to internal” changed, as it was when that change set was planned.
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

# Step 1 of 1: set ingress of //run.googleapis.com/projects/proj-a/locations/us-central1/services/internal-api: internal -> all
#   Why: undoes step 1: ingress as it was
gcloud run services update 'internal-api' --region 'us-central1' --project 'proj-a' --ingress 'all'
