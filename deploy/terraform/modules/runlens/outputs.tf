output "service_name" {
  description = "Name of the Cloud Run service."
  value       = google_cloud_run_v2_service.runlens.name
}

output "service_uri" {
  description = "The run.app URL of runlens; every request passes IAP."
  value       = google_cloud_run_v2_service.runlens.uri
}

output "iap_audience" {
  description = "Audience of the IAP assertions runlens verifies (RUNLENS_IAP_AUDIENCE): /projects/NUMBER/locations/REGION/services/NAME."
  value       = local.iap_audience
}

output "runtime_service_account" {
  description = "Email of the runtime service account (read-only at the scope, objects of the state bucket)."
  value       = google_service_account.runtime.email
}

output "applier_service_account" {
  description = "Email of the applier service account, or null when enable_apply is false."
  value       = var.enable_apply ? google_service_account.applier[0].email : null
}

output "replica_url" {
  description = "Where Litestream replicates the database (RUNLENS_REPLICA_URL)."
  value       = local.replica_url
}

output "state_bucket" {
  description = "Name of the bucket holding the Litestream replica."
  value       = google_storage_bucket.state.name
}

output "feed_subscription" {
  description = "The pull subscription runlens reads the Cloud Asset Inventory feed from (RUNLENS_FEED_SUBSCRIPTION), projects/PROJECT/subscriptions/NAME; null when enable_feed is false."
  value       = var.enable_feed ? google_pubsub_subscription.feed[0].id : null
}

output "feed_topic" {
  description = "The topic the Cloud Asset Inventory feeds publish to, projects/PROJECT/topics/NAME; null when enable_feed is false."
  value       = var.enable_feed ? google_pubsub_topic.feed[0].id : null
}

output "feed_dead_letter_topic" {
  description = "Where Pub/Sub forwards feed messages runlens could not take after max_delivery_attempts; null when enable_feed is false."
  value       = var.enable_feed ? google_pubsub_topic.feed_dead_letter[0].id : null
}

output "feed_dead_letter_subscription" {
  description = "The pull subscription that keeps dead-lettered feed messages for a person to look at (runlens never reads it); null when enable_feed is false."
  value       = var.enable_feed ? google_pubsub_subscription.feed_dead_letter[0].id : null
}
