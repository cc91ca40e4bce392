package tfplan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// mapper adds what one resource instance declares to p. The attribute names
// are those of the google provider's resources
// (https://registry.terraform.io/providers/hashicorp/google/latest/docs);
// the data written is the API's resource, as CAI exports it.
type mapper func(in *instance, p *Plan) error

var mappers = map[string]mapper{
	"google_cloud_run_v2_service":                  mapRunV2(false),
	"google_cloud_run_v2_job":                      mapRunV2(true),
	"google_cloud_run_service":                     mapRunV1,
	"google_service_account":                       mapServiceAccount,
	"google_pubsub_topic":                          mapTopic,
	"google_pubsub_subscription":                   mapSubscription,
	"google_eventarc_trigger":                      mapTrigger,
	"google_cloud_scheduler_job":                   mapSchedulerJob,
	"google_storage_bucket":                        mapBucket,
	"google_secret_manager_secret":                 mapSecret,
	"google_kms_key_ring":                          mapKeyRing,
	"google_kms_crypto_key":                        mapCryptoKey,
	"google_binary_authorization_policy":           mapBinAuthz,
	"google_project_iam_custom_role":               mapCustomRole("projects", "project"),
	"google_compute_region_network_endpoint_group": mapNEG,
	"google_compute_backend_service":               mapBackendService(false),
	"google_compute_region_backend_service":        mapBackendService(true),
	"google_organization_iam_custom_role":          mapCustomRole("organizations", "org_id"),
}

func init() {
	for prefix, target := range iamTargets {
		for _, k := range []struct {
			suffix string
			kind   GrantKind
		}{{"_iam_member", GrantMember}, {"_iam_binding", GrantBinding}, {"_iam_policy", GrantPolicy}} {
			mappers[prefix+k.suffix] = mapGrant(k.kind, target)
		}
	}
}

// Types returns the Terraform resource types runlens reads.
func Types() []string {
	out := make([]string, 0, len(mappers))
	for t := range mappers {
		out = append(out, t)
	}
	return sortedUnique(out)
}

// iamTarget names the resource an IAM resource's policy belongs to.
type iamTarget struct {
	assetType string
	name      func(in *instance) (string, bool)
}

var iamTargets = map[string]iamTarget{
	"google_cloud_run_v2_service": {inventory.TypeRunService, func(in *instance) (string, bool) {
		return runName(in, "services", "name")
	}},
	"google_cloud_run_service": {inventory.TypeRunService, func(in *instance) (string, bool) {
		return runName(in, "services", "service")
	}},
	"google_cloud_run_v2_job": {inventory.TypeRunJob, func(in *instance) (string, bool) {
		return runName(in, "jobs", "name")
	}},
	"google_service_account": {inventory.TypeServiceAccount, func(in *instance) (string, bool) {
		id, ok := in.value(path{"service_account_id"}, func(t *instance, attr string) string {
			if e := resolveEmail(t, attr); e != "" {
				return "projects/" + t.project() + "/serviceAccounts/" + e
			}
			return ""
		}, "whose service account this grant is on")
		if !ok || id == "" {
			return "", false
		}
		return "//iam.googleapis.com/" + strings.TrimPrefix(id, "//iam.googleapis.com/"), true
	}},
	"google_project": {inventory.TypeProject, func(in *instance) (string, bool) {
		p := strings.TrimPrefix(in.project(), "projects/")
		return crm + "projects/" + p, p != ""
	}},
	"google_folder": {inventory.TypeFolder, func(in *instance) (string, bool) {
		f := in.str("folder")
		if f == "" {
			return "", false
		}
		if !strings.HasPrefix(f, "folders/") {
			f = "folders/" + f
		}
		return crm + f, true
	}},
	"google_organization": {inventory.TypeOrganization, func(in *instance) (string, bool) {
		o := strings.TrimPrefix(in.str("org_id"), "organizations/")
		return crm + "organizations/" + o, o != ""
	}},
	"google_storage_bucket": {inventory.TypeBucket, func(in *instance) (string, bool) {
		b, ok := in.value(path{"bucket"}, resolveAttr("google_storage_bucket", "name"), "which bucket this grant is on")
		b = strings.TrimPrefix(b, "b/")
		return "//storage.googleapis.com/" + b, ok && b != ""
	}},
	"google_secret_manager_secret": {inventory.TypeSecret, func(in *instance) (string, bool) {
		s, ok := in.value(path{"secret_id"}, resolveSecret, "which secret this grant is on")
		if !ok || s == "" {
			return "", false
		}
		if !strings.HasPrefix(s, "projects/") {
			s = "projects/" + in.project() + "/secrets/" + s
		}
		return "//secretmanager.googleapis.com/" + s, true
	}},
	"google_kms_crypto_key": {inventory.TypeCryptoKey, func(in *instance) (string, bool) {
		k, ok := in.value(path{"crypto_key_id"}, resolveCryptoKey, "which key this grant is on")
		if !ok || k == "" {
			return "", false
		}
		if !strings.HasPrefix(k, "projects/") {
			// The short form PROJECT/LOCATION/RING/KEY.
			if parts := strings.Split(k, "/"); len(parts) == 4 {
				k = fmt.Sprintf("projects/%s/locations/%s/keyRings/%s/cryptoKeys/%s", parts[0], parts[1], parts[2], parts[3])
			}
		}
		return "//cloudkms.googleapis.com/" + k, true
	}},
	"google_pubsub_topic": {inventory.TypeTopic, func(in *instance) (string, bool) {
		t, ok := in.value(path{"topic"}, resolveTopic, "which topic this grant is on")
		if !ok || t == "" {
			return "", false
		}
		if !strings.HasPrefix(t, "projects/") {
			t = "projects/" + in.project() + "/topics/" + t
		}
		return "//pubsub.googleapis.com/" + t, true
	}},
}

