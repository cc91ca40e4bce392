# runlens change set: Authenticate the pushes of subscription to-worker
# Fixes findings: f9cb7e1a9a36c9e5
# Content hash (sha256): 8a31d0a079c361e4fceacd7439af1ea8a38f1c30ecc36a0dbc50c0e3f3ba0e4b
# Why: Subscription to-worker pushes to service worker (proj-a · us-central1) without an OIDC token, so the service cannot tell Pub/Sub from anyone else and has to accept unauthenticated requests. A dedicated caller identity holding roles/run.invoker on that service alone signs every push.
# Risk: Whoever runs this needs iam.serviceAccounts.actAs on to-worker-push@proj-a.iam.gserviceaccount.com to attach it to to-worker.
# Risk: In projects created before 8 April 2021 the Pub/Sub service agent (service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com) also needs roles/iam.serviceAccountTokenCreator on to-worker-push@proj-a.iam.gserviceaccount.com to mint the tokens.
# Risk: If the push handler checks the token's audience itself, it must accept "https://worker-abc123-uc.a.run.app".
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 3: create service account to-worker-push@proj-a.iam.gserviceaccount.com
# Why: a dedicated identity for Pub/Sub subscription to-worker (proj-a) to call its targets with
resource "google_service_account" "to_worker_push" {
  project      = "proj-a"
  account_id   = "to-worker-push"
  display_name = "Caller identity of Pub/Sub subscription to-worker"
}

# Step 2 of 3: grant roles/run.invoker to serviceAccount:to-worker-push@proj-a.iam.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/worker
# Why: lets to-worker invoke worker and nothing else
resource "google_cloud_run_v2_service_iam_member" "worker_run_invoker" {
  project  = "proj-a"
  location = "us-central1"
  name     = "worker"
  role     = "roles/run.invoker"
  member   = google_service_account.to_worker_push.member
}

# Step 3 of 3: push from //pubsub.googleapis.com/projects/proj-a/subscriptions/to-worker with an OIDC token of to-worker-push@proj-a.iam.gserviceaccount.com (audience https://worker-abc123-uc.a.run.app)
# Why: Pub/Sub signs each push with an OIDC token of to-worker-push@proj-a.iam.gserviceaccount.com
# Merge into the google_pubsub_subscription that manages to-worker, or import it first: terraform import google_pubsub_subscription.to_worker projects/proj-a/subscriptions/to-worker. Only push_config is shown; topic and the other attributes must stay as they are.
resource "google_pubsub_subscription" "to_worker" {
  project = "proj-a"
  name    = "to-worker"
  push_config {
    push_endpoint = "https://worker-abc123-uc.a.run.app/push"
    oidc_token {
      service_account_email = google_service_account.to_worker_push.email
      audience              = "https://worker-abc123-uc.a.run.app"
    }
  }
}
