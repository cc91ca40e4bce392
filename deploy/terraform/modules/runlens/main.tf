# runlens on Cloud Run behind Identity-Aware Proxy, with least privilege for
# itself. A least-privilege console must pass its own checks:
# deploy/selfcheck/runlens-deployment.jsonl is the Cloud Asset Inventory view
# of what this module creates, cmd/server/deploy_test.go keeps the two in step
# and scans the fixture with runlens. deploy/README.md explains every grant.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  scope_type = split("/", var.scope)[0]
  scope_id   = split("/", var.scope)[1]

  # What runlens reads at var.scope: resources and IAM policies from Cloud
  # Asset Inventory, and IAM recommendations and insights. Nothing else: the
  # predefined role catalog is embedded in the binary, so no
  # roles/iam.roleViewer, and it never writes to what it reads.
  # With bigquery_dataset runlens reads an export instead, and holds no role
  # at the scope at all.
  reader_roles = var.bigquery_dataset == "" ? [
    "roles/cloudasset.viewer",
    "roles/recommender.iamViewer",
  ] : []

  # bigquery_dataset, PROJECT.DATASET[.TABLE_PREFIX], split.
  bigquery_parts   = split(".", var.bigquery_dataset)
  bigquery_project = local.bigquery_parts[0]
  bigquery_dataset = var.bigquery_dataset == "" ? "" : local.bigquery_parts[1]

  bucket_name = coalesce(var.replica_bucket_name, "${var.project_id}-${var.name}-state")
  replica_url = "gs://${local.bucket_name}/runlens"

  # IAP directly on Cloud Run calls the service as this Google-managed agent;
  # it is the only principal allowed to invoke it.
  iap_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-iap.iam.gserviceaccount.com"

  # The aud claim of the IAP assertions runlens verifies (IAP on Cloud Run).
  iap_audience = "/projects/${data.google_project.this.number}/locations/${var.region}/services/${var.name}"

  # REGION-docker.pkg.dev/PROJECT/REPOSITORY/runlens@sha256:... becomes
  # REGION-docker.pkg.dev/PROJECT/REPOSITORY/* for the Binary Authorization
  # allowlist.
  image_repository_pattern = replace(var.image, "/[^/]*@sha256:[0-9a-f]{64}$/", "*")

  # Litestream (the image's entrypoint) runs this as its child process.
  # An inventory bucket wins over a BigQuery export, which wins over the live
  # Cloud Asset API.
  serve_command = (var.inventory_bucket != null ? "/runlens serve --input /inventory" :
    var.bigquery_dataset != "" ? "/runlens serve --bigquery ${var.bigquery_dataset} --sync-every ${var.sync_every}" :
  "/runlens serve --scope ${var.scope} --sync-every ${var.sync_every}")

  # The applier's custom role (enable_apply): what runlens's apply step
  # calls, and nothing else: IAM policy get/set on the resources change sets
  # edit, Cloud Run service and job updates (and their operations), service
  # account creation, key deletion, push subscription config. Deliberately
  # absent: run.routes.invoke (roles/run.admin and roles/run.developer carry
  # it, and at the scope it would let the applier call every service,
  # IAP-protected runlens included: runlens reports that as iap-bypass and
  # invoker-broad-scope), iam.serviceAccounts.actAs and getAccessToken (they
  # would make every runtime identity impersonable), key creation, secret
  # values.
  applier_permissions = [
    "iam.serviceAccountKeys.delete",
    "iam.serviceAccounts.create",
    "iam.serviceAccounts.get",
    "iam.serviceAccounts.getIamPolicy",
    "iam.serviceAccounts.setIamPolicy",
    "pubsub.subscriptions.get",
    "pubsub.subscriptions.getIamPolicy",
    "pubsub.subscriptions.setIamPolicy",
    "pubsub.subscriptions.update",
    "pubsub.topics.getIamPolicy",
    "pubsub.topics.setIamPolicy",
    "resourcemanager.folders.getIamPolicy",
    "resourcemanager.folders.setIamPolicy",
    "resourcemanager.organizations.getIamPolicy",
    "resourcemanager.organizations.setIamPolicy",
    "resourcemanager.projects.getIamPolicy",
    "resourcemanager.projects.setIamPolicy",
    "run.jobs.get",
    "run.jobs.getIamPolicy",
    "run.jobs.setIamPolicy",
    "run.jobs.update",
    "run.operations.get",
    "run.services.get",
    "run.services.getIamPolicy",
    "run.services.setIamPolicy",
    "run.services.update",
    "secretmanager.secrets.getIamPolicy",
    "secretmanager.secrets.setIamPolicy",
  ]

  apis = [
    "binaryauthorization.googleapis.com",
    "cloudasset.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "iap.googleapis.com",
    "pubsub.googleapis.com",
    "recommender.googleapis.com",
    "run.googleapis.com",
    "storage.googleapis.com",
  ]

  # The continuous guard (enable_feed): Cloud Asset Inventory publishes every
  # change at var.scope of the asset types runlens reads, exactly
  # inventory.KnownTypes() in internal/inventory/asset.go (the deploy test
  # keeps the two equal), to one topic that runlens pulls. Nothing else: a
  # wider feed would only carry changes runlens drops.
  feed_asset_types = [
    "binaryauthorization.googleapis.com/Policy",
    "cloudkms.googleapis.com/CryptoKey",
    "cloudkms.googleapis.com/KeyRing",
    "cloudresourcemanager.googleapis.com/Folder",
    "cloudresourcemanager.googleapis.com/Organization",
    "cloudresourcemanager.googleapis.com/Project",
    "cloudscheduler.googleapis.com/Job",
    "compute.googleapis.com/BackendService",
    "compute.googleapis.com/NetworkEndpointGroup",
    "eventarc.googleapis.com/Trigger",
    "iam.googleapis.com/Role",
    "iam.googleapis.com/ServiceAccount",
    "iam.googleapis.com/ServiceAccountKey",
    "pubsub.googleapis.com/Subscription",
    "pubsub.googleapis.com/Topic",
    "run.googleapis.com/Job",
    "run.googleapis.com/Service",
    "secretmanager.googleapis.com/Secret",
    "sqladmin.googleapis.com/Instance",
    "storage.googleapis.com/Bucket",
  ]

  # A feed carries one content type: one feed for resources, one for IAM
  # policies, both into the same topic. Content type => feed ID suffix.
  feed_content_types = {
    RESOURCE   = "resource"
    IAM_POLICY = "iam-policy"
  }

  # Google-managed agents of this project. Cloud Asset Inventory publishes
  # the feeds' notifications as the first; Pub/Sub forwards undeliverable
  # messages to the dead-letter topic as the second.
  cloudasset_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-cloudasset.iam.gserviceaccount.com"
  pubsub_service_agent     = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_project_service" "apis" {
  for_each = toset(local.apis)

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# The IAP service agent must exist before it can be granted run.invoker.
resource "google_project_service_identity" "iap" {
  provider = google-beta

  project = var.project_id
  service = "iap.googleapis.com"

  depends_on = [google_project_service.apis]
}

