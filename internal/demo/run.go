package demo

import (
	"strconv"
	"strings"
)

// Cloud Run services and jobs in both shapes CAI carries: the Knative v1
// shape (resource.version v1, apiVersion serving.knative.dev/v1 or
// run.googleapis.com/v1 for jobs) and the Admin API v2 shape (resource.version
// v2). See DESIGN §2.2 for the field-by-field correspondence.

// envVar is a container environment variable: a literal Value, or a
// reference to Secret (short name or projects/N/secrets/NAME) at Version.
type envVar struct {
	Name, Value     string
	Secret, Version string
}

type container struct {
	Name  string
	Image string
	Env   []envVar
}

// Canonical (Knative v1 annotation) spellings; the v2 emitter translates.
const (
	ingressAll      = "all"
	ingressInternal = "internal"
	ingressLB       = "internal-and-cloud-load-balancing"

	egressAll     = "all-traffic"
	egressPrivate = "private-ranges-only"
)

var ingressV2 = map[string]string{
	ingressAll:      "INGRESS_TRAFFIC_ALL",
	ingressInternal: "INGRESS_TRAFFIC_INTERNAL_ONLY",
	ingressLB:       "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
	"none":          "INGRESS_TRAFFIC_NONE",
}

var egressV2 = map[string]string{
	egressAll:     "ALL_TRAFFIC",
	egressPrivate: "PRIVATE_RANGES_ONLY",
}

// regionCodes are the short codes in legacy *.a.run.app URLs.
var regionCodes = map[string]string{
	"us-central1":     "uc",
	"us-east1":        "ue",
	"us-east4":        "uk",
	"us-west1":        "uw",
	"europe-west1":    "ew",
	"europe-west4":    "ez",
	"asia-northeast1": "an",
}

// run describes a Cloud Run service or job in either shape.
type run struct {
	P      *project
	Region string
	Name   string
	Job    bool
	V2     bool
	// SA is the runtime service account email. Empty means "not set": the
	// v1 shape then has an empty serviceAccountName (default compute SA) and
	// the v2 shape omits template.serviceAccount.
	SA         string
	Containers []container
	Labels     [][2]string

	// Services only.
	Ingress            string // ingressAll (default), ingressInternal, ingressLB
	InvokerIAMDisabled bool
	IAP                bool
	DefaultURLDisabled bool

	BinAuthz   string // "", "default" or a policy name
	Breakglass string // breakglass justification
	Egress     string // "" (no VPC), egressAll, egressPrivate
	Connector  string // Serverless VPC Access connector; else Direct VPC
	CloudSQL   []string
	Generation int64
	Created    string
	Updated    string
	Creator    string
}

func (r *run) kind() string {
	if r.Job {
		return "jobs"
	}
	return "services"
}

func (r *run) assetType() string {
	if r.Job {
		return "run.googleapis.com/Job"
	}
	return "run.googleapis.com/Service"
}

// name is the CAI name: //run.googleapis.com/projects/ID/locations/R/services/NAME.
func (r *run) name() string {
	return "//run.googleapis.com/" + r.apiName()
}

func (r *run) apiName() string {
	return "projects/" + r.P.ID + "/locations/" + r.Region + "/" + r.kind() + "/" + r.Name
}

// url is the legacy service URL (status.url in v1, uri in v2).
func (r *run) url() string {
	return "https://" + r.Name + "-" + shortHash(r.P.ID+"/"+r.Name, 10) + "-" + regionCodes[r.Region] + ".a.run.app"
}

// detURL is the deterministic service URL, listed in v2 urls[] and the v1
// run.googleapis.com/urls annotation.
func (r *run) detURL() string {
	return "https://" + r.Name + "-" + r.P.Number + "." + r.Region + ".run.app"
}

func (r *run) ingress() string {
	if r.Ingress == "" {
		return ingressAll
	}
	return r.Ingress
}

func (r *run) gen() int64 {
	if r.Generation == 0 {
		return 1
	}
	return r.Generation
}

