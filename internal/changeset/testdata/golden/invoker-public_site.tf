# runlens change set: Remove allUsers (anyone on the internet) from roles/run.invoker on folder web
# Fixes findings: 973ec8dc670e25e6
# Content hash (sha256): 106716ad73ef5195112223ce405c925452b169374d6c56a189b78456dfc01559
# Why: allUsers (anyone on the internet) holds roles/run.invoker on folder web, so service site (proj-web · europe-west1) can be invoked without authenticating as anyone in particular. The binding is on folder web, an ancestor: every service and job below it is public.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/folders/200 etag (none in the inventory)
# Risk: anyone on the internet (allUsers) loses invoke access to 1 workload(s): service site (proj-web · europe-west1).
# Risk: If a workload above is a public website or API on purpose, do not apply: record an exception with the reason instead.
# Risk: After the removal nobody but project owners and editors holds an invoke role on service site (proj-web · europe-west1): grant roles/run.invoker on it to its real callers first.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: remove roles/run.invoker from allUsers on //cloudresourcemanager.googleapis.com/folders/200
# Why: the public invoker binding
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_folder_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_folder_iam_binding or google_folder_iam_policy manages role roles/run.invoker on this resource, take allUsers out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