const crm = "//cloudresourcemanager.googleapis.com/"

// runName is the CAI name of the Cloud Run service or job an IAM resource
// names by attribute attr (a bare name or a full
// projects/P/locations/L/{services,jobs}/N).
func runName(in *instance, coll, attr string) (string, bool) {
	n, ok := in.value(path{attr}, resolveAttr("", "name"), "which "+strings.TrimSuffix(coll, "s")+" this grant is on")
	if !ok || n == "" {
		return "", false
	}
	proj, loc := in.project(), in.str("location")
	if strings.Contains(n, "/") {
		proj = inventory.NameSegment(n, "projects")
		if l := inventory.NameSegment(n, "locations"); l != "" {
			loc = l
		}
		n = n[strings.LastIndexByte(n, '/')+1:]
	}
	if proj == "" || loc == "" {
		return "", false
	}
	return fmt.Sprintf("//run.googleapis.com/projects/%s/locations/%s/%s/%s", proj, loc, coll, n), true
}

// resolveAttr resolves a reference to attribute want of a resource of type
// typ (any type when typ is "") to its planned value.
func resolveAttr(typ, want string) func(*instance, string) string {
	return func(t *instance, attr string) string {
		if (typ != "" && t.rc.Type != typ) || (attr != want && attr != "id") {
			return ""
		}
		return t.str(want)
	}
}

// resolveRole resolves a reference to a custom role created by the plan:
// its id and name are projects/PROJECT/roles/ID (organizations/ORG/roles/ID).
func resolveRole(t *instance, attr string) string {
	if attr != "id" && attr != "name" && attr != "" {
		return ""
	}
	switch t.rc.Type {
	case "google_project_iam_custom_role":
		if id, p := t.str("role_id"), strings.TrimPrefix(t.project(), "projects/"); id != "" && p != "" {
			return "projects/" + p + "/roles/" + id
		}
	case "google_organization_iam_custom_role":
		if id, o := t.str("role_id"), strings.TrimPrefix(t.str("org_id"), "organizations/"); id != "" && o != "" {
			return "organizations/" + o + "/roles/" + id
		}
	}
	return ""
}

// resolveSecret resolves a reference to a secret created by the plan: its
// secret_id, or its id and name, projects/PROJECT/secrets/SECRET_ID.
func resolveSecret(t *instance, attr string) string {
	if t.rc.Type != "google_secret_manager_secret" || t.str("secret_id") == "" {
		return ""
	}
	switch attr {
	case "secret_id":
		return t.str("secret_id")
	case "id", "name", "":
		return "projects/" + t.project() + "/secrets/" + t.str("secret_id")
	}
	return ""
}

// resolveCryptoKey resolves a reference to a key created by the plan: its id
// is KEY_RING/cryptoKeys/NAME.
func resolveCryptoKey(t *instance, attr string) string {
	if t.rc.Type != "google_kms_crypto_key" || (attr != "id" && attr != "") {
		return ""
	}
	return cryptoKeyID(t)
}

