package rules_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// runCheck reads a CAI fixture, builds the graph and runs one rule.
func runCheck(t *testing.T, fixture, slug string) ([]rules.Finding, []rules.PassRecord) {
	t.Helper()
	inv, err := inventory.ReadPaths(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) > 0 {
		t.Fatalf("fixture %s has problems: %v", fixture, inv.Problems)
	}
	b := build.Graph(inv, iam.MustPredefined(), now)
	r, ok := rules.BySlug(rules.All(), slug)
	if !ok {
		t.Fatalf("no rule %q", slug)
	}
	return rules.Run(&rules.Context{Graph: b.Graph, Roles: b.Roles, Now: now}, []rules.Rule{r})
}

type outcome struct {
	Subject  string
	Severity string
}

func failures(fs []rules.Finding) []outcome {
	var out []outcome
	for _, f := range fs {
		out = append(out, outcome{f.Subject, f.Severity.String()})
	}
	slices.SortFunc(out, func(a, b outcome) int {
		if a.Subject < b.Subject {
			return -1
		}
		if a.Subject > b.Subject {
			return 1
		}
		return 0
	})
	return out
}

func passes(ps []rules.PassRecord) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Subject)
	}
	return out
}

const (
	svc = "//run.googleapis.com/projects/proj-a/locations/us-central1/services/"
	job = "//run.googleapis.com/projects/proj-a/locations/us-central1/jobs/"
)

