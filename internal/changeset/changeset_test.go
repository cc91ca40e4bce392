package changeset_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/iam"
)

// roundTrip stores cs as JSON and reads it back, as the store does.
func roundTrip(t *testing.T, cs changeset.ChangeSet) changeset.ChangeSet {
	t.Helper()
	b, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	var back changeset.ChangeSet
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

func TestJSONRoundTrip(t *testing.T) {
	plans := []changeset.ChangeSet{handmade()}
	fixtures, err := filepath.Glob("../rules/testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range append(fixtures, "default-sa", "basic-role", "hostile.jsonl") {
		s := load(t, fx)
		for _, f := range s.findings {
			cs, err := changeset.Plan(s.in, f)
			if err != nil {
				t.Fatal(err)
			}
			plans = append(plans, cs)
		}
	}
	for _, cs := range plans {
		back := roundTrip(t, cs)
		if diff := cmp.Diff(cs, back); diff != "" {
			t.Errorf("%q: JSON round trip is lossy (-before +after):\n%s", cs.Title, diff)
		}
		if changeset.Hash(cs) != changeset.Hash(back) {
			t.Errorf("%q: hash changes across a JSON round trip", cs.Title)
		}
		for _, format := range changeset.Formats() {
			if a, b := render(t, format, cs), render(t, format, back); a != b {
				t.Errorf("%q: %s rendering changes across a JSON round trip", cs.Title, format)
			}
		}
	}
}

func TestStepJSON(t *testing.T) {
	s := changeset.Step{Kind: changeset.KindRemoveBinding, Resource: projA, ResourceType: "cloudresourcemanager.googleapis.com/Project",
		Role: "roles/editor", Member: "serviceAccount:a@p.iam.gserviceaccount.com", Project: "proj-a",
		Condition: &iam.Condition{Title: "t", Expression: "e"}}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"removeBinding","resource":"//cloudresourcemanager.googleapis.com/projects/111","resourceType":"cloudresourcemanager.googleapis.com/Project","role":"roles/editor","member":"serviceAccount:a@p.iam.gserviceaccount.com","condition":{"title":"t","expression":"e"},"project":"proj-a"}`
	if string(b) != want {
		t.Errorf("json.Marshal(step) =\n%s\nwant\n%s", b, want)
	}
}

func TestHash(t *testing.T) {
	base := handmade()
	h := changeset.Hash(base)
	// Stable across runs: a fixed change set has a fixed hash. (Update the
	// constant only when the hashed encoding changes on purpose: approvals
	// bound to old hashes stop matching.)
	const want = "7339eda526f0860e0964aa33565bc27035650fba2e3a518d35c31d9c629ecf5d"
	if h != want {
		t.Errorf("Hash(handmade) = %s, want %s", h, want)
	}
	if h != changeset.Hash(handmade()) {
		t.Error("Hash is not deterministic")
	}
	if len(h) != 64 {
		t.Errorf("Hash = %q, want 64 hex digits", h)
	}
	same := []struct {
		name   string
		mutate func(*changeset.ChangeSet)
	}{
		{"rationale", func(cs *changeset.ChangeSet) { cs.Rationale = "other words" }},
		{"risk", func(cs *changeset.ChangeSet) { cs.Risk = nil }},
		{"fix order", func(cs *changeset.ChangeSet) { cs.Fixes = []string{"f1"} }},
		{"member order in a policy", func(cs *changeset.ChangeSet) {
			p := cs.Before[projA]
			p.Bindings[1].Members = []string{"user:a@example.com", "user:b@example.com"}
		}},
	}
	for _, tc := range same {
		cs := handmade()
		tc.mutate(&cs)
		if changeset.Hash(cs) != h {
			t.Errorf("changing the %s changes the hash; it is not content", tc.name)
		}
	}
	differ := []struct {
		name   string
		mutate func(*changeset.ChangeSet)
	}{
		{"title", func(cs *changeset.ChangeSet) { cs.Title += "!" }},
		{"a fix", func(cs *changeset.ChangeSet) { cs.Fixes = append(cs.Fixes, "f2") }},
		{"a step's member", func(cs *changeset.ChangeSet) { cs.Steps[2].Member = "user:mallory@example.com" }},
		{"a step's role", func(cs *changeset.ChangeSet) { cs.Steps[2].Role = "roles/owner" }},
		{"a step's condition", func(cs *changeset.ChangeSet) { cs.Steps[3].Condition = nil }},
		{"a step's note", func(cs *changeset.ChangeSet) { cs.Steps[0].Note = "x" }},
		{"step order", func(cs *changeset.ChangeSet) { cs.Steps[1], cs.Steps[2] = cs.Steps[2], cs.Steps[1] }},
		{"a step less", func(cs *changeset.ChangeSet) { cs.Steps = cs.Steps[1:] }},
		{"an etag", func(cs *changeset.ChangeSet) { cs.Etags[projA] = "BwX2" }},
		{"an etag more", func(cs *changeset.ChangeSet) { cs.Etags["//storage.googleapis.com/b"] = "CAE=" }},
		{"the policy planned against", func(cs *changeset.ChangeSet) {
			p := cs.Before[projA]
			p.Bindings[1].Members = append(p.Bindings[1].Members, "user:c@example.com")
		}},
	}
	for _, tc := range differ {
		cs := handmade()
		tc.mutate(&cs)
		if changeset.Hash(cs) == h {
			t.Errorf("changing %s leaves the hash unchanged", tc.name)
		}
	}
}

func TestStepValidate(t *testing.T) {
	svc := runA + "api"
	good := handmade().Steps
	for _, s := range good {
		if err := s.Validate(); err != nil {
			t.Errorf("Validate(%s) = %v", s.Kind, err)
		}
	}
	bad := []changeset.Step{
		{},
		{Kind: "other"},
		{Kind: changeset.KindAddBinding, Resource: projA, Role: "r"},
		{Kind: changeset.KindRemoveBinding, Resource: projA, ResourceType: "t", Role: "r", Member: "m", Condition: &iam.Condition{Title: "no expression"}},
		{Kind: changeset.KindCreateServiceAccount, Project: "p", AccountID: "short"},
		{Kind: changeset.KindCreateServiceAccount, Project: "p", AccountID: "ends-with-hyphen-"},
		{Kind: changeset.KindCreateServiceAccount, AccountID: "valid-id"},
		{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldIngress},
		{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldEnv, EnvName: "X"},
		{Kind: changeset.KindUpdateService, Service: "//run.googleapis.com/projects/p/services/x", Field: changeset.FieldIngress, To: "internal"},
		{Kind: changeset.KindSetPushAuth, Subscription: "s", ServiceAccount: "a"},
		{Kind: changeset.KindSetSchedulerOIDC, Job: "j"},
		{Kind: changeset.KindDeleteKey, Key: "k"},
		{Kind: changeset.KindCreateSecretFromEnv, Project: "p", Service: svc, EnvName: "X", Secret: "bad/secret"},
		{Kind: changeset.KindManual, Text: "  "},
	}
	for _, s := range bad {
		if err := s.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", s)
		}
	}
	if err := (changeset.ChangeSet{}).Validate(); err == nil {
		t.Error("an empty change set validates")
	}
}
