# runlens change set: Remove allUsers (anyone on the internet) from roles/run.invoker on service pub-v1 (proj-a · us-central1)
# Fixes findings: 13e828385623f1ed
# Content hash (sha256): 463b27782e19eeb805222d7a33a1a0ac42a6692532a7146cc58bf79c0e75a337
# Why: allUsers (anyone on the internet) holds roles/run.invoker on service pub-v1 (proj-a · us-central1), so service pub-v1 (proj-a · us-central1) can be invoked without authenticating as anyone in particular.
# Planned against these IAM policy etags (re-plan if they changed):
#   //run.googleapis.com/projects/proj-a/locations/us-central1/services/pub-v1 etag (none in the inventory)
# Risk: anyone on the internet (allUsers) loses invoke access to 1 workload(s): service pub-v1 (proj-a · us-central1).
# Risk: If a workload above is a public website or API on purpose, do not apply: record an exception with the reason instead.
# Risk: After the removal nobody but project owners and editors holds an invoke role on service pub-v1 (proj-a · us-central1): grant roles/run.invoker on it to its real callers first.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: remove roles/run.invoker from allUsers on //run.googleapis.com/projects/proj-a/locations/us-central1/services/pub-v1
# Why: the public invoker binding
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_cloud_run_v2_service_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_cloud_run_v2_service_iam_binding or google_cloud_run_v2_service_iam_policy manages role roles/run.invoker on this resource, take allUsers out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
