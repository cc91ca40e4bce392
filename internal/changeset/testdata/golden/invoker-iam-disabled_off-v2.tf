# runlens change set: Turn the invoker IAM check back on for off-v2
# Fixes findings: 35e41e55d27b7efd
# Content hash (sha256): c2ff0cd17f58700e544c4c0168549d87a43606469d034dbdc0325d08b97715f1
# Why: The invoker IAM check of off-v2 is off: anyone who can reach its URL can invoke it, whatever its IAM policy says.
# Risk: No principal holds an invoke role on off-v2: afterwards only project owners and editors can call it. Grant roles/run.invoker to its callers first.
# Risk: If off-v2 is public on purpose (a website), do not apply: record an exception instead.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: set invokerIamDisabled of //run.googleapis.com/projects/proj-a/locations/us-central1/services/off-v2: true -> false
# Why: requests must carry an identity token of a principal holding roles/run.invoker
# Edit the existing google_cloud_run_v2_service that manages off-v2 to set the attributes below, or import it first: terraform import google_cloud_run_v2_service.off_v2 projects/proj-a/locations/us-central1/services/off-v2. This block lists only what changes (later steps add to it): it is not a complete resource.
resource "google_cloud_run_v2_service" "off_v2" {
  project              = "proj-a"
  location             = "us-central1"
  name                 = "off-v2"
  invoker_iam_disabled = false
}
