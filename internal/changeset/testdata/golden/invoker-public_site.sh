#!/usr/bin/env bash
# runlens change set: Remove allUsers (anyone on the internet) from roles/run.invoker on folder web
# Fixes findings: 973ec8dc670e25e6
# Content hash (sha256): 106716ad73ef5195112223ce405c925452b169374d6c56a189b78456dfc01559
# Why: allUsers (anyone on the internet) holds roles/run.invoker on folder web, so service site (proj-web · europe-west1) can be invoked without authenticating as anyone in particular. The binding is on folder web, an ancestor: every service and job below it is public.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/folders/200 etag (none in the inventory)
# Risk: anyone on the internet (allUsers) loses invoke access to 1 workload(s): service site (proj-web · europe-west1).
# Risk: If a workload above is a public website or API on purpose, do not apply: record an exception with the reason instead.
# Risk: After the removal nobody but project owners and editors holds an invoke role on service site (proj-web · europe-west1): grant roles/run.invoker on it to its real callers first.
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

# Step 1 of 1: remove roles/run.invoker from allUsers on //cloudresourcemanager.googleapis.com/folders/200
#   Why: the public invoker binding
gcloud resource-manager folders remove-iam-policy-binding '200' --member 'allUsers' --role 'roles/run.invoker'
