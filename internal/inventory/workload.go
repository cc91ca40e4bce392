package inventory

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Workload is the typed view of a Cloud Run service or job, read from either
// shape CAI carries (Knative serving.knative.dev/v1 or Admin API v2; see
// DESIGN §2.2). Env var values are never kept: only whether a literal value
// is set, and the references found in it.
type Workload struct {
	Job                bool
	Shape              string // "v1" (Knative) or "v2"
	Project            string // project ID (or number) from the name
	Region             string
	Name               string
	ServiceAccount     string // runtime identity email; "" means the default compute SA
	Ingress            string // "all", "internal", "internal-and-cloud-load-balancing", "none"; "" for jobs
	InvokerIAMDisabled bool
	IAPEnabled         bool
	BinAuthz           BinAuthz
	Egress             string // "all-traffic", "private-ranges-only", or "" for no VPC egress
	VPCConnector       string
	NetworkInterfaces  bool
	Containers         []Container
	// Refs are the resources the configuration names, each once, with the
	// field that names it: secrets read from env vars and volumes, GCS
	// volumes, Cloud SQL connections, the CMEK key, and what env values and
	// arguments name (see refsOf). The graph turns them into uses edges.
	Refs               []Ref
	EncryptionKey      string
	URLs               []string
	DefaultURLDisabled bool
	CustomAudiences    []string
	Labels             map[string]string
	// NotServing says why a service has never served (its Ready condition
	// is not met and it has no URL); "" when it serves or its status is not
	// in the record. Such a service is still checked for its configuration.
	NotServing string

	// BehindIAPLoadBalancer names the load-balancer backend services with IAP
	// on that front this service; set when the graph is built.
	BehindIAPLoadBalancer []string

	// Unknown lists the fields known only after apply (Field*), for a
	// workload read from a Terraform plan.
	Unknown []string
}

// IsUnknown reports whether field (a Field* name) is known only after
// apply: a check that needs it must neither pass nor fail on it.
func (w *Workload) IsUnknown(field string) bool { return slices.Contains(w.Unknown, field) }

// BinAuthz is the Binary Authorization setting of a workload.
type BinAuthz struct {
	Enabled    bool   // default policy or a named policy is set
	Policy     string // "default" or a policy name
	Breakglass string // breakglass justification, if any
}

// Container is one container of a workload.
type Container struct {
	Name  string
	Image string
	Env   []EnvVar
}

// EnvVar is an environment variable. Its literal value is deliberately not
// kept: a secret-like value must never be shown, logged or stored.
type EnvVar struct {
	Name    string
	Literal bool // a literal value is set (not empty, not a reference resolved at run time)
	// Runtime is set for a literal that only refers to something: a Google
	// Cloud resource name (a Secret Manager version resolved at run time,
	// a KMS key), sm:// or berglas:// references, ${...} placeholders.
	Runtime bool
	// Path is set for a literal that is a file system path.
	Path bool
	// SecretForm says why the literal value is a secret by its form,
	// whatever its name ("private-key", "url-credentials",
	// "gitleaks:RULE"); "" when it is not. See SecretFormText.
	SecretForm string
	SecretRef  string // the secret it reads (name or projects/P/secrets/S), if any
	Version    string // secret version, if any
}

// Ingress values, normalised to the Knative spelling.
const (
	IngressAll        = "all"
	IngressInternal   = "internal"
	IngressInternalLB = "internal-and-cloud-load-balancing"
	IngressNone       = "none"
)

var (
	topicRef  = regexp.MustCompile(`projects/[a-z0-9][-a-z0-9.:]*/topics/[A-Za-z][-A-Za-z0-9._~%+]*`)
	bucketRef = regexp.MustCompile(`gs://([a-z0-9][-a-z0-9_.]*[a-z0-9])`)
	secretRef = regexp.MustCompile(`(projects/[A-Za-z0-9][-A-Za-z0-9.:]*/secrets/[A-Za-z0-9_-]+)(?:/versions/([A-Za-z0-9_-]+))?`)
)

