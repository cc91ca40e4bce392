// Package demo holds the embedded demo organization and a generator of large
// synthetic organizations, both in the `gcloud asset export` JSON-lines
// format: one asset record per line, snake_case at the top level (name,
// asset_type, resource, iam_policy, org_policy, ancestors, update_time) and
// camelCase inside resource.data, as the real APIs spell it. A resource and
// its IAM policy are separate records (content types RESOURCE and
// IAM_POLICY), joined on name by the reader.
//
// The demo organization (FS) is example.com with two folders and seven
// projects covering the scenarios of DESIGN §11; org/README.md lists each
// scenario with the findings it is meant to produce. Generate writes larger
// organizations for benchmarks.
package demo

import (
	"embed"
	"io/fs"
)

//go:embed org/*.jsonl
var org embed.FS

// FS returns the demo organization's export files: resources.jsonl (content
// type RESOURCE), iam_policies.jsonl (IAM_POLICY) and org_policies.jsonl
// (ORG_POLICY), at the root of the returned file system.
func FS() fs.FS {
	sub, err := fs.Sub(org, "org")
	if err != nil {
		// fs.Sub fails only on an invalid path; "org" is valid.
		panic(err)
	}
	return sub
}
