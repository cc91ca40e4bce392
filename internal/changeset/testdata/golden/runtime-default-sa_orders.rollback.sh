#!/usr/bin/env bash
# runlens change set: Roll back: Give Cloud Run service orders a dedicated service account
# Fixes findings:
# Content hash (sha256): eb9f925b21b25905f9be7ac1e04e12dcd802b3c100df49348d96f515fcb835ce
# Some steps are manual: they are instructions below, not commands.
# Why: Puts back what the change set “Give Cloud Run service orders a dedicated service account” changed, as it was when that change set was planned.
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

# Step 1 of 11: grant roles/run.invoker to serviceAccount:111-compute@developer.gserviceaccount.com on //run.googleapis.com/projects/proj-a/locations/us-central1/services/billing
#   Why: undoes step 11: the binding as it was
retry gcloud run services add-iam-policy-binding 'billing' --region 'us-central1' --project 'proj-a' --member 'serviceAccount:111-compute@developer.gserviceaccount.com' --role 'roles/run.invoker'

# Step 2 of 11: grant roles/editor to serviceAccount:111-compute@developer.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 10: the binding as it was
retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:111-compute@developer.gserviceaccount.com' --role 'roles/editor'

# Step 3 of 11: set serviceAccount of //run.googleapis.com/projects/proj-a/locations/us-central1/services/orders: orders-sa@proj-a.iam.gserviceaccount.com -> 111-compute@developer.gserviceaccount.com
#   Why: undoes step 9: serviceAccount as it was
gcloud run services update 'orders' --region 'us-central1' --project 'proj-a' --service-account '111-compute@developer.gserviceaccount.com'

# Step 4 of 11: remove roles/cloudtrace.agent from serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 8: the grant it made
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudtrace.agent'

# Step 5 of 11: remove roles/storage.objectViewer from serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //storage.googleapis.com/orders-exports
#   Why: undoes step 7: the grant it made
gcloud storage buckets remove-iam-policy-binding 'gs://orders-exports' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/storage.objectViewer'

# Step 6 of 11: remove roles/storage.objectCreator from serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //storage.googleapis.com/orders-exports
#   Why: undoes step 6: the grant it made
gcloud storage buckets remove-iam-policy-binding 'gs://orders-exports' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/storage.objectCreator'

# Step 7 of 11: remove roles/secretmanager.secretAccessor from serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //secretmanager.googleapis.com/projects/111/secrets/db-pass
#   Why: undoes step 5: the grant it made
gcloud secrets remove-iam-policy-binding 'db-pass' --project '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/secretmanager.secretAccessor'

# Step 8 of 11: remove roles/pubsub.publisher from serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //pubsub.googleapis.com/projects/proj-a/topics/order-events
#   Why: undoes step 4: the grant it made
gcloud pubsub topics remove-iam-policy-binding 'order-events' --project 'proj-a' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/pubsub.publisher'

# Step 9 of 11: remove roles/cloudsql.client from serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
#   Why: undoes step 3: the grant it made
gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudsql.client'

# Step 10 of 11: remove roles/cloudkms.cryptoKeyEncrypterDecrypter from serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com on //cloudkms.googleapis.com/projects/proj-a/locations/us-central1/keyRings/run/cryptoKeys/orders
#   Why: undoes step 2: the grant it made
gcloud kms keys remove-iam-policy-binding 'orders' --keyring 'run' --location 'us-central1' --project 'proj-a' --member 'serviceAccount:orders-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudkms.cryptoKeyEncrypterDecrypter'

# Step 11 of 11: manual step
#   MANUAL, not run by this script:
#   Step 1 created service account orders-sa@proj-a.iam.gserviceaccount.com. It is left in place: it holds nothing once the grants above are removed. Delete it (gcloud iam service-accounts delete) once nothing runs as it.
