#!/usr/bin/env bash
# runlens change set: Remove roles/editor from runtime identity legacy@proj-a.iam.gserviceaccount.com
# Fixes findings: 77654718c70ed984
# Content hash (sha256): c8f05e7580ad5e213e06df6030f22f0bf161e7bcf9edcba707c35bbb3c99651b
# Some steps are manual: they are instructions below, not commands.
# Why: legacy@proj-a.iam.gserviceaccount.com holds the basic role roles/editor on project proj-a. Basic roles grant thousands of permissions across every service; a workload needs a few predefined roles on the resources it uses.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwYB0001
# Risk: No IAM recommender insight says which permissions legacy@proj-a.iam.gserviceaccount.com used: the grants above come from the configuration alone and may not cover what the code calls by name at run time.
# Risk: legacy@proj-a.iam.gserviceaccount.com is the runtime identity of service ledger (proj-a · us-central1): whatever they do with roles/editor beyond the grants above will be denied.
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

# Step 1 of 3: grant roles/secretmanager.secretAccessor to serviceAccount:legacy@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/ledger-token
#   Why: the configuration names secret ledger-token (env API_TOKEN)
retry gcloud secrets add-iam-policy-binding 'ledger-token' --project '111' --member 'serviceAccount:legacy@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'

# Step 2 of 3: manual step
#   MANUAL, not run by this script:
#   No IAM recommendation or insight says which permissions of roles/editor the workloads use. The grants above cover what their configuration references. Before removing the role, check Policy Analyzer or the Cloud Audit Logs of legacy@proj-a.iam.gserviceaccount.com for other APIs it calls, and grant the matching predefined roles on those specific resources.

# Step 3 of 3: remove roles/editor from serviceAccount:legacy@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the basic role
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:legacy@proj-a.iam.gserviceaccount.com' --role 'roles/editor' --condition 'None'
