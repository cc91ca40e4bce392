#!/usr/bin/env bash
# runlens change set: Set ingress of internal-api to internal
# Fixes findings: 1c6f747f3af660a4
# Content hash (sha256): 8e464942d0bca3154a81502619a79f046f821dfce1d0e7bdff9c4080d6be594b
# Why: internal-api accepts traffic from the internet (ingress all), yet no person and no public member can invoke it: its callers are 1 service account. Internal ingress accepts only traffic from VPC networks and Google services in the same project or VPC Service Controls perimeter.
# Risk: Callers outside Google Cloud (on-premises systems, other clouds, developers' machines) can no longer reach internal-api; they need a VPN or Interconnect into the VPC, or a load balancer (then use internal-and-cloud-load-balancing).
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

# Step 1 of 1: set ingress of //run.googleapis.com/projects/proj-a/locations/us-central1/services/internal-api: all -> internal
#   Why: requests from the internet are rejected (404) before authentication
gcloud run services update 'internal-api' --region 'us-central1' --project 'proj-a' --ingress 'internal'
