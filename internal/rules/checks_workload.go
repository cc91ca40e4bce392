package rules

import (
	"regexp"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/inventory"
)

func checkEgressNotRestricted(c *Context) []Result {
	var out []Result
	for _, n := range workloads(c.Graph) {
		w, ok := workload(n)
		if !ok {
			continue
		}
		if w.Egress == "all-traffic" {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		value := "(no VPC egress: traffic leaves through Google's internet path)"
		if w.Egress != "" {
			value = w.Egress + " (only private ranges go through the VPC; the rest bypasses its firewall)"
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Evidence: Evidence{Fields: []FieldEvidence{{
			Field: fieldPath(w, "spec.template.metadata.annotations[run.googleapis.com/vpc-access-egress]", "template.vpcAccess.egress"), Value: value}}}})
	}
	return out
}

// checkBinAuthzNotEnforced fails when the workload does not use Binary
// Authorization, uses it with a breakglass, or its project's policy admits
// every image (ALWAYS_ALLOW) or only audits (dry run). A project without a
// policy record has the platform default, which allows all images.
func checkBinAuthzNotEnforced(c *Context) []Result {
	var out []Result
	for _, n := range workloads(c.Graph) {
		w, ok := workload(n)
		if !ok {
			continue
		}
		field := fieldPath(w, "metadata.annotations[run.googleapis.com/binary-authorization]", "binaryAuthorization")
		var ev []FieldEvidence
		switch {
		case !w.BinAuthz.Enabled:
			ev = append(ev, FieldEvidence{Field: field, Value: "(not set)"})
		case w.BinAuthz.Breakglass != "":
			ev = append(ev, FieldEvidence{Field: fieldPath(w, "metadata.annotations[run.googleapis.com/binary-authorization-breakglass]", "binaryAuthorization.breakglassJustification"), Value: w.BinAuthz.Breakglass})
		case w.BinAuthz.Policy == "default":
			p := projectBinAuthz(c.Graph, n.ID)
			switch {
			case p == nil:
				ev = append(ev, FieldEvidence{Field: "project Binary Authorization policy", Value: "(none in the inventory: the default policy admits every image)"})
			case p.DefaultAdmissionRule.EvaluationMode == "ALWAYS_ALLOW" || p.DefaultAdmissionRule.EvaluationMode == "":
				ev = append(ev, FieldEvidence{Field: "policy defaultAdmissionRule.evaluationMode", Value: "ALWAYS_ALLOW"})
			case p.DefaultAdmissionRule.EnforcementMode == "DRYRUN_AUDIT_LOG_ONLY":
				ev = append(ev, FieldEvidence{Field: "policy defaultAdmissionRule.enforcementMode", Value: "DRYRUN_AUDIT_LOG_ONLY"})
			}
		}
		if len(ev) == 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Evidence: Evidence{Fields: ev}})
	}
	return out
}

func projectBinAuthz(g *graph.Graph, id string) *inventory.BinAuthzPolicy {
	p, ok := g.ProjectOf(id)
	if !ok {
		return nil
	}
	if pr, ok := p.Data.(*inventory.Project); ok {
		return pr.BinAuthz
	}
	return nil
}

func checkImageNotPinned(c *Context) []Result {
	var out []Result
	for _, n := range workloads(c.Graph) {
		w, ok := workload(n)
		if !ok {
			continue
		}
		var ev []FieldEvidence
		for _, ct := range w.Containers {
			if !strings.Contains(ct.Image, "@sha256:") {
				ev = append(ev, FieldEvidence{Field: "image", Value: ct.Image})
			}
		}
		if len(ev) == 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Evidence: Evidence{Fields: ev}})
	}
	return out
}

// DefaultTrustedRegistries are the registry hosts image-untrusted-registry
// accepts when no allowlist is configured: Artifact Registry and Container
// Registry. A leading "*." or "*-" matches any prefix.
var DefaultTrustedRegistries = []string{"*-docker.pkg.dev", "docker.pkg.dev", "gcr.io", "*.gcr.io"}

// imageHost returns the registry host of an image reference; references
// without a host are Docker Hub's.
func imageHost(image string) string {
	first, _, found := strings.Cut(image, "/")
	if !found || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		return "docker.io"
	}
	return strings.ToLower(first)
}

func hostTrusted(host string, allow []string) bool {
	for _, a := range allow {
		if host == a || (strings.HasPrefix(a, "*") && strings.HasSuffix(host, a[1:])) {
			return true
		}
	}
	return false
}

func checkImageUntrustedRegistry(c *Context) []Result {
	allow := c.TrustedRegistries
	if len(allow) == 0 {
		allow = DefaultTrustedRegistries
	}
	var out []Result
	for _, n := range workloads(c.Graph) {
		w, ok := workload(n)
		if !ok {
			continue
		}
		var ev []FieldEvidence
		for _, ct := range w.Containers {
			if h := imageHost(ct.Image); !hostTrusted(h, allow) {
				ev = append(ev, FieldEvidence{Field: "image", Value: ct.Image + " (registry " + h + ")"})
			}
		}
		if len(ev) == 0 {
			out = append(out, Result{Status: Pass, Subject: n.ID})
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Evidence: Evidence{Fields: ev}})
	}
	return out
}

// secretName matches env var names that announce a secret.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)`)

// checkEnvPlaintextSecret fails for a secret-like env var with a literal
// value. Only the name is reported: the value is never read into runlens.
func checkEnvPlaintextSecret(c *Context) []Result {
	var out []Result
	for _, n := range workloads(c.Graph) {
		w, ok := workload(n)
		if !ok {
			continue
		}
		failed := false
		for _, ct := range w.Containers {
			for _, e := range ct.Env {
				if !e.Literal || !secretName.MatchString(e.Name) {
					continue
				}
				failed = true
				out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Key: ct.Name + "/" + e.Name,
					Evidence: Evidence{Fields: []FieldEvidence{{Field: "env " + e.Name, Value: "(literal value set; not shown)"}}}})
			}
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: n.ID})
		}
	}
	return out
}
