# runlens change set: Move DB_PASSWORD of literal-v1 into Secret Manager
# Fixes findings: 5b55157fd24c53f9
# Content hash (sha256): 5c4a1c5d9159a631bc6e0df93de2f59c3ae7a0ecda2638d060dbb6456b684d66
# Some steps are manual: they are instructions below, not commands.
# Why: The env var DB_PASSWORD of service literal-v1 has a literal value, visible to anyone who can view the service's configuration (run.services.get, roles/viewer). runlens never read or kept the value.
# Risk: Older revisions of literal-v1 keep the literal value in their configuration until they are deleted; rotation is what makes it worthless.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 4: create secret literal-v1-db_password in project proj-a for env var DB_PASSWORD of //run.googleapis.com/projects/proj-a/locations/us-central1/services/literal-v1; the operator supplies the value
# Why: creates the secret; the operator supplies the value (runlens does not have it)
resource "google_secret_manager_secret" "literal_v1_db_password" {
  project   = "proj-a"
  secret_id = "literal-v1-db_password"
  replication {
    auto {
    }
  }
}
# The value is not in Terraform on purpose (it would land in state): add it with gcloud secrets versions add literal-v1-db_password --data-file=- (see the gcloud rendering).

# Step 2 of 4: grant roles/secretmanager.secretAccessor to serviceAccount:app@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/literal-v1-db_password
# Why: the runtime identity reads the secret
resource "google_secret_manager_secret_iam_member" "literal_v1_db_password_secretmanager_secretaccessor" {
  project   = google_secret_manager_secret.literal_v1_db_password.project
  secret_id = google_secret_manager_secret.literal_v1_db_password.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:app@proj-a.iam.gserviceaccount.com"
}

# Step 3 of 4: set env var DB_PASSWORD of //run.googleapis.com/projects/proj-a/locations/us-central1/services/literal-v1 from the secret literal-v1-db_password:latest instead of a literal value
# Why: the variable reads the secret's latest version; a new revision is deployed
# Edit the existing google_cloud_run_v2_service that manages literal-v1 to set the attributes below, or import it first: terraform import google_cloud_run_v2_service.literal_v1 projects/proj-a/locations/us-central1/services/literal-v1. This block lists only what changes (later steps add to it): it is not a complete resource.
resource "google_cloud_run_v2_service" "literal_v1" {
  project  = "proj-a"
  location = "us-central1"
  name     = "literal-v1"
  template {
    containers {
      env {
        name = "DB_PASSWORD"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.literal_v1_db_password.secret_id
            version = "latest"
          }
        }
      }
    }
  }
}
# In the containers block, replace the literal env entry "DB_PASSWORD" with the secret reference shown.

# Step 4 of 4: manual step
# MANUAL, not expressed in Terraform:
# Rotate the exposed value: it was visible in the service's configuration and revision history to anyone with read access. Issue a new credential at its source, add it as a new version of secret literal-v1-db_password, redeploy, then revoke the old one.
