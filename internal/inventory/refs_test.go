package inventory

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRefsOf: every form an app names a resource in, as env values and
// arguments carry them, and what a redacted value keeps of each (the same
// references, never the word itself).
func TestRefsOf(t *testing.T) {
	const f = "env X"
	tests := []struct {
		name, value string
		want        []Ref
	}{
		{"gs URL", "gs://invoices/2024/", []Ref{{Kind: RefBucket, Value: "invoices", Field: f}}},
		{"topic", "projects/p1/topics/orders", []Ref{{Kind: RefTopic, Value: "projects/p1/topics/orders", Field: f}}},
		{"secret version", "projects/123/secrets/db/versions/4", []Ref{{Kind: RefSecret, Value: "projects/123/secrets/db", Version: "4", Field: f}}},
		{"KMS key, not a secret", "projects/k/locations/europe-west1/keyRings/r/cryptoKeys/dek",
			[]Ref{{Kind: RefKMSKey, Value: "projects/k/locations/europe-west1/keyRings/r/cryptoKeys/dek", Field: f}}},
		{"Cloud SQL connection name", "shop-prod:europe-west1:orders-db", []Ref{{Kind: RefSQL, Value: "shop-prod:europe-west1:orders-db", Field: f}}},
		{"domain-scoped project", "example.com:shop-prod:us-central1:db", []Ref{{Kind: RefSQL, Value: "example.com:shop-prod:us-central1:db", Field: f}}},
		{"Cloud SQL socket in a URL", "postgres://app@/ledger?host=/cloudsql/fleet-web-prod:us-central1:fleet-db",
			[]Ref{{Kind: RefSQL, Value: "fleet-web-prod:us-central1:fleet-db", Field: f}}},
		{"bare bucket name", "pdf-convert-prod-uploads", []Ref{{Kind: RefName, Value: NameHash("pdf-convert-prod-uploads"), Field: f}}},
		{"a list of names", "uploads-a, uploads-b", []Ref{{Kind: RefName, Value: NameHash("uploads-a"), Field: f}, {Kind: RefName, Value: NameHash("uploads-b"), Field: f}}},
		{"a setting word", "info", nil},
		{"a number", "8080", nil},
		{"capitals: not a bucket name", "s3cr3t-Literal", nil},
		{"a token by its form", "ghp_" + strings.Repeat("a1B2", 9), nil},
		{"a URL", "https://example.com/hook", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, refsOf(tt.value, f)); diff != "" {
				t.Errorf("refsOf(%q) (-want +got):\n%s", tt.value, diff)
			}
			red := redactedValue(tt.value)
			if diff := cmp.Diff(tt.want, refsOf(red, f)); diff != "" {
				t.Errorf("refsOf of its redacted form %q (-want +got):\n%s", red, diff)
			}
			if again := redactedValue(red); again != red {
				t.Errorf("redacting again changed %q to %q", red, again)
			}
			for _, r := range tt.want {
				if r.Kind == RefName && strings.Contains(red, strings.Split(tt.value, ",")[0]) {
					t.Errorf("the redacted value %q keeps the word", red)
				}
			}
		})
	}
}

// TestArgRefs: arguments name resources too, alone or as --flag=value.
func TestArgRefs(t *testing.T) {
	got := argRefs([]any{"--bucket=media-in", "--topic", "projects/p/topics/t", "-v", "serve", 7.0})
	want := []Ref{
		{Kind: RefName, Value: NameHash("media-in"), Field: "args"},
		{Kind: RefTopic, Value: "projects/p/topics/t", Field: "args"},
		{Kind: RefName, Value: NameHash("serve"), Field: "args"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("argRefs (-want +got):\n%s", diff)
	}
}

// BenchmarkRedactedValue is the cost of redacting one env value as a read
// does, over values of the forms apps use (a bare bucket name, a list of
// them, a URL, a resource name, a token, a short setting).
func BenchmarkRedactedValue(b *testing.B) {
	values := []string{"pdf-convert-prod-uploads", "uploads-a,uploads-b", "https://example.com/hook", "projects/p/topics/jobs",
		"ghp_" + strings.Repeat("x7Kq", 9), "info", "postgres://app@/ledger?host=/cloudsql/fleet-web-prod:us-central1:fleet-db"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = redactedValue(values[i%len(values)])
	}
}
