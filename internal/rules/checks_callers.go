package rules

import (
	"fmt"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// checkInvokerPublic fails for a service or job that allUsers or
// allAuthenticatedUsers can invoke through an unconditional binding, on the
// service itself or inherited.
func checkInvokerPublic(c *Context) []Result {
	var out []Result
	for _, n := range workloads(c.Graph) {
		failed := false
		for _, e := range c.Graph.In(n.ID, graph.CanInvoke) {
			if !iam.ParseMember(e.From).IsPublic() || e.Condition != "" {
				continue
			}
			failed = true
			out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Key: e.From + "@" + e.Via,
				Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)}}})
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: n.ID})
		}
	}
	return out
}

// checkPushUnauthenticated fails for a Pub/Sub push subscription that pushes
// to a service without an OIDC token.
func checkPushUnauthenticated(c *Context) []Result {
	var out []Result
	for _, n := range c.Graph.NodesOf(graph.KindSubscription) {
		targets := c.Graph.Out(n.ID, graph.PushesTo)
		if len(targets) == 0 {
			continue // not a push subscription to Cloud Run
		}
		if len(c.Graph.Out(n.ID, graph.AuthenticatesAs)) > 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		var affects []string
		for _, t := range targets {
			affects = append(affects, t.To)
		}
		endpoint := ""
		if s, ok := n.Data.(*inventory.Subscription); ok && s.PushConfig != nil {
			endpoint = s.PushConfig.PushEndpoint
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: affects,
			Evidence: Evidence{
				Fields: []FieldEvidence{{Field: "pushConfig.pushEndpoint", Value: endpoint}, {Field: "pushConfig.oidcToken", Value: "(not set)"}},
				Path:   targets,
			}})
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
