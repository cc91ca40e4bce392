package demo

import (
	"io"
)

// writeDemoOrg writes the embedded demo organization: resources to res, IAM
// policies to iam, organization policies to pol. The files under org/ are its
// output; TestEmbeddedOrgUpToDate keeps them in sync (go test -update
// rewrites them). org/README.md describes the scenarios and the findings each
// one is meant to produce: keep it in step with this function.
func writeDemoOrg(res, iam, pol io.Writer) error {
	return writeDemoOrgEdited(res, iam, pol, nil)
}

// writeDemoOrgEdited is writeDemoOrg with edit set on every writer (see
// writer.edit): writeHistory uses it to write the organization as it was.
func writeDemoOrgEdited(res, iam, pol io.Writer, edit func(v any)) error {
	d := &demoOrg{r: newWriter(res), p: newWriter(iam), o: newWriter(pol)}
	for _, w := range []*writer{d.r, d.p, d.o} {
		w.edit = edit
	}
	d.organization()
	d.pdfConvert()
	d.vault()
	d.qaPortal()
	d.fleetWeb()
	d.fleetData()
	d.fleetDev()
	d.ledger()
	for _, w := range []*writer{d.r, d.p, d.o} {
		if err := w.flush(); err != nil {
			return err
		}
	}
	return nil
}

const (
	orgNumber     = "584930217465"
	folderProd    = "301934856720"
	folderNonprod = "718203948561"
)

var (
	orgAncestors     = []string{"organizations/" + orgNumber}
	prodAncestors    = []string{"folders/" + folderProd, "organizations/" + orgNumber}
	nonprodAncestors = []string{"folders/" + folderNonprod, "organizations/" + orgNumber}
)

// deployerRole is a custom role that can deploy Cloud Run services and act
// as their runtime service accounts.
var deployerRole = &customRole{
	OrgNumber: orgNumber, ID: "cloudRunDeployer", Title: "Cloud Run deployer",
	Description: "Deploy Cloud Run services from CI (created 2023-02-01)",
	Permissions: []string{
		"iam.serviceAccounts.actAs",
		"run.operations.get",
		"run.revisions.get",
		"run.revisions.list",
		"run.services.create",
		"run.services.get",
		"run.services.list",
		"run.services.update",
	},
	Updated: "2023-02-01T12:00:00.000Z",
}

type demoOrg struct {
	r, p, o *writer // resources, IAM policies, org policies

	fleetRuntime *serviceAccount // shared across fleet-web-prod and fleet-data-prod
}

func m(members ...string) []string { return members }

func sa(p *project, accountID, display, updated string) *serviceAccount {
	return &serviceAccount{
		P: p, Email: p.saEmail(accountID), UniqueID: numID(p.ID+"/"+accountID, 21),
		DisplayName: display, Updated: updated,
	}
}

func defaultComputeSA(p *project) *serviceAccount {
	return &serviceAccount{
		P: p, Email: p.defaultSA(), UniqueID: numID(p.ID+"/default-compute", 21),
		DisplayName: "Compute Engine default service account", Updated: p.Created,
	}
}

// account writes a user-created service account and the Google-managed
// (SYSTEM_MANAGED) key CAI lists for it.
func (d *demoOrg) account(s *serviceAccount) {
	d.r.serviceAccount(s)
	after := s.Updated[:10] + "T04:00:00Z"
	d.r.saKey(&saKey{SA: s, ID: hexHash(s.Email+"/system", 40), ValidAfter: after, ValidBefore: plusYears(2, after)})
}

func sha(s string) string { return "@sha256:" + hexHash(s, 64) }

func (d *demoOrg) organization() {
	const crm = crmPrefix + "organizations/" + orgNumber
	const typ = "cloudresourcemanager.googleapis.com/Organization"
	d.r.organization(orgNumber, "example.com", "C03xk9t2q", "2016-03-02T17:41:10.362Z", "2025-11-04T10:12:44.118Z")
	d.p.policy(crm, typ, orgAncestors, "2025-11-04T10:12:44.118Z",
		bind("roles/billing.admin", "group:gcp-billing-admins@example.com"),
		bind("roles/iam.securityReviewer", "group:security-reviewers@example.com"),
		bind("roles/resourcemanager.organizationAdmin", "group:gcp-org-admins@example.com"),
		bind("roles/resourcemanager.projectCreator", "group:gcp-org-admins@example.com"),
	)
	d.o.orgPolicies(crm, typ, orgAncestors, "2021-05-18T09:03:27.512Z",
		orgPolicy{Constraint: "constraints/iam.automaticIamGrantsForDefaultServiceAccounts", Enforced: true},
	)

	d.r.customRole(deployerRole)

	const folderType = "cloudresourcemanager.googleapis.com/Folder"
	d.r.folder(folderProd, "organizations/"+orgNumber, "prod", prodAncestors, "2016-04-11T12:00:03.201Z", "2024-02-19T15:22:10.004Z")
	d.p.policy(crmPrefix+"folders/"+folderProd, folderType, prodAncestors, "2024-02-19T15:22:10.004Z",
		bind("roles/resourcemanager.folderViewer", "group:sre@example.com"),
	)
	d.r.folder(folderNonprod, "organizations/"+orgNumber, "nonprod", nonprodAncestors, "2016-04-11T12:01:44.870Z", "2024-02-19T15:23:51.660Z")
	d.p.policy(crmPrefix+"folders/"+folderNonprod, folderType, nonprodAncestors, "2024-02-19T15:23:51.660Z",
		bind("roles/resourcemanager.folderViewer", "group:engineering@example.com"),
	)
}

