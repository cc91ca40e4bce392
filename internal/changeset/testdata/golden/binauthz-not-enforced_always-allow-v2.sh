#!/usr/bin/env bash
# runlens change set: Enforce Binary Authorization for always-allow-v2
# Fixes findings: 05cc966026a92c7c
# Content hash (sha256): 95f45d7213d5e754bbef06595c15a317eceba8c37ee2c58c1dd14229a878bcb9
# Some steps are manual: they are instructions below, not commands.
# Why: service always-allow-v2 can run any image: its project's policy admits every image or only audits (policy defaultAdmissionRule.evaluationMode: ALWAYS_ALLOW).
# Risk: Once the project policy enforces, every deployment in project proj-b whose image lacks the required attestations is blocked, not only always-allow-v2's.
# Risk: Deploying always-allow-v2 with --binary-authorization changes nothing while the project policy allows all images; the policy is what blocks unattested images.
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

# Step 1 of 1: manual step
#   MANUAL, not run by this script:
#   Make the project policy of proj-b enforce: gcloud container binauthz policy export --project proj-b > policy.yaml; set defaultAdmissionRule.evaluationMode to REQUIRE_ATTESTATION (with your attestors) and enforcementMode to ENFORCED_BLOCK_AND_AUDIT_LOG; gcloud container binauthz policy import policy.yaml --project proj-b. Start in dry-run if unsure.
