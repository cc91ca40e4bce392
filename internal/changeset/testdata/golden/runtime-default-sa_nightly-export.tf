# runlens change set: Give Cloud Run job nightly-export a dedicated service account
# Fixes findings: 6b956ab92d53ad06
# Content hash (sha256): d969ed654e338e9d24a220a1219f9eab9e07643b0640596d24e2575ee496e1af
# Why: nightly-export runs as the default compute service account 222-compute@developer.gserviceaccount.com, which every unconfigured workload in the project shares and which usually holds roles/editor on the project. A dedicated account holding only what the job's configuration references limits what a compromise of the job reaches.
# Risk: No IAM recommender insight says which permissions 222-compute@developer.gserviceaccount.com (proj-b, default compute) used: the grants above come from the configuration alone and may not cover what the code calls by name at run time.
# Risk: The job's configuration references no secret, bucket, topic, CMEK key or Cloud SQL instance: nightly-export-sa@proj-b.iam.gserviceaccount.com starts with no grants, and whatever the code calls by name at run time will be denied until granted.
# Risk: Whoever deploys nightly-export from now on needs iam.serviceAccounts.actAs on nightly-export-sa@proj-b.iam.gserviceaccount.com (roles/iam.serviceAccountUser on that account, not on the project).
# Risk: 222-compute@developer.gserviceaccount.com (proj-b, default compute) holds roles/editor on project proj-b (and so on the 3 resources the graph shows inside it); nightly-export-sa@proj-b.iam.gserviceaccount.com will not.
# Risk: The default identity's grants are kept: it still serves service api (proj-b · europe-west1). Move those to their own identities first; then its grants can go.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 2: create service account nightly-export-sa@proj-b.iam.gserviceaccount.com
# Why: a dedicated runtime identity for job nightly-export
resource "google_service_account" "nightly_export_sa" {
  project      = "proj-b"
  account_id   = "nightly-export-sa"
  display_name = "Runtime identity of Cloud Run job nightly-export"
}

# Step 2 of 2: set serviceAccount of //run.googleapis.com/projects/proj-b/locations/europe-west1/jobs/nightly-export: 222-compute@developer.gserviceaccount.com -> nightly-export-sa@proj-b.iam.gserviceaccount.com
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
