variable "project_id" {
  description = "Project that hosts runlens."
  type        = string
}

variable "region" {
  description = "Region of the service and its state bucket."
  type        = string
  default     = "europe-west1"
}

variable "image" {
  description = "runlens image pinned by digest, e.g. europe-west1-docker.pkg.dev/PROJECT/runlens/runlens@sha256:DIGEST."
  type        = string
}

variable "scope" {
  description = "organizations/NUMBER or folders/NUMBER that runlens reads."
  type        = string
}

variable "first_admin" {
  description = "Email of the first runlens admin."
  type        = string
}

variable "iap_members" {
  description = "Groups (or users, or a domain) allowed through IAP, e.g. [\"group:security-reviewers@example.com\"]."
  type        = list(string)
}

variable "network" {
  description = "Optional VPC network for Direct VPC egress (all traffic)."
  type        = string
  default     = null
}

variable "subnetwork" {
  description = "Optional subnetwork for Direct VPC egress."
  type        = string
  default     = null
}

variable "enable_apply" {
  description = "Whether to create the applier identity for applying approved change sets."
  type        = bool
  default     = false
}

variable "enable_feed" {
  description = "Whether to create the Cloud Asset Inventory feeds and the subscription runlens pulls them from (the continuous guard)."
  type        = bool
  default     = true
}

variable "bigquery_dataset" {
  description = "Optional Cloud Asset Inventory export in BigQuery to read instead of the live Cloud Asset API: PROJECT.DATASET or PROJECT.DATASET.TABLE_PREFIX (see docs/bigquery.md); empty to read the scope live."
  type        = string
  default     = ""
}