func TestChecks(t *testing.T) {
	tests := []struct {
		name       string
		fixture    string
		slug       string
		wantFail   []outcome
		wantPasses []string
	}{
		{
			name: "runtime-default-sa: empty v1 SA, explicit v2 default SA and a v2 job fire; dedicated SAs pass", fixture: "runtime-default-sa.jsonl", slug: "runtime-default-sa",
			wantFail:   []outcome{{job + "job-default", "high"}, {svc + "v1-default", "high"}, {svc + "v2-default", "high"}},
			wantPasses: []string{job + "job-dedicated", svc + "v1-dedicated", svc + "v2-dedicated"},
		},
		{
			name: "runtime-basic-role: editor on the project is critical, viewer inherited from the org is high, an expired owner grant and a storage admin role pass", fixture: "runtime-basic-role.jsonl", slug: "runtime-basic-role",
			wantFail:   []outcome{{"serviceAccount:app@proj-a.iam.gserviceaccount.com", "critical"}, {"serviceAccount:viewer@proj-a.iam.gserviceaccount.com", "high"}},
			wantPasses: []string{"serviceAccount:clean@proj-a.iam.gserviceaccount.com"},
		},
		{
			name: "invoker-public: allUsers (v1) and allAuthenticatedUsers (v2) fire; a conditional public binding and a private service pass", fixture: "invoker-public.jsonl", slug: "invoker-public",
			wantFail:   []outcome{{svc + "pub-v1", "high"}, {svc + "pub-v2", "high"}},
			wantPasses: []string{svc + "cond-public", svc + "private"},
		},
		{
			name: "invoker-public: inherited from a folder", fixture: "invoker-public-inherited.jsonl", slug: "invoker-public",
			wantFail: []outcome{{"//run.googleapis.com/projects/proj-web/locations/europe-west1/services/site", "high"}},
		},
		{
			name: "push-unauthenticated: a push without OIDC to a service fires; with OIDC, to another host, or pull pass or are not considered", fixture: "push-unauthenticated.jsonl", slug: "push-unauthenticated",
			wantFail:   []outcome{{"//pubsub.googleapis.com/projects/proj-a/subscriptions/to-worker", "high"}},
			wantPasses: []string{"//pubsub.googleapis.com/projects/proj-a/subscriptions/to-sink"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, ps := runCheck(t, tc.fixture, tc.slug)
			if diff := cmp.Diff(tc.wantFail, failures(fs)); diff != "" {
				t.Errorf("%s on %s: findings (-want +got):\n%s", tc.slug, tc.fixture, diff)
			}
			if diff := cmp.Diff(tc.wantPasses, passes(ps)); diff != "" {
				t.Errorf("%s on %s: passes (-want +got):\n%s", tc.slug, tc.fixture, diff)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	t.Run("basic role finding carries the binding and affects every workload of the SA", func(t *testing.T) {
		fs, _ := runCheck(t, "runtime-basic-role.jsonl", "runtime-basic-role")
		var got rules.Finding
		for _, f := range fs {
			if f.Severity == rules.Critical {
				got = f
			}
		}
		want := []rules.BindingEvidence{{Role: "roles/editor", Member: "serviceAccount:app@proj-a.iam.gserviceaccount.com", Via: "//cloudresourcemanager.googleapis.com/projects/111"}}
		if diff := cmp.Diff(want, got.Evidence.Bindings); diff != "" {
			t.Errorf("bindings (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{svc + "svc-editor"}, got.Affects); diff != "" {
			t.Errorf("affects (-want +got):\n%s", diff)
		}
	})
	t.Run("inherited public invoker names the folder it comes from", func(t *testing.T) {
		fs, _ := runCheck(t, "invoker-public-inherited.jsonl", "invoker-public")
		if len(fs) != 1 || len(fs[0].Evidence.Bindings) != 1 {
			t.Fatalf("want 1 finding with 1 binding, got %+v", fs)
		}
		if got, want := fs[0].Evidence.Bindings[0].Via, "//cloudresourcemanager.googleapis.com/folders/200"; got != want {
			t.Errorf("via = %q, want %q", got, want)
		}
	})
	t.Run("push finding affects the target service", func(t *testing.T) {
		fs, _ := runCheck(t, "push-unauthenticated.jsonl", "push-unauthenticated")
		if len(fs) != 1 {
			t.Fatalf("want 1 finding, got %d", len(fs))
		}
		if diff := cmp.Diff([]string{svc + "worker"}, fs[0].Affects); diff != "" {
			t.Errorf("affects (-want +got):\n%s", diff)
		}
	})
}

func TestFindingIDStable(t *testing.T) {
	a, _ := runCheck(t, "invoker-public.jsonl", "invoker-public")
	b, _ := runCheck(t, "invoker-public.jsonl", "invoker-public")
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two runs differ (-first +second):\n%s", diff)
	}
	if a[0].ID != rules.FindingID(a[0].Check, a[0].Subject, "allUsers@"+a[0].Subject) {
		t.Errorf("ID %s is not the hash of slug, subject and key", a[0].ID)
	}
}

func TestCatalog(t *testing.T) {
	slugs, ids := map[string]bool{}, map[string]bool{}
	for _, r := range rules.All() {
		if err := r.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
		if slugs[r.Slug] {
			t.Errorf("duplicate slug %q", r.Slug)
		}
		if ids[r.ID] {
			t.Errorf("duplicate ID %q", r.ID)
		}
		slugs[r.Slug], ids[r.ID] = true, true
	}
	// DESIGN §4, exactly.
	design := []string{"runtime-default-sa", "runtime-basic-role", "runtime-privileged", "runtime-shared-sa", "runtime-sa-key",
		"runtime-unused-permissions", "runtime-project-scope-grant", "invoker-public", "invoker-iam-disabled", "invoker-broad-scope",
		"ingress-open-internal", "iap-bypass", "human-access-without-iap", "egress-not-restricted", "binauthz-not-enforced",
		"image-not-pinned", "image-untrusted-registry", "env-plaintext-secret", "push-unauthenticated", "scheduler-unauthenticated",
		"caller-default-sa", "runtime-sa-impersonable", "sa-user-project-level", "bucket-public", "bucket-acl-mode",
		"legacy-storage-role", "kms-broad-scope", "sql-open-network", "deleted-principal-binding", "iap-extra-invoker"}
	for _, want := range design {
		if !slugs[want] {
			t.Errorf("catalog lacks %q", want)
		}
	}
	if len(rules.All()) != len(design) {
		t.Errorf("catalog has %d rules, DESIGN lists %d", len(rules.All()), len(design))
	}
}

func TestRuleValidate(t *testing.T) {
	good := rules.All()[0]
	tests := []struct {
		name   string
		mutate func(*rules.Rule)
	}{
		{"bad id", func(r *rules.Rule) { r.ID = "X1" }},
		{"bad slug", func(r *rules.Rule) { r.Slug = "Not Kebab" }},
		{"no severity", func(r *rules.Rule) { r.Severity = 0 }},
		{"empty remediation", func(r *rules.Rule) { r.Remediation = " " }},
		{"empty title", func(r *rules.Rule) { r.Title = "" }},
		{"no check", func(r *rules.Rule) { r.Check = nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.mutate(&r)
			if err := r.Validate(); err == nil {
				t.Errorf("Validate() = nil for %s, want an error", tc.name)
			}
		})
	}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate() on %s = %v", good.Slug, err)
	}
}

func TestSeverity(t *testing.T) {
	for _, s := range rules.Severities() {
		got, err := rules.ParseSeverity(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
	if _, err := rules.ParseSeverity("severe"); err == nil {
		t.Error(`ParseSeverity("severe") = nil error`)
	}
	if !(rules.Low < rules.Medium && rules.Medium < rules.High && rules.High < rules.Critical) {
		t.Error("severities are not ordered")
	}
}
