package changeset

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Terraform renders a change set as Terraform configuration for the google
// provider (>= 5), written with hclwrite, never by concatenating HCL.
//
// What Terraform can express on its own becomes resources: new service
// accounts and secrets, and grants as additive google_*_iam_member
// resources. Changes to objects that already exist (a Cloud Run service's
// identity or ingress, a subscription's push identity) become resource
// blocks holding only the changed attributes, with a comment that they must
// be merged into the resource that manages the object, or the object
// imported first: runlens does not see your configuration. Removing one
// member from a binding Terraform does not manage, and deleting a key, cannot
// be expressed in isolation: those steps are comments saying what to change
// in your configuration instead.
type Terraform struct {
	// NoHeader leaves out the header comments (see BodyRendererFor).
	NoHeader bool
}

type tfRenderer struct {
	body     *hclwrite.Body
	labels   map[string]bool
	accounts map[string]string // email of a created account -> resource label
	secrets  map[string]string // project/secret of a created secret -> resource label
	services map[string]*hclwrite.Block
	// containers are the containers blocks written, by service and name.
	containers map[string]*hclwrite.Body
}

// Render writes the configuration for cs.
func (tf Terraform) Render(w io.Writer, cs ChangeSet) error {
	if err := cs.Validate(); err != nil {
		return err
	}
	f := hclwrite.NewEmptyFile()
	t := &tfRenderer{body: f.Body(), labels: map[string]bool{}, accounts: map[string]string{}, secrets: map[string]string{}, services: map[string]*hclwrite.Block{}, containers: map[string]*hclwrite.Body{}}
	if !tf.NoHeader {
		t.comment(header(cs, ""))
	}
	t.comment("For the google provider >= 5. runlens does not see your Terraform configuration: merge these blocks into it. " +
		"Blocks that change an existing object list only the changed attributes; they are not complete resources.")
	for i, s := range cs.Steps {
		t.body.AppendNewline()
		t.commentf("Step %d of %d: %s", i+1, len(cs.Steps), oneLine(Describe(s)))
		if s.Note != "" {
			t.comment("Why: " + oneLine(s.Note))
		}
		if err := t.step(s); err != nil {
			return fmt.Errorf("changeset: terraform: step %d: %w", i+1, err)
		}
	}
	_, err := w.Write(f.Bytes())
	return err
}

// comment appends text as comment lines.
// commentf appends a formatted comment whose string arguments (names from
// the inventory) are put on one line each.
func (t *tfRenderer) commentf(format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = oneLine(s)
		}
	}
	t.comment(fmt.Sprintf(format, args...))
}

func (t *tfRenderer) comment(text string) {
	var toks hclwrite.Tokens
	for _, l := range strings.Split(strings.TrimSuffix(commentLines("# ", text), "\n"), "\n") {
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte(l + "\n")})
	}
	t.body.AppendUnstructuredTokens(toks)
}

// label returns a unique resource label derived from base.
func (t *tfRenderer) label(base string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	l := strings.Trim(b.String(), "_")
	for strings.Contains(l, "__") {
		l = strings.ReplaceAll(l, "__", "_")
	}
	if len(l) > 60 {
		l = strings.TrimRight(l[:50], "_") + "_" + shortHash(base)
	}
	if l == "" || l[0] >= '0' && l[0] <= '9' {
		l = "r_" + l
	}
	out := l
	for i := 2; t.labels[out]; i++ {
		out = l + "_" + strconv.Itoa(i)
	}
	t.labels[out] = true
	return out
}

func ref(parts ...string) hcl.Traversal {
	tr := hcl.Traversal{hcl.TraverseRoot{Name: parts[0]}}
	for _, p := range parts[1:] {
		tr = append(tr, hcl.TraverseAttr{Name: p})
	}
	return tr
}

// setString sets a string attribute.
func setString(b *hclwrite.Body, name, v string) { b.SetAttributeValue(name, cty.StringVal(v)) }

// setEmail sets an attribute to a service account email, referring to the
// account when this change set creates it.
func (t *tfRenderer) setEmail(b *hclwrite.Body, name, email string) {
	if l, ok := t.accounts[strings.ToLower(email)]; ok {
		b.SetAttributeTraversal(name, ref("google_service_account", l, "email"))
		return
	}
	setString(b, name, email)
}

