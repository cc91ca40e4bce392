package changeset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/runlens/runlens/internal/iam"
)

// Diff renders a change set as unified diffs: for every IAM policy a step
// touches, the policy as planned against (ChangeSet.Before) and the policy
// after all binding steps on it, both as canonical JSON (bindings sorted by
// role and condition, members sorted), under the resource's name; for the
// other changes, a small before/after JSON of what they set. Manual steps
// are comment lines ("# ").
type Diff struct {
	// NoHeader leaves out the header comments (see BodyRendererFor).
	NoHeader bool
}

// Render writes the diffs for cs.
func (df Diff) Render(w io.Writer, cs ChangeSet) error {
	if err := cs.Validate(); err != nil {
		return err
	}
	var b strings.Builder
	if !df.NoHeader {
		b.WriteString(header(cs, "# "))
	}
	done := map[string]bool{}
	for i, s := range cs.Steps {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(commentLines("# ", fmt.Sprintf("Step %d of %d: %s", i+1, len(cs.Steps), oneLine(Describe(s)))))
		var name string
		var before, after any
		switch s.Kind {
		case KindRemoveBinding, KindAddBinding:
			if done[s.Resource] {
				b.WriteString(commentLines("# ", "(in the diff of "+oneLine(s.Resource)+" above)"))
				continue
			}
			done[s.Resource] = true
			pol := canonicalPolicy(cs.Before[s.Resource])
			etag, known := cs.Etags[s.Resource]
			switch {
			case !known:
				b.WriteString(commentLines("# ", "IAM policy of "+oneLine(s.Resource)+": none in the inventory (shown empty)"))
			case etag == "":
				b.WriteString(commentLines("# ", "IAM policy of "+oneLine(s.Resource)+" as planned against (no etag in the inventory)"))
			default:
				b.WriteString(commentLines("# ", "IAM policy of "+oneLine(s.Resource)+" as planned against, etag "+oneLine(etag)))
			}
			name, before, after = s.Resource, policyDoc(pol), policyDoc(applySteps(pol, s.Resource, cs.Steps))
		case KindUpdateService:
			name = s.Service
			before, after = map[string]string{string(s.Field): s.From}, map[string]string{string(s.Field): s.To}
			if s.Field == FieldEnv {
				before = map[string]string{"env." + s.EnvName: s.From}
				after = map[string]string{"env." + s.EnvName: "secret " + s.To}
			}
		case KindSetPushAuth:
			name = s.Subscription
			before = map[string]any{"pushConfig": map[string]any{"pushEndpoint": s.Endpoint, "oidcToken": oidcDoc(s.From, "")}}
			after = map[string]any{"pushConfig": map[string]any{"pushEndpoint": s.Endpoint, "oidcToken": oidcDoc(s.ServiceAccount, s.Audience)}}
		case KindSetSchedulerOIDC:
			name = s.Job
			before = map[string]any{"httpTarget": map[string]any{"uri": s.Endpoint, "oidcToken": oidcDoc(s.From, "")}}
			after = map[string]any{"httpTarget": map[string]any{"uri": s.Endpoint, "oidcToken": oidcDoc(s.ServiceAccount, s.Audience)}}
		case KindCreateServiceAccount:
			email := s.AccountID + "@" + s.Project + ".iam.gserviceaccount.com"
			name = serviceAccountResource(s.Project, email)
			after = map[string]string{"email": email, "displayName": s.DisplayName}
		case KindCreateSecretFromEnv:
			name = "//secretmanager.googleapis.com/projects/" + s.Project + "/secrets/" + s.Secret
			after = map[string]string{"secret": s.Secret, "replication": "automatic", "value": "(supplied by the operator; runlens never has it)"}
		case KindDeleteKey:
			name = s.Key
			before = map[string]string{"key": s.Key, "serviceAccount": s.ServiceAccount, "keyType": "USER_MANAGED"}
		case KindManual:
			b.WriteString(commentLines("#   ", "MANUAL:\n"+s.Text))
			continue
		}
		d, err := unified(name, before, after)
		if err != nil {
			return fmt.Errorf("changeset: diff: step %d: %w", i+1, err)
		}
		if d == "" {
			b.WriteString(commentLines("# ", "(no change to "+oneLine(name)+" as planned against)"))
		}
		b.WriteString(d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oidcDoc is an OIDC token setting, or nil when none is set.
func oidcDoc(email, audience string) any {
	if email == "" {
		return nil
	}
	m := map[string]string{"serviceAccountEmail": email}
	if audience != "" {
		m["audience"] = audience
	}
	return m
}

// policyDoc is the part of a policy the diff shows: its bindings.
func policyDoc(p iam.Policy) any {
	bs := p.Bindings
	if bs == nil {
		bs = []iam.Binding{}
	}
	return map[string]any{"bindings": bs}
}

// jsonDoc is v as indented JSON with a final newline, "" for nil.
func jsonDoc(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// unified is the unified diff of before and after (as JSON) labelled name.
func unified(name string, before, after any) (string, error) {
	old, err := jsonDoc(before)
	if err != nil {
		return "", err
	}
	cur, err := jsonDoc(after)
	if err != nil {
		return "", err
	}
	label := oneLine(name)
	return udiff.ToUnified(label, label, old, udiff.Lines(old, cur), udiff.DefaultContextLines)
}