# --- Runtime identity: read-only, nothing more -------------------------------

resource "google_service_account" "runtime" {
  project      = var.project_id
  account_id   = var.name
  display_name = "runlens runtime (read-only inventory)"
  description  = "Runs the runlens Cloud Run service: reads CAI and IAM recommendations at ${var.scope}, writes only its own state bucket."
}

resource "google_organization_iam_member" "reader" {
  for_each = local.scope_type == "organizations" ? toset(local.reader_roles) : toset([])

  org_id = local.scope_id
  role   = each.value
  member = "serviceAccount:${google_service_account.runtime.email}"
}

resource "google_folder_iam_member" "reader" {
  for_each = local.scope_type == "folders" ? toset(local.reader_roles) : toset([])

  folder = var.scope
  role   = each.value
  member = "serviceAccount:${google_service_account.runtime.email}"
}

# --- Durable state: one bucket for the Litestream replica --------------------

resource "google_storage_bucket" "state" {
  project                     = var.project_id
  name                        = local.bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  depends_on = [google_project_service.apis]
}

# Objects in this bucket only: Litestream lists, reads, writes and deletes
# its LTX files. No project-wide storage role.
resource "google_storage_bucket_iam_member" "state" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.runtime.email}"
}

resource "google_storage_bucket_iam_member" "inventory" {
  count = var.inventory_bucket == null ? 0 : 1

  bucket = var.inventory_bucket
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.runtime.email}"
}

