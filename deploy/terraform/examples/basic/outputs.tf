output "service_uri" {
  description = "Open this URL; IAP signs you in."
  value       = module.runlens.service_uri
}

output "iap_audience" {
  description = "The IAP audience runlens verifies."
  value       = module.runlens.iap_audience
}

output "runtime_service_account" {
  description = "The runtime service account runlens runs as."
  value       = module.runlens.runtime_service_account
}

output "applier_service_account" {
  description = "The applier service account, when enable_apply is true."
  value       = module.runlens.applier_service_account
}

output "replica_url" {
  description = "Where the database is replicated."
  value       = module.runlens.replica_url
}

output "feed_subscription" {
  description = "The pull subscription runlens reads the asset feed from, when enable_feed is true."
  value       = module.runlens.feed_subscription
}

output "feed_dead_letter_subscription" {
  description = "Where to look at feed messages runlens could not take, when enable_feed is true."
  value       = module.runlens.feed_dead_letter_subscription
}
