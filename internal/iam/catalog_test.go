package iam

import "testing"

// BenchmarkDecodeCatalog: every scan decodes the embedded catalog first.
func BenchmarkDecodeCatalog(b *testing.B) {
	for b.Loop() {
		if _, err := decodeCatalog(predefinedGz); err != nil {
			b.Fatal(err)
		}
	}
}
