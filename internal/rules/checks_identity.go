package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/names"
)

// escalation permissions at project, folder or organization level
// (DESIGN §4 runtime-privileged).
var escalationPermissions = []string{
	"iam.serviceAccounts.actAs", "iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.signBlob",
	"iam.serviceAccounts.signJwt", "iam.serviceAccounts.implicitDelegation", "iam.serviceAccountKeys.create",
	"run.services.update",
}

// privileged returns why a role is privileged at container level, or "".
func privileged(roles *iam.Catalog, role string) string {
	r, ok := roles.Lookup(role)
	if !ok {
		return "role " + role + " is unknown: its permissions cannot be checked, so it is not assumed harmless"
	}
	var hits []string
	for _, p := range r.Permissions {
		if strings.HasSuffix(p, ".setIamPolicy") {
			hits = append(hits, p)
		}
	}
	for _, p := range escalationPermissions {
		if r.Has(p) {
			hits = append(hits, p)
		}
	}
	if strings.HasSuffix(role, ".admin") || strings.HasSuffix(role, "Admin") {
		hits = append([]string{"admin role"}, hits...)
	}
	if len(hits) == 0 {
		return ""
	}
	if len(hits) > 6 {
		hits = append(hits[:6], "...")
	}
	return strings.Join(hits, ", ")
}

func checkRuntimePrivileged(c *Context) []Result {
	var out []Result
	for _, ri := range runtimeSAs(c) {
		failed := false
		for e, to := range c.Graph.EdgesOutTo(ri.Node.ID, graph.HasRole) {
			if !to.Kind.IsContainer() || iam.IsBasic(e.Role) {
				continue
			}
			why := privileged(c.Roles, e.Role)
			if why == "" {
				continue
			}
			failed = true
			out = append(out, Result{Status: Fail, Subject: ri.Node.ID, Affects: ri.Workloads, Key: edgeKey(e),
				Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)}, Note: conditionNote(why, e)}})
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: ri.Node.ID})
		}
	}
	return out
}

func checkRuntimeSharedSA(c *Context) []Result {
	var out []Result
	for _, ri := range runtimeSAs(c) {
		if len(ri.Workloads) < 2 {
			out = append(out, Result{Status: Pass, Subject: ri.Node.ID})
			continue
		}
		var fields []FieldEvidence
		for _, w := range ri.Workloads {
			fields = append(fields, FieldEvidence{Field: "runs as", Value: w})
		}
		out = append(out, Result{Status: Fail, Subject: ri.Node.ID, Affects: ri.Workloads,
			Evidence: Evidence{Fields: fields, Note: "shared by " + names.Count(len(ri.Workloads), "workload")}})
	}
	return out
}

func checkRuntimeSAKey(c *Context) []Result {
	var out []Result
	for _, ri := range runtimeSAs(c) {
		sa, _ := ri.Node.Data.(*inventory.ServiceAccount)
		var fields []FieldEvidence
		if sa != nil {
			for _, k := range sa.Keys {
				if k.KeyType != "USER_MANAGED" || k.Disabled || expired(k.ValidBeforeTime, c.Now) {
					continue
				}
				fields = append(fields, FieldEvidence{Field: "key " + k.Name, Value: "USER_MANAGED, valid until " + orNone(k.ValidBeforeTime)})
			}
		}
		if len(fields) == 0 {
			out = append(out, Result{Status: Pass, Subject: ri.Node.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: ri.Node.ID, Affects: ri.Workloads, Evidence: Evidence{Fields: fields}})
	}
	return out
}

// expired reports whether an RFC 3339 time is in the past. Keys valid until
// 9999-12-31 (no expiry) and unparsable times are not expired.
func expired(t string, now time.Time) bool {
	v, err := time.Parse(time.RFC3339, t)
	return err == nil && v.Before(now)
}

func orNone(s string) string {
	if s == "" {
		return "(not set)"
	}
	return s
}

// dataRolePrefixes are the data-plane role families that should be granted
// on the resource, not the project (Cloud SQL client is excluded: Cloud SQL
// has no instance-level IAM).
var dataRolePrefixes = []string{"roles/storage.", "roles/secretmanager.", "roles/cloudkms.", "roles/pubsub."}

func checkRuntimeProjectScopeGrant(c *Context) []Result {
	var out []Result
	for _, ri := range runtimeSAs(c) {
		failed := false
		for e, to := range c.Graph.EdgesOutTo(ri.Node.ID, graph.HasRole) {
			if !to.Kind.IsContainer() || !hasAnyPrefix(e.Role, dataRolePrefixes) {
				continue
			}
			failed = true
			ev := Evidence{Bindings: []BindingEvidence{bindingOf(e)}}
			// Suggest the resources of that family the workloads use, each
			// once (workloads sharing the SA often reference the same one).
			family := strings.TrimPrefix(strings.SplitN(e.Role, ".", 2)[0], "roles/")
			suggested := map[string]bool{}
			for _, w := range ri.Workloads {
				for _, u := range c.Graph.Out(w, graph.Uses) {
					if usesFamily(u.To, family) && !suggested[u.To] {
						suggested[u.To] = true
						ev.Fields = append(ev.Fields, FieldEvidence{Field: "grant on instead", Value: u.To})
					}
				}
			}
			if len(ev.Fields) == 0 {
				ev.Note = "no " + family + " resource is referenced by the workload's configuration; the grant may be unused or reach resources named at run time"
			}
			out = append(out, Result{Status: Fail, Subject: ri.Node.ID, Affects: ri.Workloads, Key: edgeKey(e), Evidence: ev})
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: ri.Node.ID})
		}
	}
	return out
}