// pdfConvert: the PDF-conversion app. A public frontend (intended), a
// backend worker pushed by Pub/Sub without an OIDC token and running as the
// default compute service account, which holds roles/editor (the project
// predates the org policy that stops the automatic Editor grant).
func (d *demoOrg) pdfConvert() {
	p := newProject("pdf-convert-prod", "204815367192", "PDF Convert", "folders/"+folderProd, prodAncestors,
		[][2]string{{"team", "docs"}, {"env", "prod"}}, "2019-06-03T14:22:41.377Z", "2025-09-30T08:11:02.517Z")
	const region = "us-central1"
	d.r.project(p)
	d.r.enabledAPIs(p, p.Created,
		"artifactregistry", "cloudscheduler", "compute", "containerregistry", "eventarc", "pubsub", "run", "storage")
	d.r.repository(p, "us-central1", "pdf", "PDF app images", p.Created)
	d.p.projectPolicy(p,
		bind("roles/editor", "serviceAccount:"+p.defaultSA(), cloudServices(p)),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/viewer", "group:docs-team@example.com"),
	)

	def := defaultComputeSA(p)
	d.r.serviceAccount(def)
	front := sa(p, "pdf-frontend", "PDF frontend runtime", "2022-01-17T10:02:33.000Z")
	d.account(front)

	jobs := &topic{P: p, Name: "pdf-jobs", Updated: "2019-06-04T09:15:00.000Z"}
	dead := &topic{P: p, Name: "pdf-jobs-dead-letter", Updated: "2019-06-04T09:15:30.000Z"}
	d.r.topic(jobs)
	d.r.topic(dead)
	d.p.topicPolicy(jobs, bind("roles/pubsub.publisher", "serviceAccount:"+front.Email))

	uploads := &bucket{P: p, Name: "pdf-convert-prod-uploads", Location: region, Uniform: true,
		Created: "2019-06-03T15:01:12.101Z", Updated: "2022-01-17T10:05:40.220Z"}
	output := &bucket{P: p, Name: "pdf-convert-prod-output", Location: region, Uniform: true,
		Created: "2019-06-03T15:01:40.664Z", Updated: "2019-06-03T15:01:40.664Z"}
	d.r.bucket(uploads)
	d.p.bucketPolicy(uploads, bind("roles/storage.objectCreator", "serviceAccount:"+front.Email))
	d.r.bucket(output)
	d.p.bucketPolicy(output)

	frontend := &run{P: p, Region: region, Name: "pdf-frontend", V2: true, SA: front.Email,
		Containers: []container{{Name: "frontend", Image: "us-central1-docker.pkg.dev/pdf-convert-prod/pdf/frontend:v2.3.1",
			Env: []envVar{{Name: "UPLOAD_BUCKET", Value: uploads.Name}, {Name: "JOBS_TOPIC", Value: "projects/pdf-convert-prod/topics/pdf-jobs"}}}},
		Labels:  [][2]string{{"app", "pdf-convert"}, {"tier", "frontend"}},
		Ingress: ingressAll, Generation: 14, Created: "2022-01-17T10:11:09.482Z", Updated: "2025-09-30T08:11:02.517Z",
		Creator: "alex.doc@example.com"}
	d.r.run(frontend)
	d.p.runPolicy(frontend, bind("roles/run.invoker", "allUsers"))

	worker := &run{P: p, Region: region, Name: "pdf-worker", SA: "",
		Containers: []container{{Image: "gcr.io/pdf-convert-prod/pdf-worker:latest",
			Env: []envVar{{Name: "INPUT_BUCKET", Value: uploads.Name}, {Name: "OUTPUT_BUCKET", Value: output.Name}}}},
		Labels:  [][2]string{{"app", "pdf-convert"}, {"tier", "worker"}},
		Ingress: ingressAll, Generation: 31, Created: "2019-06-04T09:40:51.006Z", Updated: "2025-08-12T16:45:19.930Z",
		Creator: "alex.doc@example.com"}
	d.r.run(worker)
	d.p.runPolicy(worker, bind("roles/run.invoker", "allUsers"))
	d.r.subscription(&subscription{P: p, Name: "pdf-jobs-worker-push", Topic: jobs.Name,
		PushEndpoint: worker.url() + "/convert", DeadLetterTopic: dead.Name, Updated: "2019-06-04T09:52:13.000Z"})

	thumbs := &run{P: p, Region: region, Name: "pdf-thumbnailer", V2: true, SA: p.defaultSA(),
		Containers: []container{{Name: "thumbnailer", Image: "us-central1-docker.pkg.dev/pdf-convert-prod/pdf/thumbnailer:1.0.4",
			Env: []envVar{{Name: "OUTPUT_BUCKET", Value: output.Name}}}},
		Labels:  [][2]string{{"app", "pdf-convert"}, {"tier", "worker"}},
		Ingress: ingressInternal, Generation: 3, Created: "2023-03-08T11:20:00.000Z", Updated: "2024-10-02T13:31:47.118Z",
		Creator: "alex.doc@example.com"}
	d.r.run(thumbs)
	d.p.runPolicy(thumbs, bind("roles/run.invoker", "serviceAccount:"+p.defaultSA()))
	d.r.trigger(&trigger{P: p, Region: region, Name: "pdf-output-finalized",
		Filters:        [][2]string{{"type", "google.cloud.storage.object.v1.finalized"}, {"bucket", output.Name}},
		ServiceAccount: p.defaultSA(), Service: thumbs.Name, ServiceRegion: region, Path: "/",
		Updated: "2023-03-08T11:25:40.000Z"})

	cleanup := &run{P: p, Region: region, Name: "pdf-cleanup", Job: true, SA: "",
		Containers: []container{{Image: "gcr.io/pdf-convert-prod/pdf-cleanup:1.4",
			Env: []envVar{{Name: "BUCKETS", Value: uploads.Name + "," + output.Name}, {Name: "MAX_AGE_DAYS", Value: "30"}}}},
		Labels:     [][2]string{{"app", "pdf-convert"}},
		Generation: 2, Created: "2023-11-21T08:00:00.000Z", Updated: "2024-05-06T07:12:55.301Z", Creator: "alex.doc@example.com"}
	d.r.run(cleanup)
	d.p.runPolicy(cleanup, bind("roles/run.invoker", "serviceAccount:"+p.defaultSA()))
	d.r.schedulerJob(&schedulerJob{P: p, Region: region, Name: "pdf-cleanup-nightly", Schedule: "30 2 * * *",
		URI:    "https://run.googleapis.com/v2/projects/pdf-convert-prod/locations/us-central1/jobs/pdf-cleanup:run",
		Method: "POST", OAuthServiceAccount: p.defaultSA(), Updated: "2023-11-21T08:05:00.000Z"})
}

