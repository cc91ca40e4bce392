package demo

import (
	"strconv"
	"strings"
)

// Typed descriptions of the assets the demo writes, and their emitters. Field
// names inside resource.data follow the real APIs (Cloud Resource Manager,
// IAM, Cloud Run v1 Knative and v2 Admin API, Pub/Sub, Storage JSON API,
// Cloud SQL Admin v1beta4, Cloud KMS, Secret Manager, Eventarc, Cloud
// Scheduler, Compute, Binary Authorization).

const crmPrefix = "//cloudresourcemanager.googleapis.com/"

// project is a Google Cloud project and its place in the hierarchy.
type project struct {
	ID        string
	Number    string
	Name      string      // display name
	Parent    string      // "folders/N" or "organizations/N"
	Ancestors []string    // "projects/N", "folders/N"..., "organizations/N"
	Labels    [][2]string // in output order
	Created   string
	Updated   string

	crm string // //cloudresourcemanager.googleapis.com/projects/N
}

func newProject(id, number, name, parent string, ancestors []string, labels [][2]string, created, updated string) *project {
	return &project{
		ID: id, Number: number, Name: name, Parent: parent,
		Ancestors: append([]string{"projects/" + number}, ancestors...),
		Labels:    labels, Created: created, Updated: updated,
		crm: crmPrefix + "projects/" + number,
	}
}

// defaultSA is the project's default compute service account.
func (p *project) defaultSA() string { return p.Number + "-compute@developer.gserviceaccount.com" }

// saEmail is the email of a user-created service account in the project.
func (p *project) saEmail(accountID string) string {
	return accountID + "@" + p.ID + ".iam.gserviceaccount.com"
}

// bind returns an unconditional binding.
func bind(role string, members ...string) binding { return binding{Role: role, Members: members} }

// Google-managed identities present in every project: the Google APIs
// service agent (holds roles/editor by default), the Cloud Run service agent
// and the IAP service agent.
func cloudServices(p *project) string {
	return "serviceAccount:" + p.Number + "@cloudservices.gserviceaccount.com"
}

func runAgent(p *project) string {
	return "serviceAccount:service-" + p.Number + "@serverless-robot-prod.iam.gserviceaccount.com"
}

func iapAgent(p *project) string {
	return "serviceAccount:service-" + p.Number + "@gcp-sa-iap.iam.gserviceaccount.com"
}

func (w *writer) organization(number, domain, customerID, created, updated string) {
	e := w.resource(crmPrefix+"organizations/"+number, "cloudresourcemanager.googleapis.com/Organization",
		"v1", discCRMv1, "Organization", "")
	e.ks("name", "organizations/"+number).ks("displayName", domain)
	e.k("owner").o().ks("directoryCustomerId", customerID).end()
	e.ks("creationTime", created).ks("lifecycleState", "ACTIVE")
	w.endResource("", []string{"organizations/" + number}, updated)
}

// folder writes a folder whose parent is parent ("organizations/N" or
// "folders/N"); ancestors start with the folder itself.
func (w *writer) folder(number, parent, displayName string, ancestors []string, created, updated string) {
	e := w.resource(crmPrefix+"folders/"+number, "cloudresourcemanager.googleapis.com/Folder",
		"v2", discCRMv2, "Folder", crmPrefix+parent)
	e.ks("name", "folders/"+number).ks("parent", parent).ks("displayName", displayName).
		ks("lifecycleState", "ACTIVE").ks("createTime", created)
	w.endResource("", ancestors, updated)
}

func (w *writer) project(p *project) {
	if w.edit != nil {
		w.edit(p)
	}
	e := w.resource(p.crm, "cloudresourcemanager.googleapis.com/Project", "v1", discCRMv1, "Project", crmPrefix+p.Parent)
	typ, id, _ := strings.Cut(p.Parent, "/")
	e.ks("projectNumber", p.Number).ks("projectId", p.ID).ks("lifecycleState", "ACTIVE").ks("name", p.Name)
	e.pairs("labels", p.Labels)
	e.ks("createTime", p.Created)
	e.k("parent").o().ks("type", strings.TrimSuffix(typ, "s")).ks("id", id).end()
	w.endResource("", p.Ancestors, p.Updated)
}

