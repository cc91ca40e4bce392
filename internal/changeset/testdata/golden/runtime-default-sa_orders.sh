#!/usr/bin/env bash
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
# Review every step before running it. Steps run in order; the script stops at the first error.
# Removing a binding that is already gone fails: after a partial run, run the remaining steps only.
set -euo pipefail

# retry runs a command up to 5 times: a new service account takes a few seconds to be usable in IAM policies.
retry() {
  local n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 5 ]; then return 1; fi
    sleep $((n * 5))
  done
}

# Step 1 of 11: create service account orders-sa@proj-a.iam.gserviceaccount.com
#   Why: a dedicated runtime identity for service orders
gcloud iam service-accounts describe 'orders-sa@proj-a.iam.gserviceaccount.com' --project 'proj-a' >/dev/null 2>&1 || gcloud iam service-accounts create 'orders-sa' --project 'proj-a' --display-name 'Runtime identity of Cloud Run service orders'

# Step 2 of 11: grant roles/cloudkms.cryptoKeyEncrypterDecrypter to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudkms.googleapis.com/projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders
#   Why: the configuration names CMEK projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders (encryption key); the recommender saw no cloudkms permission used, so this is what the reference calls for; the Cloud Run service agent keeps its own grant for CMEK, this one lets the workload's code use the key: drop it if the code does not
retry gcloud kms keys add-iam-policy-binding 'orders' --keyring 'run' --location 'us-central1' --project 'proj-a' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudkms.cryptoKeyEncrypterDecrypter'

# Step 3 of 11: grant roles/cloudsql.client to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the configuration names Cloud SQL proj-a:us-central1:orders-db (volume cloudsql); Cloud SQL has no instance-level IAM, so the grant is on the instance's project; the recommender saw no cloudsql permission used, so this is what the reference calls for
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudsql.client'

# Step 4 of 11: grant roles/pubsub.publisher to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //pubsub.googleapis.com/projects/proj-a/topics/order-events
#   Why: the configuration names topic projects/proj-a/topics/order-events (env EVENTS_TOPIC); covers pubsub.topics.publish, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
retry gcloud pubsub topics add-iam-policy-binding 'order-events' --project 'proj-a' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/pubsub.publisher'

# Step 5 of 11: grant roles/secretmanager.secretAccessor to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/db-pass
#   Why: the configuration names secret db-pass (env DB_PASSWORD); covers secretmanager.versions.access, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
retry gcloud secrets add-iam-policy-binding 'db-pass' --project '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'

# Step 6 of 11: grant roles/storage.objectCreator to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //storage.googleapis.com/orders-exports
#   Why: the configuration names bucket orders-exports (volume exports); covers storage.objects.create, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
retry gcloud storage buckets add-iam-policy-binding 'gs://orders-exports' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/storage.objectCreator'

# Step 7 of 11: grant roles/storage.objectViewer to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //storage.googleapis.com/orders-exports
#   Why: the configuration names bucket orders-exports (volume exports); covers storage.objects.get, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
retry gcloud storage buckets add-iam-policy-binding 'gs://orders-exports' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/storage.objectViewer'

# Step 8 of 11: grant roles/cloudtrace.agent to serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the identity used cloudtrace permissions that are granted on a project only; covers cloudtrace.traces.patch, which 111-compute@developer.gserviceaccount.com (proj-a, default compute) used
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudtrace.agent'

# Step 9 of 11: set serviceAccount of //run.googleapis.com/projects/proj-a/locations/us-central1/services/orders: 111-compute@developer.gserviceaccount.com -> orders-sa@proj-a.iam.gserviceaccount.com
#   Why: deploys a new revision running as orders-sa@proj-a.iam.gserviceaccount.com
gcloud run services update 'orders' --region 'us-central1' --project 'proj-a' --service-account 'orders-sa@proj-a.iam.gserviceaccount.com'

# Step 10 of 11: remove roles/editor from serviceAccount:111-compute@developer.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: the default compute identity serves no other Cloud Run workload or caller runlens sees: its grant is stale
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:111-compute@developer.gserviceaccount.com' --role 'roles/editor'

# Step 11 of 11: remove roles/run.invoker from serviceAccount:111-compute@developer.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/billing
#   Why: the default compute identity serves no other Cloud Run workload or caller runlens sees: its grant is stale
gcloud run services remove-iam-policy-binding 'billing' --region 'us-central1' --project 'proj-a' --member 'serviceAccount:111-compute@developer.gserviceaccount.com' --role 'roles/run.invoker'