// vault: the KMS-and-bucket secrets service. A public API with a literal
// DB_PASSWORD, project-wide secretAccessor and storage.objectAdmin, key-ring
// wide encrypt/decrypt, a legacy bucket role granted to its runtime SA, a
// bucket with uniform access off, and an IAP-on admin UI that also lets a
// group invoke it directly.
func (d *demoOrg) vault() {
	p := newProject("vault-prod", "318276450921", "Vault", "folders/"+folderProd, prodAncestors,
		[][2]string{{"team", "payments"}, {"env", "prod"}, {"data-classification", "confidential"}},
		"2020-02-11T09:30:12.882Z", "2025-10-21T12:40:08.611Z")
	const region = "europe-west1"
	d.r.project(p)
	d.r.enabledAPIs(p, p.Created,
		"artifactregistry", "cloudkms", "cloudscheduler", "compute", "iap", "run", "secretmanager", "storage")
	d.r.repository(p, "europe-west1", "vault", "Vault images", p.Created)
	api := sa(p, "vault-api", "Vault API runtime", "2020-02-11T10:02:00.000Z")
	admin := sa(p, "vault-admin", "Vault admin UI runtime", "2024-07-01T09:00:00.000Z")
	d.p.projectPolicy(p,
		bind("roles/editor", cloudServices(p)),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/secretmanager.secretAccessor", "serviceAccount:"+api.Email),
		bind("roles/storage.objectAdmin", "serviceAccount:"+api.Email),
		bind("roles/viewer", "group:payments-team@example.com"),
	)
	d.r.serviceAccount(defaultComputeSA(p))
	d.account(api)
	d.account(admin)

	ring := &keyRing{P: p, Location: region, Name: "vault-ring", Updated: "2020-02-11T10:20:41.205Z"}
	dek := &cryptoKey{Ring: ring, Name: "vault-dek", Updated: "2020-02-11T10:21:03.771Z"}
	d.r.keyRing(ring)
	d.p.keyRingPolicy(ring, bind("roles/cloudkms.cryptoKeyEncrypterDecrypter", "serviceAccount:"+api.Email))
	d.r.cryptoKey(dek)
	d.p.cryptoKeyPolicy(dek, bind("roles/cloudkms.cryptoKeyEncrypterDecrypter",
		"serviceAccount:service-"+p.Number+"@gs-project-accounts.iam.gserviceaccount.com"))

	signing := &secret{P: p, Name: "vault-signing-key", Updated: "2020-02-12T08:00:00.000Z"}
	dbpw := &secret{P: p, Name: "vault-db-password", Labels: [][2]string{{"owner", "payments"}}, Updated: "2023-06-14T13:45:10.000Z"}
	d.r.secret(signing)
	d.r.secret(dbpw)
	d.p.secretPolicy(dbpw, bind("roles/secretmanager.secretVersionManager", "group:payments-admins@example.com"))

	docs := &bucket{P: p, Name: "vault-prod-documents", Location: region, Uniform: true,
		Created: "2020-02-11T10:40:00.000Z", Updated: "2023-02-02T09:10:11.000Z"}
	exports := &bucket{P: p, Name: "vault-prod-exports", Location: region, Uniform: false,
		Created: "2020-03-02T16:00:00.000Z", Updated: "2020-03-02T16:00:00.000Z"}
	d.r.bucket(docs)
	// A legacy ACL grant (gsutil acl ch -u ...:R) shows up merged into the
	// legacyBucketReader binding next to the convenience member.
	d.p.policy(docs.name(), "storage.googleapis.com/Bucket", p.Ancestors, docs.Updated,
		bind("roles/storage.legacyBucketOwner", "projectEditor:"+p.ID, "projectOwner:"+p.ID),
		bind("roles/storage.legacyBucketReader", "projectViewer:"+p.ID, "serviceAccount:"+api.Email),
		bind("roles/storage.legacyObjectReader", "user:dana.auditor@example.com"),
	)
	d.r.bucket(exports)
	d.p.bucketPolicy(exports)

	svc := &run{P: p, Region: region, Name: "vault-api", SA: api.Email,
		Containers: []container{{Image: "europe-west1-docker.pkg.dev/vault-prod/vault/vault-api:2025.11",
			Env: []envVar{
				{Name: "DB_USER", Value: "vault"},
				{Name: "DB_PASSWORD", Value: "demo-only-not-a-real-password"},
				{Name: "SIGNING_KEY", Secret: signing.Name, Version: "latest"},
				{Name: "KMS_KEY", Value: dek.apiName()},
				{Name: "DOCUMENTS_BUCKET", Value: docs.Name},
				{Name: "EXPORT_BUCKET", Value: exports.Name},
			}}},
		Labels:  [][2]string{{"app", "vault"}},
		Ingress: ingressAll, Generation: 58, Created: "2020-02-11T11:00:00.000Z", Updated: "2025-10-21T12:40:08.611Z",
		Creator: "priya.pay@example.com"}
	d.r.run(svc)
	d.p.runPolicy(svc, bind("roles/run.invoker", "allUsers"))

	rotate := &run{P: p, Region: region, Name: "vault-rotate-keys", Job: true, V2: true, SA: api.Email,
		Containers: []container{{Name: "rotator", Image: "europe-west1-docker.pkg.dev/vault-prod/vault/rotator" + sha("vault-rotator"),
			Env: []envVar{{Name: "KMS_KEY", Value: dek.apiName()}}}},
		Labels:     [][2]string{{"app", "vault"}},
		Generation: 4, Created: "2024-01-09T10:00:00.000Z", Updated: "2025-04-02T10:30:00.000Z", Creator: "priya.pay@example.com"}
	d.r.run(rotate)
	d.p.runPolicy(rotate, bind("roles/run.invoker", "serviceAccount:"+api.Email))
	d.r.schedulerJob(&schedulerJob{P: p, Region: region, Name: "vault-rotate-weekly", Schedule: "0 3 * * 1",
		URI:    "https://run.googleapis.com/v2/projects/vault-prod/locations/europe-west1/jobs/vault-rotate-keys:run",
		Method: "POST", OAuthServiceAccount: api.Email, Updated: "2024-01-09T10:05:00.000Z"})

	ui := &run{P: p, Region: region, Name: "vault-admin", V2: true, SA: admin.Email,
		Containers: []container{{Name: "admin", Image: "europe-west1-docker.pkg.dev/vault-prod/vault/admin:3.0.2"}},
		Labels:     [][2]string{{"app", "vault"}, {"tier", "admin"}},
		Ingress:    ingressAll, IAP: true, BinAuthz: "default", Egress: egressAll,
		Generation: 6, Created: "2024-07-01T09:10:00.000Z", Updated: "2025-06-18T14:02:33.000Z", Creator: "priya.pay@example.com"}
	d.r.run(ui)
	d.p.runPolicy(ui, bind("roles/run.invoker", "group:payments-admins@example.com", iapAgent(p)))
}