// setMember sets the member attribute, referring to a created account.
func (t *tfRenderer) setMember(b *hclwrite.Body, member string) {
	if email, ok := strings.CutPrefix(member, "serviceAccount:"); ok {
		if l, ok := t.accounts[strings.ToLower(email)]; ok {
			b.SetAttributeTraversal("member", ref("google_service_account", l, "member"))
			return
		}
	}
	setString(b, "member", member)
}

// iamResource is the google_*_iam_member resource type managing a binding
// of a resource type, and a function setting the attributes naming the
// resource.
func (t *tfRenderer) iamResource(s Step) (string, func(*hclwrite.Body), error) {
	r := s.Resource
	bad := fmt.Errorf("%w %q", errName, r)
	switch s.ResourceType {
	case typeRunService, typeRunJob:
		rn, ok := parseRunName(r)
		if !ok {
			return "", nil, bad
		}
		typ := "google_cloud_run_v2_service_iam_member"
		if rn.Job {
			typ = "google_cloud_run_v2_job_iam_member"
		}
		return typ, func(b *hclwrite.Body) {
			setString(b, "project", rn.Project)
			setString(b, "location", rn.Region)
			setString(b, "name", rn.Name)
		}, nil
	case typeProject:
		p := seg(r, "projects")
		if s.Project != "" && !isNumber(s.Project) {
			p = s.Project
		}
		if p == "" {
			return "", nil, bad
		}
		return "google_project_iam_member", func(b *hclwrite.Body) { setString(b, "project", p) }, nil
	case typeFolder:
		f := seg(r, "folders")
		if f == "" {
			return "", nil, bad
		}
		return "google_folder_iam_member", func(b *hclwrite.Body) { setString(b, "folder", "folders/"+f) }, nil
	case typeOrganization:
		o := seg(r, "organizations")
		if o == "" {
			return "", nil, bad
		}
		return "google_organization_iam_member", func(b *hclwrite.Body) { setString(b, "org_id", o) }, nil
	case typeBucket:
		bk := bucketName(r)
		if bk == "" {
			return "", nil, bad
		}
		return "google_storage_bucket_iam_member", func(b *hclwrite.Body) { setString(b, "bucket", bk) }, nil
	case typeSecret:
		sec, p := seg(r, "secrets"), seg(r, "projects")
		if sec == "" || p == "" {
			return "", nil, bad
		}
		return "google_secret_manager_secret_iam_member", func(b *hclwrite.Body) {
			if l, ok := t.secretLabel(sec); ok {
				b.SetAttributeTraversal("project", ref("google_secret_manager_secret", l, "project"))
				b.SetAttributeTraversal("secret_id", ref("google_secret_manager_secret", l, "secret_id"))
				return
			}
			setString(b, "project", p)
			setString(b, "secret_id", sec)
		}, nil
	case typeTopic:
		tp, p := seg(r, "topics"), seg(r, "projects")
		if tp == "" || p == "" {
			return "", nil, bad
		}
		return "google_pubsub_topic_iam_member", func(b *hclwrite.Body) { setString(b, "project", p); setString(b, "topic", tp) }, nil
	case typeSubscription:
		sub, p := seg(r, "subscriptions"), seg(r, "projects")
		if sub == "" || p == "" {
			return "", nil, bad
		}
		return "google_pubsub_subscription_iam_member", func(b *hclwrite.Body) { setString(b, "project", p); setString(b, "subscription", sub) }, nil
	case typeCryptoKey:
		id := strings.TrimPrefix(r, "//cloudkms.googleapis.com/")
		if seg(r, "cryptoKeys") == "" {
			return "", nil, bad
		}
		return "google_kms_crypto_key_iam_member", func(b *hclwrite.Body) { setString(b, "crypto_key_id", id) }, nil
	case typeKeyRing:
		id := strings.TrimPrefix(r, "//cloudkms.googleapis.com/")
		if seg(r, "keyRings") == "" {
			return "", nil, bad
		}
		return "google_kms_key_ring_iam_member", func(b *hclwrite.Body) { setString(b, "key_ring_id", id) }, nil
	case typeServiceAccount:
		sa, p := seg(r, "serviceAccounts"), seg(r, "projects")
		if sa == "" {
			return "", nil, bad
		}
		return "google_service_account_iam_member", func(b *hclwrite.Body) {
			if l, ok := t.accounts[strings.ToLower(sa)]; ok {
				b.SetAttributeTraversal("service_account_id", ref("google_service_account", l, "name"))
				return
			}
			setString(b, "service_account_id", "projects/"+orDefault(p, "-")+"/serviceAccounts/"+sa)
		}, nil
	}
	return "", nil, fmt.Errorf("no Terraform resource for IAM policies of %q", s.ResourceType)
}

