package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRecommender feeds arbitrary recommender JSON (recommendations,
// insights, REST list wrappers) through the reader: no panic, no error for
// in-memory input, and every record is either kept or reported.
func FuzzRecommender(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "recommender", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`{"recommendations":[{"name":"projects/1/locations/global/recommenders/google.iam.policy.Recommender/recommendations/x","recommenderSubtype":"REMOVE_ROLE","content":{"operationGroups":[{"operations":[{"action":"remove","pathFilter":{"/iamPolicy/bindings/*/role":1}}]}]}}]}`)
	f.Add(`{"insights":[{"name":"a/insightTypes/b","insightSubtype":"X","content":{"currentTotalPermissionsCount":"NaN","exercisedPermissions":[{"permission":null}]}}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		r := NewReader()
		if err := r.Read("fuzz.json", strings.NewReader(in)); err != nil {
			t.Fatalf("Read returned an error for in-memory input: %v", err)
		}
		inv := r.Inventory()
		if got := len(inv.Recommendations) + len(inv.Insights) + len(inv.Assets); got > inv.Records {
			t.Fatalf("%d records kept from %d read", got, inv.Records)
		}
	})
}
