# A minimal runlens deployment: copy terraform.tfvars.example to
# terraform.tfvars, fill it in, then terraform init && terraform apply.
# deploy/README.md walks through the whole procedure.

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

module "runlens" {
  source = "../../modules/runlens"

  project_id  = var.project_id
  region      = var.region
  image       = var.image
  scope       = var.scope
  first_admin = var.first_admin
  iap_members = var.iap_members
  network     = var.network
  subnetwork  = var.subnetwork

  enable_apply     = var.enable_apply
  enable_feed      = var.enable_feed
  bigquery_dataset = var.bigquery_dataset
}
