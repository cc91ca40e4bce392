# runlens change set: Make bucket public-assets private
# Fixes findings: 2180a0ce5e7c9c82
# Content hash (sha256): a49e3e7be5f2ad9f7febeb4602e1181fdacd7173c2c6ec3ac2e79d2977cb456d
# Why: Bucket public-assets grants roles to allUsers or allAuthenticatedUsers without a condition: its objects are readable (or worse) by anyone.
# Planned against these IAM policy etags (re-plan if they changed):
#   //storage.googleapis.com/public-assets etag BwX1
# Risk: allUsers (anyone on the internet) loses roles/storage.objectViewer on bucket public-assets: public links (https://storage.googleapis.com/public-assets/...) stop working.
# Risk: Workloads that use the bucket keep their own grants: service web (proj-a · us-central1).
# Risk: If the bucket serves public content on purpose, do not apply: put a CDN with signed URLs in front, or record an exception. Consider enforcing public access prevention on it afterwards.
#
# For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. Blocks that change an existing object list only the changed attributes; they are not complete resources.

# Step 1 of 1: remove roles/storage.objectViewer from allUsers on //storage.googleapis.com/public-assets
# Why: the public binding
# Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. If your configuration grants it with a google_storage_bucket_iam_member resource, delete that resource (terraform apply then removes the grant). If an authoritative google_storage_bucket_iam_binding or google_storage_bucket_iam_policy manages role roles/storage.objectViewer on this resource, take allUsers out of its members. If Terraform does not manage it, apply this step with the gcloud rendering. (A removed block would only make Terraform forget the grant, not remove it.)