func (w *writer) projectPolicy(p *project, bs ...binding) {
	w.policy(p.crm, "cloudresourcemanager.googleapis.com/Project", p.Ancestors, p.Updated, bs...)
}

// serviceAccount is a service account; its CAI name uses the unique ID.
type serviceAccount struct {
	P           *project
	Email       string
	UniqueID    string // 21 digits
	DisplayName string
	Description string
	Disabled    bool
	Updated     string
}

func (sa *serviceAccount) name() string {
	return "//iam.googleapis.com/projects/" + sa.P.ID + "/serviceAccounts/" + sa.UniqueID
}

func (w *writer) serviceAccount(sa *serviceAccount) {
	e := w.resource(sa.name(), "iam.googleapis.com/ServiceAccount", "v1", discIAM, "ServiceAccount", sa.P.crm)
	e.ks("name", "projects/"+sa.P.ID+"/serviceAccounts/"+sa.Email).
		ks("projectId", sa.P.ID).
		ks("uniqueId", sa.UniqueID).
		ks("email", sa.Email).
		ksOpt("displayName", sa.DisplayName).
		ksOpt("description", sa.Description).
		ks("etag", "MDEwMjE5MjA=").
		ks("oauth2ClientId", sa.UniqueID)
	e.k("disabled").t(sa.Disabled)
	w.endResource("", sa.P.Ancestors, sa.Updated)
}

func (w *writer) serviceAccountPolicy(sa *serviceAccount, bs ...binding) {
	w.policy(sa.name(), "iam.googleapis.com/ServiceAccount", sa.P.Ancestors, sa.Updated, bs...)
}

// saKey is a service account key. CAI lists Google-managed (SYSTEM_MANAGED)
// keys as well as USER_MANAGED ones.
type saKey struct {
	SA          *serviceAccount
	ID          string // 40 hex digits
	UserManaged bool
	Disabled    bool
	ValidAfter  string
	ValidBefore string
}

func (w *writer) saKey(k *saKey) {
	sa := k.SA
	e := w.resource(sa.name()+"/keys/"+k.ID, "iam.googleapis.com/ServiceAccountKey", "v1", discIAM, "ServiceAccountKey", sa.name())
	keyType := "SYSTEM_MANAGED"
	if k.UserManaged {
		keyType = "USER_MANAGED"
	}
	e.ks("name", "projects/"+sa.P.ID+"/serviceAccounts/"+sa.Email+"/keys/"+k.ID).
		ks("validAfterTime", k.ValidAfter).
		ks("validBeforeTime", k.ValidBefore).
		ks("keyAlgorithm", "KEY_ALG_RSA_2048").
		ks("keyOrigin", "GOOGLE_PROVIDED").
		ks("keyType", keyType)
	e.k("disabled").t(k.Disabled)
	w.endResource("", sa.P.Ancestors, k.ValidAfter)
}

// enabledAPIs writes one serviceusage.googleapis.com/Service record per
// enabled API of the project; apis are short names ("run" for
// run.googleapis.com).
func (w *writer) enabledAPIs(p *project, updated string, apis ...string) {
	for _, short := range apis {
		api := short + ".googleapis.com"
		e := w.resource("//serviceusage.googleapis.com/projects/"+p.Number+"/services/"+api,
			"serviceusage.googleapis.com/Service", "v1", discServiceUsage, "Service", p.crm)
		e.ks("name", api).ks("parent", "projects/"+p.Number).ks("state", "ENABLED")
		w.endResource("", p.Ancestors, updated)
	}
}

// repository writes an Artifact Registry Docker repository.
func (w *writer) repository(p *project, location, name, description, updated string) {
	apiName := "projects/" + p.ID + "/locations/" + location + "/repositories/" + name
	e := w.resource("//artifactregistry.googleapis.com/"+apiName, "artifactregistry.googleapis.com/Repository",
		"v1", discArtifactRegistry, "Repository", p.crm)
	e.ks("name", apiName).ks("format", "DOCKER").ks("description", description).
		ks("mode", "STANDARD_REPOSITORY").ks("createTime", updated).ks("updateTime", updated)
	w.endResource(location, p.Ancestors, updated)
}

// customRole is an organization-level custom IAM role.
type customRole struct {
	OrgNumber   string
	ID          string
	Title       string
	Description string
	Permissions []string
	Updated     string
}

