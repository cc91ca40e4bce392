# runlens change set: Narrow roles/iam.serviceAccountTokenCreator of user ops@example.com on project proj-b
# Fixes findings: e5be8ee5131b552d
# Content hash (sha256): fa1463915ac29d66906c1d98280b12c41659194c13be41e9b7942669fa07ea79
# Why: user ops@example.com holds roles/iam.serviceAccountTokenCreator on project proj-b, so it can act as every service account below it, and so reach everything those reach.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/222 etag BwX1
# Risk: The graph shows no runtime identity user ops@example.com needs to act as (deploying a workload that runs as it): the role is removed without a narrower grant. If it impersonates specific accounts, grant roles/iam.serviceAccountTokenCreator on those accounts only.
# Risk: user ops@example.com can no longer act as: b@proj-b.iam.gserviceaccount.com.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: remove roles/iam.serviceAccountTokenCreator from user:ops@example.com on //cloudresourcemanager.googleapis.com/projects/222
# Why: the project proj-b-wide grant
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_project_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_project_iam_binding or google_project_iam_policy manages role roles/iam.serviceAccountTokenCreator on this resource, take user:ops@example.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