func (r *run) uid() string {
	h := hexHash(r.name(), 32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func (r *run) revision() string {
	return r.Name + "-" + padInt(r.gen(), 5) + "-" + shortHash(r.name()+"rev", 3)
}

func (r *run) creator() string {
	if r.Creator == "" {
		return "deployer@example.com"
	}
	return r.Creator
}

func padInt(v int64, n int) string {
	s := strconv.FormatInt(v, 10)
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func (w *writer) run(r *run) {
	if w.edit != nil {
		c := *r
		w.edit(&c)
		r = &c
	}
	if r.V2 {
		w.runV2(r)
	} else {
		w.runV1(r)
	}
}

func (w *writer) runPolicy(r *run, bs ...binding) {
	w.policy(r.name(), r.assetType(), r.P.Ancestors, r.Updated, bs...)
}

// runV1 writes the Knative serving.knative.dev/v1 (or run.googleapis.com/v1
// for jobs) shape.
func (w *writer) runV1(r *run) {
	discName := "Service"
	if r.Job {
		discName = "Job"
	}
	e := w.resource(r.name(), r.assetType(), "v1", discRunV1, discName, r.P.crm)
	if r.Job {
		e.ks("apiVersion", "run.googleapis.com/v1").ks("kind", "Job")
	} else {
		e.ks("apiVersion", "serving.knative.dev/v1").ks("kind", "Service")
	}
	group := "serving.knative.dev"
	if r.Job {
		group = "run.googleapis.com"
	}
	e.k("metadata").o().
		ks("name", r.Name).
		ks("namespace", r.P.Number).
		ks("selfLink", "/apis/"+group+"/v1/namespaces/"+r.P.Number+"/"+r.kind()+"/"+r.Name).
		ks("uid", r.uid()).
		ks("resourceVersion", "AAY"+shortHash(r.name()+r.Updated, 9))
	e.k("generation").i(r.gen())
	e.ks("creationTimestamp", r.Created)
	e.k("labels").o().ks("cloud.googleapis.com/location", r.Region)
	for _, l := range r.labels() {
		e.kq(l[0]).s(l[1])
	}
	e.end()
	e.k("annotations").o()
	if r.Job {
		e.ks("run.googleapis.com/creator", r.creator()).ks("run.googleapis.com/lastModifier", r.creator())
	} else {
		e.ks("serving.knative.dev/creator", r.creator()).ks("serving.knative.dev/lastModifier", r.creator())
	}
	e.ks("run.googleapis.com/client-name", "gcloud")
	if !r.Job {
		e.ks("run.googleapis.com/ingress", r.ingress()).ks("run.googleapis.com/ingress-status", r.ingress())
		if r.InvokerIAMDisabled {
			e.ks("run.googleapis.com/invoker-iam-disabled", "true")
		}
		if r.IAP {
			e.ks("run.googleapis.com/iap-enabled", "true")
		}
		if r.DefaultURLDisabled {
			e.ks("run.googleapis.com/default-url-disabled", "true")
		}
		e.ks("run.googleapis.com/urls", `["`+r.detURL()+`","`+r.url()+`"]`)
	}
	e.ksOpt("run.googleapis.com/binary-authorization", r.BinAuthz)
	e.ksOpt("run.googleapis.com/binary-authorization-breakglass", r.Breakglass)
	e.ks("run.googleapis.com/operation-id", r.uid()[:8]+"-"+shortHash(r.Updated, 4))
	e.end() // annotations
	e.end() // metadata

	e.k("spec").o().k("template").o()
	// Template (revision or execution) metadata.
	e.k("metadata").o()
	if !r.Job {
		e.k("labels").o().
			ks("client.knative.dev/nonce", shortHash(r.name()+r.Updated, 10)).
			ks("run.googleapis.com/startupProbeType", "Default").end()
	}
	e.k("annotations").o()
	if r.Job {
		e.ks("run.googleapis.com/execution-environment", "gen2")
	} else {
		e.ks("autoscaling.knative.dev/maxScale", "20").ks("run.googleapis.com/startup-cpu-boost", "true")
	}
	if r.Egress != "" {
		if r.Connector != "" {
			e.ks("run.googleapis.com/vpc-access-connector", r.Connector)
		} else {
			e.ks("run.googleapis.com/network-interfaces", `[{"network":"default","subnetwork":"serverless-`+r.Region+`"}]`)
		}
		e.ks("run.googleapis.com/vpc-access-egress", r.Egress)
	}
	if len(r.CloudSQL) > 0 {
		e.ks("run.googleapis.com/cloudsql-instances", strings.Join(r.CloudSQL, ","))
	}
	e.end() // annotations
	e.end() // template metadata

	e.k("spec").o()
	if r.Job {
		e.k("taskCount").i(1)
		e.k("template").o().k("spec").o()
		w.containersV1(r)
		e.k("maxRetries").i(3)
		e.ks("timeoutSeconds", "600")
		e.ks("serviceAccountName", r.SA)
		e.end().end() // task template spec, task template
	} else {
		e.k("containerConcurrency").i(80)
		e.k("timeoutSeconds").i(300)
		e.ks("serviceAccountName", r.SA)
		w.containersV1(r)
	}
	e.end() // template spec
	e.end() // template
	if !r.Job {
		e.k("traffic").a().o().k("percent").i(100).k("latestRevision").t(true).end().end()
	}
	e.end() // spec

	e.k("status").o().k("observedGeneration").i(r.gen())
	e.k("conditions").a()
	conds := []string{"Ready", "ConfigurationsReady", "RoutesReady"}
	if r.Job {
		conds = conds[:1]
	}
	for _, c := range conds {
		e.o().ks("type", c).ks("status", "True").ks("lastTransitionTime", r.Updated).end()
	}
	e.end()
	if r.Job {
		e.k("executionCount").i(r.gen() * 7)
		e.k("latestCreatedExecution").o().
			ks("name", r.Name+"-"+shortHash(r.name()+"exec", 5)).
			ks("creationTimestamp", r.Updated).
			ks("completionTimestamp", r.Updated).end()
	} else {
		rev := r.revision()
		e.ks("latestReadyRevisionName", rev).ks("latestCreatedRevisionName", rev)
		e.k("traffic").a().o().ks("revisionName", rev).k("percent").i(100).k("latestRevision").t(true).end().end()
		e.ks("url", r.url())
		e.k("address").o().ks("url", r.url()).end()
	}
	e.end() // status
	w.endResource(r.Region, r.P.Ancestors, r.Updated)
}

func (w *writer) containersV1(r *run) {
	e := &w.e
	e.k("containers").a()
	for _, c := range r.Containers {
		e.o().ksOpt("name", c.Name).ks("image", c.Image)
		if !r.Job {
			e.k("ports").a().o().ks("name", "http1").k("containerPort").i(8080).end().end()
		}
		if len(c.Env) > 0 {
			e.k("env").a()
			for _, v := range c.Env {
				e.o().ks("name", v.Name)
				if v.Secret != "" {
					e.k("valueFrom").o().k("secretKeyRef").o().ks("key", v.Version).ks("name", v.Secret).end().end()
				} else {
					e.ks("value", v.Value)
				}
				e.end()
			}
			e.end()
		}
		e.k("resources").o().k("limits").o().ks("cpu", "1000m").ks("memory", "512Mi").end().end()
		e.end()
	}
	e.end()
}

// runV2 writes the Cloud Run Admin API v2 shape.
func (w *writer) runV2(r *run) {
	discName := "Service"
	if r.Job {
		discName = "Job"
	}
	e := w.resource(r.name(), r.assetType(), "v2", discRunV2, discName, r.P.crm)
	e.ks("name", r.apiName()).ks("uid", r.uid()).ks("generation", strconv.FormatInt(r.gen(), 10))
	e.pairs("labels", r.labels())
	e.ks("createTime", r.Created).ks("updateTime", r.Updated).
		ks("creator", r.creator()).ks("lastModifier", r.creator()).
		ks("client", "gcloud").ks("launchStage", "GA")
	if !r.Job {
		e.ks("ingress", ingressV2[r.ingress()])
	}
	if r.BinAuthz != "" || r.Breakglass != "" {
		e.k("binaryAuthorization").o()
		switch r.BinAuthz {
		case "":
		case "default":
			e.k("useDefault").t(true)
		default:
			e.ks("policy", r.BinAuthz)
		}
		e.ksOpt("breakglassJustification", r.Breakglass)
		e.end()
	}
	e.k("template").o()
	if r.Job {
		e.k("taskCount").i(1)
		e.k("template").o()
		w.containersV2(r)
		w.volumesV2(r)
		e.k("maxRetries").i(3)
		e.ks("timeout", "600s")
		e.ksOpt("serviceAccount", r.SA)
		e.ks("executionEnvironment", "EXECUTION_ENVIRONMENT_GEN2")
		w.vpcV2(r)
		e.end()
	} else {
		e.k("scaling").o().k("maxInstanceCount").i(20).end()
		w.vpcV2(r)
		e.ks("timeout", "300s")
		e.ksOpt("serviceAccount", r.SA)
		w.containersV2(r)
		w.volumesV2(r)
		e.k("maxInstanceRequestConcurrency").i(80)
	}
	e.end() // template
	if !r.Job {
		e.k("traffic").a().o().ks("type", "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST").k("percent").i(100).end().end()
	}
	e.ks("observedGeneration", strconv.FormatInt(r.gen(), 10))
	e.k("terminalCondition").o().ks("type", "Ready").ks("state", "CONDITION_SUCCEEDED").ks("lastTransitionTime", r.Updated).end()
	if r.Job {
		e.k("executionCount").i(r.gen() * 7)
		e.k("latestCreatedExecution").o().
			ks("name", r.apiName()+"/executions/"+r.Name+"-"+shortHash(r.name()+"exec", 5)).
			ks("createTime", r.Updated).ks("completionTime", r.Updated).end()
	} else {
		rev := r.apiName() + "/revisions/" + r.revision()
		e.k("conditions").a()
		for _, c := range []string{"RoutesReady", "ConfigurationsReady"} {
			e.o().ks("type", c).ks("state", "CONDITION_SUCCEEDED").ks("lastTransitionTime", r.Updated).end()
		}
		e.end()
		e.ks("latestReadyRevision", rev).ks("latestCreatedRevision", rev)
		e.k("trafficStatuses").a().o().ks("type", "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST").k("percent").i(100).end().end()
		e.ks("uri", r.url())
		e.strs("urls", r.detURL(), r.url())
		if r.InvokerIAMDisabled {
			e.k("invokerIamDisabled").t(true)
		}
		if r.IAP {
			e.k("iapEnabled").t(true)
		}
		if r.DefaultURLDisabled {
			e.k("defaultUriDisabled").t(true)
		}
	}
	e.ks("etag", `"`+shortHash(r.name()+r.Updated, 16)+`"`)
	w.endResource(r.Region, r.P.Ancestors, r.Updated)
}

func (w *writer) vpcV2(r *run) {
	if r.Egress == "" {
		return
	}
	e := &w.e
	e.k("vpcAccess").o()
	if r.Connector != "" {
		e.ks("connector", r.Connector)
	}
	e.ks("egress", egressV2[r.Egress])
	if r.Connector == "" {
		e.k("networkInterfaces").a().o().ks("network", "default").ks("subnetwork", "serverless-"+r.Region).end().end()
	}
	e.end()
}

func (w *writer) containersV2(r *run) {
	e := &w.e
	e.k("containers").a()
	for _, c := range r.Containers {
		e.o().ksOpt("name", c.Name).ks("image", c.Image)
		if len(c.Env) > 0 {
			e.k("env").a()
			for _, v := range c.Env {
				e.o().ks("name", v.Name)
				if v.Secret != "" {
					e.k("valueSource").o().k("secretKeyRef").o().ks("secret", v.Secret).ks("version", v.Version).end().end()
				} else {
					e.ks("value", v.Value)
				}
				e.end()
			}
			e.end()
		}
		e.k("resources").o().k("limits").o().ks("cpu", "1").ks("memory", "512Mi").end()
		if !r.Job {
			e.k("cpuIdle").t(true).k("startupCpuBoost").t(true)
		}
		e.end()
		if !r.Job {
			e.k("ports").a().o().ks("name", "http1").k("containerPort").i(8080).end().end()
		}
		if len(r.CloudSQL) > 0 {
			e.k("volumeMounts").a().o().ks("name", "cloudsql").ks("mountPath", "/cloudsql").end().end()
		}
		e.end()
	}
	e.end()
}

func (w *writer) volumesV2(r *run) {
	if len(r.CloudSQL) == 0 {
		return
	}
	e := &w.e
	e.k("volumes").a().o().ks("name", "cloudsql").k("cloudSqlInstance").o().strs("instances", r.CloudSQL...).end().end().end()
}

// teams maps the demo's app labels to the teams that own them, so scores
// can be read per team (the "team" label).
var teams = map[string]string{
	"pdf-convert": "documents", "vault": "security", "qa-portal": "qa", "qa-dashboard": "qa",
	"ledger": "finance",
}

// labels returns the workload's labels plus its team, derived from its app
// label (fleet-* apps belong to the fleet team), unless it has one.
func (r *run) labels() [][2]string {
	app := ""
	for _, l := range r.Labels {
		switch l[0] {
		case "team":
			return r.Labels
		case "app":
			app = l[1]
		}
	}
	team, ok := teams[app]
	if !ok && strings.HasPrefix(app, "fleet") {
		team, ok = "fleet", true
	}
	if !ok && strings.HasPrefix(app, "qa") {
		team, ok = "qa", true
	}
	if !ok {
		return r.Labels
	}
	return append(append([][2]string{}, r.Labels...), [2]string{"team", team})
}
