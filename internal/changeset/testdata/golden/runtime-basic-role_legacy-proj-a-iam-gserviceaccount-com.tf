# runlens change set: Remove roles/editor from runtime identity legacy@proj-a.iam.gserviceaccount.com
# Fixes findings: 77654718c70ed984
# Content hash (sha256): c8f05e7580ad5e213e06df6030f22f0bf161e7bcf9edcba707c35bbb3c99651b
# Some steps are manual: they are instructions below, not commands.
# Why: legacy@proj-a.iam.gserviceaccount.com holds the basic role roles/editor on project proj-a. Basic roles grant thousands of permissions across every service; a workload needs a few predefined roles on the resources it uses.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwYB0001
# Risk: No IAM recommender insight says which permissions legacy@proj-a.iam.gserviceaccount.com used: the grants above come from the configuration alone and may not cover what the code calls by name at run time.
# Risk: legacy@proj-a.iam.gserviceaccount.com is the runtime identity of service ledger (proj-a · us-central1): whatever they do with roles/editor beyond the grants above will be denied.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 3: grant roles/secretmanager.secretAccessor to serviceAccount:legacy@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/ledger-token
# Why: the configuration names secret ledger-token (env API_TOKEN)
resource "google_secret_manager_secret_iam_member" "ledger_token_secretmanager_secretaccessor" {
  project   = "111"
  secret_id = "ledger-token"
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:legacy@proj-a.iam.gserviceaccount.com"
}

# Step 2 of 3: manual step
# MANUAL, not expressed in Terraform:
# No IAM recommendation or insight says which permissions of roles/editor the workloads use. The grants above cover what their configuration references. Before removing the role, check Policy Analyzer or the Cloud Audit Logs of legacy@proj-a.iam.gserviceaccount.com for other APIs it calls, and grant the matching predefined roles on those specific resources.

# Step 3 of 3: remove roles/editor from serviceAccount:legacy@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the basic role
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_project_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_project_iam_binding or google_project_iam_policy manages role roles/editor on this resource, take serviceAccount:legacy@proj-a.iam.gserviceaccount.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