# --- A CAI export in BigQuery (bigquery_dataset) -----------------------------
#
# runlens lists the export's tables and reads them through the BigQuery
# Storage Read API: roles/bigquery.dataViewer on that dataset only (list
# tables, read their schemas and rows), nothing on the export's project.
resource "google_bigquery_dataset_iam_member" "export_reader" {
  count = var.bigquery_dataset == "" ? 0 : 1

  project    = local.bigquery_project
  dataset_id = local.bigquery_dataset
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.runtime.email}"
}

# A Storage Read API read session is created (and billed) in a project, not
# on the dataset: runlens creates its sessions in its own project, which
# needs bigquery.readsessions.create there. roles/bigquery.readSessionUser
# holds only that and the read of a session's streams; it grants no access
# to any table (the dataset grant above does). No query job is run, so no
# roles/bigquery.jobUser.
resource "google_project_iam_member" "bigquery_read_sessions" {
  count = var.bigquery_dataset == "" ? 0 : 1

  project = var.project_id
  role    = "roles/bigquery.readSessionUser"
  member  = "serviceAccount:${google_service_account.runtime.email}"
}

resource "google_project_service" "bigquery" {
  for_each = var.bigquery_dataset == "" ? toset([]) : toset(["bigquery.googleapis.com", "bigquerystorage.googleapis.com"])

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# --- Continuous guard: the Cloud Asset Inventory feed (enable_feed) ----------
#
# CAI feeds at var.scope -> topic NAME-feed -> pull subscription NAME-feed,
# which runlens pulls (serve --feed-subscription, RUNLENS_FEED_SUBSCRIPTION).
# A pull subscription needs no endpoint, so IAP stays in front of every path
# of the service. What cannot be delivered goes to NAME-feed-dead-letter.

# The agents must exist before they can be granted roles on the topics and
# the subscription.
resource "google_project_service_identity" "cloudasset" {
  count    = var.enable_feed ? 1 : 0
  provider = google-beta

  project = var.project_id
  service = "cloudasset.googleapis.com"

  depends_on = [google_project_service.apis]
}

resource "google_project_service_identity" "pubsub" {
  count    = var.enable_feed ? 1 : 0
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "feed" {
  count = var.enable_feed ? 1 : 0

  project = var.project_id
  name    = "${var.name}-feed"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "feed_dead_letter" {
  count = var.enable_feed ? 1 : 0

  project = var.project_id
  name    = "${var.name}-feed-dead-letter"

  depends_on = [google_project_service.apis]
}

# runlens acknowledges a batch once it is journaled in its database, and
# leaves it unacknowledged when it cannot journal it: Pub/Sub then delivers
# it again, backing off, and after max_delivery_attempts forwards it to the
# dead-letter topic. Unacknowledged messages wait 7 days (while no instance
# pulls, say); the subscription itself never expires.
resource "google_pubsub_subscription" "feed" {
  count = var.enable_feed ? 1 : 0

  project = var.project_id
  name    = "${var.name}-feed"
  topic   = google_pubsub_topic.feed[0].id

  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.feed_dead_letter[0].id
    max_delivery_attempts = 10
  }
}

# Messages published to a topic without a subscription are lost: this one
# keeps what was dead-lettered for a person to look at (deploy/README.md,
# the feed). Nobody is granted anything on it here; runlens never reads it.
resource "google_pubsub_subscription" "feed_dead_letter" {
  count = var.enable_feed ? 1 : 0

  project = var.project_id
  name    = "${var.name}-feed-dead-letter"
  topic   = google_pubsub_topic.feed_dead_letter[0].id

  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}

# Cloud Asset Inventory publishes the feeds' notifications as its service
# agent (of var.project_id, the feeds' billing project): publish on the feed
# topic only, not on the project. (The agent's own role on the project,
# roles/cloudasset.serviceAgent, may already carry pubsub.topics.publish;
# this grant states what the feed needs, and holds where that was trimmed.)
resource "google_pubsub_topic_iam_member" "cloudasset_publishes_feed" {
  count = var.enable_feed ? 1 : 0

  project = var.project_id
  topic   = google_pubsub_topic.feed[0].name
  role    = "roles/pubsub.publisher"
  member  = local.cloudasset_service_agent

  depends_on = [google_project_service_identity.cloudasset]
}

# Dead-lettering, as Pub/Sub documents it: its service agent publishes the
# undeliverable message to the dead-letter topic, and acknowledges it on the
# subscription it came from. Each grant is on that one topic or
# subscription.
resource "google_pubsub_topic_iam_member" "pubsub_publishes_dead_letter" {
  count = var.enable_feed ? 1 : 0

  project = var.project_id
  topic   = google_pubsub_topic.feed_dead_letter[0].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent

  depends_on = [google_project_service_identity.pubsub]
}

resource "google_pubsub_subscription_iam_member" "pubsub_forwards_dead_letter" {
  count = var.enable_feed ? 1 : 0

  project      = var.project_id
  subscription = google_pubsub_subscription.feed[0].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent

  depends_on = [google_project_service_identity.pubsub]
}

# runlens pulls and acknowledges the feed: roles/pubsub.subscriber on this
# subscription and nowhere else. A Pub/Sub role on the project would reach
# every topic and subscription in it (runlens reports that as
# runtime-project-scope-grant).
resource "google_pubsub_subscription_iam_member" "runtime_pulls_feed" {
  count = var.enable_feed ? 1 : 0

  project      = var.project_id
  subscription = google_pubsub_subscription.feed[0].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.runtime.email}"
}

# The feeds themselves, at the scope runlens reads: one per content type,
# both into the feed topic. Creating them needs cloudasset.feeds.create at
# the scope (roles/cloudasset.owner); see deploy/README.md.
resource "google_cloud_asset_organization_feed" "runlens" {
  for_each = { for content, suffix in local.feed_content_types : content => suffix if var.enable_feed && local.scope_type == "organizations" }

  billing_project = var.project_id
  org_id          = local.scope_id
  feed_id         = "${var.name}-${each.value}"
  content_type    = each.key
  asset_types     = local.feed_asset_types

  feed_output_config {
    pubsub_destination {
      topic = google_pubsub_topic.feed[0].id
    }
  }

  depends_on = [google_pubsub_topic_iam_member.cloudasset_publishes_feed]
}

resource "google_cloud_asset_folder_feed" "runlens" {
  for_each = { for content, suffix in local.feed_content_types : content => suffix if var.enable_feed && local.scope_type == "folders" }

  billing_project = var.project_id
  folder          = local.scope_id
  feed_id         = "${var.name}-${each.value}"
  content_type    = each.key
  asset_types     = local.feed_asset_types

  feed_output_config {
    pubsub_destination {
      topic = google_pubsub_topic.feed[0].id
    }
  }

  depends_on = [google_pubsub_topic_iam_member.cloudasset_publishes_feed]
}

# --- Supply chain: only images from runlens's own repository -----------------

resource "google_binary_authorization_policy" "this" {
  count = var.manage_binary_authorization_policy ? 1 : 0

  project                       = var.project_id
  global_policy_evaluation_mode = "ENABLE"

  admission_whitelist_patterns {
    name_pattern = local.image_repository_pattern
  }

  default_admission_rule {
    evaluation_mode  = "ALWAYS_DENY"
    enforcement_mode = "ENFORCED_BLOCK_AND_AUDIT_LOG"
  }

  depends_on = [google_project_service.apis]
}

# --- The service --------------------------------------------------------------

resource "google_cloud_run_v2_service" "runlens" {
  # iap_enabled is in the google-beta provider only.
  provider = google-beta

  lifecycle {
    precondition {
      condition     = var.memory_mib - var.data_size_mib >= 512
      error_message = "memory_mib must exceed data_size_mib by at least 512: the /data volume is held in the instance's memory."
    }
  }

  project  = var.project_id
  name     = var.name
  location = var.region

  # IAP directly on the service guards every path, the run.app URL included.
  # People reach that URL from the internet, so ingress must admit it: ALL is
  # the narrowest setting that works without a load balancer of your own.
  # INTERNAL_ONLY would lock IAP users out.
  ingress              = var.ingress
  iap_enabled          = true
  invoker_iam_disabled = false
  launch_stage         = var.launch_stage
  deletion_protection  = var.deletion_protection

  binary_authorization {
    use_default = true
  }

  template {
    service_account                  = google_service_account.runtime.email
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    max_instance_request_concurrency = 80
    timeout                          = "300s"

    # SQLite has one writer and Litestream one replicating process: never more
    # than one instance. With the feed, one instance always runs to pull it:
    # scaled to zero, nothing would, and alerts would wait for a visitor.
    scaling {
      min_instance_count = var.enable_feed ? 1 : 0
      max_instance_count = 1
    }

    dynamic "vpc_access" {
      for_each = var.network == null ? [] : [var.network]
      content {
        egress = "ALL_TRAFFIC"
        network_interfaces {
          network    = vpc_access.value
          subnetwork = var.subnetwork
        }
      }
    }

    # Cloud Run has no read-only root file system setting: the database lives
    # on this in-memory volume, and Litestream keeps the durable copy in GCS.
    volumes {
      name = "data"
      empty_dir {
        medium     = "MEMORY"
        size_limit = "${var.data_size_mib}Mi"
      }
    }

    dynamic "volumes" {
      for_each = var.inventory_bucket == null ? [] : [var.inventory_bucket]
      content {
        name = "inventory"
        gcs {
          bucket    = volumes.value
          read_only = true
        }
      }
    }

    containers {
      name  = "runlens"
      image = var.image
      # The image's entrypoint is litestream replicate; this is its child.
      args = ["-exec", local.serve_command]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = "${var.memory_mib}Mi"
        }
        # CPU stays allocated between requests so that Litestream keeps
        # replicating in the background.
        cpu_idle          = false
        startup_cpu_boost = true
      }

      # Configuration only: no secret goes into the environment.
      env {
        name  = "RUNLENS_IAP_AUDIENCE"
        value = local.iap_audience
      }
      env {
        name  = "RUNLENS_FIRST_ADMIN"
        value = var.first_admin
      }
      env {
        name  = "RUNLENS_DB"
        value = "/data/runlens.db"
      }
      # Go's soft memory limit: the instance's memory less the /data volume
      # and 256 MiB for Litestream and the runtime, so that the collector
      # works harder before the instance runs out rather than after.
      env {
        name  = "GOMEMLIMIT"
        value = "${var.memory_mib - var.data_size_mib - 256}MiB"
      }
      env {
        name  = "RUNLENS_REPLICA_URL"
        value = local.replica_url
      }
      # Apply is on only with an applier to impersonate (serve --apply-as).
      dynamic "env" {
        for_each = var.enable_apply ? [google_service_account.applier[0].email] : []
        content {
          name  = "RUNLENS_APPLY_AS"
          value = env.value
        }
      }
      # The guard pulls the feed subscription (serve --feed-subscription).
      # Its name, projects/PROJECT/subscriptions/NAME-feed: configuration.
      dynamic "env" {
        for_each = var.enable_feed ? [google_pubsub_subscription.feed[0].id] : []
        content {
          name  = "RUNLENS_FEED_SUBSCRIPTION"
          value = env.value
        }
      }

      volume_mounts {
        name       = "data"
        mount_path = "/data"
      }

      dynamic "volume_mounts" {
        for_each = var.inventory_bucket == null ? [] : [var.inventory_bucket]
        content {
          name       = "inventory"
          mount_path = "/inventory"
        }
      }

      # /healthz needs no IAP assertion. The restore from GCS happens before
      # runlens starts listening, hence the patient startup probe.
      startup_probe {
        period_seconds    = 5
        timeout_seconds   = 3
        failure_threshold = 24
        http_get {
          path = "/healthz"
        }
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    google_storage_bucket_iam_member.state,
    google_binary_authorization_policy.this,
    google_pubsub_subscription_iam_member.runtime_pulls_feed,
  ]
}

# Authoritative for roles/run.invoker: the IAP service agent and no one else.
# People are admitted by IAP (below), never by run.invoker.
resource "google_cloud_run_v2_service_iam_binding" "invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.runlens.name
  role     = "roles/run.invoker"
  members  = [local.iap_service_agent]

  depends_on = [google_project_service_identity.iap]
}

