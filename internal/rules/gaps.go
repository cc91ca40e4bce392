package rules

import (
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/inventory"
)

// Need is data a check cannot judge without. An export may lack it: IAM
// policies are a content type of their own (gcloud asset export
// --content-type=iam-policy), asset types are chosen with --asset-types, and
// recommender data is read apart from the inventory.
type Need int

// Needs.
const (
	NeedIAM           Need = iota + 1 // IAM_POLICY records
	NeedRecommender                   // IAM recommender recommendations or insights
	NeedLoadBalancers                 // compute.googleapis.com/BackendService records
	NeedKeys                          // iam.googleapis.com/ServiceAccountKey records
)

// needText is what each Need lacks and what that means for the checks, for
// a reader.
var needText = map[Need][2]string{
	NeedIAM: {"IAM policies (no IAM_POLICY record was read)",
		"who can invoke a service, act as an identity or reach a resource is unknown: nothing can be said of invokers, impersonation or grants"},
	NeedRecommender: {"IAM recommender data (no recommendation or insight was read)",
		"whether runtime identities use their permissions is unknown"},
	NeedLoadBalancers: {"load balancer backend services (no " + inventory.TypeBackendService + " record was read)",
		"whether IAP on a load balancer fronts a service is unknown; human-access-without-iap and ingress-open-internal assume no load balancer"},
	NeedKeys: {"service account keys (no " + inventory.TypeServiceAccountKey + " record was read)",
		"whether runtime identities have user-managed keys is unknown"},
}

// Gap is data a scan's input lacked: the checks it blinds report unknown,
// neither pass nor fail. A partial gap (part of a live scope was denied)
// blinds nothing outright: the checks ran on what was read, and their
// results there may be incomplete.
type Gap struct {
	Missing string   `json:"missing"` // what the input lacks
	Why     string   `json:"why"`     // what that means for the results
	Checks  []string `json:"checks"`  // slugs of the checks it blinds (or, when partial, weakens)
	Partial bool     `json:"partial,omitempty"`
}

// lacksBinAuthzPolicies reports whether the input held no Binary
// Authorization policy at all (a project without one has the default policy,
// but an export may also have left the type out).
func (c *Context) lacksBinAuthzPolicies() bool {
	return c.Coverage != nil && c.Coverage.AssetTypes[inventory.TypeBinAuthzPolicy] == 0
}

// missing returns the Needs the context's input lacks, in Need order. A nil
// Coverage lacks nothing. Recommender data is missing when the context has
// no recommendation and no insight.
func (c *Context) missing() []Need {
	cov := c.Coverage
	if cov == nil {
		return nil
	}
	var out []Need
	if cov.IAMPolicies == 0 {
		out = append(out, NeedIAM)
	}
	if len(c.Recommendations) == 0 && len(c.Insights) == 0 {
		out = append(out, NeedRecommender)
	}
	if cov.AssetTypes[inventory.TypeBackendService] == 0 {
		out = append(out, NeedLoadBalancers)
	}
	if cov.AssetTypes[inventory.TypeServiceAccountKey] == 0 {
		out = append(out, NeedKeys)
	}
	return out
}

// Gaps returns what the context's input lacked for rules: one Gap for each
// missing Need that some rule has (naming those rules), then one partial Gap
// for the parts of the live scope that were denied.
func Gaps(c *Context, rules []Rule) []Gap {
	var out []Gap
	for _, n := range c.missing() {
		var slugs []string
		for _, r := range rules {
			for _, rn := range r.Needs {
				if rn == n {
					slugs = append(slugs, r.Slug)
				}
			}
		}
		if len(slugs) == 0 {
			continue
		}
		t := needText[n]
		out = append(out, Gap{Missing: t[0], Why: t[1], Checks: slugs})
	}
	if c.lacksBinAuthzPolicies() && slices.ContainsFunc(rules, func(r Rule) bool { return r.Slug == "binauthz-not-enforced" }) {
		out = append(out, Gap{
			Missing: "Binary Authorization policies (no " + inventory.TypeBinAuthzPolicy + " record was read)",
			Why:     "workloads that use their project's default policy cannot be judged: whether that policy enforces is unknown",
			Checks:  []string{"binauthz-not-enforced"}, Partial: true,
		})
	}
	if c.Coverage != nil && len(c.Coverage.Denied) > 0 {
		var slugs []string
		for _, r := range rules {
			slugs = append(slugs, r.Slug)
		}
		out = append(out, Gap{
			Missing: "part of the scope was denied: " + strings.Join(c.Coverage.Denied, ", "),
			Why:     "resources and policies there were not read: results on them may be missing or incomplete",
			Checks:  slugs, Partial: true,
		})
	}
	return out
}

// DocURL is the address of the page that documents check slug
// (docs/checks/SLUG.md in the repository).
func DocURL(slug string) string {
	return "https://github.com/runlens/runlens/blob/main/docs/checks/" + slug + ".md"
}
