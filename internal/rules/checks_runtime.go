package rules

import (
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/names"
)

func checkRuntimeDefaultSA(c *Context) []Result {
	nodes := workloads(c.Graph)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		e, hasSA := runtimeSA(c.Graph, n.ID)
		if !ok || !hasSA {
			out = append(out, Result{Status: Skip, Subject: n.ID})
			continue
		}
		to, _ := c.Graph.Node(e.To)
		if !iam.IsDefaultComputeSA(saEmail(to)) {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		field := fieldPath(w, "spec.template.spec.serviceAccountName", "template.serviceAccount")
		if w.Job {
			field = fieldPath(w, "spec.template.spec.template.spec.serviceAccountName", "template.template.serviceAccount")
		}
		value := w.ServiceAccount
		if value == "" {
			value = "(empty: Cloud Run uses " + saEmail(to) + ")"
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID},
			Evidence: Evidence{Fields: []FieldEvidence{{Field: field, Value: value}}, Path: []graph.Edge{e}}})
	}
	return out
}

// checkRuntimeBasicRole fails for a runtime service account holding
// roles/owner or roles/editor (critical) or roles/viewer (high) on a project,
// folder or organization. Conditional bindings count; expired ones were
// dropped when the graph was built.
func checkRuntimeBasicRole(c *Context) []Result {
	var out []Result
	for _, ri := range runtimeSAs(c) {
		failed := false
		for e, to := range c.Graph.EdgesOutTo(ri.Node.ID, graph.HasRole) {
			if !iam.IsBasic(e.Role) || !to.Kind.IsContainer() {
				continue
			}
			sev := Critical
			if e.Role == "roles/viewer" {
				sev = High
			}
			failed = true
			out = append(out, Result{Status: Fail, Subject: ri.Node.ID, Affects: ri.Workloads, Severity: sev,
				Key: e.Role + "@" + e.Via + "#" + e.Condition,
				Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)},
					Note: "runtime identity of " + names.Count(len(ri.Workloads), "workload")}})
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: ri.Node.ID})
		}
	}
	return out
}
