package tfplan_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/inventory"
)

// digest lists what an inventory says: the IAM bindings of each asset, and
// (in resources) each asset with resource data, by type and name (a service
// account by its email: the converter names it by unique ID once it
// exists, runlens by email, and the graph joins them by email).
func digest(inv *inventory.Inventory) (bindings, resources []string) {
	for _, a := range inv.Assets {
		if a.Data != nil {
			name := a.Name
			if a.Type == inventory.TypeServiceAccount {
				var sa inventory.ServiceAccount
				if err := a.Decode(&sa); err == nil {
					name = "serviceAccount:" + sa.Email
				}
			}
			resources = append(resources, a.Type+" "+name)
		}
		if a.IAMPolicy == nil {
			continue
		}
		for _, b := range a.IAMPolicy.Bindings {
			m := slices.Clone(b.Members)
			slices.Sort(m)
			bindings = append(bindings, fmt.Sprintf("%s %s: %s", a.Name, b.Role, strings.Join(m, ",")))
		}
	}
	slices.Sort(bindings)
	slices.Sort(resources)
	return bindings, resources
}

// TestConverterAgrees compares the records runlens makes of Google's
// published plans with the CAI records Google's converter
// (terraform-google-conversion tfplan2cai) makes of the same plans
// (testdata/real/tgc, see testdata/real/README.md): the same IAM policies,
// and every resource the converter writes. runlens reads some types the
// converter of that day did not (secrets, a service account being
// created). Where the converter assumes a value known only after apply
// (the provider's project for a random one, a placeholder bucket name),
// runlens reads nothing and says so.
func TestConverterAgrees(t *testing.T) {
	plans, err := filepath.Glob("testdata/real/tgc/*.tfplan.json")
	if err != nil || len(plans) < 10 {
		t.Fatalf("plans: %v %v", plans, err)
	}
	// The converter's records runlens does not make, on purpose.
	guessed := map[string]string{
		"project_iam_member_empty_project":        "google_project_iam_member.test-valid-owner: project is known only after apply",
		"storage_bucket_iam_member_random_suffix": "google_storage_bucket.default: name is known only after apply",
	}
	for _, plan := range plans {
		name := strings.TrimSuffix(filepath.Base(plan), ".tfplan.json")
		t.Run(name, func(t *testing.T) {
			p := readPlan(t, plan)
			ours, err := p.Layer(nil)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := inventory.ReadPaths(strings.TrimSuffix(plan, ".tfplan.json") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			gotB, gotR := digest(ours)
			wantB, wantR := digest(theirs)
			if why, ok := guessed[name]; ok {
				var unknown []string
				for _, u := range p.Unknown {
					unknown = append(unknown, u.String())
				}
				if !slices.ContainsFunc(unknown, func(s string) bool { return strings.HasPrefix(s, why) }) {
					t.Errorf("unknown = %q, want %q", unknown, why)
				}
				if len(gotB) != 0 {
					t.Errorf("bindings made of a guess: %q", gotB)
				}
				return
			}
			if !slices.Equal(gotB, wantB) {
				t.Errorf("bindings:\nrunlens:\n  %s\nthe converter:\n  %s", strings.Join(gotB, "\n  "), strings.Join(wantB, "\n  "))
			}
			for _, r := range wantR {
				if !slices.Contains(gotR, r) {
					t.Errorf("the converter has %s, runlens has not (runlens: %q)", r, gotR)
				}
			}
		})
	}
}
