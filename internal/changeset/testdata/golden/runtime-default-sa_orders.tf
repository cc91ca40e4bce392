# runlens change set: Give Cloud Run service orders a dedicated service account
# Fixes findings: bdb1304141b4215d
# Content hash (sha256): a68e97ce26caadf5c931a909eb621462b611238c051e8b33278012172ace4481
# Why: orders runs as the default compute service account 111-compute@developer.gserviceaccount.com, which every unconfigured workload in the project shares and which usually holds roles/editor on the project. A dedicated account holding only what the service's configuration references limits what a compromise of the service reaches.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwYA1111
#   //run.googleapis.com/projects/proj-a/locations/us-central1/services/billing etag BwYAbill
#   //storage.googleapis.com/orders-exports etag CAE=
# Risk: Whoever deploys orders from now on needs iam.serviceAccounts.actAs on orders-sa@proj-a.iam.gserviceaccount.com (roles/iam.serviceAccountUser on that account, not on the project).
# Risk: 111-compute@developer.gserviceaccount.com (proj-a, default compute) holds roles/editor on project proj-a (and so on the 11 resources the graph shows inside it); orders-sa@proj-a.iam.gserviceaccount.com will not.
# Risk: 111-compute@developer.gserviceaccount.com (proj-a, default compute) holds roles/run.invoker on service billing (proj-a · us-central1); orders-sa@proj-a.iam.gserviceaccount.com will not.
# Risk: IAM recommender insight for 111-compute@developer.gserviceaccount.com (proj-a, default compute): roles/editor on project proj-a: 5 permissions used (cloudtrace.traces.patch, pubsub.topics.publish, secretmanager.versions.access, storage.objects.create, storage.objects.get).
# Risk: Removing the default compute identity's grants also affects anything outside Cloud Run that runs as 111-compute@developer.gserviceaccount.com (Compute Engine VMs, GKE nodes, Dataflow or Cloud Build workers): runlens does not see those. Skip the last steps if any exist.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 11: create service account orders-sa@proj-a.iam.gserviceaccount.com
# Why: a dedicated runtime identity for service orders
resource "google_service_account" "orders_sa" {
  project      = "proj-a"
  account_id   = "orders-sa"
  display_name = "Runtime identity of Cloud Run service orders"
}

# Step 2 of 11: grant roles/cloudkms.cryptoKeyEncrypterDecrypter to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudkms.googleapis.com/projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders
# Why: the configuration names CMEK projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders (encryption key); the recommender saw no cloudkms permission used, so this is what the reference calls for; the Cloud Run service agent keeps its own grant for CMEK, this one lets the workload's code use the key: drop it if the code does not
resource "google_kms_crypto_key_iam_member" "orders_cloudkms_cryptokeyencrypterdecrypter" {
  crypto_key_id = "projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders"
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = google_service_account.orders_sa.member
}

# Step 3 of 11: grant roles/cloudsql.client to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the configuration names Cloud SQL proj-a:us-central1:orders-db (volume cloudsql); Cloud SQL has no instance-level IAM, so the grant is on the instance's project; the recommender saw no cloudsql permission used, so this is what the reference calls for
resource "google_project_iam_member" "proj_a_cloudsql_client" {
  project = "proj-a"
  role    = "roles/cloudsql.client"
  member  = google_service_account.orders_sa.member
}

# Step 4 of 11: grant roles/pubsub.publisher to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //pubsub.googleapis.com/projects/proj-a/topics/order-events
# Why: the configuration names topic projects/proj-a/topics/order-events (env EVENTS_TOPIC); covers pubsub.topics.publish, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
resource "google_pubsub_topic_iam_member" "order_events_pubsub_publisher" {
  project = "proj-a"
  topic   = "order-events"
  role    = "roles/pubsub.publisher"
  member  = google_service_account.orders_sa.member
}

# Step 5 of 11: grant roles/secretmanager.secretAccessor to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/db-pass
# Why: the configuration names secret db-pass (env DB_PASSWORD); covers secretmanager.versions.access, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
resource "google_secret_manager_secret_iam_member" "db_pass_secretmanager_secretaccessor" {
  project   = "111"
  secret_id = "db-pass"
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.orders_sa.member
}

# Step 6 of 11: grant roles/storage.objectCreator to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //storage.googleapis.com/orders-exports
# Why: the configuration names bucket orders-exports (volume exports); covers storage.objects.create, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
resource "google_storage_bucket_iam_member" "orders_exports_storage_objectcreator" {
  bucket = "orders-exports"
  role   = "roles/storage.objectCreator"
  member = google_service_account.orders_sa.member
}

# Step 7 of 11: grant roles/storage.objectViewer to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //storage.googleapis.com/orders-exports
# Why: the configuration names bucket orders-exports (volume exports); covers storage.objects.get, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
resource "google_storage_bucket_iam_member" "orders_exports_storage_objectviewer" {
  bucket = "orders-exports"
  role   = "roles/storage.objectViewer"
  member = google_service_account.orders_sa.member
}

# Step 8 of 11: grant roles/cloudtrace.agent to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the identity used cloudtrace permissions that are granted on a project only; covers cloudtrace.traces.patch, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
resource "google_project_iam_member" "proj_a_cloudtrace_agent" {
  project = "proj-a"
  role    = "roles/cloudtrace.agent"
  member  = google_service_account.orders_sa.member
}

# Step 9 of 11: set serviceAccount of //run.googleapis.com/projects/proj-a/locations/us-central1/services/orders: 111-compute@developer.gserviceaccount.com -> orders-sa@proj-a.iam.gserviceaccount.com
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

# Step 10 of 11: remove roles/editor from serviceAccount:111-compute@developer.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the default compute identity serves no other Cloud Run workload or caller runlens sees: its grant is stale
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_project_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_project_iam_binding or google_project_iam_policy manages role roles/editor on this resource, take serviceAccount:111-compute@developer.gserviceaccount.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)

# Step 11 of 11: remove roles/run.invoker from serviceAccount:111-compute@developer.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/billing
# Why: the default compute identity serves no other Cloud Run workload or caller runlens sees: its grant is stale
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_cloud_run_v2_service_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_cloud_run_v2_service_iam_binding or google_cloud_run_v2_service_iam_policy manages role roles/run.invoker on this resource, take serviceAccount:111-compute@developer.gserviceaccount.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
