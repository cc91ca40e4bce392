package review_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/run/apiv2/runpb"

	"github.com/runlens/runlens/internal/apply"
	"github.com/runlens/runlens/internal/apply/applytest"
	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/store"
)

// TestFailedRolloutOffersItsRollback runs the dedicated-identity fix through
// the review workflow and the real applier against the fake Google APIs:
// the new revision fails to become ready, so the apply stops before the old
// grant goes, every step is audited as it happens, and the rollback
// proposed reverses exactly the steps that were applied — and, approved and
// applied, puts the secret's policy back.
func TestFailedRolloutOffersItsRollback(t *testing.T) {
	ctx := context.Background()
	const (
		svcName    = "projects/shop/locations/europe-west1/services/orders"
		secretName = "projects/123456/secrets/db-password"
		project    = "projects/123456"
		defaultSA  = "123456-compute@developer.gserviceaccount.com"
		newSA      = "orders-sa@shop.iam.gserviceaccount.com"
	)
	f, addr := applytest.Start(t)
	f.SeedService(&runpb.Service{Name: svcName, Etag: "svc-1", Generation: 1, Template: &runpb.RevisionTemplate{}})
	f.SeedPolicy(svcName, &iampb.Policy{Version: 1})
	f.SeedPolicy(secretName, &iampb.Policy{Version: 1})
	f.SeedPolicy(project, &iampb.Policy{Version: 1, Bindings: []*iampb.Binding{{Role: "roles/editor", Members: []string{"serviceAccount:" + defaultSA}}}})
	f.SetRollout(svcName, applytest.Rollout{Polls: 1, Fail: "the container exited: PERMISSION_DENIED on topics/orders"})
	opts, err := apply.EmulatorOptions(addr)
	if err != nil {
		t.Fatal(err)
	}
	o := apply.OptionsForAll(opts...)
	o.ReadyPoll, o.ReadyTimeout = time.Millisecond, 5*time.Second
	ap, err := apply.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ap.Close() })

	rv, st, _ := setup(t, ap)
	cs := changeset.ChangeSet{Title: "Give orders a dedicated service account", Fixes: []string{"f1"},
		Steps: []changeset.Step{
			{Kind: changeset.KindCreateServiceAccount, Project: "shop", AccountID: "orders-sa"},
			{Kind: changeset.KindAddBinding, Resource: "//secretmanager.googleapis.com/" + secretName, ResourceType: "secretmanager.googleapis.com/Secret",
				Role: "roles/secretmanager.secretAccessor", Member: "serviceAccount:" + newSA},
			{Kind: changeset.KindUpdateService, Service: "//run.googleapis.com/" + svcName, Field: changeset.FieldServiceAccount, To: newSA},
			{Kind: changeset.KindRemoveBinding, Resource: "//cloudresourcemanager.googleapis.com/" + project, ResourceType: "cloudresourcemanager.googleapis.com/Project",
				Role: "roles/editor", Member: "serviceAccount:" + defaultSA},
		},
		Before: map[string]iam.Policy{"//secretmanager.googleapis.com/" + secretName: {Version: 1},
			"//cloudresourcemanager.googleapis.com/" + project: {Version: 1, Bindings: []iam.Binding{{Role: "roles/editor", Members: []string{"serviceAccount:" + defaultSA}}}}},
	}
	content, _ := json.Marshal(cs)
	id, err := st.AddChangeSet(ctx, store.ChangeSetRow{Title: cs.Title, FindingID: "f1", Check: "runtime-default-sa", Subject: "//run.googleapis.com/" + svcName,
		Content: content, ContentHash: changeset.Hash(cs), ProposedBy: alice.Email, ProposedSub: alice.Sub, ProposedAt: time.Now()},
		store.AuditEntry{Actor: alice.Email, Action: "changeset.propose"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rv.Approve(ctx, id, changeset.Hash(cs), bob); err != nil {
		t.Fatal(err)
	}
	if err := rv.Apply(ctx, id, bob); !errors.Is(err, apply.ErrNotReady) {
		t.Fatalf("Apply = %v, want ErrNotReady", err)
	}
	got, _ := rv.Get(ctx, id)
	if got.Status != store.StatusFailed || !slices.Equal(got.AppliedSteps, []int{1, 2}) || !strings.Contains(got.Outcome, "propose the rollback") {
		t.Fatalf("after the failed rollout: %s, applied %v, outcome:\n%s", got.Status, got.AppliedSteps, got.Outcome)
	}
	if p := f.Policy(project); len(p.GetBindings()) != 1 {
		t.Errorf("the old identity's grant went although the new revision never served: %v", p)
	}
	log, _ := st.AuditLog(ctx, 50)
	var steps []string
	for _, e := range log {
		if e.Action == "changeset.apply.step" {
			steps = append(steps, e.Detail)
		}
	}
	slices.Reverse(steps) // the log is newest first
	if len(steps) != 3 || !strings.HasPrefix(steps[0], "step 1 of 4: create service account") || !strings.Contains(steps[2], "step 3 of 4") || !strings.Contains(steps[2], "FAILED") {
		t.Errorf("step audit = %q, want steps 1 and 2 done and 3 failed", steps)
	}

	rb, err := rv.ProposeRollback(ctx, id, alice)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := rv.Get(ctx, rb)
	var kinds []changeset.StepKind
	for _, s := range rc.Plan.Steps {
		kinds = append(kinds, s.Kind)
	}
	if !slices.Equal(kinds, []changeset.StepKind{changeset.KindRemoveBinding, changeset.KindManual}) || rc.Plan.Steps[0].Role != "roles/secretmanager.secretAccessor" {
		t.Fatalf("rollback of steps 1-2 = %+v, want the secret grant removed and a note on the account", rc.Plan.Steps)
	}
	if err := rv.Approve(ctx, rb, rc.ContentHash, bob); err != nil {
		t.Fatal(err)
	}
	if err := rv.Apply(ctx, rb, bob); err != nil {
		t.Fatalf("applying the rollback: %v", err)
	}
	if p := f.Policy(secretName); len(p.GetBindings()) != 0 {
		t.Errorf("the secret's policy after the rollback = %v, want as it was (empty)", p)
	}
}