// role is the role name used in bindings: organizations/N/roles/ID.
func (c *customRole) role() string { return "organizations/" + c.OrgNumber + "/roles/" + c.ID }

func (w *writer) customRole(c *customRole) {
	org := "organizations/" + c.OrgNumber
	e := w.resource("//iam.googleapis.com/"+c.role(), "iam.googleapis.com/Role", "v1", discIAM, "Role", crmPrefix+org)
	e.ks("name", c.role()).ks("title", c.Title).ks("description", c.Description).
		strs("includedPermissions", c.Permissions...).
		ks("stage", "GA").ks("etag", etag(c.role(), c.Updated))
	w.endResource("", []string{org}, c.Updated)
}

// topic is a Pub/Sub topic.
type topic struct {
	P       *project
	Name    string
	KMSKey  string
	Updated string
}

func (t *topic) name() string {
	return "//pubsub.googleapis.com/projects/" + t.P.ID + "/topics/" + t.Name
}

func (w *writer) topic(t *topic) {
	e := w.resource(t.name(), "pubsub.googleapis.com/Topic", "v1", discPubSub, "Topic", t.P.crm)
	e.ks("name", "projects/"+t.P.ID+"/topics/"+t.Name)
	e.ksOpt("kmsKeyName", t.KMSKey)
	w.endResource("", t.P.Ancestors, t.Updated)
}

func (w *writer) topicPolicy(t *topic, bs ...binding) {
	w.policy(t.name(), "pubsub.googleapis.com/Topic", t.P.Ancestors, t.Updated, bs...)
}

// subscription is a Pub/Sub subscription; a PushEndpoint makes it a push
// subscription, and OIDCServiceAccount adds an oidcToken (authenticated push).
type subscription struct {
	P                  *project
	Name               string
	Topic              string // short name, same project
	PushEndpoint       string
	OIDCServiceAccount string
	Audience           string
	DeadLetterTopic    string // short name
	Updated            string
}

func (s *subscription) name() string {
	return "//pubsub.googleapis.com/projects/" + s.P.ID + "/subscriptions/" + s.Name
}

func (w *writer) subscription(s *subscription) {
	e := w.resource(s.name(), "pubsub.googleapis.com/Subscription", "v1", discPubSub, "Subscription", s.P.crm)
	e.ks("name", "projects/"+s.P.ID+"/subscriptions/"+s.Name).
		ks("topic", "projects/"+s.P.ID+"/topics/"+s.Topic)
	if s.PushEndpoint != "" {
		e.k("pushConfig").o().ks("pushEndpoint", s.PushEndpoint)
		if s.OIDCServiceAccount != "" {
			e.k("oidcToken").o().ks("serviceAccountEmail", s.OIDCServiceAccount).ksOpt("audience", s.Audience).end()
		}
		e.end()
	}
	e.k("ackDeadlineSeconds").i(60)
	e.ks("messageRetentionDuration", "604800s")
	e.k("expirationPolicy").o().end()
	e.k("retryPolicy").o().ks("minimumBackoff", "10s").ks("maximumBackoff", "600s").end()
	if s.DeadLetterTopic != "" {
		e.k("deadLetterPolicy").o().ks("deadLetterTopic", "projects/"+s.P.ID+"/topics/"+s.DeadLetterTopic).
			k("maxDeliveryAttempts").i(5).end()
	}
	e.ks("state", "ACTIVE")
	w.endResource("", s.P.Ancestors, s.Updated)
}

func (w *writer) subscriptionPolicy(s *subscription, bs ...binding) {
	w.policy(s.name(), "pubsub.googleapis.com/Subscription", s.P.Ancestors, s.Updated, bs...)
}

// trigger is an Eventarc trigger with a Cloud Run destination.
type trigger struct {
	P              *project
	Region, Name   string
	Filters        [][2]string // attribute, value
	ServiceAccount string
	Service        string // Cloud Run service name
	ServiceRegion  string
	Path           string
	Updated        string
}

func (t *trigger) name() string {
	return "//eventarc.googleapis.com/projects/" + t.P.ID + "/locations/" + t.Region + "/triggers/" + t.Name
}

