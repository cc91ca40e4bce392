package posture_test

import (
	"testing"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/posture"
)

// TestKindOf: a search that starts by naming a kind, in the words of the
// console (names.Plural) or the shorter ones people type, lists that kind;
// any other search is a search by name.
func TestKindOf(t *testing.T) {
	tests := []struct {
		q, rest string
		kind    graph.Kind
		ok      bool
	}{
		{"buckets", "", graph.KindBucket, true},
		{"Secrets  prod", "prod", graph.KindSecret, true},
		{"service accounts pdf", "pdf", graph.KindServiceAccount, true},
		{"services pdf", "pdf", graph.KindService, true},
		{"Cloud SQL instances", "", graph.KindSQLInstance, true},
		{"databases ledger", "ledger", graph.KindSQLInstance, true},
		{"Pub/Sub topics", "", graph.KindTopic, true},
		{"kms keys", "", graph.KindKMSKey, true},
		{"kind:topic orders", "orders", graph.KindTopic, true},
		{"kind:nonsense", "", "", false},
		{"bucket", "", "", false},    // a name, not a kind
		{"servicesx", "", "", false}, // a word, not the plural
		{"pdf-worker", "", "", false},
	}
	for _, tt := range tests {
		k, rest, ok := posture.KindOf(tt.q)
		if k != tt.kind || rest != tt.rest || ok != tt.ok {
			t.Errorf("KindOf(%q) = %q, %q, %v; want %q, %q, %v", tt.q, k, rest, ok, tt.kind, tt.rest, tt.ok)
		}
	}
}
