package changeset

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Renderer writes a change set in one export format.
type Renderer interface {
	Render(w io.Writer, cs ChangeSet) error
}

// Formats lists the names RendererFor accepts, in display order.
// "rollback" is the reverse of the change set (Rollback), as a gcloud
// script.
func Formats() []string { return []string{"gcloud", "terraform", "diff", "rollback"} }

// RendererFor returns the renderer of a format named by Formats.
func RendererFor(name string) (Renderer, error) {
	switch name {
	case "gcloud":
		return Gcloud{}, nil
	case "terraform":
		return Terraform{}, nil
	case "diff":
		return Diff{}, nil
	case "rollback":
		return RollbackRenderer{}, nil
	}
	return nil, fmt.Errorf("changeset: unknown format %q (want one of %s)", name, strings.Join(Formats(), ", "))
}

// BodyRendererFor returns the renderer of a format named by Formats that
// leaves out the comment header (title, findings fixed, content hash, why,
// etags planned against, risk): for a page that shows those once itself
// above the renderings. Downloaded files use RendererFor and keep it.
func BodyRendererFor(name string) (Renderer, error) {
	switch name {
	case "gcloud":
		return Gcloud{NoHeader: true}, nil
	case "terraform":
		return Terraform{NoHeader: true}, nil
	case "diff":
		return Diff{NoHeader: true}, nil
	case "rollback":
		return RollbackRenderer{NoHeader: true}, nil
	}
	return RendererFor(name)
}

// oneLine makes text safe for a single line of a comment or a diff label:
// control characters (newlines included) become "?", so nothing from the
// inventory can start a line of its own.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == unicode.ReplacementChar {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// commentLines returns text as comment lines with the given prefix ("# "),
// one per line of text, each made safe with oneLine.
func commentLines(prefix, text string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		b.WriteString(strings.TrimRight(prefix+oneLine(l), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Describe says in one line what a step does, for comments and lists.
func Describe(s Step) string {
	switch s.Kind {
	case KindRemoveBinding:
		return fmt.Sprintf("remove %s from %s on %s%s", s.Role, s.Member, s.Resource, condSuffix(s))
	case KindAddBinding:
		return fmt.Sprintf("grant %s to %s on %s%s", s.Role, s.Member, s.Resource, condSuffix(s))
	case KindCreateServiceAccount:
		return fmt.Sprintf("create service account %s@%s.iam.gserviceaccount.com", s.AccountID, s.Project)
	case KindUpdateService:
		if s.Field == FieldEnv {
			return fmt.Sprintf("set env var %s of %s from the secret %s instead of a literal value", s.EnvName, s.Service, s.To)
		}
		from := s.From
		if from == "" {
			from = "(not set)"
		}
		to := s.To
		if to == "" {
			to = "(not set)"
		}
		return fmt.Sprintf("set %s of %s: %s -> %s", s.Field, s.Service, from, to)
	case KindSetPushAuth:
		return fmt.Sprintf("push from %s with an OIDC token of %s (audience %s)", s.Subscription, s.ServiceAccount, orDefault(s.Audience, "the push endpoint"))
	case KindSetSchedulerOIDC:
		return fmt.Sprintf("call from Scheduler job %s with an OIDC token of %s (audience %s)", s.Job, s.ServiceAccount, orDefault(s.Audience, "the target URI"))
	case KindDeleteKey:
		return fmt.Sprintf("delete key %s of %s", s.Key, s.ServiceAccount)
	case KindCreateSecretFromEnv:
		return fmt.Sprintf("create secret %s in project %s for env var %s of %s; the operator supplies the value", s.Secret, s.Project, s.EnvName, s.Service)
	case KindManual:
		return "manual step"
	}
	return string(s.Kind)
}

func condSuffix(s Step) string {
	if s.Condition == nil {
		return ""
	}
	return fmt.Sprintf(" (condition %q: %s)", s.Condition.Title, s.Condition.Expression)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