// cryptoKeyID is the id of key t: its key ring's (planned, or the key ring
// the plan creates) and its name.
func cryptoKeyID(t *instance) string {
	n := t.str("name")
	kr, _ := t.value(path{"key_ring"}, func(r *instance, attr string) string {
		if r.rc.Type != "google_kms_key_ring" || (attr != "id" && attr != "") || r.str("name") == "" || r.str("location") == "" {
			return ""
		}
		return fmt.Sprintf("projects/%s/locations/%s/keyRings/%s", r.project(), r.str("location"), r.str("name"))
	}, "which key ring the key is in")
	if kr == "" || n == "" {
		return ""
	}
	return kr + "/cryptoKeys/" + n
}

// resolveTopic resolves a reference to a topic created by the plan.
func resolveTopic(t *instance, attr string) string {
	if t.rc.Type != "google_pubsub_topic" || t.str("name") == "" {
		return ""
	}
	switch attr {
	case "name":
		return t.str("name")
	case "id", "":
		return "projects/" + t.project() + "/topics/" + t.str("name")
	}
	return ""
}

// resolveServiceURL resolves a reference to a Cloud Run service's URL (v2
// uri or urls, v1 status.url) created by the plan: its planned URL, else the
// deterministic https://NAME-PROJECT.REGION.run.app with the project as
// the plan names it, which the same service's record carries too (see
// serviceURL), so the endpoint meets the service.
func resolveServiceURL(t *instance, attr string) string {
	switch {
	case t.rc.Type == "google_cloud_run_v2_service" && (attr == "uri" || strings.HasPrefix(attr, "urls")):
	case t.rc.Type == "google_cloud_run_service" && strings.HasPrefix(attr, "status"):
	default:
		return ""
	}
	return serviceURL(t)
}

func serviceURL(t *instance) string {
	if u := t.str("uri"); u != "" {
		return u
	}
	if u := t.str("status", 0, "url"); u != "" {
		return u
	}
	n, r, p := t.str("name"), t.str("location"), t.project()
	if n == "" || r == "" || p == "" {
		return ""
	}
	return "https://" + n + "-" + p + "." + r + ".run.app"
}

// condition reads an IAM condition block.
func (in *instance) condition() *iam.Condition {
	if in.str("condition", 0, "expression") == "" {
		return nil
	}
	return &iam.Condition{Title: in.str("condition", 0, "title"), Description: in.str("condition", 0, "description"),
		Expression: in.str("condition", 0, "expression")}
}

// mapGrant maps an _iam_member, _iam_binding or _iam_policy resource.
func mapGrant(kind GrantKind, target iamTarget) mapper {
	return func(in *instance, p *Plan) error {
		name, ok := target.name(in)
		if !ok {
			if len(in.unknowns) == 0 {
				return fmt.Errorf("it names no resource")
			}
			p.Unknown = append(p.Unknown, in.unknowns...)
			return nil
		}
		g := Grant{Address: in.rc.Address, Kind: kind, Resource: name, Type: target.assetType, Condition: in.condition()}
		if kind != GrantPolicy {
			role, ok := in.value(path{"role"}, resolveRole, "the grant is not counted")
			if !ok {
				p.Unknown = append(p.Unknown, in.unknowns...)
				return nil
			}
			g.Role = role
		}
		switch kind {
		case GrantMember:
			m, ok := in.value(path{"member"}, resolveMember, "this member of "+g.Role+" is not counted")
			if ok {
				g.Members = []string{m}
			} else {
				g.MembersUnknown = true
			}
		case GrantBinding:
			if !in.isUnknown(path{"members"}) {
				g.Members = in.strs("members")
				break
			}
			// The set is known only after apply: the members the
			// configuration resolves are counted, the rest are not.
			for _, ref := range in.references(path{"members"}) {
				if t, attr := in.referenced(ref); t != nil {
					if m := resolveMember(t, attr); m != "" {
						g.Members = append(g.Members, m)
						continue
					}
				}
			}
			// A set with an unknown element is unknown whole: its
			// literal members are not in the plan either.
			g.Members, g.MembersUnknown = sortedUnique(g.Members), true
			p.Unknown = append(p.Unknown, Unknown{Address: in.rc.Address, Attribute: "members",
				Effect: fmt.Sprintf("of the members of %s, only those the configuration resolves are counted (%d)", g.Role, len(g.Members))})
		case GrantPolicy:
			pd, ok := in.value(path{"policy_data"}, nil, "the policy is not counted")
			if ok && pd == "" {
				// Known, yet empty: nothing the plan says of the policy.
				in.unknowns = append(in.unknowns, Unknown{Address: in.rc.Address, Attribute: "policy_data", Effect: "the policy is not counted"})
				ok = false
			}
			if !ok {
				p.Unknown = append(p.Unknown, in.unknowns...)
				return nil
			}
			var pol iam.Policy
			if err := json.Unmarshal([]byte(pd), &pol); err != nil {
				return fmt.Errorf("policy_data: %w", err)
			}
			g.Policy = &pol
		}
		if kind != GrantPolicy && g.Role == "" {
			return fmt.Errorf("it grants no role")
		}
		p.Unknown = append(p.Unknown, in.unknowns...)
		p.Grants = append(p.Grants, g)
		return nil
	}
}