func (w *writer) trigger(t *trigger) {
	e := w.resource(t.name(), "eventarc.googleapis.com/Trigger", "v1", discEventarc, "Trigger", t.P.crm)
	e.ks("name", "projects/"+t.P.ID+"/locations/"+t.Region+"/triggers/"+t.Name).
		ks("uid", hexHash(t.name(), 8)+"-"+hexHash(t.name()+"u", 4)+"-4"+hexHash(t.name()+"v", 3)+"-8"+hexHash(t.name()+"w", 3)+"-"+hexHash(t.name()+"x", 12)).
		ks("createTime", t.Updated).ks("updateTime", t.Updated)
	e.k("eventFilters").a()
	for _, f := range t.Filters {
		e.o().ks("attribute", f[0]).ks("value", f[1]).end()
	}
	e.end()
	e.ks("serviceAccount", t.ServiceAccount)
	e.k("destination").o().k("cloudRun").o().ks("service", t.Service).ksOpt("path", t.Path).ks("region", t.ServiceRegion).end().end()
	id := shortHash(t.name(), 3)
	e.k("transport").o().k("pubsub").o().
		ks("topic", "projects/"+t.P.ID+"/topics/eventarc-"+t.Region+"-"+t.Name+"-"+id).
		ks("subscription", "projects/"+t.P.ID+"/subscriptions/eventarc-"+t.Region+"-"+t.Name+"-sub-"+id).end().end()
	e.ks("eventDataContentType", "application/json")
	e.ks("etag", shortHash(t.name()+t.Updated, 20))
	w.endResource(t.Region, t.P.Ancestors, t.Updated)
}

// schedulerJob is a Cloud Scheduler job with an HTTP target. Set at most one
// of OIDCServiceAccount (calling a service) and OAuthServiceAccount (calling
// a Google API such as jobs.run); neither means unauthenticated.
type schedulerJob struct {
	P                   *project
	Region, Name        string
	Schedule            string
	URI, Method         string
	OIDCServiceAccount  string
	Audience            string
	OAuthServiceAccount string
	Updated             string
}

func (j *schedulerJob) name() string {
	return "//cloudscheduler.googleapis.com/projects/" + j.P.ID + "/locations/" + j.Region + "/jobs/" + j.Name
}

func (w *writer) schedulerJob(j *schedulerJob) {
	e := w.resource(j.name(), "cloudscheduler.googleapis.com/Job", "v1", discScheduler, "Job", j.P.crm)
	e.ks("name", "projects/"+j.P.ID+"/locations/"+j.Region+"/jobs/"+j.Name)
	e.k("httpTarget").o().ks("uri", j.URI).ks("httpMethod", j.Method)
	e.k("headers").o().ks("User-Agent", "Google-Cloud-Scheduler").end()
	if j.OIDCServiceAccount != "" {
		e.k("oidcToken").o().ks("serviceAccountEmail", j.OIDCServiceAccount).ksOpt("audience", j.Audience).end()
	}
	if j.OAuthServiceAccount != "" {
		e.k("oauthToken").o().ks("serviceAccountEmail", j.OAuthServiceAccount).
			ks("scope", "https://www.googleapis.com/auth/cloud-platform").end()
	}
	e.end()
	e.ks("userUpdateTime", j.Updated).ks("state", "ENABLED").ks("schedule", j.Schedule).ks("timeZone", "Etc/UTC").
		ks("attemptDeadline", "180s")
	e.k("retryConfig").o().ks("maxRetryDuration", "0s").ks("minBackoffDuration", "5s").
		ks("maxBackoffDuration", "3600s").k("maxDoublings").i(5).end()
	w.endResource(j.Region, j.P.Ancestors, j.Updated)
}

// bucket is a Cloud Storage bucket.
type bucket struct {
	P        *project
	Name     string
	Location string // region, lower case
	Uniform  bool
	Created  string
	Updated  string
}

func (b *bucket) name() string { return "//storage.googleapis.com/" + b.Name }

