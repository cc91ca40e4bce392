# runlens change set: Enforce Binary Authorization for none-v2
# Fixes findings: 85d885729815b91c
# Content hash (sha256): ef502c302a4f28768c5017e54bb362e9bc58dd7e67ba140dca4e96d2537106b1
# Why: service none-v2 can run any image: it does not use Binary Authorization.
# Risk: Deploying none-v2 with --binary-authorization changes nothing while the project policy allows all images; the policy is what blocks unattested images.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: set binaryAuthorization of //run.googleapis.com/projects/proj-a/locations/us-central1/services/none-v2: (not set) -> default
# Why: deployments are checked against the project's Binary Authorization policy
# Edit the existing google_cloud_run_v2_service that manages none-v2 to set the attributes below, or import it first: terraform import google_cloud_run_v2_service.none_v2 projects/proj-a/locations/us-central1/services/none-v2. This block lists only what changes (later steps add to it): it is not a complete resource.
resource "google_cloud_run_v2_service" "none_v2" {
  project  = "proj-a"
  location = "us-central1"
  name     = "none-v2"
  binary_authorization {
    use_default = true
  }
}
