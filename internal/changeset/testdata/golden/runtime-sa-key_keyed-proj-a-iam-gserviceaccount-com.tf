# runlens change set: Delete the user-managed keys of keyed@proj-a.iam.gserviceaccount.com
# Fixes findings: f2ecd0de250a00c3
# Content hash (sha256): 39a0b7b97ad579aff27072c633901e96fb7c4dabeb25d3f8c0924a5c23c5d80b
# Why: keyed@proj-a.iam.gserviceaccount.com is the runtime identity of Cloud Run workloads, which never need a key: the platform supplies its credentials. A key is a long-lived credential that works from anywhere.
# Risk: Anything outside Google Cloud that authenticates with these keys (CI pipelines, scripts, other clouds) stops working: check the key's last use (service account key insights, or Policy Analyzer's activity analysis) before deleting, and move such callers to Workload Identity Federation.
# Risk: Enforce the iam.disableServiceAccountKeyCreation organization policy so new keys are not created.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: delete key //iam.googleapis.com/projects/proj-a/serviceAccounts/1401/keys/k1user of keyed@proj-a.iam.gserviceaccount.com
# Why: user-managed key k1user (USER_MANAGED, valid until 9999-12-31T23:59:59Z)
# Keys are credentials, best kept out of Terraform state. If your configuration creates this key with a google_service_account_key resource, delete that resource; otherwise delete the key with the gcloud rendering.
