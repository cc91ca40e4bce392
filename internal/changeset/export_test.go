package changeset

// GcloudPreamble exposes the fixed lines of every gcloud script to tests.
var GcloudPreamble = gcloudPreamble

// ApplySteps exposes the policy arithmetic of the diff rendering to tests.
var ApplySteps = applySteps

// CanonicalPolicy exposes the canonical form policies are compared in.
var CanonicalPolicy = canonicalPolicy
