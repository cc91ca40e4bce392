#!/usr/bin/env bash
# runlens change set: Remove roles/editor from runtime identity app@proj-a.iam.gserviceaccount.com
# Fixes findings: e68a06a2ad5c3b8d
# Content hash (sha256): 5f573b71e6aa370b1488b02fa45d58aa06c89a0c875915ebd6e1a0f06ea50eba
# Why: app@proj-a.iam.gserviceaccount.com holds the basic role roles/editor on project proj-a. Basic roles grant thousands of permissions across every service; a workload needs a few predefined roles on the resources it uses.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwYB0001
# Risk: app@proj-a.iam.gserviceaccount.com is the runtime identity of service shop (proj-a · us-central1): whatever they do with roles/editor beyond the grants above will be denied.
# Risk: The recommendation revokes 11974 permissions.
# Risk: IAM recommender insight: permissions of roles/editor used in the observation period: pubsub.topics.publish, storage.objects.get, cloudsql.instances.connect.
# Risk: Used permissions the change set does not grant again: cloudsql.instances.connect. Grant them on the specific resources, or expect PERMISSION_DENIED.
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

# Step 1 of 3: grant roles/pubsub.publisher to serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the IAM recommender's replacement for roles/editor (projects/111/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r-app)
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/pubsub.publisher' --condition 'None'

# Step 2 of 3: grant roles/storage.objectViewer to serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the IAM recommender's replacement for roles/editor (projects/111/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r-app)
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/storage.objectViewer' --condition 'None'

# Step 3 of 3: remove roles/editor from serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the basic role
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:app@proj-a.iam.gserviceaccount.com' --role 'roles/editor' --condition 'None'
