package demo

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Size is the shape of a generated organization: Projects projects with
// ServicesPerProject Cloud Run services or jobs each.
type Size struct {
	Projects           int
	ServicesPerProject int
}

// Records layout of Generate. Keep in step with generate and Size.Records.
const (
	orgRecords        = 3  // organization, its IAM policy, its org policy
	folderRecords     = 2  // folder, its IAM policy
	projectsPerFolder = 20 // projects per generated folder
	projectRecords    = 12 // fixed per project, see genProject
	slotRecords       = 20 // per service or job, see genSlot
)

// Records returns the exact number of lines Generate writes for s:
// 3 + 2*ceil(Projects/20) + Projects*(12 + 20*ServicesPerProject).
// Projects=1000, ServicesPerProject=50 gives 1,012,103 records.
func (s Size) Records() int {
	folders := (s.Projects + projectsPerFolder - 1) / projectsPerFolder
	return orgRecords + folderRecords*folders + s.Projects*(projectRecords+slotRecords*s.ServicesPerProject)
}

// String formats s as ParseSize reads it ("1000x50").
func (s Size) String() string {
	return strconv.Itoa(s.Projects) + "x" + strconv.Itoa(s.ServicesPerProject)
}

// MaxGenerated bounds Size.Projects*Size.ServicesPerProject (about 20
// million records).
const MaxGenerated = 1_000_000

// ParseSize parses "PROJECTSxSERVICES" (for example "1000x50": 1,000
// projects of 50 services each). Both numbers must be positive and their
// product at most MaxGenerated.
func ParseSize(str string) (Size, error) {
	ps, ss, ok := strings.Cut(strings.ToLower(strings.TrimSpace(str)), "x")
	if !ok {
		return Size{}, fmt.Errorf("demo: size %q: want PROJECTSxSERVICES, e.g. 1000x50", str)
	}
	p, err := parsePositive(ps)
	if err != nil {
		return Size{}, fmt.Errorf("demo: size %q: projects: %w", str, err)
	}
	s, err := parsePositive(ss)
	if err != nil {
		return Size{}, fmt.Errorf("demo: size %q: services per project: %w", str, err)
	}
	if p*s > MaxGenerated {
		return Size{}, fmt.Errorf("demo: size %q: %d services is more than the maximum %d", str, p*s, MaxGenerated)
	}
	return Size{Projects: p, ServicesPerProject: s}, nil
}