// DecodeWorkload reads a run.googleapis.com/Service or Job asset in either
// shape. The shape is taken from resource.version or data.apiVersion.
func DecodeWorkload(a *Asset) (*Workload, error) {
	if a.Type != TypeRunService && a.Type != TypeRunJob {
		return nil, fmt.Errorf("inventory: %s is a %s, not a Cloud Run service or job", a.Name, a.Type)
	}
	w := &Workload{Job: a.Type == TypeRunJob, Unknown: a.Unknown}
	w.Project, w.Region, w.Name = runNameParts(a.Name)
	if len(a.Data) == 0 {
		return w, fmt.Errorf("inventory: %s has no resource data", a.Name)
	}
	v1 := a.Version == "v1"
	if !v1 {
		apiVersion, metadata, err := knativeProbe(a.Data)
		if err != nil {
			return w, fmt.Errorf("inventory: %s: %w", a.Name, err)
		}
		v1 = strings.HasPrefix(apiVersion, "serving.knative.dev") || strings.HasPrefix(apiVersion, "run.googleapis.com") || metadata
	}
	var err error
	if v1 {
		w.Shape = "v1"
		err = w.decodeV1(a.Data)
	} else {
		w.Shape = "v2"
		err = w.decodeV2(a.Data)
	}
	if err != nil {
		return w, fmt.Errorf("inventory: %s (%s shape): %w", a.Name, w.Shape, err)
	}
	if !w.Job && w.Ingress == "" {
		w.Ingress = IngressAll // the API default
	}
	// The same references in the same order whatever the shape.
	slices.SortStableFunc(w.Refs, func(a, b Ref) int {
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Value, b.Value))
	})
	return w, nil
}

// knativeProbe returns the top-level apiVersion of resource data and
// whether it has a metadata object: the marks of the v1 (Knative) shape. It
// reads the members' names and skips their values, as decoding into a
// struct of the two would (the last of a repeated name wins), without
// building anything.
func knativeProbe(data []byte) (apiVersion string, metadata bool, err error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), decodeOptions) // parsed where it is
	if tok, err := dec.ReadToken(); err != nil {
		return "", false, err
	} else if tok.Kind() != '{' {
		return "", false, fmt.Errorf("resource data is a JSON %s, not an object", tok.Kind())
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return "", false, err
		}
		switch name.String() {
		case "apiVersion":
			v, err := dec.ReadToken()
			if err != nil {
				return "", false, err
			}
			switch v.Kind() {
			case '"':
				apiVersion = v.String()
			case 'n':
				apiVersion = ""
			default:
				return "", false, fmt.Errorf("apiVersion is a JSON %s, not a string", v.Kind())
			}
			continue
		case "metadata":
			k := dec.PeekKind()
			if k != '{' && k != 'n' {
				return "", false, fmt.Errorf("metadata is a JSON %s, not an object", k)
			}
			metadata = k == '{'
		}
		if err := dec.SkipValue(); err != nil {
			return "", false, err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return "", false, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return "", false, errors.New("more than one JSON value in resource data")
	}
	return apiVersion, metadata, nil
}

// runNameParts splits //run.googleapis.com/projects/P/locations/R/{services,jobs}/N.
func runNameParts(name string) (project, region, svc string) {
	parts := strings.Split(strings.TrimPrefix(name, "//run.googleapis.com/"), "/")
	for i := 0; i+1 < len(parts); i += 2 {
		switch parts[i] {
		case "projects", "namespaces":
			project = parts[i+1]
		case "locations":
			region = parts[i+1]
		case "services", "jobs":
			svc = parts[i+1]
		}
	}
	return project, region, svc
}