// mapRunV2 maps google_cloud_run_v2_service (and _job) onto the Admin API
// v2 resource (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services).
func mapRunV2(job bool) mapper {
	return func(in *instance, p *Plan) error {
		coll, typ := "services", inventory.TypeRunService
		tmpl := path{"template", 0}
		if job {
			coll, typ = "jobs", inventory.TypeRunJob
			tmpl = path{"template", 0, "template", 0}
		}
		name, loc, proj := in.str("name"), in.str("location"), in.project()
		if name == "" || loc == "" || proj == "" {
			return unknownName("name, location or project")
		}
		r := Resource{Name: fmt.Sprintf("//run.googleapis.com/projects/%s/locations/%s/%s/%s", proj, loc, coll, name),
			Type: typ, Version: "v2", Project: proj}
		data := map[string]any{"name": fmt.Sprintf("projects/%s/locations/%s/%s/%s", proj, loc, coll, name)}
		if l := in.strMap("labels"); l != nil {
			data["labels"] = l
		}
		if !job {
			if v := in.str("ingress"); v != "" {
				data["ingress"] = v
			}
			data["invokerIamDisabled"] = in.boolean("invoker_iam_disabled")
			data["iapEnabled"] = in.boolean("iap_enabled")
			data["defaultUriDisabled"] = in.boolean("default_uri_disabled")
			if ca := in.strs("custom_audiences"); len(ca) > 0 {
				data["customAudiences"] = ca
			}
			if u := serviceURL(in); u != "" {
				data["urls"] = []string{u}
			}
		}
		if len(in.list("binary_authorization")) > 0 {
			data["binaryAuthorization"] = map[string]any{
				"useDefault":              in.boolean("binary_authorization", 0, "use_default"),
				"policy":                  in.str("binary_authorization", 0, "policy"),
				"breakglassJustification": in.str("binary_authorization", 0, "breakglass_justification"),
			}
		}
		t := map[string]any{}
		sa, ok := in.value(append(tmpl, "service_account"), resolveEmail,
			"the runtime identity is not known: checks on it were not run, and the default identity is not assumed")
		if !ok {
			r.Unknown = append(r.Unknown, inventory.FieldServiceAccount)
		} else if sa != "" {
			t["serviceAccount"] = sa
		}
		if k, ok := in.value(append(tmpl, "encryption_key"), resolveCryptoKey, "the CMEK key is not counted"); ok && k != "" {
			t["encryptionKey"] = k
		}
		if len(in.list(append(tmpl, "vpc_access")...)) > 0 {
			va := append(tmpl, "vpc_access", 0)
			v := map[string]any{"connector": in.str(append(va, "connector")...), "egress": in.str(append(va, "egress")...)}
			if ni := in.list(append(va, "network_interfaces")...); len(ni) > 0 {
				v["networkInterfaces"] = ni
			}
			t["vpcAccess"] = v
		}
		containers, imageUnknown := in.containers(tmpl, v2Env)
		if imageUnknown {
			r.Unknown = append(r.Unknown, inventory.FieldImage)
		}
		t["containers"] = containers
		var volumes []any
		for i := range in.list(append(tmpl, "volumes")...) {
			v := append(slices.Clone(tmpl), "volumes", i)
			vol := map[string]any{"name": in.str(append(v, "name")...)}
			switch {
			case len(in.list(append(v, "secret")...)) > 0:
				if s, _ := in.value(append(v, "secret", 0, "secret"), resolveSecret, "the secret this volume mounts is not counted"); s != "" {
					vol["secret"] = map[string]any{"secret": s}
				}
			case len(in.list(append(v, "cloud_sql_instance")...)) > 0:
				vol["cloudSqlInstance"] = map[string]any{"instances": in.strs(append(v, "cloud_sql_instance", 0, "instances")...)}
			case len(in.list(append(v, "gcs")...)) > 0:
				if b, _ := in.value(append(v, "gcs", 0, "bucket"), resolveAttr("google_storage_bucket", "name"), "the bucket this volume mounts is not counted"); b != "" {
					vol["gcs"] = map[string]any{"bucket": b}
				}
			}
			volumes = append(volumes, vol)
		}
		if len(volumes) > 0 {
			t["volumes"] = volumes
		}
		if job {
			data["template"] = map[string]any{"template": t}
		} else {
			data["template"] = t
		}
		r.Data = data
		p.add(in, r)
		return nil
	}
}

