#!/usr/bin/env bash
# runlens change set: Delete the user-managed keys of keyed@proj-a.iam.gserviceaccount.com
# Fixes findings: f2ecd0de250a00c3
# Content hash (sha256): 39a0b7b97ad579aff27072c633901e96fb7c4dabeb25d3f8c0924a5c23c5d80b
# Why: keyed@proj-a.iam.gserviceaccount.com is the runtime identity of Cloud Run workloads, which never need a key: the platform supplies its credentials. A key is a long-lived credential that works from anywhere.
# Risk: Anything outside Google Cloud that authenticates with these keys (CI pipelines, scripts, other clouds) stops working: check the key's last use (service account key insights, or Policy Analyzer's activity analysis) before deleting, and move such callers to Workload Identity Federation.
# Risk: Enforce the iam.disableServiceAccountKeyCreation organization policy so new keys are not created.
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

# Step 1 of 1: delete key //iam.googleapis.com/projects/proj-a/serviceAccounts/1401/keys/k1user of keyed@proj-a.iam.gserviceaccount.com
#   Why: user-managed key k1user (USER_MANAGED, valid until 9999-12-31T23:59:59Z)
gcloud iam service-accounts keys delete 'k1user' --iam-account 'keyed@proj-a.iam.gserviceaccount.com' --quiet
