# runlens change set: Every kind of step
# Fixes findings: f1
# Content hash (sha256): 7339eda526f0860e0964aa33565bc27035650fba2e3a518d35c31d9c629ecf5d
# Some steps are manual: they are instructions below, not commands.
# Why: test
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwX1
#   //iam.googleapis.com/projects/proj-a/serviceAccounts/api-sa@proj-a.iam.gserviceaccount.com etag (none in the inventory)
# Risk: nothing
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 14: create service account api-sa@proj-a.iam.gserviceaccount.com
resource "google_service_account" "api_sa" {
  project      = "proj-a"
  account_id   = "api-sa"
  display_name = "API"
}

# Step 2 of 14: grant roles/iam.serviceAccountUser to group:deployers@example.com on //iam.googleapis.com/projects/proj-a/serviceAccounts/api-sa@proj-a.iam.gserviceaccount.com
resource "google_service_account_iam_member" "api_sa_proj_a_iam_gserviceaccount_com_iam_serviceaccountuser" {
  service_account_id = google_service_account.api_sa.name
  role               = "roles/iam.serviceAccountUser"
  member             = "group:deployers@example.com"
}

# Step 3 of 14: grant roles/cloudsql.client to serviceAccount:api-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
resource "google_project_iam_member" "proj_a_cloudsql_client" {
  project = "proj-a"
  role    = "roles/cloudsql.client"
  member  = google_service_account.api_sa.member
}

# Step 4 of 14: remove roles/editor from serviceAccount:old@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111 (condition "until 2030, maybe": request.time < timestamp("2030-01-01T00:00:00Z"))
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_project_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_project_iam_binding or google_project_iam_policy manages role roles/editor on this resource, take serviceAccount:old@proj-a.iam.gserviceaccount.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)

# Step 5 of 14: set serviceAccount of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api: old@proj-a.iam.gserviceaccount.com -> api-sa@proj-a.iam.gserviceaccount.com
# Edit the existing google_cloud_run_v2_service that manages api to set the attributes below, or import it first: terraform import google_cloud_run_v2_service.api projects/proj-a/locations/us-central1/services/api. This block lists only what changes (later steps add to it): it is not a complete resource.
resource "google_cloud_run_v2_service" "api" {
  project  = "proj-a"
  location = "us-central1"
  name     = "api"
  template {
    service_account = google_service_account.api_sa.email
    containers {
      name = "app"
      env {
        name = "TOKEN"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.api_token.secret_id
            version = "latest"
          }
        }
      }
    }
  }
  ingress              = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  invoker_iam_disabled = false
  binary_authorization {
    use_default = true
  }
}

# Step 6 of 14: set ingress of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api: all -> internal
# Added to the google_cloud_run_v2_service block for api above.

# Step 7 of 14: set invokerIamDisabled of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api: true -> false
# Added to the google_cloud_run_v2_service block for api above.

# Step 8 of 14: set binaryAuthorization of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api: (not set) -> default
# Added to the google_cloud_run_v2_service block for api above.

# Step 9 of 14: create secret api-token in project proj-a for env var TOKEN of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api; the operator supplies the value
resource "google_secret_manager_secret" "api_token" {
  project   = "proj-a"
  secret_id = "api-token"
  replication {
    auto {
    }
  }
}
# The value is not in Terraform on purpose (it would land in state): add it with gcloud secrets versions add api-token --data-file=- (see the gcloud rendering).

# Step 10 of 14: set env var TOKEN of //run.googleapis.com/projects/proj-a/locations/us-central1/services/api from the secret api-token:latest instead of a literal value
# Added to the google_cloud_run_v2_service block for api above.
# In the containers block, replace the literal env entry "TOKEN" with the secret reference shown.

# Step 11 of 14: push from //pubsub.googleapis.com/projects/proj-a/subscriptions/s with an OIDC token of api-sa@proj-a.iam.gserviceaccount.com (audience https://api-x.a.run.app)
# Merge into the google_pubsub_subscription that manages s, or import it first: terraform import google_pubsub_subscription.s projects/proj-a/subscriptions/s. Only push_config is shown; topic and the other attributes must stay as they are.
resource "google_pubsub_subscription" "s" {
  project = "proj-a"
  name    = "s"
  push_config {
    push_endpoint = "https://api-x.a.run.app/push"
    oidc_token {
      service_account_email = google_service_account.api_sa.email
      audience              = "https://api-x.a.run.app"
    }
  }
}

# Step 12 of 14: call from Scheduler job //cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/j with an OIDC token of api-sa@proj-a.iam.gserviceaccount.com (audience https://api-x.a.run.app)
# Merge into the google_cloud_scheduler_job that manages j, or import it first: terraform import google_cloud_scheduler_job.j projects/proj-a/locations/us-central1/jobs/j. Only the OIDC token of http_target is new; keep schedule and the rest as they are.
resource "google_cloud_scheduler_job" "j" {
  project = "proj-a"
  region  = "us-central1"
  name    = "j"
  http_target {
    uri = "https://api-x.a.run.app/tick"
    oidc_token {
      service_account_email = google_service_account.api_sa.email
      audience              = "https://api-x.a.run.app"
    }
  }
}

# Step 13 of 14: delete key //iam.googleapis.com/projects/proj-a/serviceAccounts/1/keys/abc of old@proj-a.iam.gserviceaccount.com
# Keys are credentials, best kept out of Terraform state. If your configuration creates this key with a google_service_account_key resource, delete that resource; otherwise delete the key with the gcloud rendering.

# Step 14 of 14: manual step
# MANUAL, not expressed in Terraform:
# Do the thing.
# Then the other.
