package rules

import (
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// bucketAffects returns the workloads that use a bucket or whose runtime SA
// holds a role on it.
func bucketAffects(g *graph.Graph, id string) []string {
	out := workloadsUsing(g, id)
	for _, e := range g.In(id, graph.HasRole) {
		out = append(out, workloadsRunningAs(g, e.From)...)
	}
	return out
}

func checkBucketPublic(c *Context) []Result {
	var out []Result
	for _, n := range c.Graph.NodesOf(graph.KindBucket) {
		var ev []BindingEvidence
		for e := range c.Graph.EdgesIn(n.ID, graph.HasRole) {
			if IsPublicUnconditional(e) {
				ev = append(ev, bindingOf(e))
			}
		}
		if len(ev) == 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: bucketAffects(c.Graph, n.ID), Evidence: Evidence{Bindings: ev}})
	}
	return out
}

func checkBucketACLMode(c *Context) []Result {
	var out []Result
	for _, n := range c.Graph.NodesOf(graph.KindBucket) {
		b, ok := n.Data.(*inventory.Bucket)
		if !ok {
			continue // referenced, but not in the inventory
		}
		if b.Uniform() {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: bucketAffects(c.Graph, n.ID), Evidence: Evidence{
			Fields: []FieldEvidence{{Field: "iamConfiguration.uniformBucketLevelAccess.enabled", Value: "false"}},
			Note:   "object ACLs can grant access that IAM does not show"}})
	}
	return out
}

// checkLegacyStorageRole fails for roles/storage.legacy* granted to anyone
// but the project convenience members every bucket has by default.
func checkLegacyStorageRole(c *Context) []Result {
	var out []Result
	for _, n := range c.Graph.NodesOf(graph.KindBucket) {
		failed := false
		for e := range c.Graph.EdgesIn(n.ID, graph.HasRole) {
			if !strings.HasPrefix(e.Role, "roles/storage.legacy") || iam.ParseMember(e.From).IsConvenience() {
				continue
			}
			failed = true
			out = append(out, Result{Status: Fail, Subject: n.ID, Affects: bucketAffects(c.Graph, n.ID), Key: edgeKey(e),
				Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)}}})
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: n.ID})
		}
	}
	return out
}

// kmsUse are the permissions that encrypt or decrypt with a key.
var kmsUse = []string{"cloudkms.cryptoKeyVersions.useToEncrypt", "cloudkms.cryptoKeyVersions.useToDecrypt"}

// checkKMSBroadScope fails for an encrypt/decrypt role granted on a key ring,
// project, folder or organization instead of the key. The roles are the
// Cloud KMS ones (roles/cloudkms.*) and custom roles that grant encrypt or
// decrypt; broad predefined job-function roles (roles/iam.devOps, ...) that
// happen to include the permissions are left out.
func checkKMSBroadScope(c *Context) []Result {
	var out []Result
	// The holders of such grants: key rings (kind other, named .../keyRings/R)
	// and containers.
	var holders []*graph.Node
	for _, k := range []graph.Kind{graph.KindOrganization, graph.KindFolder, graph.KindProject, graph.KindOther} {
		for _, n := range c.Graph.NodesOf(k) {
			if k != graph.KindOther || (strings.Contains(n.ID, "/keyRings/") && !strings.Contains(n.ID, "/cryptoKeys/")) {
				holders = append(holders, n)
			}
		}
	}
	for _, to := range holders {
		for e := range c.Graph.EdgesIn(to.ID, graph.HasRole) {
			if e.Role == "" || iam.IsBasic(e.Role) {
				continue
			}
			r, ok := c.Roles.Lookup(e.Role)
			if !ok || !(r.Has(kmsUse[0]) || r.Has(kmsUse[1])) || !(r.Custom || strings.HasPrefix(e.Role, "roles/cloudkms.")) {
				continue
			}
			if m := iam.ParseMember(e.From); m.IsServiceAgent() {
				continue
			}
			out = append(out, Result{Status: Fail, Subject: e.To, Affects: workloadsRunningAs(c.Graph, e.From), Key: edgeKey(e),
				Evidence: Evidence{Bindings: []BindingEvidence{bindingOf(e)}, Note: conditionNote("reaches every key in "+to.Label, e)}})
		}
	}
	for _, n := range c.Graph.NodesOf(graph.KindKMSKey) {
		out = append(out, Result{Status: Pass, Subject: n.ID})
	}
	return out
}

func checkSQLOpenNetwork(c *Context) []Result {
	var out []Result
	for _, n := range c.Graph.NodesOf(graph.KindSQLInstance) {
		s, ok := n.Data.(*inventory.SQLInstance)
		if !ok {
			continue
		}
		var ev []FieldEvidence
		for _, an := range s.Settings.IPConfiguration.AuthorizedNetworks {
			if an.Value == "0.0.0.0/0" || an.Value == "::/0" {
				ev = append(ev, FieldEvidence{Field: "settings.ipConfiguration.authorizedNetworks", Value: an.Value + nameSuffix(an.Name)})
			}
		}
		if len(ev) == 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: workloadsUsing(c.Graph, n.ID), Evidence: Evidence{Fields: ev}})
	}
	return out
}

func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " (" + name + ")"
}