// envShape is how a Cloud Run resource spells an env var read from Secret
// Manager, in Terraform and in the API: v2 value_source.secret_key_ref
// {secret, version} is valueSource.secretKeyRef {secret, version}; v1
// value_from.secret_key_ref {name, key} is valueFrom.secretKeyRef {name, key}.
type envShape struct {
	from, to        string // "value_source", "valueSource"
	secret, version string // Terraform's attribute names, also the API's
}

var (
	v2Env = envShape{from: "value_source", to: "valueSource", secret: "secret", version: "version"}
	v1Env = envShape{from: "value_from", to: "valueFrom", secret: "name", version: "key"}
)

// containers maps the containers block of a Cloud Run template (at base) to
// the API's containers: name, image, args, env; imageUnknown is set when an
// image is known only after apply (it is left out).
func (in *instance) containers(base path, shape envShape) (containers []any, imageUnknown bool) {
	for i := range in.list(append(slices.Clone(base), "containers")...) {
		c := append(slices.Clone(base), "containers", i)
		ct := map[string]any{"name": in.str(append(c, "name")...)}
		if img, ok := in.value(append(c, "image"), nil, "image checks skip this container"); ok {
			ct["image"] = img
		} else {
			imageUnknown = true
		}
		if args := in.strs(append(c, "args")...); len(args) > 0 {
			ct["args"] = args
		}
		var env []any
		for j := range in.list(append(c, "env")...) {
			e := append(slices.Clone(c), "env", j)
			ev := map[string]any{"name": in.str(append(e, "name")...)}
			if v, ok := at(in.values, append(e, "value")).(string); ok && v != "" {
				ev["value"] = v
			}
			if len(in.list(append(e, shape.from)...)) > 0 {
				skr := append(slices.Clone(e), shape.from, 0, "secret_key_ref", 0)
				if sec, _ := in.value(append(skr, shape.secret), resolveSecret, "the secret this variable reads is not counted"); sec != "" {
					ev[shape.to] = map[string]any{"secretKeyRef": map[string]any{
						shape.secret: sec, shape.version: in.str(append(skr, shape.version)...)}}
				}
			}
			env = append(env, ev)
		}
		if len(env) > 0 {
			ct["env"] = env
		}
		containers = append(containers, ct)
	}
	return containers, imageUnknown
}

// mapRunV1 maps google_cloud_run_service onto the Knative serving.knative.dev/v1
// Service (https://cloud.google.com/run/docs/reference/rest/v1/namespaces.services).
func mapRunV1(in *instance, p *Plan) error {
	name, loc, proj := in.str("name"), in.str("location"), in.project()
	if name == "" || loc == "" || proj == "" {
		return unknownName("name, location or project")
	}
	r := Resource{Name: fmt.Sprintf("//run.googleapis.com/projects/%s/locations/%s/services/%s", proj, loc, name),
		Type: inventory.TypeRunService, Version: "v1", Project: proj}
	meta := map[string]any{"name": name, "namespace": proj}
	if a := in.strMap("metadata", 0, "annotations"); a != nil {
		meta["annotations"] = a
	}
	if l := in.strMap("metadata", 0, "labels"); l != nil {
		meta["labels"] = l
	}
	spec := path{"template", 0, "spec", 0}
	pod := map[string]any{}
	sa, ok := in.value(append(slices.Clone(spec), "service_account_name"), resolveEmail,
		"the runtime identity is not known: checks on it were not run, and the default identity is not assumed")
	if !ok {
		r.Unknown = append(r.Unknown, inventory.FieldServiceAccount)
	} else if sa != "" {
		pod["serviceAccountName"] = sa
	}
	containers, imageUnknown := in.containers(spec, v1Env)
	if imageUnknown {
		r.Unknown = append(r.Unknown, inventory.FieldImage)
	}
	pod["containers"] = containers
	var volumes []any
	for i := range in.list(append(slices.Clone(spec), "volumes")...) {
		v := append(slices.Clone(spec), "volumes", i)
		vol := map[string]any{"name": in.str(append(v, "name")...)}
		if s := in.str(append(v, "secret", 0, "secret_name")...); s != "" {
			vol["secret"] = map[string]any{"secretName": s}
		}
		volumes = append(volumes, vol)
	}
	if len(volumes) > 0 {
		pod["volumes"] = volumes
	}
	tmpl := map[string]any{"spec": pod}
	if a := in.strMap("template", 0, "metadata", 0, "annotations"); a != nil {
		tmpl["metadata"] = map[string]any{"annotations": a}
	}
	data := map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": meta,
		"spec": map[string]any{"template": tmpl}}
	if u := serviceURL(in); u != "" {
		data["status"] = map[string]any{"url": u}
	}
	r.Data = data
	p.add(in, r)
	return nil
}