# Who gets through IAP to the service.
resource "google_iap_web_cloud_run_service_iam_member" "access" {
  for_each = toset(var.iap_members)

  project                = var.project_id
  location               = var.region
  cloud_run_service_name = google_cloud_run_v2_service.runlens.name
  role                   = "roles/iap.httpsResourceAccessor"
  member                 = each.value
}

# --- Optional applier: a separate identity for applying approved changes ------

resource "google_service_account" "applier" {
  count = var.enable_apply ? 1 : 0

  project      = var.project_id
  account_id   = "${var.name}-applier"
  display_name = "runlens applier (applies approved change sets)"
  description  = "Impersonated by the runlens runtime account only to apply change sets a second person approved. Holds no key."
}

# The organization that holds the applier's custom role: the scope itself, or
# the organization above the folder (custom roles cannot live on folders).
data "google_folder" "scope" {
  count = var.enable_apply && local.scope_type == "folders" ? 1 : 0

  folder              = var.scope
  lookup_organization = true
}

resource "google_organization_iam_custom_role" "applier" {
  count = var.enable_apply ? 1 : 0

  org_id      = local.scope_type == "organizations" ? local.scope_id : split("/", data.google_folder.scope[0].organization)[1]
  role_id     = "runlensApplier"
  title       = "runlens applier"
  description = "What applying an approved runlens change set calls: IAM policy edits, Cloud Run service and job updates, service account creation, key deletion, push subscription config. No invoke, no actAs, no key creation."
  permissions = local.applier_permissions
  stage       = "GA"
}

resource "google_organization_iam_member" "applier" {
  count = var.enable_apply && local.scope_type == "organizations" ? 1 : 0

  org_id = local.scope_id
  role   = google_organization_iam_custom_role.applier[0].name
  member = "serviceAccount:${google_service_account.applier[0].email}"
}

resource "google_folder_iam_member" "applier" {
  count = var.enable_apply && local.scope_type == "folders" ? 1 : 0

  folder = var.scope
  role   = google_organization_iam_custom_role.applier[0].name
  member = "serviceAccount:${google_service_account.applier[0].email}"
}

# The runtime account may mint tokens for the applier account, and for no
# other account: granted on the applier account itself, never on the project.
resource "google_service_account_iam_member" "runtime_impersonates_applier" {
  count = var.enable_apply ? 1 : 0

  service_account_id = google_service_account.applier[0].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.runtime.email}"
}