func (w *writer) bucket(b *bucket) {
	e := w.resource(b.name(), "storage.googleapis.com/Bucket", "v1", discStorage, "Bucket", b.P.crm)
	e.ks("kind", "storage#bucket").
		ks("selfLink", "https://www.googleapis.com/storage/v1/b/"+b.Name).
		ks("id", b.Name).ks("name", b.Name).
		ks("projectNumber", b.P.Number).
		ks("metageneration", "1").
		ks("location", strings.ToUpper(b.Location)).
		ks("storageClass", "STANDARD").
		ks("etag", "CAE=").
		ks("timeCreated", b.Created).ks("updated", b.Updated)
	e.k("iamConfiguration").o()
	e.k("bucketPolicyOnly").o().k("enabled").t(b.Uniform)
	if b.Uniform {
		e.ks("lockedTime", plusYears(1, b.Created))
	}
	e.end()
	e.k("uniformBucketLevelAccess").o().k("enabled").t(b.Uniform)
	if b.Uniform {
		e.ks("lockedTime", plusYears(1, b.Created))
	}
	e.end()
	e.ks("publicAccessPrevention", "inherited")
	e.end()
	e.ks("locationType", "region")
	e.k("softDeletePolicy").o().ks("retentionDurationSeconds", "604800").ks("effectiveTime", b.Created).end()
	w.endResource(b.Location, b.P.Ancestors, b.Updated)
}

// plusYears adds n years to an RFC 3339 timestamp by rewriting its year;
// it returns ts unchanged if it has no leading year. The demo uses it for
// lock, rotation and key expiry times.
func plusYears(n int, ts string) string {
	if len(ts) < 4 {
		return ts
	}
	y, err := strconv.Atoi(ts[:4])
	if err != nil {
		return ts
	}
	return strconv.Itoa(y+n) + ts[4:]
}

// bucketPolicy writes the bucket's IAM policy: the default convenience
// bindings every bucket has, then extra.
func (w *writer) bucketPolicy(b *bucket, extra ...binding) {
	bs := make([]binding, 0, 2+len(extra))
	bs = append(bs,
		binding{Role: "roles/storage.legacyBucketOwner", Members: []string{"projectEditor:" + b.P.ID, "projectOwner:" + b.P.ID}},
		binding{Role: "roles/storage.legacyBucketReader", Members: []string{"projectViewer:" + b.P.ID}},
	)
	bs = append(bs, extra...)
	w.policy(b.name(), "storage.googleapis.com/Bucket", b.P.Ancestors, b.Updated, bs...)
}

// sqlInstance is a Cloud SQL instance (asset type sqladmin.googleapis.com/Instance,
// named //cloudsql.googleapis.com/...).
type sqlInstance struct {
	P                  *project
	Name, Region       string
	DatabaseVersion    string
	PublicIP           bool
	AuthorizedNetworks [][2]string // name, value (CIDR)
	Updated            string
}

func (s *sqlInstance) connectionName() string { return s.P.ID + ":" + s.Region + ":" + s.Name }

func (w *writer) sqlInstance(s *sqlInstance) {
	name := "//cloudsql.googleapis.com/projects/" + s.P.ID + "/instances/" + s.Name
	e := w.resource(name, "sqladmin.googleapis.com/Instance", "v1beta4", discSQL, "DatabaseInstance", s.P.crm)
	e.ks("kind", "sql#instance").ks("state", "RUNNABLE").ks("databaseVersion", s.DatabaseVersion)
	e.k("settings").o().
		ks("tier", "db-custom-2-7680").ks("kind", "sql#settings").ks("availabilityType", "ZONAL").
		ks("pricingPlan", "PER_USE").ks("activationPolicy", "ALWAYS")
	e.k("ipConfiguration").o().k("ipv4Enabled").t(s.PublicIP)
	if !s.PublicIP || len(s.AuthorizedNetworks) == 0 {
		e.ks("privateNetwork", "projects/"+s.P.ID+"/global/networks/default")
	}
	if len(s.AuthorizedNetworks) > 0 {
		e.k("authorizedNetworks").a()
		for _, n := range s.AuthorizedNetworks {
			e.o().ks("value", n[1]).ks("name", n[0]).ks("kind", "sql#aclEntry").end()
		}
		e.end()
	}
	e.ks("sslMode", "ALLOW_UNENCRYPTED_AND_ENCRYPTED")
	e.end()
	e.ks("dataDiskSizeGb", "10").ks("dataDiskType", "PD_SSD").ks("settingsVersion", "4")
	e.end() // settings
	e.ks("project", s.P.ID).ks("region", s.Region).ks("gceZone", s.Region+"-b").
		ks("connectionName", s.connectionName()).
		ks("backendType", "SECOND_GEN").ks("instanceType", "CLOUD_SQL_INSTANCE").
		ks("name", s.Name).
		ks("selfLink", "https://sqladmin.googleapis.com/sql/v1beta4/projects/"+s.P.ID+"/instances/"+s.Name).
		ks("serviceAccountEmailAddress", "p"+s.P.Number+"-"+shortHash(name, 6)+"@gcp-sa-cloud-sql.iam.gserviceaccount.com").
		ks("createTime", s.Updated)
	w.endResource(s.Region, s.P.Ancestors, s.Updated)
}

