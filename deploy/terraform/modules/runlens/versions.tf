terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50.0, < 8.0.0"
    }
    # iap_enabled on google_cloud_run_v2_service and the IAP service identity
    # are in the google-beta provider only.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.50.0, < 8.0.0"
    }
  }
}
