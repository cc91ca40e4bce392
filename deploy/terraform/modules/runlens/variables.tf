variable "project_id" {
  description = "Project that hosts runlens (its service, service accounts and state bucket). A project of its own is best: the optional Binary Authorization policy is project-wide."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run service and of the state bucket, e.g. europe-west1."
  type        = string
}

variable "name" {
  description = "Name of the Cloud Run service and of the runtime service account (6 to 22 lowercase letters, digits or hyphens)."
  type        = string
  default     = "runlens"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,20}[a-z0-9]$", var.name))
    error_message = "The name must be 6 to 22 lowercase letters, digits or hyphens, starting with a letter (the applier account adds \"-applier\" and account IDs stop at 30)."
  }
}

variable "image" {
  description = "Container image, pinned by digest: REGION-docker.pkg.dev/PROJECT/REPOSITORY/runlens@sha256:DIGEST (a tag before the digest is allowed)."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@sha256:[0-9a-f]{64}$", var.image))
    error_message = "The image must be pinned by digest (NAME@sha256:64 hex digits), never by tag alone."
  }
}

variable "scope" {
  description = "What runlens reads: organizations/NUMBER or folders/NUMBER. Its runtime service account gets the read roles there, and nowhere else."
  type        = string

  validation {
    condition     = can(regex("^(organizations|folders)/[0-9]+$", var.scope))
    error_message = "The scope must be organizations/NUMBER or folders/NUMBER."
  }
}

variable "first_admin" {
  description = "Email of the person who becomes runlens admin on first sign-in (RUNLENS_FIRST_ADMIN). They must also be in iap_members to get through IAP."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+$", var.first_admin))
    error_message = "The first admin must be an email address."
  }
}

variable "iap_members" {
  description = "Who may reach runlens through IAP (roles/iap.httpsResourceAccessor on the service), as IAM members: group:reviewers@example.com, user:a@example.com or domain:example.com. Roles inside runlens are assigned separately, in the console."
  type        = list(string)

  validation {
    condition     = length(var.iap_members) > 0 && alltrue([for m in var.iap_members : can(regex("^(group|user|domain):[^\\s]+$", m))])
    error_message = "Give at least one member, each group:, user: or domain: (never allUsers or allAuthenticatedUsers)."
  }
}

variable "ingress" {
  description = "Ingress of the service. INGRESS_TRAFFIC_ALL is what IAP directly on Cloud Run needs for people to reach the run.app URL; IAP still checks every request on every path. INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER only if you put your own external Application Load Balancer in front (IAP stays on the service)."
  type        = string
  default     = "INGRESS_TRAFFIC_ALL"

  validation {
    condition     = contains(["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"], var.ingress)
    error_message = "The ingress must be INGRESS_TRAFFIC_ALL or INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER (internal-only would lock IAP users out)."
  }
}

variable "network" {
  description = "Optional VPC network for Direct VPC egress. When set, all egress (ALL_TRAFFIC) goes through it, so its firewall and Cloud NAT or Private Google Access apply. When null, runlens reports its own egress-not-restricted finding (low)."
  type        = string
  default     = null
}

variable "subnetwork" {
  description = "Optional subnetwork for Direct VPC egress, in var.region; used only with var.network."
  type        = string
  default     = null
}

variable "replica_bucket_name" {
  description = "Name of the bucket that holds the Litestream replica of the database. Default: PROJECT_ID-NAME-state."
  type        = string
  default     = null
}

variable "inventory_bucket" {
  description = "Optional existing bucket with CAI export files (gcloud asset export JSON lines). When set, it is mounted read-only at /inventory, the runtime account may read it (roles/storage.objectViewer on that bucket only) and runlens serves with --input /inventory, so the Sync page re-reads the newest export. See deploy/README.md, scheduled sync."
  type        = string
  default     = null
}

variable "bigquery_dataset" {
  description = "Optional Cloud Asset Inventory export in BigQuery to read instead of the live Cloud Asset API: PROJECT.DATASET, or PROJECT.DATASET.TABLE_PREFIX (serve --bigquery). The runtime account then gets roles/bigquery.dataViewer on that dataset only and roles/bigquery.readSessionUser on this project, and no role at the scope. Ignored when inventory_bucket is set. See docs/bigquery.md."
  type        = string
  default     = ""

  validation {
    condition     = var.bigquery_dataset == "" || can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9][.][A-Za-z0-9_]+([.][A-Za-z0-9_-]+)?$", var.bigquery_dataset))
    error_message = "The bigquery_dataset must be PROJECT.DATASET or PROJECT.DATASET.TABLE_PREFIX."
  }
}

variable "sync_every" {
  description = "How often runlens syncs in the background (serve --sync-every): its scope live through the Cloud Asset API, or the BigQuery export when bigquery_dataset is given; not with inventory_bucket. A Go duration such as 6h."
  type        = string
  default     = "6h"
}

variable "cpu" {
  description = "CPUs of the instance. Reading, building and checking use every CPU; a sync competes with the console for them. 1 is enough for a few thousand services; give 4 for 50,000 (Cloud Run allows up to 4 GiB of memory per CPU)."
  type        = string
  default     = "1"
}

variable "memory_mib" {
  description = "Memory of the instance in MiB. It holds the in-memory /data volume (data_size_mib), Litestream, and runlens, which needs about twice a scan's memory during a sync (the served state and the new one): about 3.5 GiB per million CAI records. 2048 is enough for a few thousand services; the 50,000-service organization (1,000,000 records) needs about 12288 with data_size_mib = 2048."
  type        = number
  default     = 2048
  validation {
    condition     = var.memory_mib >= 1024
    error_message = "memory_mib must be at least 1024."
  }
}

variable "data_size_mib" {
  description = "Size limit in MiB of the in-memory /data volume that holds the SQLite database (counted against memory_mib). A snapshot of a million CAI records takes about 1.4 GiB; keep room for two while a sync replaces the older one."
  type        = number
  default     = 512
  validation {
    condition     = var.data_size_mib >= 128
    error_message = "data_size_mib must be at least 128."
  }
}

variable "manage_binary_authorization_policy" {
  description = "Whether to set the project's Binary Authorization policy: deny by default, allow only images from the repository of var.image. The service uses the project policy (binary_authorization.use_default), and without an enforcing policy it admits every image. Leave false only if the project already has an enforcing policy."
  type        = bool
  default     = true
}

variable "enable_apply" {
  description = "Whether to turn apply on: create the applier service account that runlens impersonates to apply approved change sets (RUNLENS_APPLY_AS), with the custom role runlensApplier at var.scope (defined on the organization, so the operator needs roles/iam.organizationRoleAdmin there). Off by default: with it off runlens can only export change sets."
  type        = bool
  default     = false
}

variable "launch_stage" {
  description = "Launch stage of the Cloud Run service, e.g. BETA if the API asks for a preview stage for IAP on Cloud Run in your organization. Default: unset (GA)."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Whether Terraform refuses to destroy the Cloud Run service."
  type        = bool
  default     = true
}

variable "enable_feed" {
  description = "Whether to turn the continuous guard on: Cloud Asset Inventory feeds at var.scope (resources and IAM policies of the asset types runlens reads) into a Pub/Sub topic, a pull subscription with a dead-letter topic that runlens pulls (RUNLENS_FEED_SUBSCRIPTION), and one instance always running to pull it. Creating the feeds needs cloudasset.feeds.create at the scope (roles/cloudasset.owner). See deploy/README.md, the feed."
  type        = bool
  default     = true
}
