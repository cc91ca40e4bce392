package changeset

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/runlens/runlens/internal/iam"
)

// Gcloud renders a change set as a bash script of gcloud commands.
//
// The script starts with "set -euo pipefail" and stops at the first failing
// command. Every value that comes from the inventory or the plan is an
// argument in single quotes (ShellQuote), and every piece of text is in a
// comment with line breaks removed, so no resource name, label or display
// name can run a command of its own. Creating a service account or a secret
// is idempotent (describe || create); adding a binding is idempotent in
// gcloud itself and retried while a new account propagates; removing a
// binding that is already gone fails, as gcloud does. Manual steps become
// comments.
type Gcloud struct {
	// NoHeader leaves out the header comments (see BodyRendererFor).
	NoHeader bool
}

// gcloudPreamble are the fixed lines every script starts with after its
// header comments.
var gcloudPreamble = []string{
	"set -euo pipefail",
	"",
	"# retry runs a command up to 5 times: a new service account takes a few seconds to be usable in IAM policies.",
	"retry() {",
	"  local n=0",
	`  until "$@"; do`,
	"    n=$((n + 1))",
	`    if [ "$n" -ge 5 ]; then return 1; fi`,
	"    sleep $((n * 5))",
	"  done",
	"}",
}

// Render writes the script for cs.
func (g Gcloud) Render(w io.Writer, cs ChangeSet) error {
	if err := cs.Validate(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("#!/usr/bin/env bash\n")
	if !g.NoHeader {
		b.WriteString(header(cs, "# "))
	}
	b.WriteString(commentLines("# ", "Review every step before running it. Steps run in order; the script stops at the first error.\n"+
		"Removing a binding that is already gone fails: after a partial run, run the remaining steps only."))
	for _, l := range gcloudPreamble {
		b.WriteString(l + "\n")
	}
	for i, s := range cs.Steps {
		b.WriteString("\n")
		b.WriteString(commentLines("# ", fmt.Sprintf("Step %d of %d: %s", i+1, len(cs.Steps), oneLine(Describe(s)))))
		if s.Note != "" {
			b.WriteString(commentLines("#   ", "Why: "+oneLine(s.Note)))
		}
		lines, err := gcloudStep(i+1, s, cs.Before[s.Resource])
		if err != nil {
			return fmt.Errorf("changeset: gcloud: step %d: %w", i+1, err)
		}
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// header is the comment block that opens every rendering: title, the
// findings fixed, the content hash, the etags planned against and the risk.
func header(cs ChangeSet, prefix string) string {
	var b strings.Builder
	// Text from the plan is put on one line each, so that a name with a line
	// break cannot forge a line of its own, even a comment.
	b.WriteString(commentLines(prefix, "runlens change set: "+oneLine(cs.Title)))
	b.WriteString(commentLines(prefix, "Fixes findings: "+oneLine(strings.Join(cs.Fixes, ", "))))
	b.WriteString(commentLines(prefix, "Content hash (sha256): "+Hash(cs)))
	if cs.Manual {
		b.WriteString(commentLines(prefix, "Some steps are manual: they are instructions below, not commands."))
	}
	if cs.Rationale != "" {
		b.WriteString(commentLines(prefix, "Why: "+oneLine(cs.Rationale)))
	}
	if len(cs.Etags) > 0 {
		b.WriteString(commentLines(prefix, "Planned against these IAM policy etags (re-plan if they changed):"))
		for _, k := range sortedKeys(cs.Etags) {
			b.WriteString(commentLines(prefix, "  "+oneLine(k)+" etag "+oneLine(orDefault(cs.Etags[k], "(none in the inventory)"))))
		}
	}
	for _, r := range cs.Risk {
		b.WriteString(commentLines(prefix, "Risk: "+oneLine(r)))
	}
	return b.String()
}

// ShellQuote quotes s as one bash word: inside single quotes, where nothing
// is special, with each ' written as '\” and each control character
// (newline, carriage return, ...) written as $'\xHH' outside the quotes, so
// that every line of a script stays on its own line. A NUL byte cannot be
// part of an argument; it is dropped by bash.
func ShellQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			b.WriteString(`'\''`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `'$'\x%02x''`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// cmd builds one command line: literal words (command and flag names, which
// runlens writes) and quoted values.
type cmd struct{ b strings.Builder }

func newCmd(words string) *cmd {
	c := &cmd{}
	c.b.WriteString(words)
	return c
}

// arg appends a quoted value.
func (c *cmd) arg(v string) *cmd {
	c.b.WriteString(" " + ShellQuote(v))
	return c
}

// flag appends a flag with a quoted value.
func (c *cmd) flag(name, v string) *cmd {
	c.b.WriteString(" " + name + " " + ShellQuote(v))
	return c
}

// lit appends literal words.
func (c *cmd) lit(words string) *cmd {
	c.b.WriteString(" " + words)
	return c
}

func (c *cmd) String() string { return c.b.String() }

var errName = errors.New("cannot read the resource name")

// gcloudStep returns the lines for step n.
func gcloudStep(n int, s Step, before iam.Policy) ([]string, error) {
	if err := noNUL(s); err != nil {
		return nil, err
	}
	switch s.Kind {
	case KindRemoveBinding, KindAddBinding:
		verb := "add-iam-policy-binding"
		if s.Kind == KindRemoveBinding {
			verb = "remove-iam-policy-binding"
		}
		c, err := iamCommand(verb, s, before)
		if err != nil {
			return nil, err
		}
		if s.Kind == KindAddBinding {
			return []string{"retry " + c.String()}, nil
		}
		return []string{c.String()}, nil
	case KindCreateServiceAccount:
		email := s.AccountID + "@" + s.Project + ".iam.gserviceaccount.com"
		describe := newCmd("gcloud iam service-accounts describe").arg(email).flag("--project", s.Project).lit(">/dev/null 2>&1 ||")
		create := newCmd("gcloud iam service-accounts create").arg(s.AccountID).flag("--project", s.Project)
		if s.DisplayName != "" {
			create.flag("--display-name", s.DisplayName)
		}
		return []string{describe.String() + " " + create.String()}, nil
	case KindUpdateService:
		return updateService(s)
	case KindSetPushAuth:
		sub, project := seg(s.Subscription, "subscriptions"), seg(s.Subscription, "projects")
		if sub == "" || project == "" {
			return nil, fmt.Errorf("%w %q", errName, s.Subscription)
		}
		c := newCmd("gcloud pubsub subscriptions update").arg(sub).flag("--project", project).
			flag("--push-endpoint", s.Endpoint).flag("--push-auth-service-account", s.ServiceAccount)
		if s.Audience != "" {
			c.flag("--push-auth-token-audience", s.Audience)
		}
		return []string{"retry " + c.String()}, nil
	case KindSetSchedulerOIDC:
		job, loc, project := seg(s.Job, "jobs"), seg(s.Job, "locations"), seg(s.Job, "projects")
		if job == "" || loc == "" || project == "" {
			return nil, fmt.Errorf("%w %q", errName, s.Job)
		}
		c := newCmd("gcloud scheduler jobs update http").arg(job).flag("--location", loc).flag("--project", project).
			flag("--oidc-service-account-email", s.ServiceAccount)
		if s.Audience != "" {
			c.flag("--oidc-token-audience", s.Audience)
		}
		return []string{"retry " + c.String()}, nil
	case KindDeleteKey:
		key := seg(s.Key, "keys")
		if key == "" {
			key = last(s.Key)
		}
		return []string{newCmd("gcloud iam service-accounts keys delete").arg(key).flag("--iam-account", s.ServiceAccount).lit("--quiet").String()}, nil
	case KindCreateSecretFromEnv:
		v := fmt.Sprintf("RUNLENS_SECRET_VALUE_%d", n)
		describe := newCmd("gcloud secrets describe").arg(s.Secret).flag("--project", s.Project).lit(">/dev/null 2>&1 ||")
		create := newCmd("gcloud secrets create").arg(s.Secret).flag("--project", s.Project).flag("--replication-policy", "automatic")
		add := newCmd("gcloud secrets versions add").arg(s.Secret).flag("--project", s.Project).lit("--data-file=-")
		return []string{
			"# runlens does not have the value: export " + v + " with the value to store (the current value of the variable, or its rotated replacement).",
			describe.String() + " " + create.String(),
			fmt.Sprintf(`printf '%%s' "${%s:?set %s to the value to store}" | %s`, v, v, add.String()),
		}, nil
	case KindManual:
		return strings.Split(strings.TrimSuffix(commentLines("#   ", "MANUAL, not run by this script:\n"+s.Text), "\n"), "\n"), nil
	}
	return nil, fmt.Errorf("unknown step kind %q", s.Kind)
}

// noNUL refuses steps with NUL bytes, which no command argument can carry.
func noNUL(s Step) error {
	for _, v := range []string{s.Resource, s.ResourceType, s.Role, s.Member, s.Project, s.AccountID, s.DisplayName, s.Service, s.From, s.To,
		s.Container, s.Subscription, s.Job, s.Endpoint, s.ServiceAccount, s.Audience, s.Key, s.Secret, s.EnvName} {
		if strings.IndexByte(v, 0) >= 0 {
			return errors.New("a value contains a NUL byte")
		}
	}
	if s.Condition != nil && strings.ContainsRune(s.Condition.Expression+s.Condition.Title+s.Condition.Description, 0) {
		return errors.New("a condition contains a NUL byte")
	}
	return nil
}

// iamCommand returns the gcloud add/remove-iam-policy-binding command for a
// binding step.
func iamCommand(verb string, s Step, before iam.Policy) (*cmd, error) {
	r := s.Resource
	need := func(vals ...string) error {
		for _, v := range vals {
			if v == "" {
				return fmt.Errorf("%w %q", errName, r)
			}
		}
		return nil
	}
	var c *cmd
	switch s.ResourceType {
	case typeRunService, typeRunJob:
		rn, ok := parseRunName(r)
		if !ok {
			return nil, fmt.Errorf("%w %q", errName, r)
		}
		group := "services"
		if rn.Job {
			group = "jobs"
		}
		c = newCmd("gcloud run "+group+" "+verb).arg(rn.Name).flag("--region", rn.Region).flag("--project", rn.Project)
	case typeProject:
		p := seg(r, "projects")
		if err := need(p); err != nil {
			return nil, err
		}
		c = newCmd("gcloud projects " + verb).arg(p)
	case typeFolder:
		f := seg(r, "folders")
		if err := need(f); err != nil {
			return nil, err
		}
		c = newCmd("gcloud resource-manager folders " + verb).arg(f)
	case typeOrganization:
		o := seg(r, "organizations")
		if err := need(o); err != nil {
			return nil, err
		}
		c = newCmd("gcloud organizations " + verb).arg(o)
	case typeBucket:
		b := bucketName(r)
		if err := need(b); err != nil {
			return nil, err
		}
		c = newCmd("gcloud storage buckets " + verb).arg("gs://" + b)
	case typeSecret:
		sec, p := seg(r, "secrets"), seg(r, "projects")
		if err := need(sec, p); err != nil {
			return nil, err
		}
		c = newCmd("gcloud secrets "+verb).arg(sec).flag("--project", p)
	case typeTopic:
		t, p := seg(r, "topics"), seg(r, "projects")
		if err := need(t, p); err != nil {
			return nil, err
		}
		c = newCmd("gcloud pubsub topics "+verb).arg(t).flag("--project", p)
	case typeSubscription:
		sub, p := seg(r, "subscriptions"), seg(r, "projects")
		if err := need(sub, p); err != nil {
			return nil, err
		}
		c = newCmd("gcloud pubsub subscriptions "+verb).arg(sub).flag("--project", p)
	case typeCryptoKey:
		k, kr, loc, p := seg(r, "cryptoKeys"), seg(r, "keyRings"), seg(r, "locations"), seg(r, "projects")
		if err := need(k, kr, loc, p); err != nil {
			return nil, err
		}
		c = newCmd("gcloud kms keys "+verb).arg(k).flag("--keyring", kr).flag("--location", loc).flag("--project", p)
	case typeKeyRing:
		kr, loc, p := seg(r, "keyRings"), seg(r, "locations"), seg(r, "projects")
		if err := need(kr, loc, p); err != nil {
			return nil, err
		}
		c = newCmd("gcloud kms keyrings "+verb).arg(kr).flag("--location", loc).flag("--project", p)
	case typeServiceAccount:
		sa, p := seg(r, "serviceAccounts"), seg(r, "projects")
		if err := need(sa); err != nil {
			return nil, err
		}
		c = newCmd("gcloud iam service-accounts " + verb).arg(sa)
		if p != "" && p != "-" {
			c.flag("--project", p)
		}
	default:
		return nil, fmt.Errorf("no gcloud command for IAM policies of %q", s.ResourceType)
	}
	c.flag("--member", s.Member).flag("--role", s.Role)
	switch {
	case s.Condition != nil:
		v, err := conditionArg(*s.Condition)
		if err != nil {
			return nil, err
		}
		c.flag("--condition", v)
	case hasConditions(before):
		// gcloud refuses to guess between conditional and unconditional
		// bindings without a terminal: say which.
		c.flag("--condition", "None")
	}
	return c, nil
}

// conditionArg writes a condition as gcloud's KEY=VALUE list, switching the
// list delimiter (gcloud topic escaping: "^D^...") to a character that occurs
// in no value.
func conditionArg(c iam.Condition) (string, error) {
	kv := []string{"expression=" + c.Expression, "title=" + c.Title}
	if c.Description != "" {
		kv = append(kv, "description="+c.Description)
	}
	all := strings.Join(kv, "")
	for _, d := range []string{",", ";", "|", "~", "@", "#", "!", "%", "+", ":", "&", "*"} {
		if strings.Contains(all, d) {
			continue
		}
		s := strings.Join(kv, d)
		if d != "," {
			s = "^" + d + "^" + s
		}
		return s, nil
	}
	return "", errors.New("the condition uses every delimiter gcloud can be given; apply it with --condition-from-file or Terraform")
}

// updateService returns the gcloud run services|jobs update command.
func updateService(s Step) ([]string, error) {
	r, ok := parseRunName(s.Service)
	if !ok {
		return nil, fmt.Errorf("%w %q", errName, s.Service)
	}
	group := "services"
	if r.Job {
		group = "jobs"
	}
	c := newCmd("gcloud run "+group+" update").arg(r.Name).flag("--region", r.Region).flag("--project", r.Project)
	switch s.Field {
	case FieldServiceAccount:
		c.flag("--service-account", s.To)
	case FieldIngress:
		if r.Job {
			return nil, errors.New("jobs have no ingress setting")
		}
		switch s.To {
		case "all", "internal", "internal-and-cloud-load-balancing":
		default:
			return nil, fmt.Errorf("ingress %q is not all, internal or internal-and-cloud-load-balancing", s.To)
		}
		c.flag("--ingress", s.To)
	case FieldInvokerIAMDisabled:
		if r.Job {
			return nil, errors.New("jobs have no invoker IAM check setting")
		}
		switch s.To {
		case "false":
			c.lit("--invoker-iam-check")
		case "true":
			c.lit("--no-invoker-iam-check")
		default:
			return nil, fmt.Errorf("invokerIamDisabled %q is not true or false", s.To)
		}
	case FieldBinaryAuthorization:
		if s.To == "" {
			c.lit("--clear-binary-authorization")
		} else {
			c.flag("--binary-authorization", s.To)
		}
	case FieldEnv:
		if strings.ContainsAny(s.EnvName, "=,") || strings.ContainsAny(s.Secret, "=,:") {
			return nil, fmt.Errorf("env var %q or secret %q cannot be written as a gcloud KEY=VALUE list", s.EnvName, s.Secret)
		}
		ref := s.To
		if ref == "" {
			ref = s.Secret + ":latest"
		}
		if strings.ContainsAny(ref, "=,") {
			return nil, fmt.Errorf("secret reference %q cannot be written as a gcloud KEY=VALUE list", ref)
		}
		if s.Container != "" {
			c.flag("--container", s.Container)
		}
		c.flag("--remove-env-vars", s.EnvName).flag("--update-secrets", s.EnvName+"="+ref)
	default:
		return nil, fmt.Errorf("unknown field %q", s.Field)
	}
	return []string{c.String()}, nil
}
