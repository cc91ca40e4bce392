#!/usr/bin/env bash
# runlens change set: Turn the invoker IAM check back on for off-v2
# Fixes findings: 35e41e55d27b7efd
# Content hash (sha256): c2ff0cd17f58700e544c4c0168549d87a43606469d034dbdc0325d08b97715f1
# Why: The invoker IAM check of off-v2 is off: anyone who can reach its URL can invoke it, whatever its IAM policy says.
# Risk: No principal holds an invoke role on off-v2: afterwards only project owners and editors can call it. Grant roles/run.invoker to its callers first.
# Risk: If off-v2 is public on purpose (a website), do not apply: record an exception instead.
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

# Step 1 of 1: set invokerIamDisabled of //run.googleapis.com/projects/proj-a/locations/us-central1/services/off-v2: true -> false
#   Why: requests must carry an identity token of a principal holding roles/run.invoker
gcloud run services update 'off-v2' --region 'us-central1' --project 'proj-a' --invoker-iam-check