func mapServiceAccount(in *instance, p *Plan) error {
	email := serviceAccountEmail(in)
	if email == "" {
		return unknownName("account_id or project")
	}
	proj := in.project()
	p.add(in, Resource{Name: "//iam.googleapis.com/projects/" + proj + "/serviceAccounts/" + email,
		Type: inventory.TypeServiceAccount, Project: proj, Data: map[string]any{
			"name": "projects/" + proj + "/serviceAccounts/" + email, "email": email, "projectId": proj,
			"displayName": in.str("display_name"), "disabled": in.boolean("disabled")}})
	return nil
}

func mapTopic(in *instance, p *Plan) error {
	t := resolveTopic(in, "id")
	if t == "" {
		return unknownName("name or project")
	}
	p.add(in, Resource{Name: "//pubsub.googleapis.com/" + t, Type: inventory.TypeTopic, Data: map[string]any{"name": t}})
	return nil
}

func mapSubscription(in *instance, p *Plan) error {
	name, proj := in.str("name"), in.project()
	if name == "" || proj == "" {
		return unknownName("name or project")
	}
	full := "projects/" + proj + "/subscriptions/" + name
	data := map[string]any{"name": full}
	if t, _ := in.value(path{"topic"}, resolveTopic, "the topic is not counted"); t != "" {
		if !strings.HasPrefix(t, "projects/") {
			t = "projects/" + proj + "/topics/" + t
		}
		data["topic"] = t
	}
	if len(in.list("push_config")) > 0 {
		pc := map[string]any{}
		if ep, _ := in.value(path{"push_config", 0, "push_endpoint"}, resolveServiceURL,
			"the service it pushes to is not known"); ep != "" {
			pc["pushEndpoint"] = ep
		}
		if len(in.list("push_config", 0, "oidc_token")) > 0 {
			email, _ := in.value(path{"push_config", 0, "oidc_token", 0, "service_account_email"}, resolveEmail,
				"the identity it pushes as is not known")
			pc["oidcToken"] = map[string]any{"serviceAccountEmail": email,
				"audience": in.str("push_config", 0, "oidc_token", 0, "audience")}
		}
		data["pushConfig"] = pc
	}
	p.add(in, Resource{Name: "//pubsub.googleapis.com/" + full, Type: inventory.TypeSubscription, Data: data})
	return nil
}

func mapTrigger(in *instance, p *Plan) error {
	name, loc, proj := in.str("name"), in.str("location"), in.project()
	if name == "" || loc == "" || proj == "" {
		return unknownName("name, location or project")
	}
	full := fmt.Sprintf("projects/%s/locations/%s/triggers/%s", proj, loc, name)
	data := map[string]any{"name": full}
	if sa, _ := in.value(path{"service_account"}, resolveEmail, "the identity it invokes as is not known"); sa != "" {
		data["serviceAccount"] = sa
	}
	if len(in.list("destination", 0, "cloud_run_service")) > 0 {
		d := path{"destination", 0, "cloud_run_service", 0}
		svc, _ := in.value(append(slices.Clone(d), "service"), resolveAttr("", "name"), "the service it delivers to is not known")
		data["destination"] = map[string]any{"cloudRun": map[string]any{"service": svc,
			"region": in.str(append(d, "region")...), "path": in.str(append(d, "path")...)}}
	}
	var filters []any
	for i := range in.list("matching_criteria") {
		filters = append(filters, map[string]any{"attribute": in.str("matching_criteria", i, "attribute"),
			"value": in.str("matching_criteria", i, "value")})
	}
	if len(filters) > 0 {
		data["eventFilters"] = filters
	}
	p.add(in, Resource{Name: "//eventarc.googleapis.com/" + full, Type: inventory.TypeTrigger, Data: data})
	return nil
}

