# runlens change set: Narrow roles/iam.serviceAccountUser of group deployers@example.com on project proj-a
# Fixes findings: 394027751d3c8c02
# Content hash (sha256): e49f0a8f9c34b75224af1c9ccf7e11533032f934e4625dc940533a3d51d26c13
# Why: group deployers@example.com holds roles/iam.serviceAccountUser on project proj-a, so it can act as every service account below it, and so reach everything those reach.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwYC0001
#   //iam.googleapis.com/projects/proj-a/serviceAccounts/api@proj-a.iam.gserviceaccount.com etag BwYC0002
# Risk: group deployers@example.com can no longer act as: etl@proj-a.iam.gserviceaccount.com.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 2: grant roles/iam.serviceAccountUser to group:deployers@example.com on //iam.googleapis.com/projects/proj-a/serviceAccounts/api@proj-a.iam.gserviceaccount.com
# Why: runtime identity of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api, which group:deployers@example.com can deploy
resource "google_service_account_iam_member" "api_proj_a_iam_gserviceaccount_com_iam_serviceaccountuser" {
  service_account_id = "projects/proj-a/serviceAccounts/api@proj-a.iam.gserviceaccount.com"
  role               = "roles/iam.serviceAccountUser"
  member             = "group:deployers@example.com"
}

# Step 2 of 2: remove roles/iam.serviceAccountUser from group:Deployers@example.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the project proj-a-wide grant
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_project_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_project_iam_binding or google_project_iam_policy manages role roles/iam.serviceAccountUser on this resource, take group:Deployers@example.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
