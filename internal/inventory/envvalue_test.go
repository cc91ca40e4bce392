package inventory

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zricethezav/gitleaks/v8/report"
)

func TestClassifyEnvValue(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"empty", "", ""},
		{"plain word", "debug", ""},
		{"uuid", "3f2a8c1e-7b4d-4e9a-9c1f-2d3e4f5a6b7c", ""},
		{"oauth client id", "123456789012-abc123def456.apps.googleusercontent.com", ""},
		{"pem private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "#secret=private-key"},
		{"openssh private key", "-----BEGIN OPENSSH PRIVATE KEY-----", "#secret=private-key"},
		{"pgp private key", "-----BEGIN PGP PRIVATE KEY BLOCK-----", "#secret=private-key"},
		{"public key", "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----", ""},
		{"url with password", "postgres://app:hunter2@10.0.0.3/db", "#secret=url-credentials"},
		{"redis url with password only", "redis://:s3cret@10.0.0.9:6379/0", "#secret=url-credentials"},
		{"url with placeholder password", "postgres://app:${DB_PASSWORD}@10.0.0.3/db", ""},
		{"url with user only", "postgres://app@10.0.0.3/db", ""},
		{"https url", "https://api.example.com/v1", ""},
		{"stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "#secret=gitleaks:stripe-access-token"},
		{"gcp api key", "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI", "#secret=gitleaks:gcp-api-key"},
		{"secret manager version", "projects/shop-prod/secrets/db/versions/3", "#ref"},
		{"secret manager secret", "projects/123456789012/secrets/db", "#ref"},
		{"kms key name", "projects/vault-prod/locations/europe-west1/keyRings/vault-ring/cryptoKeys/vault-dek", "#ref"},
		{"full resource name", "//pubsub.googleapis.com/projects/p1/topics/orders", "#ref"},
		{"not a resource name", "projects/p1 secrets", ""},
		{"sm scheme", "sm://shop-prod/db", "#ref"},
		{"berglas", "berglas://bucket/db", "#ref"},
		{"placeholder", "${DB_PASSWORD}", "#ref"},
		{"kubernetes placeholder", "$(DB_PASSWORD)", "#ref"},
		{"masked", "********", "#ref"},
		{"absolute path", "/var/secrets/google/key.json", "#path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classifyEnvValue(tc.value); got != tc.want {
				t.Errorf("classifyEnvValue(%q) = %q, want %q", tc.value, got, tc.want)
			}
		})
	}
}

// TestRedactedValueKeepsOnlyItsTokens: a value already redacted keeps its
// class and references, and nothing written after the prefix by hand.
func TestRedactedValueKeepsOnlyItsTokens(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://a:b@h/db", Redacted + " #secret=url-credentials"},
		{Redacted + " #secret=url-credentials", Redacted + " #secret=url-credentials"},
		{Redacted + " hunter2 #secret=bogus gs://invoices", Redacted + " gs://invoices"},
		{"projects/p1/secrets/db/versions/2", Redacted + " #ref projects/p1/secrets/db/versions/2"},
		{"projects/p1/topics/orders", Redacted + " #ref projects/p1/topics/orders"},
	}
	for _, tc := range tests {
		if got := redactedValue(tc.in); got != tc.want {
			t.Errorf("redactedValue(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Idempotent: reading a stored snapshot again changes nothing.
		if got := redactedValue(redactedValue(tc.in)); got != tc.want {
			t.Errorf("redactedValue twice (%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRedactedValueMemo: the memo gives what redaction without it gives,
// for the first and every later sight of a value, and a shard that fills
// up starts again without losing correctness.
func TestRedactedValueMemo(t *testing.T) {
	values := []string{"debug", "postgres://app:hunter2@10.0.0.3/db", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
		"projects/p1/topics/orders", "gs://invoices", Redacted + " hunter2 #secret=bogus gs://invoices", "/var/secrets/key.json"}
	for i := range 100 {
		values = append(values, "value-"+strconv.Itoa(i))
	}
	for round := range 2 {
		for _, v := range values {
			if got, want := redactedValue(v), redactValueUncached(v); got != want {
				t.Fatalf("round %d: redactedValue(%q) = %q, without the memo %q", round, v, got, want)
			}
		}
	}
	for i := range redactedMemo.shards {
		sh := &redactedMemo.shards[i]
		sh.mu.Lock()
		n := len(sh.m)
		sh.mu.Unlock()
		if n > memoShardSize {
			t.Errorf("memo shard %d holds %d entries, more than %d", i, n, memoShardSize)
		}
		sh.mu.Lock()
		for k, v := range sh.m {
			if strings.Contains(v, "hunter2") || strings.Contains(v, "sk_live") {
				t.Errorf("memo entry %x holds a value: %q", k, v)
			}
		}
		sh.mu.Unlock()
	}
	// A read that is done leaves nothing in the memo.
	NewReader().Inventory()
	for i := range redactedMemo.shards {
		if n := len(redactedMemo.shards[i].m); n != 0 {
			t.Errorf("after a read, memo shard %d holds %d entries", i, n)
		}
	}
	// A full shard starts again: it never holds more than memoShardSize.
	var m memo
	for i := range memoShardSize + 10 {
		var k [32]byte // every key in shard 0
		k[1], k[2] = byte(i), byte(i>>8)
		m.put(k, "v")
		if n := len(m.shards[0].m); n > memoShardSize {
			t.Fatalf("after %d puts the shard holds %d entries, more than %d", i+1, n, memoShardSize)
		}
	}
	last := memoShardSize + 9
	if v, ok := m.get([32]byte{1: byte(last), 2: byte(last >> 8)}); !ok || v != "v" {
		t.Errorf("the last value put is not in the memo: %q, %v", v, ok)
	}
}

// TestValueDetectorIsGitleaks: asking gitleaks only when a keyword of its
// rules is in the value finds exactly what gitleaks finds on its own, for
// tokens of many providers and for values that are no token.
func TestValueDetectorIsGitleaks(t *testing.T) {
	v, err := gitleaks()
	if err != nil {
		t.Fatal(err)
	}
	values := []string{
		"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI",
		"ghp_1234567890abcdefghijklmnopqrstuvwxyzAB", "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx",
		"AKIAIOSFODNN7EXAMPLE", "glpat-abcdefghij1234567890", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
		"api_key=9f8e7d6c5b4a39281716151413121110", "password: hunter2hunter2hunter2", "token=Zm9vYmFyYmF6cXV4",
		"payments-prod-0001-api-3", "production", "https://api.example.com/v1", "us-central1", "a-plain-value-of-some-length",
		"SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789abcdefg", "npm_abcdefghijklmnopqrstuvwxyz0123456789",
	}
	ruleIDs := func(fs []report.Finding) []string {
		var ids []string
		for _, f := range fs {
			ids = append(ids, f.RuleID)
		}
		slices.Sort(ids)
		return ids
	}
	found := 0
	for _, s := range values {
		got, want := ruleIDs(v.detect(s)), ruleIDs(v.all.DetectString(s))
		if !slices.Equal(got, want) {
			t.Errorf("detect(%q) = %v, gitleaks alone finds %v", s, got, want)
		}
		if len(want) > 0 {
			found++
		}
	}
	if found < 5 {
		t.Errorf("gitleaks found secrets in only %d of the values: the test does not exercise the detector", found)
	}
}