// qaPortal: the IAP-protected QA environment. qa-portal has IAP on the
// service and only the IAP service agent as invoker (clean); the legacy
// dashboard sits behind a load balancer with IAP, but its ingress is "all"
// and humans hold run.invoker, so the default run.app URL bypasses IAP.
func (d *demoOrg) qaPortal() {
	p := newProject("qa-portal-nonprod", "429187365042", "QA Portal", "folders/"+folderNonprod, nonprodAncestors,
		[][2]string{{"team", "qa"}, {"env", "qa"}}, "2021-09-14T07:55:00.120Z", "2025-07-07T11:00:00.000Z")
	const region = "us-east1"
	d.r.project(p)
	d.r.enabledAPIs(p, p.Created,
		"artifactregistry", "binaryauthorization", "cloudscheduler", "compute", "containeranalysis", "iap", "run")
	d.r.repository(p, "us-east1", "portal", "QA portal images", p.Created)
	portalSA := sa(p, "qa-portal", "QA portal runtime", "2021-09-14T08:30:00.000Z")
	dashSA := sa(p, "qa-dashboard", "QA dashboard runtime", "2021-09-14T08:31:00.000Z")
	mockSA := sa(p, "qa-mock-payments", "Mock payments runtime", "2023-02-20T10:00:00.000Z")
	e2eSA := sa(p, "qa-e2e", "Nightly e2e runner", "2022-05-05T10:00:00.000Z")
	d.p.projectPolicy(p,
		bind("roles/editor", cloudServices(p)),
		bind("roles/iap.httpsResourceAccessor", "group:qa@example.com"),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/viewer", "group:qa@example.com"),
	)
	d.r.binAuthzPolicy(&binAuthzPolicy{P: p, EvaluationMode: "REQUIRE_ATTESTATION", Enforcement: "ENFORCED_BLOCK_AND_AUDIT_LOG",
		Attestors: []string{"projects/qa-portal-nonprod/attestors/built-by-cloud-build"}, Updated: "2022-05-05T09:00:00.000Z"})
	d.r.serviceAccount(defaultComputeSA(p))
	for _, s := range []*serviceAccount{portalSA, dashSA, mockSA, e2eSA} {
		d.account(s)
	}

	portal := &run{P: p, Region: region, Name: "qa-portal", V2: true, SA: portalSA.Email,
		Containers: []container{{Name: "portal", Image: "us-east1-docker.pkg.dev/qa-portal-nonprod/portal/portal" + sha("qa-portal")}},
		Labels:     [][2]string{{"app", "qa-portal"}},
		Ingress:    ingressAll, IAP: true, BinAuthz: "default", Egress: egressAll,
		Generation: 22, Created: "2021-09-14T09:00:00.000Z", Updated: "2025-07-07T11:00:00.000Z", Creator: "quinn.qa@example.com"}
	d.r.run(portal)
	d.p.runPolicy(portal, bind("roles/run.invoker", iapAgent(p)))

	dash := &run{P: p, Region: region, Name: "qa-legacy-dashboard", SA: dashSA.Email,
		Containers: []container{{Image: "us-east1-docker.pkg.dev/qa-portal-nonprod/portal/dashboard:v1.8.0"}},
		Labels:     [][2]string{{"app", "qa-dashboard"}},
		Ingress:    ingressAll, Generation: 9, Created: "2021-09-14T09:30:00.000Z", Updated: "2024-03-11T15:20:00.000Z",
		Creator: "quinn.qa@example.com"}
	d.r.run(dash)
	d.p.runPolicy(dash, bind("roles/run.invoker", "group:qa@example.com", iapAgent(p)))
	neg := &serverlessNEG{P: p, Region: region, Name: "qa-dashboard-neg", ID: numID("qa-dashboard-neg", 19),
		Service: dash.Name, Updated: "2021-09-15T10:00:00.000-07:00"}
	d.r.serverlessNEG(neg)
	d.r.backendService(&backendService{P: p, Name: "qa-dashboard-backend", ID: numID("qa-dashboard-backend", 19),
		NEGs: []*serverlessNEG{neg}, IAP: true,
		OAuthClientID: "429187365042-" + shortHash("qa-iap-client", 32) + ".apps.googleusercontent.com",
		Updated:       "2021-09-15T10:05:00.000-07:00"})

	mock := &run{P: p, Region: region, Name: "qa-mock-payments", V2: true, SA: mockSA.Email,
		Containers: []container{{Name: "mock", Image: "us-east1-docker.pkg.dev/qa-portal-nonprod/portal/mock-payments" + sha("qa-mock")}},
		Labels:     [][2]string{{"app", "qa-portal"}},
		Ingress:    ingressInternal, BinAuthz: "default", Egress: egressAll,
		Generation: 5, Created: "2023-02-20T10:10:00.000Z", Updated: "2025-01-09T09:00:00.000Z", Creator: "quinn.qa@example.com"}
	d.r.run(mock)
	d.p.runPolicy(mock, bind("roles/run.invoker", "serviceAccount:"+portalSA.Email))

	e2e := &run{P: p, Region: region, Name: "qa-e2e-nightly", Job: true, V2: true, SA: e2eSA.Email,
		Containers: []container{{Name: "e2e", Image: "us-east1-docker.pkg.dev/qa-portal-nonprod/portal/e2e" + sha("qa-e2e"),
			Env: []envVar{{Name: "TARGET_URL", Value: portal.url()}}}},
		Labels:   [][2]string{{"app", "qa-portal"}},
		BinAuthz: "default", Egress: egressAll,
		Generation: 11, Created: "2022-05-05T10:10:00.000Z", Updated: "2025-06-30T10:00:00.000Z", Creator: "quinn.qa@example.com"}
	d.r.run(e2e)
	d.p.runPolicy(e2e, bind("roles/run.invoker", "serviceAccount:"+e2eSA.Email))
	d.r.schedulerJob(&schedulerJob{P: p, Region: region, Name: "qa-e2e-nightly", Schedule: "0 4 * * *",
		URI:    "https://run.googleapis.com/v2/projects/qa-portal-nonprod/locations/us-east1/jobs/qa-e2e-nightly:run",
		Method: "POST", OAuthServiceAccount: e2eSA.Email, Updated: "2022-05-05T10:15:00.000Z"})
}