func (t *tfRenderer) step(s Step) error {
	switch s.Kind {
	case KindCreateServiceAccount:
		l := t.label(s.AccountID)
		b := t.body.AppendNewBlock("resource", []string{"google_service_account", l}).Body()
		setString(b, "project", s.Project)
		setString(b, "account_id", s.AccountID)
		if s.DisplayName != "" {
			setString(b, "display_name", s.DisplayName)
		}
		t.accounts[strings.ToLower(s.AccountID+"@"+s.Project+".iam.gserviceaccount.com")] = l
	case KindAddBinding:
		typ, naming, err := t.iamResource(s)
		if err != nil {
			return err
		}
		base := last(s.Resource)
		if s.ResourceType == typeProject && s.Project != "" && !isNumber(s.Project) {
			base = s.Project
		}
		b := t.body.AppendNewBlock("resource", []string{typ, t.label(base + "_" + roleShort(s.Role))}).Body()
		naming(b)
		setString(b, "role", s.Role)
		t.setMember(b, s.Member)
		if c := s.Condition; c != nil {
			cb := b.AppendNewBlock("condition", nil).Body()
			setString(cb, "title", c.Title)
			setString(cb, "expression", c.Expression)
			if c.Description != "" {
				setString(cb, "description", c.Description)
			}
		}
	case KindRemoveBinding:
		typ, _, err := t.iamResource(s)
		if err != nil {
			return err
		}
		if declared, _, ok := addressParts(s.Address); ok {
			switch {
			case strings.HasSuffix(declared, "_iam_member"):
				t.commentf("Delete resource %s from your configuration: terraform apply then removes the grant of %s to %s.", s.Address, s.Role, s.Member)
			case strings.HasSuffix(declared, "_iam_binding"):
				t.commentf("In %s (role %s), take %s out of members.", s.Address, s.Role, s.Member)
			default:
				t.commentf("In %s, take %s out of the members of role %s in policy_data.", s.Address, s.Member, s.Role)
			}
			return nil
		}
		binding := strings.TrimSuffix(typ, "_member") + "_binding"
		policy := strings.TrimSuffix(typ, "_member") + "_policy"
		t.commentf("Terraform cannot remove one member from a binding it does not manage, so this step is not a resource. "+
			"If your configuration grants it with a %s resource, delete that resource (terraform apply then removes the grant). "+
			"If an authoritative %s or %s manages role %s on this resource, take %s out of its members. "+
			"If Terraform does not manage it, apply this step with the gcloud rendering. "+
			"(A removed block would only make Terraform forget the grant, not remove it.)", typ, binding, policy, s.Role, s.Member)
	case KindUpdateService:
		return t.updateService(s)
	case KindSetPushAuth:
		sub, p := seg(s.Subscription, "subscriptions"), seg(s.Subscription, "projects")
		if sub == "" || p == "" {
			return fmt.Errorf("%w %q", errName, s.Subscription)
		}
		l := t.label(sub)
		if _, name, ok := addressParts(s.Address); ok {
			l = name
			t.commentf("Set push_config in %s (this plan declares it); topic and the other attributes stay as they are.", s.Address)
		} else {
			t.commentf("Merge into the google_pubsub_subscription that manages %s, or import it first: terraform import google_pubsub_subscription.%s projects/%s/subscriptions/%s. Only push_config is shown; topic and the other attributes must stay as they are.", sub, l, p, sub)
		}
		b := t.body.AppendNewBlock("resource", []string{"google_pubsub_subscription", l}).Body()
		setString(b, "project", p)
		setString(b, "name", sub)
		pc := b.AppendNewBlock("push_config", nil).Body()
		setString(pc, "push_endpoint", s.Endpoint)
		oc := pc.AppendNewBlock("oidc_token", nil).Body()
		t.setEmail(oc, "service_account_email", s.ServiceAccount)
		if s.Audience != "" {
			setString(oc, "audience", s.Audience)
		}
	case KindSetSchedulerOIDC:
		job, loc, p := seg(s.Job, "jobs"), seg(s.Job, "locations"), seg(s.Job, "projects")
		if job == "" || loc == "" || p == "" {
			return fmt.Errorf("%w %q", errName, s.Job)
		}
		l := t.label(job)
		if _, name, ok := addressParts(s.Address); ok {
			l = name
			t.commentf("Set the OIDC token of http_target in %s (this plan declares it); keep schedule and the rest as they are.", s.Address)
		} else {
			t.commentf("Merge into the google_cloud_scheduler_job that manages %s, or import it first: terraform import google_cloud_scheduler_job.%s projects/%s/locations/%s/jobs/%s. Only the OIDC token of http_target is new; keep schedule and the rest as they are.", job, l, p, loc, job)
		}
		b := t.body.AppendNewBlock("resource", []string{"google_cloud_scheduler_job", l}).Body()
		setString(b, "project", p)
		setString(b, "region", loc)
		setString(b, "name", job)
		ht := b.AppendNewBlock("http_target", nil).Body()
		setString(ht, "uri", s.Endpoint)
		oc := ht.AppendNewBlock("oidc_token", nil).Body()
		t.setEmail(oc, "service_account_email", s.ServiceAccount)
		if s.Audience != "" {
			setString(oc, "audience", s.Audience)
		}
	case KindDeleteKey:
		t.comment("Keys are credentials, best kept out of Terraform state. If your configuration creates this key with a google_service_account_key resource, delete that resource; otherwise delete the key with the gcloud rendering.")
	case KindCreateSecretFromEnv:
		l := t.label(s.Secret)
		b := t.body.AppendNewBlock("resource", []string{"google_secret_manager_secret", l}).Body()
		setString(b, "project", s.Project)
		setString(b, "secret_id", s.Secret)
		b.AppendNewBlock("replication", nil).Body().AppendNewBlock("auto", nil)
		t.secrets[s.Project+"/"+s.Secret] = l
		t.commentf("The value is not in Terraform on purpose (it would land in state): add it with gcloud secrets versions add %s --data-file=- (see the gcloud rendering).", s.Secret)
	case KindManual:
		t.comment("MANUAL, not expressed in Terraform:\n" + s.Text)
	default:
		return fmt.Errorf("unknown step kind %q", s.Kind)
	}
	return nil
}

