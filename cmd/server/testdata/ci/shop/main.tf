# The configuration of plan.json (a copy of internal/tfplan/testdata/shop.plan.json):
# what `terraform show -json tfplan` read, written back as HCL so that
# runlens --tf-dir finds each resource's file and line. Not applied anywhere.

variable "project" {
  type = string
}

variable "render_sa" {
  type = string
}

provider "google" {
  project = var.project
  region  = "europe-west1"
}

data "google_project" "this" {}

data "google_service_account" "batch" {
  account_id = "shop-batch"
}

resource "google_service_account" "api" {
  account_id   = "shop-api"
  display_name = "shop api"
  project      = var.project
}

resource "google_cloud_run_v2_service" "api" {
  name     = "shop-api"
  location = "europe-west1"
  project  = var.project
  ingress  = "INGRESS_TRAFFIC_ALL"

  template {
    service_account = google_service_account.api.email
    containers {
      image = "europe-docker.pkg.dev/shop-prod/apps/api:1.4.2"
      env {
        name = "DB_PASSWORD"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.db.secret_id
            version = "latest"
          }
        }
      }
      env {
        name  = "UPLOAD_BUCKET"
        value = "gs://shop-prod-uploads"
      }
    }
  }
}

resource "google_cloud_run_v2_service" "worker" {
  name     = "shop-worker"
  location = "europe-west1"
  project  = var.project
  ingress  = "INGRESS_TRAFFIC_INTERNAL_ONLY"

  binary_authorization {
    use_default = true
  }

  template {
    containers {
      image = "europe-docker.pkg.dev/shop-prod/apps/worker@sha256:abababababababababababababababababababababababababababababababab"
    }
  }
}

resource "google_cloud_run_v2_service" "render" {
  name     = "shop-render"
  location = "europe-west1"
  project  = var.project

  template {
    service_account = var.render_sa
    containers {
      image = docker_registry_image.render.name
    }
  }
}

resource "google_cloud_run_v2_service_iam_member" "public" {
  project  = google_cloud_run_v2_service.api.project
  location = google_cloud_run_v2_service.api.location
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_project_iam_member" "api_editor" {
  project = var.project
  role    = "roles/editor"
  member  = google_service_account.api.email
}

resource "google_secret_manager_secret" "db" {
  secret_id = "shop-db-password"
  project   = var.project
}

resource "google_secret_manager_secret_iam_member" "api_db" {
  secret_id = google_secret_manager_secret.db.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.api.member
}

resource "google_storage_bucket" "uploads" {
  name                        = "shop-prod-uploads"
  location                    = "EU"
  uniform_bucket_level_access = true
}

resource "google_storage_bucket_iam_member" "uploads_public" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_pubsub_topic" "orders" {
  name    = "orders"
  project = var.project
}

resource "google_pubsub_subscription" "orders_push" {
  name  = "orders-push"
  topic = google_pubsub_topic.orders.id

  push_config {
    push_endpoint = google_cloud_run_v2_service.worker.uri
  }
}

resource "google_cloud_scheduler_job" "nightly" {
  name     = "nightly-report"
  region   = "europe-west1"
  schedule = "0 3 * * *"

  http_target {
    uri         = google_cloud_run_v2_service.worker.uri
    http_method = "POST"
    oidc_token {
      service_account_email = google_service_account.api.email
    }
  }
}

resource "google_compute_network" "vpc" {
  name = "shop"
}

resource "google_cloud_run_v2_job" "batch" {
  name     = "shop-batch"
  location = "europe-west1"
  project  = var.project

  template {
    template {
      service_account = data.google_service_account.batch.email
      containers {
        image = "europe-docker.pkg.dev/shop-prod/apps/batch@sha256:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
        args  = ["--bucket=shop-prod-uploads"]
      }
    }
  }
}