// fleetWeb: the supply-chain-weak fleet, production web project. Images by
// tag from docker.io and ghcr.io, Binary Authorization policy ALWAYS_ALLOW,
// one runtime SA shared by every service (with an enabled user-managed key
// and a token creator grant to a contractor), project-level run.invoker and
// serviceAccountUser grants, a domain invoker, conditional invokers (one
// expired), an unauthenticated Scheduler job, an Eventarc trigger running as
// the default compute SA, a public bucket and a Cloud SQL instance open to
// 0.0.0.0/0.
func (d *demoOrg) fleetWeb() {
	p := newProject("fleet-web-prod", "537291846503", "Fleet Web", "folders/"+folderProd, prodAncestors,
		[][2]string{{"team", "fleet"}, {"env", "prod"}}, "2022-03-01T10:00:00.000Z", "2025-12-02T09:41:00.000Z")
	const region = "us-central1"
	d.r.project(p)
	d.r.enabledAPIs(p, p.Created,
		"artifactregistry", "binaryauthorization", "cloudscheduler", "compute", "eventarc", "pubsub", "run", "secretmanager", "sqladmin", "storage")
	d.r.repository(p, "us-central1", "fleet", "Fleet images (few services use it)", p.Created)
	rt := sa(p, "fleet-runtime", "Fleet runtime", "2022-03-01T11:00:00.000Z")
	d.fleetRuntime = rt
	ci := sa(p, "fleet-ci", "Fleet CI deployer", "2022-03-01T11:05:00.000Z")
	authSA := sa(p, "fleet-auth", "Fleet auth runtime (mints tokens)", "2023-09-12T10:00:00.000Z")
	def := defaultComputeSA(p)
	d.p.projectPolicy(p,
		bind("roles/cloudsql.client", "serviceAccount:"+rt.Email),
		bind("roles/editor", cloudServices(p)),
		bind("roles/eventarc.eventReceiver", "serviceAccount:"+def.Email),
		bind("roles/iam.serviceAccountUser", "group:fleet-deployers@example.com"),
		bind("roles/logging.logWriter", "serviceAccount:"+rt.Email),
		bind("roles/run.developer", "group:fleet-deployers@example.com", "serviceAccount:"+ci.Email),
		bind("roles/iam.serviceAccountTokenCreator", "serviceAccount:"+authSA.Email),
		bind("roles/run.invoker", "group:fleet-devs@example.com"),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/secretmanager.secretAccessor", "serviceAccount:"+rt.Email),
	)
	d.r.binAuthzPolicy(&binAuthzPolicy{P: p, EvaluationMode: "ALWAYS_ALLOW", Enforcement: "ENFORCED_BLOCK_AND_AUDIT_LOG",
		Updated: "2022-03-01T10:30:00.000Z"})

	d.r.serviceAccount(def)
	d.account(rt)
	d.r.saKey(&saKey{SA: rt, ID: hexHash("fleet-runtime-user-key", 40), UserManaged: true,
		ValidAfter: "2023-04-17T13:37:00Z", ValidBefore: "9999-12-31T23:59:59Z"})
	d.p.serviceAccountPolicy(rt,
		bind("roles/iam.serviceAccountTokenCreator", "user:sam.contractor@example.com"),
		bind("roles/iam.serviceAccountUser", "serviceAccount:"+ci.Email),
	)
	d.account(ci)
	d.account(authSA)

	db := &sqlInstance{P: p, Name: "fleet-db", Region: region, DatabaseVersion: "POSTGRES_15", PublicIP: true,
		AuthorizedNetworks: [][2]string{{"anywhere", "0.0.0.0/0"}, {"office", "203.0.113.0/24"}},
		Updated:            "2022-03-02T12:00:00.000Z"}
	d.r.sqlInstance(db)

	assets := &bucket{P: p, Name: "fleet-web-prod-assets", Location: region, Uniform: true,
		Created: "2022-03-01T12:00:00.000Z", Updated: "2023-01-10T08:00:00.000Z"}
	d.r.bucket(assets)
	d.p.bucketPolicy(assets, bind("roles/storage.objectViewer", "allUsers"))

	build := &bucket{P: p, Name: "fleet-web-prod_cloudbuild", Location: "us", Uniform: false,
		Created: "2022-03-01T10:20:00.000Z", Updated: "2022-03-01T10:20:00.000Z"}
	d.r.bucket(build)
	d.p.bucketPolicy(build)

	orders := &topic{P: p, Name: "fleet-orders", Updated: "2022-06-01T10:00:00.000Z"}
	d.r.topic(orders)
	d.p.topicPolicy(orders, bind("roles/pubsub.publisher", "serviceAccount:"+rt.Email))

	signing := &secret{P: p, Name: "fleet-checkout-signing", Updated: "2024-04-04T10:00:00.000Z"}
	d.r.secret(signing)

	const creator = "fleet-ci@fleet-web-prod.iam.gserviceaccount.com"
	web := &run{P: p, Region: region, Name: "fleet-web", V2: true, SA: rt.Email,
		Containers: []container{{Name: "nginx", Image: "docker.io/library/nginx:1.27",
			Env: []envVar{{Name: "STATIC_BUCKET", Value: assets.Name}}}},
		Labels:  [][2]string{{"app", "fleet"}, {"tier", "web"}},
		Ingress: ingressAll, BinAuthz: "default",
		Generation: 87, Created: "2022-03-01T13:00:00.000Z", Updated: "2025-12-02T09:41:00.000Z", Creator: creator}
	d.r.run(web)
	d.p.runPolicy(web, bind("roles/run.invoker", "domain:example.com"))

	api := &run{P: p, Region: region, Name: "fleet-api", SA: rt.Email,
		Containers: []container{{Image: "ghcr.io/example-fleet/fleet-api:main",
			Env: []envVar{
				{Name: "DATABASE_URL", Value: "postgres://fleet@/fleet?host=/cloudsql/" + db.connectionName()},
				{Name: "PAYMENT_API_KEY", Value: "demo-only-fake-api-key"},
				{Name: "LOG_LEVEL", Value: "info"},
			}}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "api"}},
		Ingress:    ingressAll,
		CloudSQL:   []string{db.connectionName()},
		Generation: 143, Created: "2022-03-01T13:10:00.000Z", Updated: "2025-12-01T17:02:00.000Z", Creator: creator}
	d.r.run(api)
	d.p.runPolicy(api,
		bind("roles/run.invoker", "serviceAccount:"+rt.Email),
		binding{Role: "roles/run.invoker", Members: m("group:partner-integrations@example.com"),
			CondTitle: "partner pilot", CondExpr: `request.time < timestamp("2030-01-01T00:00:00Z")`},
		binding{Role: "roles/run.invoker", Members: m("user:former.contractor@example.com"),
			CondTitle: "contract ends", CondExpr: `request.time < timestamp("2025-06-30T00:00:00Z")`},
	)

	adminSvc := &run{P: p, Region: region, Name: "fleet-admin", V2: true, SA: rt.Email,
		Containers: []container{{Name: "admin", Image: "docker.io/fleetco/admin:latest"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "admin"}},
		Ingress:    ingressAll,
		Generation: 12, Created: "2022-09-09T09:00:00.000Z", Updated: "2025-03-03T08:00:00.000Z", Creator: creator}
	d.r.run(adminSvc)
	d.p.runPolicy(adminSvc, bind("roles/run.invoker", "user:ops-lead@example.com"))

	reports := &run{P: p, Region: region, Name: "fleet-reports", SA: rt.Email,
		Containers: []container{{Image: "ghcr.io/example-fleet/reports:2.4.0"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "batch"}},
		Ingress:    ingressAll, InvokerIAMDisabled: true,
		Generation: 19, Created: "2023-01-05T10:00:00.000Z", Updated: "2025-10-10T10:10:00.000Z", Creator: creator}
	d.r.run(reports)
	d.p.runPolicy(reports, bind("roles/run.invoker", "serviceAccount:"+rt.Email))
	d.r.schedulerJob(&schedulerJob{P: p, Region: region, Name: "fleet-reports-hourly", Schedule: "0 * * * *",
		URI: reports.url() + "/generate", Method: "POST", Updated: "2023-01-05T10:30:00.000Z"})

	events := &run{P: p, Region: region, Name: "fleet-events", V2: true, SA: rt.Email,
		Containers: []container{{Name: "events", Image: "us-central1-docker.pkg.dev/fleet-web-prod/fleet/events:1.2.0"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "events"}},
		Ingress:    ingressInternal,
		Generation: 7, Created: "2023-05-15T10:00:00.000Z", Updated: "2025-02-14T12:00:00.000Z", Creator: creator}
	d.r.run(events)
	d.p.runPolicy(events, bind("roles/run.invoker", "serviceAccount:"+def.Email))
	d.r.trigger(&trigger{P: p, Region: region, Name: "fleet-asset-uploaded",
		Filters:        [][2]string{{"type", "google.cloud.storage.object.v1.finalized"}, {"bucket", assets.Name}},
		ServiceAccount: def.Email, Service: events.Name, ServiceRegion: region, Path: "/events",
		Updated: "2023-05-15T10:20:00.000Z"})

	cart := &run{P: p, Region: region, Name: "fleet-cart", SA: rt.Email,
		Containers: []container{{Image: "docker.io/fleetco/cart:3.2.1"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "api"}},
		Ingress:    ingressAll, BinAuthz: "default",
		Generation: 40, Created: "2022-04-04T10:00:00.000Z", Updated: "2025-11-11T11:11:00.000Z", Creator: creator}
	d.r.run(cart)
	d.p.runPolicy(cart, bind("roles/run.invoker", "serviceAccount:"+rt.Email))

	notify := &run{P: p, Region: region, Name: "fleet-notify", SA: rt.Email,
		Containers: []container{{Image: "docker.io/fleetco/notify:1.0"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "worker"}},
		Ingress:    ingressAll,
		Generation: 8, Created: "2022-06-01T10:30:00.000Z", Updated: "2024-12-12T12:12:00.000Z", Creator: creator}
	d.r.run(notify)
	d.p.runPolicy(notify, bind("roles/run.invoker", "serviceAccount:"+rt.Email))
	d.r.subscription(&subscription{P: p, Name: "fleet-orders-notify", Topic: orders.Name,
		PushEndpoint: notify.url(), OIDCServiceAccount: rt.Email, Updated: "2022-06-01T10:40:00.000Z"})

	search := &run{P: p, Region: "europe-west1", Name: "fleet-search", V2: true, SA: rt.Email,
		Containers: []container{{Name: "search", Image: "ghcr.io/example-fleet/search" + sha("fleet-search")}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "api"}},
		Ingress:    ingressLB, BinAuthz: "default",
		Generation: 15, Created: "2024-02-02T10:00:00.000Z", Updated: "2025-09-09T09:09:00.000Z", Creator: creator}
	d.r.run(search)
	d.p.runPolicy(search, bind("roles/run.invoker", "serviceAccount:"+rt.Email))

	checkout := &run{P: p, Region: region, Name: "fleet-checkout", V2: true, SA: rt.Email,
		Containers: []container{{Name: "checkout", Image: "docker.io/fleetco/checkout:4.0.1",
			Env: []envVar{{Name: "CHECKOUT_SIGNING_SECRET", Secret: signing.Name, Version: "3"}}}},
		Labels:  [][2]string{{"app", "fleet"}, {"tier", "api"}},
		Ingress: ingressAll, BinAuthz: "default",
		Generation: 61, Created: "2024-04-04T10:10:00.000Z", Updated: "2025-11-20T20:20:00.000Z", Creator: creator}
	d.r.run(checkout)
	d.p.runPolicy(checkout, bind("roles/run.invoker", "serviceAccount:"+rt.Email))

	inventory := &run{P: p, Region: region, Name: "fleet-inventory", SA: rt.Email,
		Containers: []container{{Image: "ghcr.io/example-fleet/inventory:1.12",
			Env: []envVar{{Name: "DB_SOCKET", Value: "/cloudsql/" + db.connectionName()}}}},
		Labels:  [][2]string{{"app", "fleet"}, {"tier", "api"}},
		Ingress: ingressAll, Egress: egressPrivate,
		CloudSQL:   []string{db.connectionName()},
		Generation: 24, Created: "2022-05-05T10:00:00.000Z", Updated: "2025-08-08T08:08:00.000Z", Creator: creator}
	d.r.run(inventory)
	d.p.runPolicy(inventory, bind("roles/run.invoker", "serviceAccount:"+rt.Email))

	auth := &run{P: p, Region: region, Name: "fleet-auth", V2: true, SA: authSA.Email,
		Containers: []container{{Name: "auth", Image: "us-central1-docker.pkg.dev/fleet-web-prod/fleet/auth" + sha("fleet-auth")}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "auth"}},
		Ingress:    ingressAll, BinAuthz: "default", Egress: egressAll,
		Generation: 10, Created: "2023-09-12T10:10:00.000Z", Updated: "2025-10-30T10:00:00.000Z", Creator: creator}
	d.r.run(auth)
	d.p.runPolicy(auth, bind("roles/run.invoker", "allUsers"))
}

