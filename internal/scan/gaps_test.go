package scan_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
)

// TestGapsOfAResourceOnlyExport scans `gcloud asset export
// --content-type=resource` output (no IAM_POLICY record): the checks that
// need IAM policies are unknown, not passed, and say why; nothing claims who
// can or cannot invoke a service; the text output starts with the gaps.
func TestGapsOfAResourceOnlyExport(t *testing.T) {
	inv, err := inventory.ReadPaths("testdata/resources-only.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rep := scan.Run(inv, iam.MustPredefined(), rules.All(), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), nil)
	doc := rep.JSON()
	var iamGap *rules.Gap
	for i, g := range doc.Summary.Gaps {
		if strings.HasPrefix(g.Missing, "IAM policies") {
			iamGap = &doc.Summary.Gaps[i]
		}
	}
	if iamGap == nil {
		t.Fatalf("summary.gaps = %+v, want one naming IAM policies", doc.Summary.Gaps)
	}
	for _, slug := range []string{"ingress-open-internal", "invoker-public", "human-access-without-iap", "runtime-sa-impersonable", "deleted-principal-binding"} {
		if !slices.Contains(iamGap.Checks, slug) {
			t.Errorf("IAM gap does not name %s: %v", slug, iamGap.Checks)
		}
	}
	blind := map[string]bool{}
	for _, g := range doc.Summary.Gaps {
		if !g.Partial {
			for _, s := range g.Checks {
				blind[s] = true
			}
		}
	}
	for _, f := range rep.Findings {
		if blind[f.Check] {
			t.Errorf("finding of blinded check %s on %s", f.Check, f.Subject)
		}
	}
	for _, p := range rep.Passes {
		if blind[p.Check] {
			t.Errorf("pass of blinded check %s on %s", p.Check, p.Subject)
		}
	}
	// Checks that need only the resources still run.
	if !slices.ContainsFunc(rep.Passes, func(p rules.PassRecord) bool { return p.Check == "runtime-default-sa" }) {
		t.Error("runtime-default-sa did not run")
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "UNKNOWN: the input lacks IAM policies") {
		t.Errorf("text output starts %q, want the IAM gap first", out.String()[:min(80, out.Len())])
	}
	for _, claim := range []string{"only services call it", "nobody", "no principal"} {
		if strings.Contains(out.String(), claim) {
			t.Errorf("text output claims %q without IAM policies", claim)
		}
	}
}

// TestGapsNameWhatIsMissingOnly: the blind-spots organization with its IAM
// policies, as read, is missing recommender data, keys, load balancers and
// Binary Authorization policies, and nothing else.
func TestGapsNameWhatIsMissingOnly(t *testing.T) {
	inv, err := inventory.ReadPaths("../rules/testdata/blind-spots.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	rep := scan.Run(inv, iam.MustPredefined(), rules.All(), time.Now(), nil)
	var missing []string
	for _, g := range rep.Gaps {
		what, _, _ := strings.Cut(g.Missing, " (")
		missing = append(missing, what)
	}
	want := []string{"IAM recommender data", "load balancer backend services", "service account keys", "Binary Authorization policies"}
	if !slices.Equal(missing, want) {
		t.Errorf("gaps %v, want %v", missing, want)
	}
}
