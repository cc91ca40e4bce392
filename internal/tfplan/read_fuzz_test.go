package tfplan_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/runlens/runlens/internal/tfplan"
)

// FuzzRead: any input is read or refused with an error, never a panic, and
// what is read lays over nothing without a panic either.
func FuzzRead(f *testing.F) {
	for _, p := range []string{"testdata/shop.plan.json", "testdata/platform.plan.json", "testdata/real/tgc-cloud-run-service-iam-policy.json"} {
		b, err := os.ReadFile(filepath.FromSlash(p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"address":"google_project_iam_member.m","mode":"managed","type":"google_project_iam_member","name":"m","change":{"actions":["delete"],"before":{"project":"p","role":"r","member":"allUsers"}}}]}`))
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"mode":"managed","type":"google_cloud_run_v2_service","change":{"actions":["create"],"after":{"name":"s","location":"l","project":"p","template":[{"containers":[{"env":[{"value_source":[{"secret_key_ref":[{}]}]}]}]}]},"after_unknown":{"template":true}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := tfplan.Read("fuzz.json", bytes.NewReader(b))
		if err != nil {
			return
		}
		_, _ = p.Layer(nil)
	})
}