func mapSchedulerJob(in *instance, p *Plan) error {
	name, loc, proj := in.str("name"), in.str("region"), in.project()
	if name == "" || loc == "" || proj == "" {
		return unknownName("name, region or project")
	}
	full := fmt.Sprintf("projects/%s/locations/%s/jobs/%s", proj, loc, name)
	data := map[string]any{"name": full, "schedule": in.str("schedule")}
	if len(in.list("http_target")) > 0 {
		h := path{"http_target", 0}
		ht := map[string]any{"httpMethod": in.str("http_target", 0, "http_method")}
		if u, _ := in.value(append(slices.Clone(h), "uri"), resolveServiceURL, "the service it calls is not known"); u != "" {
			ht["uri"] = u
		}
		if len(in.list("http_target", 0, "oidc_token")) > 0 {
			e, _ := in.value(append(slices.Clone(h), "oidc_token", 0, "service_account_email"), resolveEmail, "the identity it calls as is not known")
			ht["oidcToken"] = map[string]any{"serviceAccountEmail": e, "audience": in.str("http_target", 0, "oidc_token", 0, "audience")}
		}
		if len(in.list("http_target", 0, "oauth_token")) > 0 {
			e, _ := in.value(append(slices.Clone(h), "oauth_token", 0, "service_account_email"), resolveEmail, "the identity it calls as is not known")
			ht["oauthToken"] = map[string]any{"serviceAccountEmail": e}
		}
		data["httpTarget"] = ht
	}
	p.add(in, Resource{Name: "//cloudscheduler.googleapis.com/" + full, Type: inventory.TypeSchedulerJob, Data: data})
	return nil
}

func mapBucket(in *instance, p *Plan) error {
	name := in.str("name")
	if name == "" {
		return unknownName("name")
	}
	p.add(in, Resource{Name: "//storage.googleapis.com/" + name, Type: inventory.TypeBucket, Data: map[string]any{
		"name": name, "iamConfiguration": map[string]any{
			"uniformBucketLevelAccess": map[string]any{"enabled": in.boolean("uniform_bucket_level_access")},
			"publicAccessPrevention":   in.str("public_access_prevention")}}})
	return nil
}

func mapSecret(in *instance, p *Plan) error {
	s := resolveSecret(in, "id")
	if s == "" {
		return unknownName("secret_id or project")
	}
	p.add(in, Resource{Name: "//secretmanager.googleapis.com/" + s, Type: inventory.TypeSecret, Data: map[string]any{"name": s}})
	return nil
}

func mapKeyRing(in *instance, p *Plan) error {
	name, loc, proj := in.str("name"), in.str("location"), in.project()
	if name == "" || loc == "" || proj == "" {
		return unknownName("name, location or project")
	}
	full := fmt.Sprintf("projects/%s/locations/%s/keyRings/%s", proj, loc, name)
	p.add(in, Resource{Name: "//cloudkms.googleapis.com/" + full, Type: inventory.TypeKeyRing, Data: map[string]any{"name": full}})
	return nil
}

func mapCryptoKey(in *instance, p *Plan) error {
	k := cryptoKeyID(in)
	if k == "" {
		return unknownName("key ring or name")
	}
	kr := k[:strings.LastIndex(k, "/cryptoKeys/")]
	p.add(in, Resource{Name: "//cloudkms.googleapis.com/" + k, Type: inventory.TypeCryptoKey,
		Parent: "//cloudkms.googleapis.com/" + kr, Project: inventory.NameSegment(k, "projects"), Data: map[string]any{"name": k}})
	return nil
}

func mapBinAuthz(in *instance, p *Plan) error {
	proj := in.project()
	if proj == "" {
		return unknownName("project")
	}
	p.add(in, Resource{Name: "//binaryauthorization.googleapis.com/projects/" + proj + "/policy", Type: inventory.TypeBinAuthzPolicy,
		Data: map[string]any{
			"globalPolicyEvaluationMode": in.str("global_policy_evaluation_mode"),
			"defaultAdmissionRule": map[string]any{
				"evaluationMode":  in.str("default_admission_rule", 0, "evaluation_mode"),
				"enforcementMode": in.str("default_admission_rule", 0, "enforcement_mode"),
			}}})
	return nil
}

