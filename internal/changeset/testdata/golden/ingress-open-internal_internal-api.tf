# runlens change set: Set ingress of internal-api to internal
# Fixes findings: 1c6f747f3af660a4
# Content hash (sha256): 8e464942d0bca3154a81502619a79f046f821dfce1d0e7bdff9c4080d6be594b
# Why: internal-api accepts traffic from the internet (ingress all), yet no person and no public member can invoke it: its callers are 1 service account. Internal ingress accepts only traffic from VPC networks and Google services in the same project or VPC Service Controls perimeter.
# Risk: Callers outside Google Cloud (on-premises systems, other clouds, developers' machines) can no longer reach internal-api; they need a VPN or Interconnect into the VPC, or a load balancer (then use internal-and-cloud-load-balancing).
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: set ingress of //run.googleapis.com/projects/proj-a/locations/us-central1/services/internal-api: all -> internal
# Why: requests from the internet are rejected (404) before authentication
# Edit the existing google_cloud_run_v2_service that manages internal-api to set the attributes below, or import it first: terraform import google_cloud_run_v2_service.internal_api projects/proj-a/locations/us-central1/services/internal-api. This block lists only what changes (later steps add to it): it is not a complete resource.
resource "google_cloud_run_v2_service" "internal_api" {
  project  = "proj-a"
  location = "us-central1"
  name     = "internal-api"
  ingress  = "INGRESS_TRAFFIC_INTERNAL_ONLY"
}