type v1Env struct {
	Name      string  `json:"name"`
	Value     *string `json:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name string `json:"name"`
			Key  string `json:"key"`
		} `json:"secretKeyRef"`
	} `json:"valueFrom"`
}

type v1PodSpec struct {
	ServiceAccountName string `json:"serviceAccountName"`
	Containers         []struct {
		Name  string  `json:"name"`
		Image string  `json:"image"`
		Args  []any   `json:"args"` // strings; anything else is not an argument to read
		Env   []v1Env `json:"env"`
	} `json:"containers"`
	Volumes []struct {
		Name   string `json:"name"`
		Secret *struct {
			SecretName string `json:"secretName"`
		} `json:"secret"`
		CSI *struct {
			Driver           string            `json:"driver"`
			VolumeAttributes map[string]string `json:"volumeAttributes"`
		} `json:"csi"`
	} `json:"volumes"`
}

type v1Meta struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func (w *Workload) decodeV1(data []byte) error {
	var d struct {
		Metadata struct {
			v1Meta
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec struct {
			Template struct {
				Metadata v1Meta    `json:"metadata"`
				Spec     v1PodSpec `json:"spec"` // services
			} `json:"template"`
		} `json:"spec"`
		Status struct {
			URL     string `json:"url"`
			Address struct {
				URL string `json:"url"`
			} `json:"address"`
			Conditions []struct {
				Type    string `json:"type"`
				Status  string `json:"status"`
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"conditions"`
		} `json:"status"`
	}
	if err := unmarshal(data, &d); err != nil {
		return err
	}
	ann := d.Metadata.Annotations
	tmplAnn := d.Spec.Template.Metadata.Annotations
	pod := d.Spec.Template.Spec
	if w.Job {
		// Jobs nest an execution template: spec.template.spec.template.spec.
		var j struct {
			Spec struct {
				Template struct {
					Metadata v1Meta `json:"metadata"`
					Spec     struct {
						Template struct {
							Spec v1PodSpec `json:"spec"`
						} `json:"template"`
					} `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := unmarshal(data, &j); err != nil {
			return err
		}
		pod = j.Spec.Template.Spec.Template.Spec
		tmplAnn = j.Spec.Template.Metadata.Annotations
	}
	if w.Project == "" {
		w.Project = d.Metadata.Namespace
	}
	if w.Name == "" {
		w.Name = d.Metadata.Name
	}
	w.Labels = d.Metadata.Labels
	w.ServiceAccount = pod.ServiceAccountName
	if !w.Job {
		w.Ingress = ann["run.googleapis.com/ingress"]
	}
	w.InvokerIAMDisabled = ann["run.googleapis.com/invoker-iam-disabled"] == "true"
	w.IAPEnabled = ann["run.googleapis.com/iap-enabled"] == "true"
	if p := ann["run.googleapis.com/binary-authorization"]; p != "" {
		w.BinAuthz = BinAuthz{Enabled: true, Policy: p}
	}
	w.BinAuthz.Breakglass = ann["run.googleapis.com/binary-authorization-breakglass"]
	w.DefaultURLDisabled = ann["run.googleapis.com/default-url-disabled"] == "true"
	if ca := ann["run.googleapis.com/custom-audiences"]; ca != "" {
		_ = unmarshal([]byte(ca), &w.CustomAudiences) // a malformed list means none
	}
	w.VPCConnector = tmplAnn["run.googleapis.com/vpc-access-connector"]
	w.NetworkInterfaces = tmplAnn["run.googleapis.com/network-interfaces"] != ""
	if w.VPCConnector != "" || w.NetworkInterfaces {
		w.Egress = tmplAnn["run.googleapis.com/vpc-access-egress"]
		if w.Egress == "" {
			w.Egress = "private-ranges-only" // the API default once a VPC path is set
		}
	}
	w.EncryptionKey = tmplAnn["run.googleapis.com/encryption-key"]
	if w.EncryptionKey != "" {
		w.addRef(Ref{Kind: RefKMSKey, Value: w.EncryptionKey, Field: "encryption key"})
	}
	for _, inst := range strings.Split(tmplAnn["run.googleapis.com/cloudsql-instances"], ",") {
		if inst = strings.TrimSpace(inst); inst != "" {
			w.addRef(Ref{Kind: RefSQL, Value: inst, Field: "annotation run.googleapis.com/cloudsql-instances"})
		}
	}
	// run.googleapis.com/secrets maps aliases to secrets in other projects:
	// "alias:projects/NUM/secrets/NAME,alias2:...".
	aliases := map[string]string{}
	for _, kv := range strings.Split(tmplAnn["run.googleapis.com/secrets"], ",") {
		if alias, path, ok := strings.Cut(strings.TrimSpace(kv), ":"); ok {
			aliases[alias] = path
		}
	}
	resolve := func(name string) string {
		if p, ok := aliases[name]; ok {
			return p
		}
		return name
	}
	for _, c := range pod.Containers {
		ct := Container{Name: c.Name, Image: c.Image}
		for _, e := range c.Env {
			ev := newEnvVar(e.Name, e.Value)
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				ev.SecretRef, ev.Version = resolve(e.ValueFrom.SecretKeyRef.Name), e.ValueFrom.SecretKeyRef.Key
			}
			w.addEnv(ct.Name, &ev, e.Value)
			ct.Env = append(ct.Env, ev)
		}
		w.addRef(argRefs(c.Args)...)
		w.Containers = append(w.Containers, ct)
	}
	for _, v := range pod.Volumes {
		if v.Secret != nil && v.Secret.SecretName != "" {
			w.addRef(Ref{Kind: RefSecret, Value: resolve(v.Secret.SecretName), Field: "volume " + v.Name})
		}
		if v.CSI != nil && v.CSI.Driver == "gcsfuse.run.googleapis.com" && v.CSI.VolumeAttributes["bucketName"] != "" {
			w.addRef(Ref{Kind: RefBucket, Value: v.CSI.VolumeAttributes["bucketName"], Field: "volume " + v.Name})
		}
	}
	// Knative's Ready condition (status "True", "False" or "Unknown"):
	// https://cloud.google.com/run/docs/reference/rest/v1/namespaces.services#ServiceStatus
	for _, c := range d.Status.Conditions {
		if c.Type == "Ready" && c.Status != "True" && !w.Job && d.Status.URL == "" {
			w.NotServing = notServing("Ready "+c.Status, c.Reason)
		}
	}
	for _, u := range []string{d.Status.URL, d.Status.Address.URL} {
		if u != "" && !contains(w.URLs, u) {
			w.URLs = append(w.URLs, u)
		}
	}
	return nil
}

type v2Template struct {
	ServiceAccount string `json:"serviceAccount"`
	EncryptionKey  string `json:"encryptionKey"`
	VPCAccess      *struct {
		Connector         string           `json:"connector"`
		Egress            string           `json:"egress"`
		NetworkInterfaces []jsontext.Value `json:"networkInterfaces"`
	} `json:"vpcAccess"`
	Containers []struct {
		Name  string `json:"name"`
		Image string `json:"image"`
		Args  []any  `json:"args"` // strings; anything else is not an argument to read
		Env   []struct {
			Name        string  `json:"name"`
			Value       *string `json:"value"`
			ValueSource *struct {
				SecretKeyRef *struct {
					Secret  string `json:"secret"`
					Version string `json:"version"`
				} `json:"secretKeyRef"`
			} `json:"valueSource"`
		} `json:"env"`
	} `json:"containers"`
	Volumes []struct {
		Name   string `json:"name"`
		Secret *struct {
			Secret string `json:"secret"`
		} `json:"secret"`
		CloudSQLInstance *struct {
			Instances []string `json:"instances"`
		} `json:"cloudSqlInstance"`
		GCS *struct {
			Bucket string `json:"bucket"`
		} `json:"gcs"`
	} `json:"volumes"`
}

func (w *Workload) decodeV2(data []byte) error {
	var d struct {
		Labels              map[string]string `json:"labels"`
		Ingress             string            `json:"ingress"`
		InvokerIAMDisabled  bool              `json:"invokerIamDisabled"`
		IAPEnabled          bool              `json:"iapEnabled"`
		BinaryAuthorization *struct {
			UseDefault              bool   `json:"useDefault"`
			Policy                  string `json:"policy"`
			BreakglassJustification string `json:"breakglassJustification"`
		} `json:"binaryAuthorization"`
		URI                string         `json:"uri"`
		URLs               []string       `json:"urls"`
		DefaultURIDisabled bool           `json:"defaultUriDisabled"`
		CustomAudiences    []string       `json:"customAudiences"`
		Template           jsontext.Value `json:"template"`
		// https://cloud.google.com/run/docs/reference/rest/v2/Condition
		TerminalCondition *struct {
			Type            string `json:"type"`
			State           string `json:"state"`
			Reason          string `json:"reason"`
			RevisionReason  string `json:"revisionReason"`
			ExecutionReason string `json:"executionReason"`
		} `json:"terminalCondition"`
	}
	if err := unmarshal(data, &d); err != nil {
		return err
	}
	w.Labels = d.Labels
	w.InvokerIAMDisabled = d.InvokerIAMDisabled
	w.IAPEnabled = d.IAPEnabled
	w.DefaultURLDisabled = d.DefaultURIDisabled
	w.CustomAudiences = d.CustomAudiences
	if !w.Job {
		switch d.Ingress {
		case "INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_UNSPECIFIED", "": // unset is the API default, all
			w.Ingress = IngressAll
		case "INGRESS_TRAFFIC_INTERNAL_ONLY":
			w.Ingress = IngressInternal
		case "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER":
			w.Ingress = IngressInternalLB
		case "INGRESS_TRAFFIC_NONE":
			w.Ingress = IngressNone
		default:
			w.Ingress = strings.ToLower(d.Ingress)
		}
	}
	if ba := d.BinaryAuthorization; ba != nil {
		w.BinAuthz.Breakglass = ba.BreakglassJustification
		switch {
		case ba.UseDefault:
			w.BinAuthz.Enabled, w.BinAuthz.Policy = true, "default"
		case ba.Policy != "":
			w.BinAuthz.Enabled, w.BinAuthz.Policy = true, ba.Policy
		}
	}
	if tc := d.TerminalCondition; tc != nil && !w.Job && d.URI == "" && tc.State != "CONDITION_SUCCEEDED" {
		// A condition gives its cause in one of three reason fields.
		w.NotServing = notServing(orDefault(tc.State, "no state"), orDefault(tc.Reason, orDefault(tc.RevisionReason, tc.ExecutionReason)))
	}
	for _, u := range append([]string{d.URI}, d.URLs...) {
		if u != "" && !contains(w.URLs, u) {
			w.URLs = append(w.URLs, u)
		}
	}
	var t v2Template
	if len(d.Template) > 0 {
		if w.Job {
			// Jobs nest the task template: template.template.
			var j struct {
				Template v2Template `json:"template"`
			}
			if err := unmarshal(d.Template, &j); err != nil {
				return err
			}
			t = j.Template
		} else if err := unmarshal(d.Template, &t); err != nil {
			return err
		}
	}
	w.ServiceAccount = t.ServiceAccount
	w.EncryptionKey = t.EncryptionKey
	if w.EncryptionKey != "" {
		w.addRef(Ref{Kind: RefKMSKey, Value: w.EncryptionKey, Field: "encryption key"})
	}
	if v := t.VPCAccess; v != nil && (v.Connector != "" || len(v.NetworkInterfaces) > 0) {
		w.VPCConnector, w.NetworkInterfaces = v.Connector, len(v.NetworkInterfaces) > 0
		switch v.Egress {
		case "ALL_TRAFFIC":
			w.Egress = "all-traffic"
		default: // PRIVATE_RANGES_ONLY is the API default
			w.Egress = "private-ranges-only"
		}
	}
	for _, c := range t.Containers {
		ct := Container{Name: c.Name, Image: c.Image}
		for _, e := range c.Env {
			ev := newEnvVar(e.Name, e.Value)
			if e.ValueSource != nil && e.ValueSource.SecretKeyRef != nil {
				ev.SecretRef, ev.Version = e.ValueSource.SecretKeyRef.Secret, e.ValueSource.SecretKeyRef.Version
			}
			w.addEnv(ct.Name, &ev, e.Value)
			ct.Env = append(ct.Env, ev)
		}
		w.addRef(argRefs(c.Args)...)
		w.Containers = append(w.Containers, ct)
	}
	for _, v := range t.Volumes {
		switch {
		case v.Secret != nil && v.Secret.Secret != "":
			w.addRef(Ref{Kind: RefSecret, Value: v.Secret.Secret, Field: "volume " + v.Name})
		case v.CloudSQLInstance != nil:
			for _, inst := range v.CloudSQLInstance.Instances {
				w.addRef(Ref{Kind: RefSQL, Value: inst, Field: "volume " + v.Name})
			}
		case v.GCS != nil && v.GCS.Bucket != "":
			w.addRef(Ref{Kind: RefBucket, Value: v.GCS.Bucket, Field: "volume " + v.Name})
		}
	}
	return nil
}

// addEnv records what env var ev (of container ctr, with literal value v,
// nil when it has none) references: the secret it reads from Secret
// Manager, and what its value names. The value itself is not kept.
func (w *Workload) addEnv(ctr string, ev *EnvVar, v *string) {
	field := "env " + ev.Name
	if v != nil {
		refs := refsOf(*v, field)
		w.addRef(refs...)
		if ev.SecretRef == "" {
			for _, r := range refs {
				if r.Kind == RefSecret {
					ev.SecretRef, ev.Version = r.Value, r.Version
					break
				}
			}
		}
	}
	if ev.SecretRef != "" {
		w.addRef(Ref{Kind: RefSecret, Value: ev.SecretRef, Version: ev.Version, Field: field})
	}
}

// RefsOf returns the workload's references of kind k.
func (w *Workload) RefsOf(k RefKind) []Ref {
	var out []Ref
	for _, r := range w.Refs {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}

// notServing says why a service never served: its Ready condition's state
// and reason.
func notServing(state, reason string) string {
	if reason != "" {
		return state + " (" + reason + ")"
	}
	return state
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// secretRefOf returns the Secret Manager secret and version a literal value
// names (projects/P/secrets/S[/versions/V]), kept by redaction: the workload
// reads that secret at run time.
func secretRefOf(v string) (secret, version string) {
	m := secretRef.FindStringSubmatch(v)
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
