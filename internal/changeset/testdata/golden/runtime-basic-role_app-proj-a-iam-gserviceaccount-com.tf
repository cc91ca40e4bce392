# runlens change set: Remove roles/editor from runtime identity app@proj-a.iam.gserviceaccount.com
# Fixes findings: e68a06a2ad5c3b8d
# Content hash (sha256): 5f573b71e6aa370b1488b02fa45d58aa06c89a0c875915ebd6e1a0f06ea50eba
# Why: app@proj-a.iam.gserviceaccount.com holds the basic role roles/editor on project proj-a. Basic roles grant thousands of permissions across every service; a workload needs a few predefined roles on the resources it uses.
# Planned against these IAM policy etags (re-plan if they changed):
#   //cloudresourcemanager.googleapis.com/projects/111 etag BwYB0001
# Risk: app@proj-a.iam.gserviceaccount.com is the runtime identity of service shop (proj-a · us-central1): whatever they do with roles/editor beyond the grants above will be denied.
# Risk: The recommendation revokes 11974 permissions.
# Risk: IAM recommender insight: permissions of roles/editor used in the observation period: pubsub.topics.publish, storage.objects.get, cloudsql.instances.connect.
# Risk: Used permissions the change set does not grant again: cloudsql.instances.connect. Grant them on the specific resources, or expect PERMISSION_DENIED.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 3: grant roles/pubsub.publisher to serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the IAM recommender's replacement for roles/editor (projects/111/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r-app)
resource "google_project_iam_member" "proj_a_pubsub_publisher" {
  project = "proj-a"
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:app@proj-a.iam.gserviceaccount.com"
}

# Step 2 of 3: grant roles/storage.objectViewer to serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the IAM recommender's replacement for roles/editor (projects/111/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r-app)
resource "google_project_iam_member" "proj_a_storage_objectviewer" {
  project = "proj-a"
  role    = "roles/storage.objectViewer"
  member  = "serviceAccount:app@proj-a.iam.gserviceaccount.com"
}

# Step 3 of 3: remove roles/editor from serviceAccount:app@proj-a.iam.gserviceaccount.com on //cloudresourcemanager.googleapis.com/projects/111
# Why: the basic role
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_project_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_project_iam_binding or google_project_iam_policy manages role roles/editor on this resource, take serviceAccount:app@proj-a.iam.gserviceaccount.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