// secret is a Secret Manager secret; CAI names it by project number.
type secret struct {
	P       *project
	Name    string
	Labels  [][2]string
	Updated string
}

func (s *secret) name() string {
	return "//secretmanager.googleapis.com/projects/" + s.P.Number + "/secrets/" + s.Name
}

func (w *writer) secret(s *secret) {
	e := w.resource(s.name(), "secretmanager.googleapis.com/Secret", "v1", discSecret, "Secret", s.P.crm)
	e.ks("name", "projects/"+s.P.Number+"/secrets/"+s.Name)
	e.k("replication").o().k("automatic").o().end().end()
	e.ks("createTime", s.Updated)
	e.pairs("labels", s.Labels)
	e.ks("etag", `"`+hexHash(s.name(), 14)+`"`)
	w.endResource("", s.P.Ancestors, s.Updated)
}

func (w *writer) secretPolicy(s *secret, bs ...binding) {
	w.policy(s.name(), "secretmanager.googleapis.com/Secret", s.P.Ancestors, s.Updated, bs...)
}

// keyRing and cryptoKey are Cloud KMS resources.
type keyRing struct {
	P        *project
	Location string
	Name     string
	Updated  string
}

func (k *keyRing) apiName() string {
	return "projects/" + k.P.ID + "/locations/" + k.Location + "/keyRings/" + k.Name
}
func (k *keyRing) name() string { return "//cloudkms.googleapis.com/" + k.apiName() }

func (w *writer) keyRing(k *keyRing) {
	e := w.resource(k.name(), "cloudkms.googleapis.com/KeyRing", "v1", discKMS, "KeyRing", k.P.crm)
	e.ks("name", k.apiName()).ks("createTime", k.Updated)
	w.endResource(k.Location, k.P.Ancestors, k.Updated)
}

func (w *writer) keyRingPolicy(k *keyRing, bs ...binding) {
	w.policy(k.name(), "cloudkms.googleapis.com/KeyRing", k.P.Ancestors, k.Updated, bs...)
}

type cryptoKey struct {
	Ring    *keyRing
	Name    string
	Updated string
}

func (c *cryptoKey) apiName() string { return c.Ring.apiName() + "/cryptoKeys/" + c.Name }
func (c *cryptoKey) name() string    { return "//cloudkms.googleapis.com/" + c.apiName() }

func (w *writer) cryptoKey(c *cryptoKey) {
	p := c.Ring.P
	e := w.resource(c.name(), "cloudkms.googleapis.com/CryptoKey", "v1", discKMS, "CryptoKey", c.Ring.name())
	e.ks("name", c.apiName()).ks("createTime", c.Updated)
	e.k("primary").o().ks("name", c.apiName()+"/cryptoKeyVersions/1").ks("state", "ENABLED").
		ks("createTime", c.Updated).ks("generateTime", c.Updated).
		ks("protectionLevel", "SOFTWARE").ks("algorithm", "GOOGLE_SYMMETRIC_ENCRYPTION").end()
	e.ks("purpose", "ENCRYPT_DECRYPT").ks("rotationPeriod", "7776000s").ks("nextRotationTime", plusYears(1, c.Updated))
	e.k("versionTemplate").o().ks("protectionLevel", "SOFTWARE").ks("algorithm", "GOOGLE_SYMMETRIC_ENCRYPTION").end()
	w.endResource(c.Ring.Location, p.Ancestors, c.Updated)
}

func (w *writer) cryptoKeyPolicy(c *cryptoKey, bs ...binding) {
	w.policy(c.name(), "cloudkms.googleapis.com/CryptoKey", c.Ring.P.Ancestors, c.Updated, bs...)
}

// serverlessNEG is a serverless network endpoint group pointing at a Cloud
// Run service; backendService fronts NEGs and may turn IAP on.
type serverlessNEG struct {
	P            *project
	Region, Name string
	ID           string
	Service      string
	Updated      string
}

