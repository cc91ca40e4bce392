#!/usr/bin/env bash
# runlens change set: Remove allUsers (anyone on the internet) from roles/run.invoker on service pub-v1 (proj-a · us-central1)
# Fixes findings: 13e828385623f1ed
# Content hash (sha256): 463b27782e19eeb805222d7a33a1a0ac42a6692532a7146cc58bf79c0e75a337
# Why: allUsers (anyone on the internet) holds roles/run.invoker on service pub-v1 (proj-a · us-central1), so service pub-v1 (proj-a · us-central1) can be invoked without authenticating as anyone in particular.
# Planned against these IAM policy etags (re-plan if they changed):
#   //run.googleapis.com/projects/proj-a/locations/us-central1/services/pub-v1 etag (none in the inventory)
# Risk: anyone on the internet (allUsers) loses invoke access to 1 workload(s): service pub-v1 (proj-a · us-central1).
# Risk: If a workload above is a public website or API on purpose, do not apply: record an exception with the reason instead.
# Risk: After the removal nobody but project owners and editors holds an invoke role on service pub-v1 (proj-a · us-central1): grant roles/run.invoker on it to its real callers first.
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

# Step 1 of 1: remove roles/run.invoker from allUsers on //run.googleapis.com/projects/proj-a/locations/us-central1/services/pub-v1
#   Why: the public invoker binding
gcloud run services remove-iam-policy-binding 'pub-v1' --region 'us-central1' --project 'proj-a' --member 'allUsers' --role 'roles/run.invoker'
