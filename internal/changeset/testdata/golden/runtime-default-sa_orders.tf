# runlens change set: Give Cloud Run service orders a dedicated service account
# Fixes findings: bdb1304141b4215d
# Content hash (sha256): 5ca34b8f77a09e0ff24d372f06ea88e21ad97a59bf024b11a7beb4dac3ad4943
# Why: orders runs as the default compute service account 111-compute@developer.gserviceaccount.com, which every unconfigured workload in the project shares and which usually holds roles/editor on the project. A dedicated account holding only what the service's configuration references limits what a compromise of the service reaches.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwYA1111
#   //run.googleapis.com/projects/proj-a/locations/us-central1/services/billing etag BwYAbill
#   //storage.googleapis.com/orders-exports etag CAE=
# Risk: Whoever deploys orders from now on needs iam.serviceAccounts.actAs on orders-sa@proj-a.iam.gserviceaccount.com (roles/iam.serviceAccountUser on that account, not on the project).
# Risk: 111-compute@developer.gserviceaccount.com (proj-a, default compute) holds roles/editor on project proj-a (and so on the 11 resources the graph shows inside it); orders-sa@proj-a.iam.gserviceaccount.com will not.
# Risk: 111-compute@developer.gserviceaccount.com (proj-a, default compute) holds roles/run.invoker on service billing (proj-a · us-central1); orders-sa@proj-a.iam.gserviceaccount.com will not.
# Risk: IAM recommender insight for 111-compute@developer.gserviceaccount.com (proj-a, default compute): roles/editor on project proj-a: 5 permissions used (cloudtrace.traces.patch, pubsub.topics.publish, secretmanager.versions.access, storage.objects.create, storage.objects.get).
# Risk: Permissions the recommender saw 111-compute@developer.gserviceaccount.com (proj-a, default compute) use that the new grants do not cover: cloudtrace.traces.patch. Grant them on the specific resources before switching, or expect PERMISSION_DENIED.
# Risk: Removing the default compute identity's grants also affects anything outside Cloud Run that runs as 111-compute@developer.gserviceaccount.com (Compute Engine VMs, GKE nodes, Dataflow or Cloud Build workers): runlens does not see those. Skip the last steps if any exist.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 9: create service account orders-sa@proj-a.iam.gserviceaccount.com
# Why: a dedicated runtime identity for service orders
resource "google_service_account" "orders_sa" {
  project      = "proj-a"
  account_id   = "orders-sa"
  display_name = "Runtime identity of Cloud Run service orders"
}

# Step 2 of 9: grant roles/cloudkms.cryptoKeyEncrypterDecrypter to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudkms.googleapis.com/projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders
# Why: the configuration uses CMEK projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders (encryption key); the Cloud Run service agent keeps its own grant for CMEK, this one lets the workload's code use the key: drop it if the code does not
resource "google_kms_crypto_key_iam_member" "orders_cloudkms_cryptokeyencrypterdecrypter" {
  crypto_key_id = "projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders"
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = google_service_account.orders_sa.member
}

# Step 3 of 9: grant roles/cloudsql.client to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the configuration connects to Cloud SQL proj-a:us-central1:orders-db (volume cloudsql); Cloud SQL has no instance-level IAM, so the grant is on the instance's project
resource "google_project_iam_member" "proj_a_cloudsql_client" {
  project = "proj-a"
  role    = "roles/cloudsql.client"
  member  = google_service_account.orders_sa.member
}

# Step 4 of 9: grant roles/pubsub.publisher to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //pubsub.googleapis.com/projects/proj-a/topics/order-events
# Why: the configuration names topic projects/proj-a/topics/order-events (env EVENTS_TOPIC)
resource "google_pubsub_topic_iam_member" "order_events_pubsub_publisher" {
  project = "proj-a"
  topic   = "order-events"
  role    = "roles/pubsub.publisher"
  member  = google_service_account.orders_sa.member
}

# Step 5 of 9: grant roles/secretmanager.secretAccessor to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/db-pass
# Why: the configuration reads secret db-pass (env DB_PASSWORD)
resource "google_secret_manager_secret_iam_member" "db_pass_secretmanager_secretaccessor" {
  project   = "111"
  secret_id = "db-pass"
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.orders_sa.member
}

# Step 6 of 9: grant roles/storage.objectUser to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //storage.googleapis.com/orders-exports
# Why: the configuration names bucket orders-exports (volume exports) and the recommender saw object writes
resource "google_storage_bucket_iam_member" "orders_exports_storage_objectuser" {
  bucket = "orders-exports"
  role   = "roles/storage.objectUser"
  member = google_service_account.orders_sa.member
}

# Step 7 of 9: set serviceAccount of //run.googleapis.com/projects/proj-a/locations/us-central1/services/orders: 111-compute@developer.gserviceaccount.com -> orders-sa@proj-a.iam.gserviceaccount.com
# Why: deploys a new revision running as orders-sa@proj-a.iam.gserviceaccount.com
# Edit the existing google_cloud_run_v2_service that manages orders to set the attributes below, or import it first: terraform import google_cloud_run_v2_service.orders projects/proj-a/locations/us-central1/services/orders. This block lists only what changes (later steps add to it): it is not a complete resource.
resource "google_cloud_run_v2_service" "orders" {
  project  = "proj-a"
  location = "us-central1"
  name     = "orders"
  template {
    service_account = google_service_account.orders_sa.email
  }
}

# Step 8 of 9: remove roles/editor from serviceAccount:111-compute@developer.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the default compute identity serves no other Cloud Run workload or caller runlens sees: its grant is stale
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_project_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_project_iam_binding or google_project_iam_policy manages role roles/editor on this resource, take serviceAccount:111-compute@developer.gserviceaccount.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)

# Step 9 of 9: remove roles/run.invoker from serviceAccount:111-compute@developer.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/billing
# Why: the default compute identity serves no other Cloud Run workload or caller runlens sees: its grant is stale
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_cloud_run_v2_service_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_cloud_run_v2_service_iam_binding or google_cloud_run_v2_service_iam_policy manages role roles/run.invoker on this resource, take serviceAccount:111-compute@developer.gserviceaccount.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
