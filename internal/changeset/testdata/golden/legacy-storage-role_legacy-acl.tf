# runlens change set: Remove legacy storage roles from bucket legacy-acl
# Fixes findings: 64719dc6dfa9b6b1
# Content hash (sha256): 2767e470387200c8f94242f56aafd36342b10f05e8bd695ee4afc75ee2e3f742
# Why: Legacy bucket roles mirror ACLs and grant more than their names suggest (a legacyBucketReader lists every object; a legacyBucketOwner can change the bucket's IAM policy).
# Planned against these IAM policy etags (re-plan if they changed):
#   //storage.googleapis.com/legacy-acl etag BwX1
# Risk: user bob@example.com loses roles/storage.legacyObjectReader on bucket legacy-acl; if it needs access, grant roles/storage.objectViewer on the bucket instead.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: remove roles/storage.legacyObjectReader from user:bob@example.com on //storage.googleapis.com/legacy-acl
# Why: the legacy role
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_storage_bucket_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_storage_bucket_iam_binding or google_storage_bucket_iam_policy manages role roles/storage.legacyObjectReader on this resource, take user:bob@example.com out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
