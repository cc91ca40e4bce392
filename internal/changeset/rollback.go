package changeset

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/runlens/runlens/internal/iam"
)

// Rollback returns the reverse of cs: the steps that put back what cs
// changes, last first — grants removed again, removed bindings granted
// again with their conditions, each workload's previous service account,
// ingress and settings, each push subscription's and Scheduler job's
// previous identity. What cannot be undone is a manual step saying so: a
// deleted key, a literal env value runlens never kept, an account or
// secret created (left in place, holding nothing once its grants are
// removed).
//
// Its policies before (for the diff rendering) are cs's policies after,
// computed from cs's own: a rollback needs no inventory, so an applied
// change set's content (which keeps the policies it was planned against)
// is all it takes. It has no etags: apply reads the policies as they are
// then. It fixes no finding.
func Rollback(cs ChangeSet) ChangeSet {
	rb := ChangeSet{
		Title:     "Roll back: " + cs.Title,
		Rationale: "Puts back what the change set “" + cs.Title + "” changed, as it was when that change set was planned.",
		Fixes:     []string{},
	}
	for i := len(cs.Steps) - 1; i >= 0; i-- {
		s := cs.Steps[i]
		n := i + 1
		switch s.Kind {
		case KindAddBinding, KindRemoveBinding:
			// Only what the step changed: a grant that was already there
			// (or a removal of one that was not) is no change to undo.
			if before, ok := cs.Before[s.Resource]; ok && holds(applySteps(before, s.Resource, cs.Steps[:i]), s) == (s.Kind == KindAddBinding) {
				continue
			}
			r := s
			if s.Kind == KindAddBinding {
				r.Kind, r.Note = KindRemoveBinding, fmt.Sprintf("undoes step %d: the grant it made", n)
			} else {
				r.Kind, r.Note = KindAddBinding, fmt.Sprintf("undoes step %d: the binding as it was", n)
			}
			rb.Steps = append(rb.Steps, r)
		case KindUpdateService:
			if s.Field == FieldEnv {
				rb.Steps = append(rb.Steps, Step{Kind: KindManual, Text: fmt.Sprintf(
					"Step %d moved env var %s of %s to the secret %s. runlens never keeps a literal value, so it cannot put the old one back: to undo, set %s again from your own records (its value is in the secret).",
					n, s.EnvName, oneLine(s.Service), s.To, s.EnvName)})
				continue
			}
			r := s
			r.From, r.To = s.To, s.From
			r.Note = fmt.Sprintf("undoes step %d: %s as it was", n, s.Field)
			if r.To == "" && (s.Field == FieldServiceAccount || s.Field == FieldIngress || s.Field == FieldInvokerIAMDisabled) {
				rb.Steps = append(rb.Steps, Step{Kind: KindManual, Text: fmt.Sprintf("Step %d set %s of %s, which was not set before: to undo, clear it (the API default applies).", n, s.Field, oneLine(s.Service))})
				continue
			}
			rb.Steps = append(rb.Steps, r)
		case KindSetPushAuth, KindSetSchedulerOIDC:
			if s.From == "" {
				what := "push subscription " + oneLine(s.Subscription)
				if s.Kind == KindSetSchedulerOIDC {
					what = "Scheduler job " + oneLine(s.Job)
				}
				rb.Steps = append(rb.Steps, Step{Kind: KindManual, Text: fmt.Sprintf(
					"Step %d made %s send an OIDC token of %s; it sent none before. To undo, remove its OIDC token (the receiver will then get unauthenticated requests, which is what the change set fixed).", n, what, s.ServiceAccount)})
				continue
			}
			r := s
			r.ServiceAccount, r.From = s.From, s.ServiceAccount
			r.Note = fmt.Sprintf("undoes step %d: the identity it sent before", n)
			rb.Steps = append(rb.Steps, r)
		case KindDeleteKey:
			rb.Steps = append(rb.Steps, Step{Kind: KindManual, Text: fmt.Sprintf(
				"Step %d deleted key %s of %s. A deleted key cannot be restored: if a caller truly needs one, create a new key (and prefer Workload Identity Federation).", n, oneLine(s.Key), s.ServiceAccount)})
		case KindCreateServiceAccount:
			rb.Steps = append(rb.Steps, Step{Kind: KindManual, Text: fmt.Sprintf(
				"Step %d created service account %s@%s.iam.gserviceaccount.com. It is left in place: it holds nothing once the grants above are removed. Delete it (gcloud iam service-accounts delete) once nothing runs as it.", n, s.AccountID, s.Project)})
		case KindCreateSecretFromEnv:
			rb.Steps = append(rb.Steps, Step{Kind: KindManual, Text: fmt.Sprintf(
				"Step %d created secret %s in project %s. It is left in place; delete it once %s no longer reads it.", n, s.Secret, s.Project, oneLine(s.Service))})
		case KindManual:
			rb.Steps = append(rb.Steps, Step{Kind: KindManual, Text: fmt.Sprintf("Step %d was manual: undo by hand whatever was done for it.", n)})
		}
	}
	if len(rb.Steps) == 0 {
		rb.Steps = append(rb.Steps, Step{Kind: KindManual, Text: "Nothing to undo: every step of the change set left things as they were (a grant already held, a removal of what was not there)."})
	}
	for _, s := range rb.Steps {
		if s.Kind == KindManual {
			rb.Manual = true
		}
	}
	if len(cs.Before) > 0 {
		rb.Before = make(map[string]iam.Policy, len(cs.Before))
		for _, res := range slices.Sorted(maps.Keys(cs.Before)) {
			rb.Before[res] = applySteps(cs.Before[res], res, cs.Steps)
		}
	}
	return rb
}

// holds reports whether policy p grants s.Role to s.Member under s's
// condition.
func holds(p iam.Policy, s Step) bool {
	for _, b := range p.Bindings {
		if b.Role == s.Role && sameCondition(b.Condition, s.Condition) && slices.Contains(b.Members, s.Member) {
			return true
		}
	}
	return false
}

// Only returns cs reduced to the steps numbered in steps (1-based, as an
// apply reports what it did), in their order: the part of a change set that
// was carried out, for its rollback.
func Only(cs ChangeSet, steps []int) ChangeSet {
	out := cs
	out.Steps = nil
	for i, s := range cs.Steps {
		for _, n := range steps {
			if n == i+1 {
				out.Steps = append(out.Steps, s)
				break
			}
		}
	}
	return out
}

// RollbackRenderer renders the rollback of a change set as a gcloud script:
// the format "rollback" of RendererFor.
type RollbackRenderer struct{ NoHeader bool }

// Render writes the reverse of cs as a gcloud script.
func (r RollbackRenderer) Render(w io.Writer, cs ChangeSet) error {
	return Gcloud{NoHeader: r.NoHeader}.Render(w, Rollback(cs))
}