// roleShort is the role's last name segment ("roles/run.invoker" -> "run_invoker").
func roleShort(role string) string { return strings.ReplaceAll(last(role), ".", "_") }

var tfIngress = map[string]string{
	"all":                               "INGRESS_TRAFFIC_ALL",
	"internal":                          "INGRESS_TRAFFIC_INTERNAL_ONLY",
	"internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
}

// child returns the first nested block of type typ in b, creating it.
func child(b *hclwrite.Body, typ string) *hclwrite.Body {
	if blk := b.FirstMatchingBlock(typ, nil); blk != nil {
		return blk.Body()
	}
	return b.AppendNewBlock(typ, nil).Body()
}

// updateService adds the changed attribute to the (one per service or job)
// google_cloud_run_v2_service or _job block.
func (t *tfRenderer) updateService(s Step) error {
	r, ok := parseRunName(s.Service)
	if !ok {
		return fmt.Errorf("%w %q", errName, s.Service)
	}
	typ, kind := "google_cloud_run_v2_service", "services"
	if r.Job {
		typ, kind = "google_cloud_run_v2_job", "jobs"
	}
	blk, ok := t.services[s.Service]
	if declared, name, isAddr := addressParts(s.Address); !ok && isAddr {
		if declared != typ {
			// A google_cloud_run_service (v1) spells these attributes
			// otherwise: say what to change, in words.
			t.commentf("In %s, change %s from %s to %s.", s.Address, s.Field, orNone(s.From), orNone(s.To))
			return nil
		}
		t.commentf("Set the attributes below in %s (this plan declares it). This block lists only what changes (later steps add to it): it is not a complete resource.", s.Address)
		blk = t.body.AppendNewBlock("resource", []string{typ, name})
		t.services[s.Service] = blk
		ok = true
	}
	if !ok {
		l := t.label(r.Name)
		t.commentf("Edit the existing %s that manages %s to set the attributes below, or import it first: terraform import %s.%s projects/%s/locations/%s/%s/%s. "+
			"This block lists only what changes (later steps add to it): it is not a complete resource.", typ, r.Name, typ, l, r.Project, r.Region, kind, r.Name)
		blk = t.body.AppendNewBlock("resource", []string{typ, l})
		b := blk.Body()
		setString(b, "project", r.Project)
		setString(b, "location", r.Region)
		setString(b, "name", r.Name)
		t.services[s.Service] = blk
	} else {
		t.commentf("Added to the %s block for %s above.", typ, r.Name)
	}
	b := blk.Body()
	template := func() *hclwrite.Body {
		tb := child(b, "template")
		if r.Job {
			tb = child(tb, "template")
		}
		return tb
	}
	switch s.Field {
	case FieldServiceAccount:
		t.setEmail(template(), "service_account", s.To)
	case FieldIngress:
		v, ok := tfIngress[s.To]
		if !ok || r.Job {
			return fmt.Errorf("ingress %q cannot be set on %s", s.To, s.Service)
		}
		setString(b, "ingress", v)
	case FieldInvokerIAMDisabled:
		v, err := strconv.ParseBool(s.To)
		if err != nil || r.Job {
			return fmt.Errorf("invokerIamDisabled %q cannot be set on %s", s.To, s.Service)
		}
		b.SetAttributeValue("invoker_iam_disabled", cty.BoolVal(v))
	case FieldBinaryAuthorization:
		ba := child(b, "binary_authorization")
		switch s.To {
		case "":
			b.RemoveBlock(b.FirstMatchingBlock("binary_authorization", nil))
			t.comment("Remove the binary_authorization block of this resource.")
		case "default":
			ba.SetAttributeValue("use_default", cty.True)
		default:
			setString(ba, "policy", s.To)
		}
	case FieldEnv:
		cb := t.container(s.Service, template(), s.Container)
		eb := cb.AppendNewBlock("env", nil).Body()
		setString(eb, "name", s.EnvName)
		sk := eb.AppendNewBlock("value_source", nil).Body().AppendNewBlock("secret_key_ref", nil).Body()
		secret, version, _ := strings.Cut(s.To, ":")
		if secret == "" {
			secret, version = s.Secret, "latest"
		}
		if l, ok := t.secretLabel(secret); ok {
			sk.SetAttributeTraversal("secret", ref("google_secret_manager_secret", l, "secret_id"))
		} else {
			setString(sk, "secret", secret)
		}
		setString(sk, "version", orDefault(version, "latest"))
		t.commentf("In the containers block, replace the literal env entry %q with the secret reference shown.", s.EnvName)
	default:
		return fmt.Errorf("unknown field %q", s.Field)
	}
	return nil
}