func usesFamily(id, family string) bool {
	switch family {
	case "storage":
		return strings.HasPrefix(id, "//storage.googleapis.com/")
	case "secretmanager":
		return strings.HasPrefix(id, "//secretmanager.googleapis.com/")
	case "cloudkms":
		return strings.HasPrefix(id, "//cloudkms.googleapis.com/")
	case "pubsub":
		return strings.HasPrefix(id, "//pubsub.googleapis.com/")
	}
	return false
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// checkRuntimeSAImpersonable fails when principals other than the SA itself
// and Google service agents can act as a runtime SA (actAs, getAccessToken,
// signBlob, ... on the SA or an ancestor, basic roles included: an Editor can
// act as every SA of the project).
func checkRuntimeSAImpersonable(c *Context) []Result {
	var out []Result
	for _, ri := range runtimeSAs(c) {
		var bindings []BindingEvidence
		conditional := 0
		for e := range c.Graph.EdgesIn(ri.Node.ID, graph.CanActAs) {
			m := iam.ParseMember(e.From)
			if e.From == ri.Node.ID || m.IsServiceAgent() || m.IsConvenience() {
				continue
			}
			bindings = append(bindings, bindingOf(e))
			if e.Condition != "" {
				conditional++
			}
		}
		if len(bindings) == 0 {
			out = append(out, Result{Status: Pass, Subject: ri.Node.ID})
			continue
		}
		note := names.Count(len(bindings), "binding") + " let others act as this runtime identity"
		if conditional > 0 {
			note += fmt.Sprintf(" (%d of them only while their IAM condition holds)", conditional)
		}
		out = append(out, Result{Status: Fail, Subject: ri.Node.ID, Affects: ri.Workloads,
			Evidence: Evidence{Bindings: bindings, Note: note}})
	}
	return out
}

// checkSAUserProjectLevel fails for roles/iam.serviceAccountUser or
// serviceAccountTokenCreator granted on a project, folder or organization:
// the member can act as every service account below it.
func checkSAUserProjectLevel(c *Context) []Result {
	var out []Result
	below := workloadsBySAContainer(c)
	for _, kind := range []graph.Kind{graph.KindOrganization, graph.KindFolder, graph.KindProject} {
		for _, n := range c.Graph.NodesOf(kind) {
			failed := false
			for e := range c.Graph.EdgesIn(n.ID, graph.HasRole) {
				if e.Role != "roles/iam.serviceAccountUser" && e.Role != "roles/iam.serviceAccountTokenCreator" {
					continue
				}
				if m := iam.ParseMember(e.From); m.IsServiceAgent() {
					continue
				}
				failed = true
				out = append(out, Result{Status: Fail, Subject: n.ID, Affects: below[n.ID], Key: edgeKey(e),
					Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)}, Note: conditionNote("the member can act as every service account in "+n.Label, e)}})
			}
			if !failed {
				out = append(out, Result{Status: Pass, Subject: n.ID})
			}
		}
	}
	return out
}

// checkDeletedPrincipalBinding fails for every IAM binding that names a
// deleted principal (deleted:serviceAccount:EMAIL?uid=N, deleted:user:...,
// deleted:group:...). The binding grants nothing now (the graph holds no
// edge for it), but it is live again if the account is undeleted. The
// subject is the resource whose policy holds it; it affects the workloads
// under that resource: the workload itself, those below a project, folder or
// organization, those running as a service account, those using a bucket,
// secret, key or topic. Resources without such a binding pass.
func checkDeletedPrincipalBinding(c *Context) []Result {
	g := c.Graph
	var below map[string][]string
	failed := map[string]bool{}
	var out []Result
	for _, e := range g.DeletedBindings() {
		n, ok := g.Node(e.Via)
		if !ok {
			continue
		}
		var affects []string
		switch {
		case n.Kind.IsWorkload():
			affects = []string{n.ID}
		case n.Kind.IsContainer():
			if below == nil {
				below = workloadsBelow(g)
			}
			affects = below[n.ID]
		case n.Kind == graph.KindServiceAccount:
			affects = workloadsRunningAs(g, n.ID)
		default:
			affects = workloadsUsing(g, n.ID)
		}
		failed[n.ID] = true
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: affects, Key: edgeKey(e),
			Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)},
				Note: "the principal was deleted: the binding grants nothing now, but it is live again if the account is undeleted"}})
	}
	for _, n := range g.Nodes() {
		if (n.Kind.IsWorkload() || n.Kind.IsContainer()) && !failed[n.ID] {
			out = append(out, Result{Status: Pass, Subject: n.ID})
		}
	}
	return out
}
