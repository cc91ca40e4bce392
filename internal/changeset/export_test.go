package changeset

// GcloudPreamble exposes the fixed lines of every gcloud script to tests.
var GcloudPreamble = gcloudPreamble