func (n *serverlessNEG) selfLink() string {
	return "https://www.googleapis.com/compute/v1/projects/" + n.P.ID + "/regions/" + n.Region + "/networkEndpointGroups/" + n.Name
}

func (w *writer) serverlessNEG(n *serverlessNEG) {
	name := "//compute.googleapis.com/projects/" + n.P.ID + "/regions/" + n.Region + "/networkEndpointGroups/" + n.Name
	e := w.resource(name, "compute.googleapis.com/NetworkEndpointGroup", "v1", discCompute, "NetworkEndpointGroup", n.P.crm)
	e.ks("kind", "compute#networkEndpointGroup").ks("id", n.ID).ks("creationTimestamp", n.Updated).
		ks("selfLink", n.selfLink()).ks("name", n.Name).
		ks("region", "https://www.googleapis.com/compute/v1/projects/"+n.P.ID+"/regions/"+n.Region).
		ks("networkEndpointType", "SERVERLESS")
	e.k("size").i(0)
	e.k("cloudRun").o().ks("service", n.Service).end()
	w.endResource(n.Region, n.P.Ancestors, n.Updated)
}

type backendService struct {
	P             *project
	Name, ID      string
	NEGs          []*serverlessNEG
	IAP           bool
	OAuthClientID string
	Updated       string
}

func (w *writer) backendService(b *backendService) {
	name := "//compute.googleapis.com/projects/" + b.P.ID + "/global/backendServices/" + b.Name
	e := w.resource(name, "compute.googleapis.com/BackendService", "v1", discCompute, "BackendService", b.P.crm)
	e.ks("kind", "compute#backendService").ks("id", b.ID).ks("creationTimestamp", b.Updated).
		ks("name", b.Name).
		ks("selfLink", "https://www.googleapis.com/compute/v1/projects/"+b.P.ID+"/global/backendServices/"+b.Name)
	e.k("backends").a()
	for _, n := range b.NEGs {
		e.o().ks("group", n.selfLink()).ks("balancingMode", "UTILIZATION").k("capacityScaler").i(1).end()
	}
	e.end()
	e.k("timeoutSec").i(30)
	e.k("port").i(80)
	e.ks("protocol", "HTTPS").ks("portName", "http").ks("fingerprint", etag(name, b.Updated)[3:])
	e.ks("sessionAffinity", "NONE").k("affinityCookieTtlSec").i(0)
	e.ks("loadBalancingScheme", "EXTERNAL_MANAGED")
	e.k("connectionDraining").o().k("drainingTimeoutSec").i(0).end()
	e.k("iap").o().k("enabled").t(b.IAP)
	if b.IAP {
		e.ks("oauth2ClientId", b.OAuthClientID).ks("oauth2ClientSecretSha256", hexHash(b.OAuthClientID, 64))
	}
	e.end()
	w.endResource("global", b.P.Ancestors, b.Updated)
}

// binAuthzPolicy is a project's Binary Authorization policy; CAI names it by
// project number.
type binAuthzPolicy struct {
	P              *project
	EvaluationMode string // ALWAYS_ALLOW, ALWAYS_DENY, REQUIRE_ATTESTATION
	Enforcement    string // ENFORCED_BLOCK_AND_AUDIT_LOG, DRYRUN_AUDIT_LOG_ONLY
	Attestors      []string
	Updated        string
}

func (w *writer) binAuthzPolicy(b *binAuthzPolicy) {
	name := "//binaryauthorization.googleapis.com/projects/" + b.P.Number + "/policy"
	e := w.resource(name, "binaryauthorization.googleapis.com/Policy", "v1", discBinAuthz, "Policy", b.P.crm)
	e.ks("name", "projects/"+b.P.ID+"/policy").ks("globalPolicyEvaluationMode", "ENABLE")
	e.k("defaultAdmissionRule").o().ks("evaluationMode", b.EvaluationMode).ks("enforcementMode", b.Enforcement)
	if len(b.Attestors) > 0 {
		e.strs("requireAttestationsBy", b.Attestors...)
	}
	e.end()
	e.ks("updateTime", b.Updated).ks("etag", etag(name, b.Updated))
	w.endResource("", b.P.Ancestors, b.Updated)
}
