# runlens change set: Give Cloud Run job nightly-export a dedicated service account
# Fixes findings: 6b956ab92d53ad06
# Content hash (sha256): 98bbcbc5c3fbaac95f15b35443586e3d21e4c2a3ed09d9d6892ca3b8561fdfc3
# Some steps are manual: they are instructions below, not commands.
# Why: nightly-export runs as the default compute service account 222-compute@developer.gserviceaccount.com, which every unconfigured workload in the project shares and which usually holds roles/editor on the project. A dedicated account holding only what the job's configuration references limits what a compromise of the job reaches.
# Risk: No IAM recommender insight says which permissions 222-compute@developer.gserviceaccount.com (proj-b, default compute) used: the grants above come from the configuration alone and may not cover what the code calls by name at run time.
# Risk: The job's configuration references no secret, bucket, topic, CMEK key or Cloud SQL instance: nightly-export-sa@proj-b.iam.gserviceaccount.com starts with no grants, and whatever the code calls by name at run time will be denied until granted.
# Risk: Whoever deploys nightly-export from now on needs iam.serviceAccounts.actAs on nightly-export-sa@proj-b.iam.gserviceaccount.com (roles/iam.serviceAccountUser on that account, not on the project).
# Risk: 222-compute@developer.gserviceaccount.com (proj-b, default compute) holds roles/editor on project proj-b (and so on the 3 resources the graph shows inside it); nightly-export-sa@proj-b.iam.gserviceaccount.com will not.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 3: create service account nightly-export-sa@proj-b.iam.gserviceaccount.com
# Why: a dedicated runtime identity for job nightly-export
resource "google_service_account" "nightly_export_sa" {
  project      = "proj-b"
  account_id   = "nightly-export-sa"
  display_name = "Runtime identity of Cloud Run job nightly-export"
}

# Step 2 of 3: set serviceAccount of //run.googleapis.com/projects/proj-b/locations/europe-west1/jobs/nightly-export: 222-compute@developer.gserviceaccount.com -> nightly-export-sa@proj-b.iam.gserviceaccount.com
# Why: deploys a new revision running as nightly-export-sa@proj-b.iam.gserviceaccount.com
# Edit the existing google_cloud_run_v2_job that manages nightly-export to set the attributes below, or import it first: terraform import google_cloud_run_v2_job.nightly_export projects/proj-b/locations/europe-west1/jobs/nightly-export. This block lists only what changes (later steps add to it): it is not a complete resource.
resource "google_cloud_run_v2_job" "nightly_export" {
  project  = "proj-b"
  location = "europe-west1"
  name     = "nightly-export"
  template {
    template {
      service_account = google_service_account.nightly_export_sa.email
    }
  }
}

# Step 3 of 3: manual step
# MANUAL, not expressed in Terraform:
# Later, not now: the default identity 222-compute@developer.gserviceaccount.com keeps its grants (roles/editor on project proj-b (and so on the 3 resources the graph shows inside it)) because it still serves service api (proj-b · europe-west1). Give those their own identities first (propose the fix of each one's default-identity finding); once nothing runs as it, remove its grants.
