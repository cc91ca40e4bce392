package rules_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/build"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
)

// blind-spots.jsonl is project proj-c (number 333) written from Google's
// documentation: its policy holds a deleted owner, Editor for a group and for
// the legacy Cloud Build account, build authors, and the Cloud Run and Cloud
// Build service agents; the runtime identity app@ lets the Cloud Build
// account act as it and names a deleted token creator; service api has a
// deleted invoker, portal has IAP on the service and a user invoker beside
// the IAP agent, clean is internal.
const (
	bsProject = "//cloudresourcemanager.googleapis.com/projects/333"
	bsSvc     = "//run.googleapis.com/projects/proj-c/locations/us-central1/services/"
	bsApp     = "serviceAccount:app@proj-c.iam.gserviceaccount.com"
	bsBuild   = "serviceAccount:333@cloudbuild.gserviceaccount.com"
)

func blindSpots(t *testing.T) (*build.Result, []rules.Finding, []rules.PassRecord) {
	t.Helper()
	inv, err := inventory.ReadPaths(filepath.Join("testdata", "blind-spots.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	b := build.Graph(inv, iam.MustPredefined(), now)
	fs, ps := rules.Run(&rules.Context{Graph: b.Graph, Roles: b.Roles, Now: now}, rules.All())
	return b, fs, ps
}

// TestDeletedPrincipalsGrantNothing: no node, edge, graph answer or finding
// other than deleted-principal-binding names a deleted principal.
func TestDeletedPrincipalsGrantNothing(t *testing.T) {
	b, fs, _ := blindSpots(t)
	g := b.Graph
	for _, n := range g.Nodes() {
		if strings.HasPrefix(n.ID, "deleted:") {
			t.Errorf("graph has a node for deleted principal %s", n.ID)
		}
	}
	for _, e := range g.Edges() {
		if strings.HasPrefix(e.From, "deleted:") {
			t.Errorf("graph has an edge from deleted principal: %+v", e)
		}
	}
	for _, r := range []graph.Result{g.WhoCanInvoke(bsSvc+"api", 100), g.WhoCanActAs(bsApp, 100)} {
		for _, h := range r.Reached {
			if strings.Contains(h.Node.ID, "deleted:") {
				t.Errorf("graph answer names deleted principal %s", h.Node.ID)
			}
		}
	}
	var got []string
	for _, f := range fs {
		for _, be := range f.Evidence.Bindings {
			if !strings.HasPrefix(be.Member, "deleted:") {
				continue
			}
			if f.Check != "deleted-principal-binding" {
				t.Errorf("%s names deleted principal %s", f.Check, be.Member)
				continue
			}
			got = append(got, f.Subject+" "+be.Role+" "+be.Member)
			if f.Severity != rules.Low {
				t.Errorf("deleted-principal-binding severity %v, want low", f.Severity)
			}
		}
	}
	slices.Sort(got)
	want := []string{
		bsProject + " roles/owner deleted:user:gone@example.com?uid=123456789012345678901",
		bsSvc + "api roles/run.invoker deleted:serviceAccount:old-caller@proj-c.iam.gserviceaccount.com?uid=111222333444555666777",
		bsApp + " roles/iam.serviceAccountTokenCreator deleted:serviceAccount:old-ci@proj-c.iam.gserviceaccount.com?uid=109876543210987654321",
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("deleted-principal-binding findings (-want +got):\n%s", diff)
	}
	for _, f := range fs {
		if f.Check == "deleted-principal-binding" && f.Subject == bsProject && len(f.Affects) != 3 {
			t.Errorf("the project's deleted binding affects %v, want its 3 services", f.Affects)
		}
	}
}

// TestLegacyCloudBuildAccountIsNotAnAgent: grants to
// PROJECT_NUMBER@cloudbuild.gserviceaccount.com are impersonation paths, and
// whoever may create builds can act as it; the Cloud Run and Cloud Build
// service agents stay exempt.
func TestLegacyCloudBuildAccountIsNotAnAgent(t *testing.T) {
	b, fs, _ := blindSpots(t)
	var impersonators []string
	for _, f := range fs {
		if f.Check == "runtime-sa-impersonable" && f.Subject == bsApp {
			for _, be := range f.Evidence.Bindings {
				impersonators = append(impersonators, be.Member+" "+be.Role)
			}
		}
	}
	slices.Sort(impersonators)
	want := []string{
		"group:eng@example.com roles/editor",
		"serviceAccount:333-compute@developer.gserviceaccount.com roles/editor",
		bsBuild + " roles/editor",
		bsBuild + " roles/iam.serviceAccountUser",
		"user:admin@example.com roles/owner",
	}
	if diff := gocmp.Diff(want, impersonators); diff != "" {
		t.Errorf("runtime-sa-impersonable on app@ (-want +got):\n%s", diff)
	}
	var builders []string
	for _, e := range b.Graph.In(bsBuild, graph.CanActAs) {
		builders = append(builders, e.From+" "+e.Role+" "+strings.Join(e.Permissions, ","))
	}
	slices.Sort(builders)
	wantBuilders := []string{
		"group:eng@example.com roles/editor cloudbuild.builds.create",
		"serviceAccount:333-compute@developer.gserviceaccount.com roles/editor cloudbuild.builds.create",
		"user:admin@example.com roles/owner cloudbuild.builds.create",
		"user:builder@example.com roles/cloudbuild.builds.editor cloudbuild.builds.create",
	}
	if diff := gocmp.Diff(wantBuilders, builders); diff != "" {
		t.Errorf("who can act as the legacy Cloud Build account (-want +got):\n%s", diff)
	}
	// A build author reaches the runtime identity through the account.
	path, ok := b.Graph.ShortestPath("user:builder@example.com", bsApp, nil)
	if !ok || len(path) != 2 {
		t.Errorf("path builder -> app@ = %+v (found %v), want two steps through %s", path, ok, bsBuild)
	}
}

// TestBasicRolesAndIAPOnTheService: Editor for a group counts as invoking
// (human-access-without-iap, invoker-broad-scope, evidence naming the role
// and where it is granted; internal ingress does not keep people in the VPC
// out); IAP on the service is not bypassed by a user invoker beside the IAP
// agent, and needs no other IAP finding.
func TestBasicRolesAndIAPOnTheService(t *testing.T) {
	_, fs, _ := blindSpots(t)
	got := map[string][]string{}
	for _, f := range fs {
		switch f.Check {
		case "human-access-without-iap", "invoker-broad-scope", "iap-bypass":
			for _, be := range f.Evidence.Bindings {
				line := strings.TrimPrefix(f.Subject, bsSvc) + " " + be.Member + " " + be.Role + " @" + be.Via
				if f.Subject != f.Affects[0] {
					var affects []string
					for _, a := range f.Affects {
						affects = append(affects, strings.TrimPrefix(a, bsSvc))
					}
					line += " -> " + strings.Join(affects, ", ")
				}
				got[f.Check] = append(got[f.Check], line)
			}
			if len(f.Evidence.Bindings) == 0 {
				got[f.Check] = append(got[f.Check], strings.TrimPrefix(f.Subject, bsSvc))
			}
		}
	}
	for k := range got {
		slices.Sort(got[k])
	}
	want := map[string][]string{
		"human-access-without-iap": {
			"api group:eng@example.com roles/editor @" + bsProject,
			"api user:admin@example.com roles/owner @" + bsProject,
			"clean group:eng@example.com roles/editor @" + bsProject,
			"clean user:admin@example.com roles/owner @" + bsProject,
		},
		// One finding per grant, on the project, reaching its services.
		"invoker-broad-scope": {
			bsProject + " group:eng@example.com roles/editor @" + bsProject + " -> api, clean, portal",
			bsProject + " user:admin@example.com roles/owner @" + bsProject + " -> api, clean, portal",
		},
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