// fleetData: the fleet's data project. Its services run as the shared
// fleet-runtime SA from fleet-web-prod, which holds storage.admin and
// pubsub.editor on the whole project. No Binary Authorization policy.
func (d *demoOrg) fleetData() {
	p := newProject("fleet-data-prod", "648302957614", "Fleet Data", "folders/"+folderProd, prodAncestors,
		[][2]string{{"team", "fleet"}, {"env", "prod"}}, "2022-03-05T10:00:00.000Z", "2025-11-28T10:00:00.000Z")
	const region = "us-central1"
	rt := d.fleetRuntime
	d.r.project(p)
	d.r.enabledAPIs(p, p.Created,
		"artifactregistry", "bigquery", "cloudscheduler", "compute", "pubsub", "run", "storage", "vpcaccess")
	d.r.repository(p, "us-central1", "fleet", "Fleet data images", p.Created)
	d.r.repository(p, "us-central1", "ml", "ML models and images", p.Created)
	d.p.projectPolicy(p,
		bind("roles/editor", cloudServices(p)),
		bind("roles/pubsub.editor", "serviceAccount:"+rt.Email),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/storage.admin", "serviceAccount:"+rt.Email),
		bind("roles/viewer", "group:fleet-devs@example.com"),
	)
	d.r.serviceAccount(defaultComputeSA(p))
	ml := sa(p, "fleet-ml", "Fleet ML scoring runtime", "2024-06-06T10:00:00.000Z")
	d.account(ml)

	telemetry := &topic{P: p, Name: "fleet-telemetry", Updated: "2022-03-05T11:00:00.000Z"}
	d.r.topic(telemetry)
	d.p.topicPolicy(telemetry, bind("roles/pubsub.publisher", "serviceAccount:"+rt.Email))
	// A pull subscription: no push endpoint, no caller edge.
	d.r.subscription(&subscription{P: p, Name: "fleet-telemetry-archive", Topic: telemetry.Name,
		Updated: "2022-03-05T11:05:00.000Z"})
	lake := &bucket{P: p, Name: "fleet-data-prod-lake", Location: region, Uniform: true,
		Created: "2022-03-05T11:10:00.000Z", Updated: "2024-06-06T10:05:00.000Z"}
	d.r.bucket(lake)
	d.p.bucketPolicy(lake, bind("roles/storage.objectViewer", "serviceAccount:"+ml.Email))

	const creator = "fleet-ci@fleet-web-prod.iam.gserviceaccount.com"
	ingest := &run{P: p, Region: region, Name: "fleet-ingest", V2: true, SA: rt.Email,
		Containers: []container{{Name: "ingest", Image: "ghcr.io/example-fleet/ingest:v3",
			Env: []envVar{{Name: "LAKE_BUCKET", Value: lake.Name}}}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "data"}},
		Ingress:    ingressAll,
		Generation: 26, Created: "2022-03-05T12:00:00.000Z", Updated: "2025-11-28T10:00:00.000Z", Creator: creator}
	d.r.run(ingest)
	d.p.runPolicy(ingest, bind("roles/run.invoker", "serviceAccount:"+rt.Email))
	// Pushes to the deterministic URL (listed in urls[] only), audience = uri.
	d.r.subscription(&subscription{P: p, Name: "fleet-telemetry-ingest", Topic: telemetry.Name,
		PushEndpoint: ingest.detURL() + "/push", OIDCServiceAccount: rt.Email, Audience: ingest.url(),
		Updated: "2022-03-05T12:10:00.000Z"})

	transform := &run{P: p, Region: region, Name: "fleet-transform", SA: rt.Email,
		Containers: []container{{Image: "docker.io/fleetco/transform:2.1",
			Env: []envVar{{Name: "LAKE_BUCKET", Value: lake.Name}}}},
		Labels:  [][2]string{{"app", "fleet"}, {"tier", "data"}},
		Ingress: ingressInternal, Egress: egressPrivate,
		Connector:  "projects/fleet-data-prod/locations/us-central1/connectors/fleet-conn",
		Generation: 13, Created: "2022-03-06T10:00:00.000Z", Updated: "2025-05-05T05:05:00.000Z", Creator: creator}
	d.r.run(transform)
	d.p.runPolicy(transform, bind("roles/run.invoker", "serviceAccount:"+rt.Email))

	etl := &run{P: p, Region: region, Name: "fleet-etl-nightly", Job: true, V2: true, SA: rt.Email,
		Containers: []container{{Name: "etl", Image: "docker.io/fleetco/etl:2025.12",
			Env: []envVar{{Name: "LAKE_BUCKET", Value: lake.Name}}}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "data"}},
		Generation: 9, Created: "2023-08-08T08:00:00.000Z", Updated: "2025-12-01T08:00:00.000Z", Creator: creator}
	d.r.run(etl)
	d.p.runPolicy(etl, bind("roles/run.invoker", "serviceAccount:"+rt.Email))
	d.r.schedulerJob(&schedulerJob{P: p, Region: region, Name: "fleet-etl-nightly", Schedule: "15 1 * * *",
		URI:    "https://run.googleapis.com/v2/projects/fleet-data-prod/locations/us-central1/jobs/fleet-etl-nightly:run",
		Method: "POST", OAuthServiceAccount: rt.Email, Updated: "2023-08-08T08:10:00.000Z"})

	backfill := &run{P: p, Region: region, Name: "fleet-backfill", Job: true, SA: "",
		Containers: []container{{Image: "us-central1-docker.pkg.dev/fleet-data-prod/fleet/backfill:0.9.2"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "data"}},
		Generation: 2, Created: "2024-09-01T09:00:00.000Z", Updated: "2024-09-03T09:00:00.000Z", Creator: "devon.fleet@example.com"}
	d.r.run(backfill)
	d.p.runPolicy(backfill, bind("roles/run.invoker", "serviceAccount:"+rt.Email))

	geo := &run{P: p, Region: region, Name: "fleet-geo", SA: rt.Email,
		Containers: []container{{Image: "gcr.io/fleet-data-prod/geo:5.1"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "data"}},
		Ingress:    ingressInternal,
		Generation: 17, Created: "2022-07-07T10:00:00.000Z", Updated: "2025-07-07T07:07:00.000Z", Creator: creator}
	d.r.run(geo)
	d.p.runPolicy(geo, bind("roles/run.invoker", "serviceAccount:"+rt.Email))

	score := &run{P: p, Region: region, Name: "fleet-ml-score", V2: true, SA: ml.Email,
		Containers: []container{{Name: "score", Image: "us-central1-docker.pkg.dev/fleet-data-prod/ml/score" + sha("fleet-ml-score"),
			Env: []envVar{{Name: "MODEL_BUCKET", Value: lake.Name}}}},
		Labels:  [][2]string{{"app", "fleet"}, {"tier", "ml"}},
		Ingress: ingressInternal, Egress: egressAll,
		Generation: 4, Created: "2024-06-06T10:10:00.000Z", Updated: "2025-09-19T10:00:00.000Z", Creator: creator}
	d.r.run(score)
	d.p.runPolicy(score, bind("roles/run.invoker", "serviceAccount:"+rt.Email))
}

