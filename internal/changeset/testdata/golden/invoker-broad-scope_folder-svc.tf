# runlens change set: Narrow roles/run.invoker of group eng@example.com on folder apps
# Fixes findings: 32625f4bd86ae865
# Content hash (sha256): fcd3d6653c4b97f29893661000031607d261aa73ab911a77e21365bf813972df
# Why: group eng@example.com holds roles/run.invoker on folder apps, which reaches every service and job below it. It is granted again on service folder-svc (proj-a · us-central1) alone, then removed from folder apps.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/folders/200 etag BwX1
# Risk: group eng@example.com keeps invoke access to service folder-svc (proj-a · us-central1) through the grant on it above.
# Risk: group eng@example.com loses invoke access to 1 workload(s): job folder-job (proj-a · us-central1).
# Risk: After the removal nobody but project owners and editors holds an invoke role on job folder-job (proj-a · us-central1): grant roles/run.invoker on it to its real callers first.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 2: grant roles/run.invoker to group:eng@example.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/folder-svc
# Why: keeps group eng@example.com able to invoke folder-svc after the broad grant goes
resource "google_cloud_run_v2_service_iam_member" "folder_svc_run_invoker" {
  project  = "proj-a"
  location = "us-central1"
  name     = "folder-svc"
  role     = "roles/run.invoker"
  member   = "group:eng@example.com"
}

# Step 2 of 2: remove roles/run.invoker from group:eng@example.com on //cloudresourcemanager.googleapis.com/folders/200
# Why: the broad grant
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_folder_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_folder_iam_binding or google_folder_iam_policy manages role roles/run.invoker on this resource, take group:eng@example.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