func parsePositive(s string) (int, error) {
	if s == "" {
		return 0, errors.New("missing number")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > MaxGenerated {
		return 0, fmt.Errorf("%s is too large", s)
	}
	if n == 0 {
		return 0, errors.New("must be at least 1")
	}
	return n, nil
}

// Generate writes a synthetic organization of size s to w in the export
// line format of the demo organization, RESOURCE and IAM_POLICY records
// interleaved, exactly s.Records() lines. The output depends only on s and
// seed. It is written as it is produced, so memory use does not grow with s.
//
// Every service or job comes with its own runtime service account (with
// keys and an IAM policy), a topic, a push and a pull subscription, a
// bucket, two secrets, a KMS key, a Scheduler job or Eventarc trigger, and
// IAM policies on all of those. Both Cloud Run shapes are used, and a share
// of the services carry the patterns the checks look for: default compute
// SA, shared SA, public and domain invokers, invoker IAM disabled, IAP,
// unauthenticated push and Scheduler calls, images by tag from outside
// Artifact Registry, plaintext secrets in env, user-managed keys,
// project-level grants, legacy bucket roles, uniform access off, public
// buckets and Cloud SQL open to 0.0.0.0/0.
func Generate(w io.Writer, s Size, seed int64) error {
	return generateShape(w, s, genParams{rngSalt: 0x5eedc0ffee0d15ea, org: "org/", span: 4 * 365 * 24 * time.Hour}, seed, (*gen).genProject)
}

// genParams are what a shape's organization is drawn from besides the
// seed: a salt of the random source, the prefix of the organization's
// number, and how far back update and create times reach.
type genParams struct {
	rngSalt uint64
	org     string
	span    time.Duration
}

// generateShape writes the organization of one shape: the organization, a folder
// every projectsPerFolder projects, and project(g, i) for each project.
func generateShape(w io.Writer, s Size, p genParams, seed int64, project func(g *gen, i int)) error {
	if s.Projects < 1 || s.ServicesPerProject < 1 {
		return fmt.Errorf("demo: generate: size %v: projects and services per project must be at least 1", s)
	}
	g := &gen{
		w:    newWriter(w),
		rng:  rand.New(rand.NewPCG(uint64(seed), p.rngSalt)),
		size: s,
	}
	g.org = numID(p.org+strconv.FormatInt(seed, 10), 12)
	g.times = make([]string, 512)
	base := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	for i := range g.times {
		d := time.Duration(g.rng.Int64N(int64(p.span)))
		g.times[i] = base.Add(-d).Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
	}
	g.genOrg()
	for i := 0; i < s.Projects; i++ {
		if i%projectsPerFolder == 0 {
			g.genFolder(i / projectsPerFolder)
		}
		project(g, i)
		if g.w.err != nil {
			return fmt.Errorf("demo: generate: %w", g.w.err)
		}
	}
	if err := g.w.flush(); err != nil {
		return fmt.Errorf("demo: generate: %w", err)
	}
	return nil
}

type gen struct {
	w     *writer
	rng   *rand.Rand
	size  Size
	org   string
	times []string

	folder          string
	folderAncestors []string
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *gen) time() string { return g.times[g.rng.IntN(len(g.times))] }

func pick[T any](g *gen, xs []T) T { return xs[g.rng.IntN(len(xs))] }

var (
	genTeams   = []string{"payments", "search", "catalog", "identity", "billing", "growth", "media", "logistics", "risk", "support", "ads", "maps"}
	genEnvs    = []string{"prod", "prod", "stg", "dev"}
	genWords   = []string{"api", "web", "worker", "ingest", "render", "auth", "search", "notify", "export", "sync", "gateway", "scorer", "indexer", "billing", "upload"}
	genRegions = []string{"us-central1", "us-central1", "us-east1", "europe-west1", "europe-west4", "asia-northeast1"}
	genOrgs    = []string{"acme", "example-oss", "fleetco", "bitnami", "library"}
)

func (g *gen) genOrg() {
	crm := crmPrefix + "organizations/" + g.org
	anc := []string{"organizations/" + g.org}
	const typ = "cloudresourcemanager.googleapis.com/Organization"
	t := g.time()
	g.w.organization(g.org, "example.com", "C0"+shortHash(g.org, 7), "2015-05-05T10:00:00.000Z", t)
	g.w.policy(crm, typ, anc, t,
		bind("roles/resourcemanager.organizationAdmin", "group:gcp-org-admins@example.com"),
		bind("roles/iam.securityReviewer", "group:security-reviewers@example.com"),
	)
	g.w.orgPolicies(crm, typ, anc, t,
		orgPolicy{Constraint: "constraints/iam.automaticIamGrantsForDefaultServiceAccounts", Enforced: true})
}

func (g *gen) genFolder(i int) {
	g.folder = numID(g.org+"/folder/"+strconv.Itoa(i), 12)
	g.folderAncestors = []string{"folders/" + g.folder, "organizations/" + g.org}
	t := g.time()
	g.w.folder(g.folder, "organizations/"+g.org, "unit-"+strconv.Itoa(i), g.folderAncestors, t, t)
	g.w.policy(crmPrefix+"folders/"+g.folder, "cloudresourcemanager.googleapis.com/Folder", g.folderAncestors, t,
		bind("roles/resourcemanager.folderViewer", "group:unit-"+strconv.Itoa(i)+"@example.com"))
}

// projGen is what the services of one generated project share.
type projGen struct {
	p          *project
	region     string
	team       string
	defSA      string
	shared     *serviceAccount
	ci         string
	ring       *keyRing
	sql        *sqlInstance
	legacy     bool // default compute SA holds roles/editor
	imageOwner string
}

// genProject writes the projectRecords records of project i: the project
// and its IAM policy, the default compute SA, a shared runtime SA with a key
// and an IAM policy, a Binary Authorization policy, a KMS key ring and its
// IAM policy, a Cloud SQL instance, the Cloud Build bucket and its IAM
// policy; then one slot per service.
func (g *gen) genProject(i int) {
	team := pick(g, genTeams)
	env := pick(g, genEnvs)
	id := team + "-" + env + "-" + padInt(int64(i), 4)
	number := strconv.FormatInt(100_000_000_000+int64(i)*7_919+int64(g.rng.IntN(7_000)), 10)
	created := g.time()
	p := newProject(id, number, strings.ToUpper(team[:1])+team[1:]+" "+env, "folders/"+g.folder, g.folderAncestors,
		[][2]string{{"team", team}, {"env", env}}, created, g.time())
	gp := &projGen{p: p, region: pick(g, genRegions), team: team, defSA: p.defaultSA(),
		legacy: g.chance(0.3), imageOwner: pick(g, genOrgs)}
	gp.ci = p.saEmail("ci-deployer")
	gp.shared = &serviceAccount{P: p, Email: p.saEmail(team + "-shared"), UniqueID: numID(id+"/shared", 21),
		DisplayName: "Shared runtime for " + team, Updated: created}
	w := g.w

	// The project and its IAM policy.
	w.project(p)
	bs := []binding{
		bind("roles/editor", cloudServices(p)),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/run.developer", "serviceAccount:"+gp.ci),
		bind("roles/viewer", "group:"+team+"@example.com"),
	}
	if gp.legacy {
		bs[0].Members = append(bs[0].Members, "serviceAccount:"+gp.defSA)
	}
	if g.chance(0.2) {
		bs = append(bs, bind("roles/run.invoker", "group:"+team+"-devs@example.com"))
	}
	if g.chance(0.15) {
		bs = append(bs, bind("roles/iam.serviceAccountUser", "group:"+team+"-deployers@example.com"))
	}
	if g.chance(0.3) {
		bs = append(bs, bind("roles/secretmanager.secretAccessor", "serviceAccount:"+gp.shared.Email))
	}
	if g.chance(0.2) {
		bs = append(bs, bind("roles/storage.objectAdmin", "serviceAccount:"+gp.shared.Email))
	}
	w.projectPolicy(p, bs...)

	// Default compute SA, shared runtime SA, its key and IAM policy.
	w.serviceAccount(&serviceAccount{P: p, Email: gp.defSA, UniqueID: numID(id+"/default", 21),
		DisplayName: "Compute Engine default service account", Updated: created})
	w.serviceAccount(gp.shared)
	sk := &saKey{SA: gp.shared, ID: hexHash(id+"/shared/key", 40), ValidAfter: created[:19] + "Z"}
	sk.ValidBefore = plusYears(2, sk.ValidAfter)
	if g.chance(0.1) {
		sk.UserManaged, sk.ValidBefore = true, "9999-12-31T23:59:59Z"
	}
	w.saKey(sk)
	w.serviceAccountPolicy(gp.shared, bind("roles/iam.serviceAccountUser", "serviceAccount:"+gp.ci))

	// Binary Authorization policy.
	ba := &binAuthzPolicy{P: p, Updated: g.time()}
	switch r := g.rng.Float64(); {
	case r < 0.5:
		ba.EvaluationMode, ba.Enforcement = "REQUIRE_ATTESTATION", "ENFORCED_BLOCK_AND_AUDIT_LOG"
		ba.Attestors = []string{"projects/" + id + "/attestors/built-by-cloud-build"}
	case r < 0.7:
		ba.EvaluationMode, ba.Enforcement = "REQUIRE_ATTESTATION", "DRYRUN_AUDIT_LOG_ONLY"
		ba.Attestors = []string{"projects/" + id + "/attestors/built-by-cloud-build"}
	default:
		ba.EvaluationMode, ba.Enforcement = "ALWAYS_ALLOW", "ENFORCED_BLOCK_AND_AUDIT_LOG"
	}
	w.binAuthzPolicy(ba)

	// KMS key ring and its IAM policy.
	gp.ring = &keyRing{P: p, Location: gp.region, Name: "apps", Updated: created}
	w.keyRing(gp.ring)
	if g.chance(0.2) {
		w.keyRingPolicy(gp.ring, bind("roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:"+gp.shared.Email))
	} else {
		w.keyRingPolicy(gp.ring, bind("roles/cloudkms.admin", "group:"+team+"-admins@example.com"))
	}

	// Cloud SQL instance, open to the world in every 20th project (and a few more).
	gp.sql = &sqlInstance{P: p, Name: team + "-db", Region: gp.region, DatabaseVersion: "POSTGRES_15", Updated: created}
	if i%20 == 3 || g.chance(0.02) {
		gp.sql.PublicIP = true
		gp.sql.AuthorizedNetworks = [][2]string{{"anywhere", "0.0.0.0/0"}}
	}
	w.sqlInstance(gp.sql)

	// The Cloud Build bucket and its IAM policy.
	cb := &bucket{P: p, Name: id + "_cloudbuild", Location: "us", Uniform: g.chance(0.5), Created: created, Updated: created}
	w.bucket(cb)
	w.bucketPolicy(cb)

	for j := 0; j < g.size.ServicesPerProject; j++ {
		g.genSlot(gp, j)
	}
}

// genSlot writes the slotRecords records of one service or job: its own
// service account, two keys and the SA's IAM policy; the service or job and
// its IAM policy; a topic and its IAM policy; a subscription (push for
// services, pull for jobs) and its IAM policy; a bucket and its IAM policy;
// a secret and its IAM policy; a KMS key and its IAM policy; a Scheduler job
// or an Eventarc trigger; a second secret and its IAM policy; a pull
// subscription.
func (g *gen) genSlot(gp *projGen, j int) {
	w := g.w
	p := gp.p
	name := genWords[j%len(genWords)] + "-" + strconv.Itoa(j)
	created := g.time()
	updated := g.time()
	if updated < created {
		created, updated = updated, created
	}

	// The slot's own service account, two keys, its IAM policy.
	own := &serviceAccount{P: p, Email: p.saEmail(name + "-sa"), UniqueID: numID(p.ID+"/"+name, 21),
		DisplayName: name + " runtime", Updated: created}
	w.serviceAccount(own)
	w.saKey(&saKey{SA: own, ID: hexHash(own.Email+"/1", 40), ValidAfter: created[:19] + "Z", ValidBefore: plusYears(2, created[:19]+"Z")})
	k2 := &saKey{SA: own, ID: hexHash(own.Email+"/2", 40), ValidAfter: updated[:19] + "Z"}
	k2.ValidBefore = plusYears(2, k2.ValidAfter)
	if g.chance(0.08) {
		k2.UserManaged, k2.Disabled, k2.ValidBefore = true, g.chance(0.25), "9999-12-31T23:59:59Z"
	}
	w.saKey(k2)
	saBinds := []binding{bind("roles/iam.serviceAccountUser", "serviceAccount:"+gp.ci)}
	if g.chance(0.03) {
		saBinds = append(saBinds, bind("roles/iam.serviceAccountTokenCreator", "user:oncall-"+gp.team+"@example.com"))
	}
	w.serviceAccountPolicy(own, saBinds...)

	// Runtime identity: own SA, the project's shared SA, or default compute.
	r := &run{P: p, Region: gp.region, Name: name, Job: g.chance(0.1), V2: g.chance(0.5),
		Labels: [][2]string{{"team", gp.team}}, Generation: 1 + g.rng.Int64N(200),
		Created: created, Updated: updated, Creator: gp.ci}
	runtime := own.Email
	switch x := g.rng.Float64(); {
	case x < 0.08:
		runtime = gp.defSA
		if r.V2 {
			r.SA = gp.defSA
		}
	case x < 0.25:
		runtime = gp.shared.Email
		r.SA = runtime
	default:
		r.SA = runtime
	}

	// Resources the service's env refers to; written further down.
	b := &bucket{P: p, Name: p.ID + "-" + name, Location: gp.region, Uniform: !g.chance(0.12), Created: created, Updated: updated}
	dbpw := &secret{P: p, Name: name + "-db-password", Updated: created}
	apiKey := &secret{P: p, Name: name + "-api-key", Updated: created}
	key := &cryptoKey{Ring: gp.ring, Name: name, Updated: created}

	img := g.image(gp, name)
	env := []envVar{
		{Name: "BUCKET", Value: b.Name},
		{Name: "KMS_KEY", Value: key.apiName()},
		{Name: "DB_PASSWORD", Secret: dbpw.Name, Version: "latest"},
	}
	if g.chance(0.03) {
		env = append(env, envVar{Name: "API_TOKEN", Value: "generated-fake-" + shortHash(r.name(), 12)})
	} else {
		env = append(env, envVar{Name: "API_KEY", Secret: apiKey.Name, Version: "1"})
	}
	r.Containers = []container{{Name: "app", Image: img, Env: env}}
	if g.chance(0.2) {
		r.CloudSQL = []string{gp.sql.connectionName()}
	}
	if g.chance(0.4) {
		r.BinAuthz = "default"
		if g.chance(0.03) {
			r.Breakglass = "incident " + strconv.Itoa(1000+g.rng.IntN(9000))
		}
	}
	switch x := g.rng.Float64(); {
	case x < 0.4:
	case x < 0.6:
		r.Egress = egressPrivate
	default:
		r.Egress = egressAll
	}
	var invokers []binding
	caller := runtime // identity used by push and Scheduler callers
	if !r.Job {
		switch x := g.rng.Float64(); {
		case x < 0.5:
			r.Ingress = ingressAll
		case x < 0.85:
			r.Ingress = ingressInternal
		default:
			r.Ingress = ingressLB
		}
		invokers = append(invokers, bind("roles/run.invoker", "serviceAccount:"+caller))
		switch x := g.rng.Float64(); {
		case x < 0.06:
			invokers = append(invokers, bind("roles/run.invoker", "allUsers"))
		case x < 0.08:
			invokers = append(invokers, bind("roles/run.invoker", "allAuthenticatedUsers"))
		case x < 0.13:
			invokers = append(invokers, bind("roles/run.invoker", "domain:example.com"))
		case x < 0.23:
			invokers = append(invokers, bind("roles/run.invoker", "group:"+gp.team+"@example.com"))
		case x < 0.26:
			invokers = append(invokers, binding{Role: "roles/run.invoker", Members: []string{"user:partner-" + gp.team + "@example.com"},
				CondTitle: "temporary", CondExpr: `request.time < timestamp("2030-01-01T00:00:00Z")`})
		case x < 0.31:
			r.IAP = true
			invokers = append(invokers, bind("roles/run.invoker", iapAgent(p)))
		}
		r.InvokerIAMDisabled = g.chance(0.02)
	} else {
		invokers = append(invokers, bind("roles/run.invoker", "serviceAccount:"+caller))
	}

	// The service or job and its IAM policy.
	w.run(r)
	w.runPolicy(r, invokers...)

	// Topic, its policy, a push (services) or pull (jobs) subscription, the
	// subscription's policy.
	t := &topic{P: p, Name: name + "-events", Updated: created}
	w.topic(t)
	w.topicPolicy(t, bind("roles/pubsub.publisher", "serviceAccount:"+runtime))
	sub := &subscription{P: p, Name: name + "-sub", Topic: t.Name, Updated: created}
	if !r.Job {
		sub.PushEndpoint = r.url() + "/events"
		if !g.chance(0.1) {
			sub.OIDCServiceAccount = caller
		}
	}
	w.subscription(sub)
	w.subscriptionPolicy(sub, bind("roles/pubsub.subscriber", "serviceAccount:"+runtime))

	// Bucket and its policy.
	w.bucket(b)
	bb := []binding{bind("roles/storage.objectAdmin", "serviceAccount:"+runtime)}
	if g.chance(0.03) {
		bb = append(bb, bind("roles/storage.objectViewer", "allUsers"))
	}
	if g.chance(0.04) {
		bb = append(bb, bind("roles/storage.legacyBucketWriter", "serviceAccount:"+runtime))
	}
	w.bucketPolicy(b, bb...)

	// Database password secret and its policy.
	w.secret(dbpw)
	w.secretPolicy(dbpw, bind("roles/secretmanager.secretAccessor", "serviceAccount:"+runtime))

	// KMS key and its policy.
	w.cryptoKey(key)
	w.cryptoKeyPolicy(key, bind("roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:"+runtime))

	// A Scheduler job or an Eventarc trigger calling it.
	switch {
	case r.Job:
		w.schedulerJob(&schedulerJob{P: p, Region: gp.region, Name: name + "-schedule", Schedule: "0 3 * * *",
			URI:    "https://run.googleapis.com/v2/" + r.apiName() + ":run",
			Method: "POST", OAuthServiceAccount: caller, Updated: updated})
	case g.chance(0.5):
		sj := &schedulerJob{P: p, Region: gp.region, Name: name + "-cron", Schedule: "*/15 * * * *",
			URI: r.url() + "/tick", Method: "POST", Updated: updated}
		if !g.chance(0.08) {
			sj.OIDCServiceAccount, sj.Audience = caller, r.url()
		}
		w.schedulerJob(sj)
	default:
		trig := &trigger{P: p, Region: gp.region, Name: name + "-uploads",
			Filters:        [][2]string{{"type", "google.cloud.storage.object.v1.finalized"}, {"bucket", b.Name}},
			ServiceAccount: caller, Service: r.Name, ServiceRegion: gp.region, Path: "/uploads", Updated: updated}
		if g.chance(0.15) {
			trig.ServiceAccount = gp.defSA
		}
		w.trigger(trig)
	}

	// API key secret and its policy.
	w.secret(apiKey)
	w.secretPolicy(apiKey, bind("roles/secretmanager.secretAccessor", "serviceAccount:"+runtime))

	// A pull subscription for the archive.
	w.subscription(&subscription{P: p, Name: name + "-archive", Topic: t.Name, Updated: created})
}

// image returns a container image reference for a service.
func (g *gen) image(gp *projGen, name string) string {
	var repo string
	switch x := g.rng.Float64(); {
	case x < 0.6:
		repo = gp.region + "-docker.pkg.dev/" + gp.p.ID + "/apps/" + name
	case x < 0.75:
		repo = "gcr.io/" + gp.p.ID + "/" + name
	case x < 0.87:
		repo = "docker.io/" + gp.imageOwner + "/" + genWords[g.rng.IntN(len(genWords))]
	case x < 0.95:
		repo = "ghcr.io/" + gp.imageOwner + "/" + name
	default:
		repo = "quay.io/" + gp.imageOwner + "/" + name
	}
	if g.chance(0.35) {
		return repo + "@sha256:" + hexHash(repo+strconv.FormatUint(g.rng.Uint64(), 16), 64)
	}
	return repo + ":" + pick(g, []string{"latest", "v1.2.3", "main", "2025.12", "stable"})
}