// fleetDev: the fleet's development project (nonprod). run.developer and
// serviceAccountTokenCreator granted project-wide to the developers group,
// Binary Authorization in dry-run, a breakglass deployment, an
// allAuthenticatedUsers invoker, a literal token in env, a disabled
// user-managed key (not a finding) and a job on the default compute SA.
func (d *demoOrg) fleetDev() {
	p := newProject("fleet-dev", "759413068725", "Fleet Dev", "folders/"+folderNonprod, nonprodAncestors,
		[][2]string{{"team", "fleet"}, {"env", "dev"}}, "2022-03-01T10:05:00.000Z", "2025-12-03T15:00:00.000Z")
	const region = "us-central1"
	d.r.project(p)
	d.r.enabledAPIs(p, p.Created,
		"artifactregistry", "binaryauthorization", "compute", "run", "secretmanager")
	d.r.repository(p, "us-central1", "fleet", "Fleet dev images", p.Created)
	rt := sa(p, "fleet-dev-runtime", "Fleet dev runtime", "2022-03-01T11:30:00.000Z")
	ci := "fleet-ci@fleet-web-prod.iam.gserviceaccount.com"
	d.p.projectPolicy(p,
		bind("roles/editor", cloudServices(p)),
		bind("roles/iam.serviceAccountTokenCreator", "group:fleet-devs@example.com"),
		bind("roles/run.developer", "group:fleet-devs@example.com"),
		bind(deployerRole.role(), "serviceAccount:"+ci),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/secretmanager.secretAccessor", "serviceAccount:"+rt.Email),
		bind("roles/viewer", "group:engineering@example.com"),
	)
	d.r.binAuthzPolicy(&binAuthzPolicy{P: p, EvaluationMode: "REQUIRE_ATTESTATION", Enforcement: "DRYRUN_AUDIT_LOG_ONLY",
		Attestors: []string{"projects/fleet-dev/attestors/built-by-cloud-build"}, Updated: "2024-01-15T10:00:00.000Z"})
	d.r.serviceAccount(defaultComputeSA(p))
	d.account(rt)
	d.r.saKey(&saKey{SA: rt, ID: hexHash("fleet-dev-runtime-user-key", 40), UserManaged: true, Disabled: true,
		ValidAfter: "2022-08-01T09:00:00Z", ValidBefore: "9999-12-31T23:59:59Z"})

	token := &secret{P: p, Name: "fleet-dev-api-token", Updated: "2022-08-01T09:30:00.000Z"}
	d.r.secret(token)

	const creator = "devon.fleet@example.com"
	webDev := &run{P: p, Region: region, Name: "fleet-web-dev", SA: rt.Email,
		Containers: []container{{Image: "docker.io/library/nginx:mainline"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "web"}},
		Ingress:    ingressAll, BinAuthz: "default",
		Generation: 211, Created: "2022-03-02T10:00:00.000Z", Updated: "2025-12-03T15:00:00.000Z", Creator: creator}
	d.r.run(webDev)
	d.p.runPolicy(webDev, bind("roles/run.invoker", "group:fleet-devs@example.com"))

	apiDev := &run{P: p, Region: region, Name: "fleet-api-dev", V2: true, SA: rt.Email,
		Containers: []container{{Name: "api", Image: "ghcr.io/example-fleet/fleet-api:pr-142",
			Env: []envVar{
				{Name: "GITHUB_TOKEN", Value: "demo-only-not-a-real-token"},
				{Name: "API_TOKEN", Secret: token.Name, Version: "latest"},
			}}},
		Labels:  [][2]string{{"app", "fleet"}, {"tier", "api"}},
		Ingress: ingressAll, BinAuthz: "default",
		Generation: 57, Created: "2022-03-02T10:30:00.000Z", Updated: "2025-12-02T18:00:00.000Z", Creator: creator}
	d.r.run(apiDev)
	d.p.runPolicy(apiDev, bind("roles/run.invoker", "allAuthenticatedUsers"))

	preview := &run{P: p, Region: region, Name: "fleet-preview", V2: true, SA: rt.Email,
		Containers: []container{{Name: "web", Image: "us-central1-docker.pkg.dev/fleet-dev/fleet/web" + sha("fleet-preview")}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "web"}},
		Ingress:    ingressAll, BinAuthz: "default", Breakglass: "INC-2291 attestor outage, hotfix for checkout",
		Generation: 3, Created: "2025-10-20T10:00:00.000Z", Updated: "2025-10-21T22:14:00.000Z", Creator: creator}
	d.r.run(preview)
	d.p.runPolicy(preview, bind("roles/run.invoker", "group:fleet-devs@example.com"))

	workerDev := &run{P: p, Region: region, Name: "fleet-worker-dev", Job: true, SA: "",
		Containers: []container{{Image: "docker.io/fleetco/worker:dev"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "worker"}},
		BinAuthz:   "default",
		Generation: 5, Created: "2023-03-03T10:00:00.000Z", Updated: "2025-11-30T10:00:00.000Z", Creator: creator}
	d.r.run(workerDev)
	d.p.runPolicy(workerDev, bind("roles/run.invoker", "serviceAccount:"+rt.Email))

	cartDev := &run{P: p, Region: region, Name: "fleet-cart-dev", SA: rt.Email,
		Containers: []container{{Image: "docker.io/fleetco/cart:dev"}},
		Labels:     [][2]string{{"app", "fleet"}, {"tier", "api"}},
		Ingress:    ingressAll, BinAuthz: "default",
		Generation: 98, Created: "2022-04-04T11:00:00.000Z", Updated: "2025-12-03T14:00:00.000Z", Creator: ci}
	d.r.run(cartDev)
	d.p.runPolicy(cartDev, bind("roles/run.invoker", "serviceAccount:"+rt.Email))
}

