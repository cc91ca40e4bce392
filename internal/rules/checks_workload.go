package rules

import (
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/inventory"
)

func checkEgressNotRestricted(c *Context) []Result {
	nodes := workloads(c.Graph)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
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
	nodes := workloads(c.Graph)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
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
			case p == nil && c.lacksBinAuthzPolicies():
				// The input holds no policy at all: the project's may
				// simply not have been exported.
				out = append(out, Result{Status: Skip, Subject: n.ID})
				continue
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
	nodes := workloads(c.Graph)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		if !ok {
			continue
		}
		var ev []FieldEvidence
		unknown := false
		for _, ct := range w.Containers {
			switch {
			case ct.Image == "":
				unknown = true // known only after apply (a plan): not judged
			case !strings.Contains(ct.Image, "@sha256:"):
				ev = append(ev, FieldEvidence{Field: "image", Value: ct.Image})
			}
		}
		if len(ev) == 0 {
			if !unknown {
				out = append(out, Result{Status: Pass, Subject: n.ID})
			}
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
	nodes := workloads(c.Graph)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		if !ok {
			continue
		}
		var ev []FieldEvidence
		unknown := false
		for _, ct := range w.Containers {
			if ct.Image == "" {
				unknown = true // known only after apply (a plan): not judged
				continue
			}
			if h := imageHost(ct.Image); !hostTrusted(h, allow) {
				ev = append(ev, FieldEvidence{Field: "image", Value: ct.Image + " (registry " + h + ")"})
			}
		}
		if len(ev) == 0 {
			if !unknown {
				out = append(out, Result{Status: Pass, Subject: n.ID})
			}
			continue
		}
		out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Evidence: Evidence{Fields: ev}})
	}
	return out
}

// secretNameWords are the parts of an env var name that announce a secret
// wherever they appear in it (DB_PASSWORD, GITHUB_TOKEN, CLIENT_SECRET).
var secretNameWords = []string{"PASSWORD", "PASSWD", "PASSPHRASE", "PWD", "SECRET", "TOKEN", "CREDENTIAL"}

// notSecretSuffixes end names that name or describe a secret rather than
// hold one: AWS_ACCESS_KEY_ID, SIGNING_KEY_NAME, KMS_KEY_RING, KEY_FILE,
// TOKEN_URL, PASSWORD_MIN_LENGTH.
var notSecretSuffixes = []string{
	"_ID", "_IDS", "_NAME", "_NAMES", "_FILE", "_PATH", "_DIR", "_RING", "_KEYRING", "_URL", "_URI",
	"_ENDPOINT", "_HEADER", "_VERSION", "_TTL", "_EXPIRY", "_EXPIRATION", "_EXPIRES", "_LENGTH", "_LEN",
	"_SIZE", "_TYPE", "_ALGORITHM", "_ALG", "_ENABLED", "_REF", "_PROJECT", "_LOCATION", "_REGION",
}

// notSecretKeys are names ending in KEY that are not credentials: public
// keys and database or cache keys.
var notSecretKeys = []string{
	"PUBLIC_KEY", "PUBLICKEY", "PUBKEY", "PUB_KEY", "SORT_KEY", "PARTITION_KEY", "PRIMARY_KEY",
	"FOREIGN_KEY", "ROUTING_KEY", "CACHE_KEY", "IDEMPOTENCY_KEY", "SHARD_KEY", "HOTKEY",
}

// secretLikeName returns the part of an env var name that announces a
// secret, and whether there is one: a word of secretNameWords anywhere, a
// name ending in _PASS, or in KEY (API_KEY, ACCESS_KEY, SIGNING_KEY,
// ENCRYPTION_KEY, PRIVATE_KEY, APIKEY). Names ending in one of
// notSecretSuffixes, public and database keys, and the shell's working
// directory (PWD, OLDPWD) are not.
func secretLikeName(name string) (string, bool) {
	n := strings.ToUpper(name)
	if n == "PWD" || n == "OLDPWD" {
		return "", false
	}
	for _, suf := range notSecretSuffixes {
		if strings.HasSuffix(n, suf) {
			return "", false
		}
	}
	for _, w := range secretNameWords {
		if strings.Contains(n, w) {
			return w, true
		}
	}
	if n == "PASS" || strings.HasSuffix(n, "_PASS") {
		return "_PASS", true
	}
	if strings.HasSuffix(n, "KEY") && n != "KEY" {
		for _, k := range notSecretKeys {
			if n == k || strings.HasSuffix(n, "_"+k) {
				return "", false
			}
		}
		return "KEY", true
	}
	return "", false
}

// envSecret says why a literal env var holds a secret, and whether it does:
// its value is a secret by its form (a private key, a URL with a password,
// a known token format), or its name announces a secret and its value is a
// literal that is not a file path. References resolved at run time, empty
// values and placeholders are not literals (inventory.EnvVar).
func envSecret(e inventory.EnvVar) (string, bool) {
	if e.SecretForm != "" {
		return inventory.SecretFormText(e.SecretForm), true
	}
	if !e.Literal || e.Path {
		return "", false
	}
	if word, ok := secretLikeName(e.Name); ok {
		return "the name contains " + word + " and the value is a literal", true
	}
	return "", false
}

// checkEnvPlaintextSecret fails for an env var that holds a literal secret
// (see envSecret). Only the name and why it matched are reported: the value
// was replaced when the record was read and never reaches runlens.
func checkEnvPlaintextSecret(c *Context) []Result {
	nodes := workloads(c.Graph)
	out := make([]Result, 0, len(nodes)) // a result per node, most of them
	for _, n := range nodes {
		w, ok := workload(n)
		if !ok {
			continue
		}
		failed := false
		for _, ct := range w.Containers {
			for _, e := range ct.Env {
				why, ok := envSecret(e)
				if !ok {
					continue
				}
				failed = true
				out = append(out, Result{Status: Fail, Subject: n.ID, Affects: []string{n.ID}, Key: ct.Name + "/" + e.Name,
					Evidence: Evidence{Fields: []FieldEvidence{{Field: "env " + e.Name, Value: "(literal value set; not shown): " + why}}}})
			}
		}
		if !failed {
			out = append(out, Result{Status: Pass, Subject: n.ID})
		}
	}
	return out
}
