package scan_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
)

// TestTeamsShape checks that the teams shape is what it says, as runlens
// reads it: project-level invoker groups and dozens of viewers on every
// project, about 20% of the workloads on the default compute identity and
// 15% on the project's shared one, and a push subscription calling every
// fourth service.
func TestTeamsShape(t *testing.T) {
	size := demo.Size{Projects: 8, ServicesPerProject: 40}
	var buf bytes.Buffer
	if err := demo.GenerateShape(&buf, size, demo.ShapeTeams, 1); err != nil {
		t.Fatal(err)
	}
	r := inventory.NewReader()
	if err := r.Read("teams.jsonl", &buf); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	if len(inv.Problems) > 0 {
		t.Fatalf("problems reading the teams shape: %v", inv.Problems)
	}
	projects, workloads, defaults, shared, pushes := 0, 0, 0, 0, 0
	for _, a := range inv.Assets {
		switch a.Type {
		case inventory.TypeProject:
			projects++
			invokers, viewers := 0, 0
			for _, b := range a.IAMPolicy.Bindings {
				switch b.Role {
				case "roles/run.invoker":
					for _, m := range b.Members {
						if strings.HasPrefix(m, "group:") {
							invokers++
						}
					}
				case "roles/viewer":
					viewers += len(b.Members)
				}
			}
			if invokers < 2 || viewers < 20 {
				t.Errorf("%s: %d invoker groups and %d viewers at the project, want at least 2 and 20", a.Name, invokers, viewers)
			}
		case inventory.TypeRunService, inventory.TypeRunJob:
			workloads++
			w, err := inventory.DecodeWorkload(a)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case w.ServiceAccount == "" || strings.HasSuffix(w.ServiceAccount, "-compute@developer.gserviceaccount.com"):
				defaults++
			case strings.Contains(w.ServiceAccount, "-runtime@"):
				shared++
			}
		case inventory.TypeSubscription:
			if bytes.Contains(a.Data, []byte(`"pushEndpoint"`)) {
				pushes++
			}
		}
	}
	if projects != size.Projects || workloads != size.Projects*size.ServicesPerProject {
		t.Fatalf("%d projects, %d workloads; want %d and %d", projects, workloads, size.Projects, size.Projects*size.ServicesPerProject)
	}
	if f := float64(defaults) / float64(workloads); f < 0.14 || f > 0.26 {
		t.Errorf("%d of %d workloads (%.2f) on the default identity, want about 0.20", defaults, workloads, f)
	}
	if f := float64(shared) / float64(workloads); f < 0.10 || f > 0.20 {
		t.Errorf("%d of %d workloads (%.2f) on the shared identity, want about 0.15", shared, workloads, f)
	}
	// Services 0, 4, 8, ... of each project; every tenth slot is a job.
	if want := size.Projects * 10; pushes != want {
		t.Errorf("%d push subscriptions, want %d (every fourth service)", pushes, want)
	}
	rep := scan.Run(inv, iam.MustPredefined(), rules.All(), time.Now(), nil)
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		seen[f.Check] = true
	}
	for _, check := range []string{"invoker-broad-scope", "runtime-default-sa", "runtime-shared-sa", "push-unauthenticated"} {
		if !seen[check] {
			t.Errorf("no %s finding on the teams shape", check)
		}
	}
}

// TestReleaseData: a scan that lets the inventory's data go once the graph
// is built finds, scores and reports exactly what a scan that keeps it
// does, and the inventory says it can no longer be built.
func TestReleaseData(t *testing.T) {
	read := func() *inventory.Inventory {
		var buf bytes.Buffer
		if err := demo.GenerateShape(&buf, demo.Size{Projects: 3, ServicesPerProject: 20}, demo.ShapeTeams, 2); err != nil {
			t.Fatal(err)
		}
		r := inventory.NewReader()
		if err := r.Read("teams.jsonl", &buf); err != nil {
			t.Fatal(err)
		}
		return r.Inventory()
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	kept := scan.Run(read(), iam.MustPredefined(), rules.All(), now, nil)
	inv := read()
	released := scan.RunOptions(inv, iam.MustPredefined(), rules.All(), now, scan.Options{ReleaseData: true})
	var a, b bytes.Buffer
	if err := kept.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := released.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the JSON report of a scan that released the data differs from one that kept it")
	}
	if !inv.DataReleased {
		t.Error("DataReleased is false after a scan that released the data")
	}
	if inv.Assets != nil || inv.AssetCount() != len(kept.Inventory.Assets) {
		t.Errorf("after the release: %d assets held, %d counted; want none held and %d counted", len(inv.Assets), inv.AssetCount(), len(kept.Inventory.Assets))
	}
	defer func() {
		if recover() == nil {
			t.Error("building a released inventory again did not panic")
		}
	}()
	scan.Run(inv, iam.MustPredefined(), rules.All(), now, nil)
}