// ledger: the clean reference. Dedicated runtime SA with resource-level
// grants only, image by digest from us-docker.pkg.dev, Binary Authorization
// enforced, ingress internal, all egress through the VPC, invoked only by an
// authenticated Pub/Sub push subscription with its own invoker SA.
func (d *demoOrg) ledger() {
	p := newProject("ledger-prod", "860524179836", "Ledger", "folders/"+folderProd, prodAncestors,
		[][2]string{{"team", "ledger"}, {"env", "prod"}}, "2023-04-03T09:00:00.000Z", "2025-12-05T10:00:00.000Z")
	const region = "us-central1"
	d.r.project(p)
	d.r.enabledAPIs(p, p.Created,
		"artifactregistry", "binaryauthorization", "cloudbuild", "compute", "containeranalysis", "pubsub", "run", "secretmanager", "sqladmin")
	d.r.repository(p, "us", "ledger", "Ledger images, built and attested by Cloud Build", p.Created)
	api := sa(p, "ledger-api", "Ledger API runtime", "2023-04-03T09:30:00.000Z")
	invoker := sa(p, "ledger-push-invoker", "Pub/Sub push identity for ledger-api", "2023-04-03T09:31:00.000Z")
	recon := sa(p, "ledger-reconcile", "Ledger reconcile job runtime", "2023-04-03T09:32:00.000Z")
	d.p.projectPolicy(p,
		bind("roles/cloudsql.client", "serviceAccount:"+api.Email),
		bind("roles/editor", cloudServices(p)),
		bind("roles/logging.logWriter", "serviceAccount:"+api.Email, "serviceAccount:"+recon.Email),
		bind("roles/run.serviceAgent", runAgent(p)),
		bind("roles/viewer", "group:ledger-team@example.com"),
	)
	d.o.orgPolicies(p.crm, "cloudresourcemanager.googleapis.com/Project", p.Ancestors, "2023-04-03T09:10:00.000Z",
		orgPolicy{Constraint: "constraints/run.allowedIngress", Allowed: []string{"internal"}},
		orgPolicy{Constraint: "constraints/run.allowedBinaryAuthorizationPolicies", Allowed: []string{"default"}},
	)
	d.r.binAuthzPolicy(&binAuthzPolicy{P: p, EvaluationMode: "REQUIRE_ATTESTATION", Enforcement: "ENFORCED_BLOCK_AND_AUDIT_LOG",
		Attestors: []string{"projects/ledger-prod/attestors/built-by-cloud-build"}, Updated: "2023-04-03T09:20:00.000Z"})
	d.r.serviceAccount(defaultComputeSA(p))
	d.account(api)
	d.account(invoker)
	d.account(recon)

	pw := &secret{P: p, Name: "ledger-db-password", Labels: [][2]string{{"owner", "ledger"}}, Updated: "2023-04-03T10:00:00.000Z"}
	d.r.secret(pw)
	d.p.secretPolicy(pw, bind("roles/secretmanager.secretAccessor", "serviceAccount:"+api.Email))

	db := &sqlInstance{P: p, Name: "ledger-db", Region: region, DatabaseVersion: "POSTGRES_16", Updated: "2023-04-03T10:10:00.000Z"}
	d.r.sqlInstance(db)

	events := &topic{P: p, Name: "ledger-events", Updated: "2023-04-03T10:20:00.000Z"}
	d.r.topic(events)

	svc := &run{P: p, Region: region, Name: "ledger-api", V2: true, SA: api.Email,
		Containers: []container{{Name: "api", Image: "us-docker.pkg.dev/ledger-prod/ledger/ledger-api" + sha("ledger-api"),
			Env: []envVar{
				{Name: "DB_NAME", Value: "ledger"},
				{Name: "LEDGER_DB_PASSWORD", Secret: "projects/" + p.Number + "/secrets/" + pw.Name, Version: "latest"},
			}}},
		Labels:  [][2]string{{"app", "ledger"}},
		Ingress: ingressInternal, BinAuthz: "default", Egress: egressAll,
		CloudSQL:   []string{db.connectionName()},
		Generation: 34, Created: "2023-04-03T11:00:00.000Z", Updated: "2025-12-05T10:00:00.000Z", Creator: "lee.ledger@example.com"}
	d.r.run(svc)
	d.p.runPolicy(svc, bind("roles/run.invoker", "serviceAccount:"+invoker.Email))
	d.r.subscription(&subscription{P: p, Name: "ledger-events-push", Topic: events.Name,
		PushEndpoint: svc.url() + "/pubsub", OIDCServiceAccount: invoker.Email, Audience: svc.url(),
		Updated: "2023-04-03T11:10:00.000Z"})

	reconcile := &run{P: p, Region: region, Name: "ledger-reconcile", Job: true, SA: recon.Email,
		Containers: []container{{Image: "us-docker.pkg.dev/ledger-prod/ledger/reconcile" + sha("ledger-reconcile")}},
		Labels:     [][2]string{{"app", "ledger"}},
		BinAuthz:   "default", Egress: egressAll,
		Generation: 6, Created: "2023-05-01T10:00:00.000Z", Updated: "2025-11-01T10:00:00.000Z", Creator: "lee.ledger@example.com"}
	d.r.run(reconcile)
	d.p.runPolicy(reconcile, bind("roles/run.invoker", "serviceAccount:"+recon.Email))
	d.r.schedulerJob(&schedulerJob{P: p, Region: region, Name: "ledger-reconcile-daily", Schedule: "0 5 * * *",
		URI:    "https://run.googleapis.com/v2/projects/ledger-prod/locations/us-central1/jobs/ledger-reconcile:run",
		Method: "POST", OAuthServiceAccount: recon.Email, Updated: "2023-05-01T10:05:00.000Z"})
}
