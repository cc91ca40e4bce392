package rules

import (
	"iter"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// workloads returns every Cloud Run service and job, sorted by ID.
func workloads(g *graph.Graph) []*graph.Node {
	return append(g.NodesOf(graph.KindService), g.NodesOf(graph.KindJob)...)
}

// workload returns the typed view of a service or job node.
func workload(n *graph.Node) (*inventory.Workload, bool) {
	w, ok := n.Data.(*inventory.Workload)
	return w, ok && w != nil
}

// runtimeSA returns the runs_as edge of a workload.
func runtimeSA(g *graph.Graph, id string) (graph.Edge, bool) {
	out := g.Out(id, graph.RunsAs)
	if len(out) == 0 {
		return graph.Edge{}, false
	}
	return out[0], true
}

// runtimeSAs returns each service account that some workload runs as, with
// the workloads that run as it, sorted by ID. Seven checks ask; it is found
// once per Context. Callers must not modify it.
func runtimeSAs(c *Context) []runtimeIdentity {
	c.runtimeOnce.Do(func() {
		for _, sa := range c.Graph.NodesOf(graph.KindServiceAccount) {
			if users := c.Graph.Sources(sa.ID, graph.RunsAs); len(users) > 0 {
				c.runtimeIDs = append(c.runtimeIDs, runtimeIdentity{Node: sa, Workloads: users})
			}
		}
	})
	return c.runtimeIDs
}

type runtimeIdentity struct {
	Node      *graph.Node
	Workloads []string
}

// saEmail returns the email of a service account node.
func saEmail(n *graph.Node) string {
	if sa, ok := n.Data.(*inventory.ServiceAccount); ok && sa.Email != "" {
		return sa.Email
	}
	m := iam.ParseMember(n.ID)
	return m.Value
}

// fieldPath names a workload field in the shape the workload was read from.
func fieldPath(w *inventory.Workload, v1, v2 string) string {
	if w.Shape == "v1" {
		return v1
	}
	return v2
}

// invokers returns the can_invoke edges into a workload that say who can
// call it: Google service agents are left out, and so are basic roles held
// by service accounts and other non-human members (a runtime identity with
// Editor is reported by runtime-basic-role). A user, group or domain holding
// roles/owner or roles/editor counts: basic roles include run.routes.invoke
// (https://cloud.google.com/iam/docs/understanding-roles#basic).
func invokers(g *graph.Graph, id string) iter.Seq[graph.Edge] {
	return func(yield func(graph.Edge) bool) {
		for e := range g.EdgesIn(id, graph.CanInvoke) {
			m := iam.ParseMember(e.From)
			if m.IsServiceAgent() || (iam.IsBasic(e.Role) && !m.IsHuman()) {
				continue
			}
			if !yield(e) {
				return
			}
		}
	}
}

// conditionNote returns note, saying that it holds only while e's condition
// does when e is conditional.
func conditionNote(note string, e graph.Edge) string {
	if e.Condition == "" {
		return note
	}
	cond := e.CondTitle
	if cond == "" {
		cond = e.Condition
	}
	return note + ", but only while the binding's condition holds (" + cond + ")"
}

// basicNote returns what a basic-role binding means for invocation, or "".
func basicNote(e graph.Edge) string {
	if !iam.IsBasic(e.Role) {
		return ""
	}
	return e.Role + " includes run.routes.invoke"
}

// workloadsBelow maps each project, folder and organization to the
// workloads below it (directly or through folders).
func workloadsBelow(g *graph.Graph) map[string][]string {
	out := map[string][]string{}
	for _, n := range workloads(g) {
		for _, a := range g.Ancestors(n.ID) {
			out[a.ID] = append(out[a.ID], n.ID)
		}
	}
	return out
}

// IsPublicUnconditional reports whether e grants to allUsers or
// allAuthenticatedUsers without a condition: what invoker-public and
// bucket-public fail on, and the console's "anyone on the internet" asks.
func IsPublicUnconditional(e graph.Edge) bool {
	return iam.ParseMember(e.From).IsPublic() && e.Condition == ""
}

// workloadsUsing returns the workloads with a uses edge to id.
func workloadsUsing(g *graph.Graph, id string) []string {
	return g.Sources(id, graph.Uses)
}

// workloadsRunningAs returns the workloads whose runtime identity is the
// principal id ("serviceAccount:EMAIL").
func workloadsRunningAs(g *graph.Graph, id string) []string {
	return g.Sources(id, graph.RunsAs)
}

// workloadsBySAContainer maps each project, folder and organization to the
// workloads whose runtime SA lives under it (directly or below).
func workloadsBySAContainer(c *Context) map[string][]string {
	out := map[string][]string{}
	for _, ri := range runtimeSAs(c) {
		for _, a := range c.Graph.Ancestors(ri.Node.ID) {
			out[a.ID] = append(out[a.ID], ri.Workloads...)
		}
	}
	return out
}

// edgeKey identifies a binding edge within a finding ID.
func edgeKey(e graph.Edge) string {
	return e.From + "|" + e.Role + "|" + e.Via + "|" + e.Condition
}
