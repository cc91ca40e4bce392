# The configuration of plan.json: one Cloud Run service with its own runtime
# identity, internal ingress, an image pinned by digest and Binary
# Authorization on. runlens finds nothing high or critical in it.

variable "project" {
  type = string
}

provider "google" {
  project = var.project
  region  = "europe-west1"
}

resource "google_service_account" "api" {
  account_id   = "notes-api"
  display_name = "notes api runtime"
  project      = var.project
}

resource "google_cloud_run_v2_service" "api" {
  name     = "notes-api"
  location = "europe-west1"
  project  = var.project
  ingress  = "INGRESS_TRAFFIC_INTERNAL_ONLY"

  binary_authorization {
    use_default = true
  }

  template {
    service_account = google_service_account.api.email
    containers {
      image = "europe-docker.pkg.dev/notes-prod/apps/notes-api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    }
  }
}
