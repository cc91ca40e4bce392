# runlens change set: Authenticate the calls of Scheduler job nightly
# Fixes findings: e20df71d5641cf27
# Content hash (sha256): 629d7342a5772245ea4184adc3c36e4e043512f7bc91f0e2bd166f0e8599fd1c
# Why: Cloud Scheduler job nightly calls service worker (proj-a · us-central1) without an OIDC token, so the target has to accept unauthenticated requests. A dedicated caller identity holding roles/run.invoker on the target alone signs every call.
# Risk: Whoever runs this needs iam.serviceAccounts.actAs on nightly-sched@proj-a.iam.gserviceaccount.com to attach it to nightly.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 3: create service account nightly-sched@proj-a.iam.gserviceaccount.com
# Why: a dedicated identity for Cloud Scheduler job nightly (proj-a · us-central1) to call its targets with
resource "google_service_account" "nightly_sched" {
  project      = "proj-a"
  account_id   = "nightly-sched"
  display_name = "Caller identity of Cloud Scheduler job nightly"
}

# Step 2 of 3: grant roles/run.invoker to serviceAccount:nightly-sched@proj-a.iam.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/worker
# Why: lets nightly invoke worker and nothing else
resource "google_cloud_run_v2_service_iam_member" "worker_run_invoker" {
  project  = "proj-a"
  location = "us-central1"
  name     = "worker"
  role     = "roles/run.invoker"
  member   = google_service_account.nightly_sched.member
}

# Step 3 of 3: call from Scheduler job //cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/nightly with an OIDC token of nightly-sched@proj-a.iam.gserviceaccount.com (audience https://worker-xyz789-uc.a.run.app)
# Why: Cloud Scheduler signs each call with an OIDC token of nightly-sched@proj-a.iam.gserviceaccount.com
# Merge into the google_cloud_scheduler_job that manages nightly, or import it first: terraform import google_cloud_scheduler_job.nightly projects/proj-a/locations/us-central1/jobs/nightly. Only the OIDC token of http_target is new; keep schedule and the rest as they are.
resource "google_cloud_scheduler_job" "nightly" {
  project = "proj-a"
  region  = "us-central1"
  name    = "nightly"
  http_target {
    uri = "https://worker-xyz789-uc.a.run.app/run"
    oidc_token {
      service_account_email = google_service_account.nightly_sched.email
      audience              = "https://worker-xyz789-uc.a.run.app"
    }
  }
}
