package graph

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Edges come back field for field as they were added, though the graph
// keeps them packed (ends as node indexes, strings in a shared table); an
// edge that differs from an earlier one only in what is not part of its
// identity (condition title, detail, permissions) is a duplicate.
func TestEdgesRoundTrip(t *testing.T) {
	b := NewBuilder()
	for _, id := range []string{"a", "b", "c"} {
		b.Node(id, KindServiceAccount)
	}
	full := Edge{From: "a", To: "b", Kind: CanActAs, Role: "roles/iam.serviceAccountUser", Via: "b",
		Condition: `request.time < timestamp("2030-01-01T00:00:00Z")`, CondTitle: "until 2030",
		Permissions: []string{"iam.serviceAccounts.actAs", "iam.serviceAccounts.getAccessToken"}, Detail: "d"}
	same := full // the same roles and permissions on another pair share the table's strings
	same.From, same.To, same.Via = "b", "c", "c"
	otherCond := full
	otherCond.Condition, otherCond.CondTitle = "", ""
	custom := Edge{From: "c", To: "a", Kind: "kind_not_in_the_catalog"}
	dupTitle := full
	dupTitle.CondTitle, dupTitle.Detail, dupTitle.Permissions = "another title", "another detail", nil
	for _, e := range []Edge{full, same, otherCond, custom, dupTitle,
		{From: "a", To: "missing", Kind: HasRole}} { // an end that is not a node: ignored
		b.Edge(e)
	}
	g := b.Graph()

	want := []Edge{otherCond, full, same, custom}
	if diff := cmp.Diff(want, g.Edges()); diff != "" {
		t.Errorf("Edges() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Edge{otherCond, full}, g.Out("a", CanActAs)); diff != "" {
		t.Errorf("Out(a, can_act_as) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Edge{custom}, g.In("a", "kind_not_in_the_catalog")); diff != "" {
		t.Errorf("In(a, custom kind) (-want +got):\n%s", diff)
	}
	if g.EdgeCount() != 4 {
		t.Errorf("EdgeCount() = %d, want 4", g.EdgeCount())
	}
}