// container returns the containers block named name (the first one when name
// is empty) inside the template of service, creating it.
func (t *tfRenderer) container(service string, tb *hclwrite.Body, name string) *hclwrite.Body {
	key := service + "\x00" + name
	if cb, ok := t.containers[key]; ok {
		return cb
	}
	cb := tb.AppendNewBlock("containers", nil).Body()
	if name != "" {
		setString(cb, "name", name)
	}
	t.containers[key] = cb
	return cb
}

func (t *tfRenderer) secretLabel(secret string) (string, bool) {
	for _, k := range slices.Sorted(maps.Keys(t.secrets)) {
		if strings.HasSuffix(k, "/"+secret) {
			return t.secrets[k], true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// addressParts splits a Terraform resource address
// ("module.app.google_cloud_run_v2_service.api[0]") into its resource type
// and name; ok is false for "" or anything else.
func addressParts(addr string) (typ, name string, ok bool) {
	if addr == "" {
		return "", "", false
	}
	if i := strings.IndexByte(addr, '['); i >= 0 {
		addr = addr[:i]
	}
	parts := strings.Split(addr, ".")
	if len(parts) < 2 || strings.HasPrefix(parts[len(parts)-2], "module") {
		return "", "", false
	}
	return parts[len(parts)-2], parts[len(parts)-1], true
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
