package handlers

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/posture"
)

// appendView must write what encoding/json writes, for every string a
// resource name, label or condition can carry.
func TestAppendView(t *testing.T) {
	pieces := []string{"", "a", "//run.googleapis.com/projects/p/services/s", "<script>alert(1)</script>", `"quoted" \back\`,
		"&amp;", "\x00\x01\x1f\t\n\r\b\f", "\u2028\u2029", "\u202eevil", "ünïcödé 🙂", "\xff\xfe", "a\xc3", string(rune(0x7f)), "'"}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var sb strings.Builder
		for range rng.IntN(4) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return sb.String()
	}
	for i := range 300 {
		v := posture.View{Focus: str(), Truncated: rng.IntN(2) == 0}
		if i%7 != 0 {
			v.Nodes = []posture.ViewNode{}
			v.Edges = []graph.Edge{}
		}
		for range rng.IntN(5) {
			n := &graph.Node{ID: str(), Kind: graph.Kind(str()), Label: str(), Name: str(), Project: str(), Parent: str()}
			if rng.IntN(2) == 0 {
				n.Labels = map[string]string{str(): str(), str(): str()}
			}
			v.Nodes = append(v.Nodes, posture.ViewNode{Node: n, Severity: str(), Findings: rng.IntN(100) - 5, Context: str(), Tag: str()})
		}
		for range rng.IntN(5) {
			e := graph.Edge{From: str(), To: str(), Kind: graph.EdgeKind(str()), Role: str(), Via: str(), Condition: str(), CondTitle: str(), Detail: str()}
			if rng.IntN(2) == 0 {
				e.Permissions = []string{str(), str()}
			}
			v.Edges = append(v.Edges, e)
		}
		if rng.IntN(2) == 0 {
			v.Omitted = map[graph.Kind]int{graph.Kind(str()): rng.IntN(9), graph.KindService: 3}
		}
		for range rng.IntN(3) {
			v.Path = append(v.Path, graph.Step{Edge: graph.Edge{From: str(), To: str(), Kind: graph.EdgeKind(str()), Role: str()}, Contains: rng.IntN(2) == 0})
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendView(nil, v); string(got) != string(want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