// add records resource r of instance in, with the values it left unknown.
func (p *Plan) add(in *instance, r Resource) {
	r = in.resourceOf(r)
	r.Unknown = sortedUnique(r.Unknown)
	p.Resources = append(p.Resources, r)
	p.Unknown = append(p.Unknown, in.unknowns...)
	in.unknowns = nil
}

// mapCustomRole maps a custom role: grants of it are judged by its
// permissions, as an exported iam.googleapis.com/Role is.
func mapCustomRole(coll, parentAttr string) mapper {
	return func(in *instance, p *Plan) error {
		parent, id := in.str(parentAttr), in.str("role_id")
		if coll == "projects" && parent == "" {
			parent = in.project()
		}
		if parent == "" || id == "" {
			return unknownName(fmt.Sprintf("%s or role_id", parentAttr))
		}
		name := coll + "/" + strings.TrimPrefix(parent, coll+"/") + "/roles/" + id
		r := Resource{Name: "//iam.googleapis.com/" + name, Type: inventory.TypeRole,
			Data: map[string]any{"name": name, "title": in.str("title"), "includedPermissions": in.strs("permissions")}}
		if coll == "projects" {
			r.Project = strings.TrimPrefix(parent, "projects/")
		} else {
			r.Parent = crm + name[:strings.Index(name, "/roles/")]
		}
		p.add(in, r)
		return nil
	}
}

// unknownNameError is a resource whose name is known only after apply (a
// random suffix, another resource's output): it is not read, and that is
// reported, not an error.
type unknownNameError struct{ attrs string }

func (e *unknownNameError) Error() string {
	return "its " + e.attrs + " is not known before apply"
}

func unknownName(attrs string) error { return &unknownNameError{attrs} }

// mapNEG maps a serverless network endpoint group: which Cloud Run service
// a load balancer's backend reaches.
func mapNEG(in *instance, p *Plan) error {
	name, region, proj := in.str("name"), in.str("region"), in.project()
	if name == "" || region == "" || proj == "" {
		return unknownName("name, region or project")
	}
	full := fmt.Sprintf("projects/%s/regions/%s/networkEndpointGroups/%s", proj, region, name)
	data := map[string]any{"name": name, "region": region, "selfLink": "https://www.googleapis.com/compute/v1/" + full}
	if len(in.list("cloud_run")) > 0 {
		svc, _ := in.value(path{"cloud_run", 0, "service"}, resolveAttr("", "name"), "the service behind it is not known")
		data["cloudRun"] = map[string]any{"service": svc, "tag": in.str("cloud_run", 0, "tag")}
	}
	p.add(in, Resource{Name: "//compute.googleapis.com/" + full, Type: inventory.TypeNEG, Data: data})
	return nil
}

// resolveNEG resolves a reference to a network endpoint group the plan
// creates: its id and self_link name it.
func resolveNEG(t *instance, attr string) string {
	if t.rc.Type != "google_compute_region_network_endpoint_group" || (attr != "id" && attr != "self_link" && attr != "") {
		return ""
	}
	name, region, proj := t.str("name"), t.str("region"), t.project()
	if name == "" || region == "" || proj == "" {
		return ""
	}
	return fmt.Sprintf("projects/%s/regions/%s/networkEndpointGroups/%s", proj, region, name)
}

// mapBackendService maps a load balancer backend service: whether IAP is on
// (provider 5 writes an iap block for it, provider 6 also iap.enabled) and
// the groups it sends to.
func mapBackendService(regional bool) mapper {
	return func(in *instance, p *Plan) error {
		name, proj := in.str("name"), in.project()
		scope := "global"
		if regional {
			scope = "regions/" + in.str("region")
		}
		if name == "" || proj == "" || scope == "regions/" {
			return unknownName("name, region or project")
		}
		full := fmt.Sprintf("projects/%s/%s/backendServices/%s", proj, scope, name)
		data := map[string]any{"name": name}
		if len(in.list("iap")) > 0 {
			enabled, set := at(in.values, path{"iap", 0, "enabled"}).(bool)
			data["iap"] = map[string]any{"enabled": !set || enabled}
		}
		var backends []any
		for i := range in.list("backend") {
			if g, _ := in.value(path{"backend", i, "group"}, resolveNEG, "which group this backend sends to is not known"); g != "" {
				backends = append(backends, map[string]any{"group": g})
			}
		}
		if len(backends) > 0 {
			data["backends"] = backends
		}
		p.add(in, Resource{Name: "//compute.googleapis.com/" + full, Type: inventory.TypeBackendService, Data: data})
		return nil
	}
}
