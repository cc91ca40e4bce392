# runlens change set: Narrow roles/run.invoker of group eng@example.com on folder apps
# Fixes findings: 895bbf7cc64fa719
# Content hash (sha256): 1639cd9c51e7b8c840f2a08b90c60a5655251c6d6f4625237bf34867fbdbedd2
# Why: group eng@example.com holds roles/run.invoker on folder apps, which reaches every service and job below it (2 today). It is granted again on each of them alone, then removed from folder apps: services created below folder apps later no longer inherit it.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/folders/200 etag BwX1
# Risk: Review the grants above before approving: a service group eng@example.com does not call needs no grant of its own.
# Risk: group eng@example.com keeps invoke access to job folder-job (proj-a · us-central1), service folder-svc (proj-a · us-central1) through the grant on each above.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 3: grant roles/run.invoker to group:eng@example.com on //run.googleapis.com/projects/proj-a/locations/us-central1/jobs/folder-job
# Why: keeps group eng@example.com able to invoke job folder-job (proj-a · us-central1) after the broad grant goes
resource "google_cloud_run_v2_job_iam_member" "folder_job_run_invoker" {
  project  = "proj-a"
  location = "us-central1"
  name     = "folder-job"
  role     = "roles/run.invoker"
  member   = "group:eng@example.com"
}

# Step 2 of 3: grant roles/run.invoker to group:eng@example.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/folder-svc
# Why: keeps group eng@example.com able to invoke service folder-svc (proj-a · us-central1) after the broad grant goes
resource "google_cloud_run_v2_service_iam_member" "folder_svc_run_invoker" {
  project  = "proj-a"
  location = "us-central1"
  name     = "folder-svc"
  role     = "roles/run.invoker"
  member   = "group:eng@example.com"
}

# Step 3 of 3: remove roles/run.invoker from group:eng@example.com on //cloudresourcemanager.googleapis.com/folders/200
# Why: the broad grant
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_folder_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_folder_iam_binding or google_folder_iam_policy manages role roles/run.invoker on this resource, take group:eng@example.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
