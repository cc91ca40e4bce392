package changeset

import (
	"fmt"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// usersOf returns the workloads that use resource id or whose runtime
// identity holds a role on it.
func (p *planner) usersOf(id string) []string {
	var out []string
	for _, e := range p.g.In(id, graph.Uses) {
		out = append(out, e.From)
	}
	for _, e := range p.g.In(id, graph.HasRole) {
		out = append(out, p.workloadsRunningAs(e.From)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func planBucketPublic(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := bucketName(n.ID)
	p.cs.Title = fmt.Sprintf("Make bucket %s private", b)
	p.cs.Rationale = fmt.Sprintf("Bucket %s grants roles to allUsers or allAuthenticatedUsers without a condition: its objects are readable (or worse) by anyone.", b)
	for _, e := range p.f.Evidence.Bindings {
		p.removeEvidence(e, "the public binding")
		p.risk("%s loses %s on bucket %s: public links (https://storage.googleapis.com/%s/...) stop working.", p.label(e.Member), e.Role, b, b)
	}
	if users := p.usersOf(n.ID); len(users) > 0 {
		p.risk("Workloads that use the bucket keep their own grants: %s.", p.labels(users, 8))
	}
	p.risk("If the bucket serves public content on purpose, do not apply: put a CDN with signed URLs in front, or record an exception. Consider enforcing public access prevention on it afterwards.")
	return nil
}

func planLegacyStorageRole(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := bucketName(n.ID)
	p.cs.Title = fmt.Sprintf("Remove legacy storage roles from bucket %s", b)
	p.cs.Rationale = fmt.Sprintf("Legacy bucket roles mirror ACLs and grant more than their names suggest (a legacyBucketReader lists every object; a legacyBucketOwner can change the bucket's IAM policy).")
	for _, e := range p.f.Evidence.Bindings {
		p.removeEvidence(e, "the legacy role")
		p.risk("%s loses %s on bucket %s; if it needs access, grant %s on the bucket instead.", p.label(e.Member), e.Role, b, modernStorageRole(e.Role))
	}
	return nil
}

// modernStorageRole names the predefined role to use instead of a legacy one.
func modernStorageRole(legacy string) string {
	switch legacy {
	case "roles/storage.legacyObjectReader", "roles/storage.legacyBucketReader":
		return "roles/storage.objectViewer"
	case "roles/storage.legacyBucketWriter":
		return "roles/storage.objectUser"
	case "roles/storage.legacyObjectOwner":
		return "roles/storage.objectUser"
	}
	return "roles/storage.objectViewer, objectCreator or objectUser as needed"
}

func planBucketACLMode(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	b := bucketName(n.ID)
	p.cs.Title = fmt.Sprintf("Enable uniform bucket-level access on %s", b)
	p.cs.Rationale = fmt.Sprintf("Bucket %s uses fine-grained ACLs, so object ACLs can grant access that its IAM policy does not show.", b)
	p.manual("runlens has no typed step for bucket settings, so this step is manual:\n"+
		"1. List the ACL grants to keep: gcloud storage objects list gs://%s --format='json(acl)' and gcloud storage buckets describe gs://%s --format='json(acl,default_acl)'\n"+
		"2. Grant the equivalent IAM roles on the bucket for those that are still needed.\n"+
		"3. gcloud storage buckets update gs://%s --uniform-bucket-level-access", b, b, b)
	p.risk("Access granted only through object ACLs stops when uniform bucket-level access is on (it can be turned off again within 90 days).")
	if users := p.usersOf(n.ID); len(users) > 0 {
		p.risk("Workloads that use the bucket: %s.", p.labels(users, 8))
	}
	return nil
}

func planKMSBroadScope(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := p.f.Evidence.Bindings[0]
	p.cs.Title = fmt.Sprintf("Move %s of %s from %s to the keys it uses", b.Role, p.label(b.Member), p.label(n.ID))
	p.cs.Rationale = fmt.Sprintf("%s holds %s on %s, which reaches every key in it.", p.label(b.Member), b.Role, p.label(n.ID))
	var keys []string
	for _, w := range p.workloadsRunningAs(iam.ParseMember(b.Member).ID()) {
		for _, e := range p.g.Out(w, graph.Uses) {
			if k, ok := p.g.Node(e.To); ok && k.Kind == graph.KindKMSKey && p.isBelow(k.ID, n.ID) && !slices.Contains(keys, k.ID) {
				keys = append(keys, k.ID)
			}
		}
	}
	for _, k := range keys {
		p.add(p.target(k), b.Role, b.Member, "a key its workloads' configuration uses")
	}
	if len(keys) == 0 {
		p.manual("runlens sees no key in %s that %s's workloads reference. Find the keys it uses (Cloud Audit Logs for cloudkms.googleapis.com) and grant %s on each before running the removal below.", p.label(n.ID), p.label(b.Member), b.Role)
	}
	p.removeEvidence(b, "the "+p.label(b.Via)+"-wide grant")
	var lost []string
	for _, k := range p.below(n.ID, graph.KindKMSKey) {
		if !slices.Contains(keys, k.ID) {
			lost = append(lost, k.ID)
		}
	}
	if len(lost) > 0 {
		p.risk("%s loses %s on %d other keys the graph shows in %s: %s.", p.label(b.Member), b.Role, len(lost), p.label(n.ID), p.labels(lost, 10))
	} else {
		p.risk("%s loses %s on every key in %s not granted again above; runlens may not see all of them.", p.label(b.Member), b.Role, p.label(n.ID))
	}
	return nil
}

// isBelow reports whether node id lies under container (following parents).
func (p *planner) isBelow(id, container string) bool {
	n, ok := p.g.Node(id)
	for i := 0; ok && i < 16; i++ {
		if n.Parent == container {
			return true
		}
		n, ok = p.g.Node(n.Parent)
	}
	return false
}

func planSQLOpenNetwork(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	inst, _ := n.Data.(*inventory.SQLInstance)
	name := last(n.ID)
	project := p.projectIDOf(n.ID)
	var keep []string
	if inst != nil {
		if inst.Name != "" {
			name = inst.Name
		}
		for _, an := range inst.Settings.IPConfiguration.AuthorizedNetworks {
			if an.Value != "0.0.0.0/0" && an.Value != "::/0" {
				keep = append(keep, an.Value)
			}
		}
	}
	p.cs.Title = fmt.Sprintf("Close Cloud SQL instance %s to the internet", name)
	p.cs.Rationale = fmt.Sprintf("Cloud SQL instance %s authorizes every address (0.0.0.0/0 or ::/0) on its public IP: its database port is open to the internet, guarded only by passwords.", name)
	cmd := fmt.Sprintf("gcloud sql instances patch %s --project %s --clear-authorized-networks", name, project)
	if len(keep) > 0 {
		cmd = fmt.Sprintf("gcloud sql instances patch %s --project %s --authorized-networks=%s", name, project, strings.Join(keep, ","))
	}
	p.manual("runlens has no typed step for Cloud SQL settings, so this step is manual. The flag replaces the whole list: %s", cmd)
	if users := p.usersOf(n.ID); len(users) > 0 {
		p.risk("Cloud Run workloads connect through the Cloud SQL connector or private IP, which authorized networks do not govern: %s keep working.", p.labels(users, 8))
	}
	p.risk("Clients that connect to the public IP directly from addresses outside the remaining list (developers, external tools) lose access; give them the Cloud SQL Auth Proxy instead.")
	return nil
}

func planSAUserProjectLevel(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	b := p.f.Evidence.Bindings[0]
	id := iam.ParseMember(b.Member).ID()
	p.cs.Title = fmt.Sprintf("Narrow %s of %s on %s", b.Role, p.label(b.Member), p.label(n.ID))
	p.cs.Rationale = fmt.Sprintf("%s holds %s on %s, so it can act as every service account below it, and so reach everything those reach.", p.label(b.Member), b.Role, p.label(n.ID))
	var sas []string
	for _, e := range p.g.Out(id, graph.CanActAs) {
		if e.Via == b.Via && e.Role == b.Role && !slices.Contains(sas, e.To) {
			sas = append(sas, e.To)
		}
	}
	var kept []string
	if b.Role == "roles/iam.serviceAccountUser" {
		for _, sa := range sas {
			ws := p.workloadsRunningAs(sa)
			if len(ws) == 0 || !p.canDeploy(id, ws) {
				continue
			}
			san, _ := p.g.Node(sa)
			p.add(p.target(sa), b.Role, b.Member, "runtime identity of "+strings.Join(firstN(ws, 4), ", ")+", which "+b.Member+" can deploy")
			kept = append(kept, saEmail(san))
		}
	}
	if len(kept) == 0 {
		p.risk("The graph shows no runtime identity %s needs to act as (deploying a workload that runs as it): the role is removed without a narrower grant. If it impersonates specific accounts, grant %s on those accounts only.", p.label(b.Member), b.Role)
	}
	p.removeEvidence(b, "the "+p.label(n.ID)+"-wide grant")
	var lost []string
	for _, sa := range sas {
		if san, ok := p.g.Node(sa); ok && !slices.Contains(kept, saEmail(san)) {
			lost = append(lost, saEmail(san))
		}
	}
	if len(lost) > 0 {
		p.risk("%s can no longer act as: %s.", p.label(b.Member), strings.Join(firstN(lost, 10), ", "))
	}
	return nil
}

// canDeploy reports whether principal id holds, on one of the workloads or an
// ancestor of it, a role that updates Cloud Run services or jobs.
func (p *planner) canDeploy(id string, workloads []string) bool {
	for _, w := range workloads {
		where := map[string]bool{w: true}
		for _, a := range p.g.Ancestors(w) {
			where[a.ID] = true
		}
		for _, e := range p.g.Out(id, graph.HasRole, graph.CanInvoke) {
			if !where[e.Via] {
				continue
			}
			r, ok := p.in.Roles.Lookup(e.Role)
			if ok && (r.Has("run.services.update") || r.Has("run.jobs.update")) {
				return true
			}
		}
	}
	return false
}

func planRuntimeSAImpersonable(p *planner) error {
	sa, err := p.subject()
	if err != nil {
		return err
	}
	email := saEmail(sa)
	p.cs.Title = fmt.Sprintf("Stop others from acting as runtime identity %s", email)
	p.cs.Rationale = fmt.Sprintf("Principals other than %s itself can act as it, and so hold everything its workloads can reach.", email)
	saTarget := p.target(sa.ID)
	for _, b := range p.f.Evidence.Bindings {
		if p.target(b.Via).Resource == saTarget.Resource && !iam.IsBasic(b.Role) {
			p.removeEvidence(b, "a grant on the account itself")
			p.risk("%s can no longer act as %s with %s; a deployment pipeline that deploys its workloads needs roles/iam.serviceAccountUser on it again (deployers only).", p.label(b.Member), email, b.Role)
			continue
		}
		p.manual("%s acts as %s through %s on %s: that grant covers more than this account (see the sa-user-project-level or runtime-basic-role finding for it). Remove it there, or accept the risk.",
			p.label(b.Member), email, b.Role, p.label(b.Via))
	}
	if ws := p.workloadsRunningAs(sa.ID); len(ws) > 0 {
		p.risk("%s runs %s.", email, p.labels(ws, 8))
	}
	return nil
}

func planEnvPlaintextSecret(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	var envName string
	for _, f := range p.f.Evidence.Fields {
		if v, ok := strings.CutPrefix(f.Field, "env "); ok {
			envName = v
			break
		}
	}
	if envName == "" {
		return fmt.Errorf("finding names no env var")
	}
	container := ""
	if len(w.Containers) > 1 {
		for _, c := range w.Containers {
			if slices.ContainsFunc(c.Env, func(e inventory.EnvVar) bool { return e.Name == envName && e.Literal }) {
				container = c.Name
				break
			}
		}
	}
	project := n.Project
	if project == "" {
		project = w.Project
	}
	num := project
	if pn, ok := p.projectOf(n.ID); ok {
		num = strings.TrimPrefix(pn.ID, crm+"projects/")
	}
	secret := SecretID(w.Name, envName)
	secretName := "//secretmanager.googleapis.com/projects/" + num + "/secrets/" + secret
	if _, exists := p.g.Node(secretName); exists {
		secret = SecretID(w.Name+"-"+shortHash(n.ID+"\x00"+envName), envName)
		secretName = "//secretmanager.googleapis.com/projects/" + num + "/secrets/" + secret
	}
	kind := "service"
	if w.Job {
		kind = "job"
	}
	p.cs.Title = fmt.Sprintf("Move %s of %s into Secret Manager", envName, w.Name)
	p.cs.Rationale = fmt.Sprintf("The env var %s of %s %s has a literal value, visible to anyone who can view the %s's configuration (run.services.get, roles/viewer). runlens never read or kept the value.", envName, kind, w.Name, kind)
	p.step(Step{Kind: KindCreateSecretFromEnv, Project: project, Secret: secret, Service: n.ID, EnvName: envName, Container: container,
		Note: "creates the secret; the operator supplies the value (runlens does not have it)"})
	if sa, ok := p.runtimeSA(n.ID); ok {
		p.add(bindingTarget{Resource: secretName, Lookup: secretName, Project: project}, "roles/secretmanager.secretAccessor", "serviceAccount:"+saEmail(sa), "the runtime identity reads the secret")
		if iam.IsDefaultComputeSA(saEmail(sa)) {
			p.risk("The runtime identity is the default compute service account: any workload running as it can read the secret too. Give %s a dedicated identity (runtime-default-sa).", w.Name)
		}
	} else {
		p.manual("Grant roles/secretmanager.secretAccessor on secret %s to the runtime identity of %s.", secret, w.Name)
	}
	p.step(Step{Kind: KindUpdateService, Service: n.ID, Field: FieldEnv, EnvName: envName, Secret: secret, Container: container,
		From: "literal value (not shown)", To: secret + ":latest", Note: "the variable reads the secret's latest version; a new revision is deployed"})
	p.manual("Rotate the exposed value: it was visible in the %s's configuration and revision history to anyone with read access. Issue a new credential at its source, add it as a new version of secret %s, redeploy, then revoke the old one.", kind, secret)
	p.risk("Older revisions of %s keep the literal value in their configuration until they are deleted; rotation is what makes it worthless.", w.Name)
	return nil
}

func planBinAuthzNotEnforced(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	r, _ := parseRunName(n.ID)
	kind := "service"
	if w.Job {
		kind = "job"
	}
	p.cs.Title = fmt.Sprintf("Enforce Binary Authorization for %s", w.Name)
	p.cs.Rationale = fmt.Sprintf("%s %s can run any image: ", kind, w.Name)
	projectPolicy := false
	for _, f := range p.f.Evidence.Fields {
		switch {
		case f.Value == "(not set)":
			p.cs.Rationale += "it does not use Binary Authorization. "
			p.step(Step{Kind: KindUpdateService, Service: n.ID, Field: FieldBinaryAuthorization, From: "", To: "default", Note: "deployments are checked against the project's Binary Authorization policy"})
		case strings.Contains(f.Field, "reakglass"):
			p.cs.Rationale += "it was deployed with a breakglass justification (" + f.Value + "), which skips the policy. "
			p.manual("Redeploy %s without a breakglass justification once the incident it was for is over: gcloud run %ss update %s --region %s --project %s --binary-authorization default (without --breakglass), and check that the justification is gone.",
				w.Name, kind, r.Name, r.Region, r.Project)
		default:
			p.cs.Rationale += "its project's policy admits every image or only audits (" + f.Field + ": " + f.Value + "). "
			projectPolicy = true
		}
	}
	if projectPolicy || p.projectPolicyWeak(n.ID) {
		p.manual("Make the project policy of %s enforce: gcloud container binauthz policy export --project %s > policy.yaml; set defaultAdmissionRule.evaluationMode to REQUIRE_ATTESTATION (with your attestors) and enforcementMode to ENFORCED_BLOCK_AND_AUDIT_LOG; gcloud container binauthz policy import policy.yaml --project %s. Start in dry-run if unsure.",
			r.Project, r.Project, r.Project)
		p.risk("Once the project policy enforces, every deployment in project %s whose image lacks the required attestations is blocked, not only %s's.", r.Project, w.Name)
	}
	p.cs.Rationale = strings.TrimSpace(p.cs.Rationale)
	p.risk("Deploying %s with --binary-authorization changes nothing while the project policy allows all images; the policy is what blocks unattested images.", w.Name)
	return nil
}

// projectPolicyWeak reports whether the Binary Authorization policy of id's
// project admits every image or only audits (or is unknown, which means the
// platform default, ALWAYS_ALLOW).
func (p *planner) projectPolicyWeak(id string) bool {
	pn, ok := p.projectOf(id)
	if !ok {
		return true
	}
	pr, ok := pn.Data.(*inventory.Project)
	if !ok || pr == nil || pr.BinAuthz == nil {
		return true
	}
	r := pr.BinAuthz.DefaultAdmissionRule
	return r.EvaluationMode == "" || r.EvaluationMode == "ALWAYS_ALLOW" || r.EnforcementMode == "DRYRUN_AUDIT_LOG_ONLY"
}

func planImageNotPinned(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	r, _ := parseRunName(n.ID)
	images := p.fieldValues("image")
	p.cs.Title = fmt.Sprintf("Deploy %s by image digest", w.Name)
	p.cs.Rationale = fmt.Sprintf("%s references %s by tag, so what runs can change without a deployment anyone reviews.", w.Name, strings.Join(images, ", "))
	kind := "services"
	if w.Job {
		kind = "jobs"
	}
	p.manual("runlens does not know the digests, so this step is manual. For each image, resolve the digest the tag points at now (gcloud artifacts docker images describe IMAGE --format='value(image_summary.digest)'), "+
		"check it is the build you expect, and redeploy by digest: gcloud run %s update %s --region %s --project %s --image IMAGE@sha256:DIGEST (add --container NAME for a sidecar). Images: %s",
		kind, r.Name, r.Region, r.Project, strings.Join(images, ", "))
	p.risk("Redeploying creates a new revision; pin the digest in your CI/CD too, or the next deployment goes back to the tag.")
	return nil
}

func planImageUntrustedRegistry(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	r, _ := parseRunName(n.ID)
	images := p.fieldValues("image")
	p.cs.Title = fmt.Sprintf("Serve %s's images from a trusted registry", w.Name)
	p.cs.Rationale = fmt.Sprintf("%s runs images from outside the trusted registries: %s.", w.Name, strings.Join(images, ", "))
	p.manual("Mirror each image into your Artifact Registry after review (docker pull, scan, docker push REGION-docker.pkg.dev/%s/REPO/IMAGE, or a remote repository), then redeploy %s from there by digest. Images: %s",
		r.Project, w.Name, strings.Join(images, ", "))
	p.risk("The mirrored image must be the same build; verify the digest before switching.")
	return nil
}

func planEgressNotRestricted(p *planner) error {
	n, w, err := p.workload()
	if err != nil {
		return err
	}
	r, _ := parseRunName(n.ID)
	kind := "services"
	if w.Job {
		kind = "jobs"
	}
	p.cs.Title = fmt.Sprintf("Route all egress of %s through the VPC", w.Name)
	p.cs.Rationale = fmt.Sprintf("%s's outbound traffic to the internet bypasses VPC firewall rules and egress controls (%s).", w.Name, strings.Join(p.fieldValues(p.egressField()), ""))
	p.manual("runlens does not know which network and subnet %s should use, so this step is manual: gcloud run %s update %s --region %s --project %s --network NETWORK --subnet SUBNET --vpc-egress all-traffic "+
		"(Direct VPC egress; or --vpc-connector CONNECTOR --vpc-egress all-traffic). Then allow what it needs with firewall rules and Cloud NAT.", w.Name, kind, r.Name, r.Region, r.Project)
	p.risk("With all traffic through the VPC, %s reaches the internet only through Cloud NAT (or a proxy) and only where firewall rules allow: calls to external APIs fail until allowed.", w.Name)
	return nil
}

func (p *planner) egressField() string {
	if len(p.f.Evidence.Fields) > 0 {
		return p.f.Evidence.Fields[0].Field
	}
	return ""
}

// planDeletedPrincipalBinding removes the binding that names a deleted
// principal from the policy that holds it.
func planDeletedPrincipalBinding(p *planner) error {
	n, err := p.subject()
	if err != nil {
		return err
	}
	if len(p.f.Evidence.Bindings) == 0 {
		return fmt.Errorf("finding has no binding evidence")
	}
	p.cs.Title = fmt.Sprintf("Remove a deleted principal's binding from %s", p.label(n.ID))
	p.cs.Rationale = "The binding names a deleted principal: it grants nothing now, but if the account is undeleted it grants its role again, to whoever then controls it."
	for _, e := range p.f.Evidence.Bindings {
		p.removeEvidence(e, "the deleted principal's binding")
		p.risk("Nothing loses access: %s grants nothing while the principal is deleted. If the account is restored and needs %s, grant it again then.", p.label(e.Member), e.Role)
	}
	return nil
}
