# runlens change set: Move roles/secretmanager.secretAccessor of secrets-v1@proj-a.iam.gserviceaccount.com from project proj-a to the resources it uses
# Fixes findings: 80d59eb19f5faeed
# Content hash (sha256): 4effc29a2e37f22c1993189f1b7dc896b1d2f88f2229171bd24ff220935a8645
# Why: secrets-v1@proj-a.iam.gserviceaccount.com holds roles/secretmanager.secretAccessor on project proj-a, which reaches every secretmanager resource in it; its workloads' configuration references only specific ones.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwX1
# Risk: secrets-v1@proj-a.iam.gserviceaccount.com loses roles/secretmanager.secretAccessor on 2 other secretmanager resources the graph shows in project proj-a: secret api-key (proj-a), secret tls-cert (proj-a).
# Risk: Workloads running as secrets-v1@proj-a.iam.gserviceaccount.com: service svc-secrets-v1 (proj-a · us-central1).
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 2: grant roles/secretmanager.secretAccessor to serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/db-pass
# Why: referenced by the configuration of a workload running as secrets-v1@proj-a.iam.gserviceaccount.com
resource "google_secret_manager_secret_iam_member" "db_pass_secretmanager_secretaccessor" {
  project   = "111"
  secret_id = "db-pass"
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com"
}

# Step 2 of 2: remove roles/secretmanager.secretAccessor from serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the project proj-a-wide grant
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_project_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_project_iam_binding or google_project_iam_policy manages role roles/secretmanager.secretAccessor on this resource, take serviceAccount:secrets-v1@proj-a.iam.gserviceaccount.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
