package alerts_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/alerts"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/store"
)

func TestRepository(t *testing.T) {
	tests := []struct{ image, want string }{
		{"gcr.io/p/app:1.0", "gcr.io/p/app"},
		{"gcr.io/p/app", "gcr.io/p/app"},
		{"europe-docker.pkg.dev/p/r/app@sha256:" + strings.Repeat("a", 64), "europe-docker.pkg.dev/p/r/app"},
		{"europe-docker.pkg.dev/p/r/app:v2@sha256:" + strings.Repeat("b", 64), "europe-docker.pkg.dev/p/r/app"},
		{"nginx", "docker.io/library/nginx"},
		{"nginx:1.27", "docker.io/library/nginx"},
		{"nginx@sha256:" + strings.Repeat("c", 64), "docker.io/library/nginx"},
		{"library/nginx", "docker.io/library/nginx"},
		{"bitnami/redis:7.2", "docker.io/bitnami/redis"},
		{"docker.io/library/nginx:latest", "docker.io/library/nginx"},
		{"docker.io/nginx", "docker.io/library/nginx"},
		{"index.docker.io/x/y", "docker.io/x/y"},
		{"index.docker.io/nginx:1", "docker.io/library/nginx"},
		{"localhost:5000/app:tag", "localhost:5000/app"},
		{"localhost/app", "localhost/app"},
		{"registry:5000/app", "registry:5000/app"},
		{"registry:5000/team/app:1", "registry:5000/team/app"},
		{"GCR.io/P/App:1", "gcr.io/p/app"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := alerts.Repository(tt.image); got != tt.want {
			t.Errorf("Repository(%q) = %q, want %q", tt.image, got, tt.want)
		}
	}
}

// svc is the node ID of a service of the fixture (testdata/prev.jsonl: one
// project, a service account for each service, every service internal,
// Binary Authorization enforced, pinned images from Artifact Registry, no
// invoker).
func svc(name string) string {
	return "//run.googleapis.com/projects/proj-a/locations/us-central1/services/" + name
}

// fixture is testdata/prev.jsonl, a CAI export (gcloud asset export lines).
func fixture(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/prev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// edit changes the resource data of the asset called name in lines.
func edit(t *testing.T, lines []string, name string, fn func(data map[string]any)) []string {
	t.Helper()
	out := slices.Clone(lines)
	for i, l := range out {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["name"] != name || rec["resource"] == nil {
			continue
		}
		fn(rec["resource"].(map[string]any)["data"].(map[string]any))
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
		return out
	}
	t.Fatalf("no resource record of %s", name)
	return nil
}

// policy is an IAM policy record of the asset called name.
func policy(name, assetType, role string, members ...string) string {
	m, _ := json.Marshal(members)
	return fmt.Sprintf(`{"name":%q,"asset_type":%q,"ancestors":["projects/111","organizations/100"],"iam_policy":{"version":1,"bindings":[{"role":%q,"members":%s}]},"update_time":"2026-12-05T09:00:00Z"}`,
		name, assetType, role, m)
}

func serviceRecord(name, sa, image string) string {
	return fmt.Sprintf(`{"name":%q,"asset_type":"run.googleapis.com/Service","ancestors":["projects/111","organizations/100"],"resource":{"version":"v2","parent":"//cloudresourcemanager.googleapis.com/projects/111","location":"us-central1",`+
		`"data":{"name":"projects/proj-a/locations/us-central1/services/%s","ingress":"INGRESS_TRAFFIC_ALL","template":{"serviceAccount":%q,"containers":[{"image":%q}]}}},"update_time":"2026-12-05T09:00:00Z"}`,
		svc(name), name, sa, image)
}

var now = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)

// report scans the export lines; excepted findings are those of the
// checks named, on any subject.
func report(t *testing.T, lines []string, excepted ...string) *scan.Report {
	t.Helper()
	r := inventory.NewReader()
	if err := r.Read("export.jsonl", strings.NewReader(strings.Join(lines, "\n"))); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	if len(inv.Problems) > 0 {
		t.Fatalf("fixture: %v", inv.Problems)
	}
	rep := scan.Run(inv, iam.MustPredefined(), rules.All(), now, nil)
	for i, f := range rep.Findings {
		rep.Findings[i].Excepted = slices.Contains(excepted, f.Check)
	}
	return rep
}

// findingID is the ID of the finding of check on subject in rep ("" if none).
func findingID(rep *scan.Report, check, subject string) string {
	for _, f := range rep.Findings {
		if f.Check == check && (f.Subject == subject || slices.Contains(f.Affects, subject)) {
			return f.ID
		}
	}
	return ""
}

func data(d map[string]any, path ...string) map[string]any {
	for _, p := range path {
		d = d[p].(map[string]any)
	}
	return d
}

// TestCompareDrift: each drift of a workload that exists in both states is
// one alert, naming the workload and what changed, and the new finding the
// drift made (FindingID; it does not alert again as a finding).
func TestCompareDrift(t *testing.T) {
	base := fixture(t)
	tests := []struct {
		name     string
		next     func() []string
		workload string
		event    string
		severity string
		finding  string   // the check of the new finding the event explains, if any
		message  []string // parts of the message
		others   []string // finding alerts (checks) besides the event, at low
		both     []string // lines added to both states
		excepted []string // checks excepted in both states
	}{
		{
			name: "ingress widened",
			next: func() []string {
				return edit(t, base, svc("ingress"), func(d map[string]any) { d["ingress"] = "INGRESS_TRAFFIC_ALL" })
			},
			workload: svc("ingress"), event: alerts.IngressWidened, severity: "medium", finding: "ingress-open-internal",
			message: []string{"ingress", "ingress widened from internal to all"},
		},
		{
			name: "ingress widened to load balancers",
			next: func() []string {
				return edit(t, base, svc("ingress"), func(d map[string]any) { d["ingress"] = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" })
			},
			workload: svc("ingress"), event: alerts.IngressWidened, severity: "medium",
			message: []string{"from internal to internal-and-cloud-load-balancing"},
		},
		{
			name: "Binary Authorization removed",
			next: func() []string {
				return edit(t, base, svc("binauthz"), func(d map[string]any) { delete(d, "binaryAuthorization") })
			},
			workload: svc("binauthz"), event: alerts.BinAuthzRemoved, severity: "high", finding: "binauthz-not-enforced",
			message: []string{"binauthz", "Binary Authorization removed (it used policy default)"},
		},
		{
			name: "breakglass set",
			next: func() []string {
				return edit(t, base, svc("breakglass"), func(d map[string]any) {
					d["binaryAuthorization"] = map[string]any{"useDefault": true, "breakglassJustification": "incident 4711"}
				})
			},
			workload: svc("breakglass"), event: alerts.BreakglassSet, severity: "high", finding: "binauthz-not-enforced",
			message: []string{"breakglass", "breakglass set"},
		},
		{
			name: "IAM check disabled",
			next: func() []string {
				return edit(t, base, svc("iamcheck"), func(d map[string]any) { d["invokerIamDisabled"] = true })
			},
			workload: svc("iamcheck"), event: alerts.IAMCheckDisabled, severity: "high", finding: "invoker-iam-disabled",
			message: []string{"iamcheck", "invoker IAM check was disabled"},
		},
		{
			name: "domain invoker granted",
			next: func() []string {
				return append(slices.Clone(base), policy(svc("domain"), inventory.TypeRunService, "roles/run.invoker", "domain:example.com"))
			},
			workload: svc("domain"), event: alerts.PublicInvoker, severity: "high", finding: "invoker-broad-scope",
			// One change, one alert: it names both findings it made.
			message: []string{"domain", "example.com", "can now invoke it (roles/run.invoker on it)", "Invoke permission granted too broadly", "People invoke it without IAP"},
		},
		{
			name: "allUsers invoker granted",
			next: func() []string {
				return append(slices.Clone(base), policy(svc("public"), inventory.TypeRunService, "roles/run.invoker", "allUsers"))
			},
			workload: svc("public"), event: alerts.PublicInvoker, severity: "high", finding: "invoker-public",
			message: []string{"public", "allUsers", "can now invoke it"},
		},
		{
			name: "service account changed",
			next: func() []string {
				return edit(t, base, svc("identity"), func(d map[string]any) {
					data(d, "template")["serviceAccount"] = "identity2@proj-a.iam.gserviceaccount.com"
				})
			},
			workload: svc("identity"), event: alerts.ServiceAccountChanged, severity: "high",
			message: []string{"identity", "from identity@proj-a.iam.gserviceaccount.com to identity2@proj-a.iam.gserviceaccount.com"},
		},
		{
			name: "allUsers invoker granted, its finding excepted",
			next: func() []string {
				return append(slices.Clone(base), policy(svc("public"), inventory.TypeRunService, "roles/run.invoker", "allUsers"))
			},
			excepted: []string{"invoker-public"},
			workload: svc("public"), event: alerts.PublicInvoker, severity: "high",
			message: []string{"allUsers", "can now invoke it"},
		},
		{
			name: "service account changed to one with a basic role: the finding's severity",
			next: func() []string {
				return edit(t, base, svc("identity"), func(d map[string]any) {
					data(d, "template")["serviceAccount"] = "identity2@proj-a.iam.gserviceaccount.com"
				})
			},
			both: []string{`{"name":"//cloudresourcemanager.googleapis.com/organizations/100","asset_type":"cloudresourcemanager.googleapis.com/Organization","ancestors":["organizations/100"],` +
				`"iam_policy":{"bindings":[{"role":"roles/editor","members":["serviceAccount:identity2@proj-a.iam.gserviceaccount.com"]}]},"update_time":"2026-11-01T00:00:00Z"}`},
			workload: svc("identity"), event: alerts.ServiceAccountChanged, severity: "critical", finding: "runtime-basic-role",
			message: []string{"to identity2@proj-a.iam.gserviceaccount.com", "New critical finding"},
		},
		{
			name: "service account changed to the default",
			next: func() []string {
				return edit(t, base, svc("identity"), func(d map[string]any) { delete(data(d, "template"), "serviceAccount") })
			},
			workload: svc("identity"), event: alerts.ServiceAccountChanged, severity: "high", finding: "runtime-default-sa",
			message: []string{"to the default compute identity (111-compute@developer.gserviceaccount.com)"},
		},
		{
			name: "image from a new repository",
			next: func() []string {
				return edit(t, base, svc("image"), func(d map[string]any) {
					data(d, "template")["containers"].([]any)[0].(map[string]any)["image"] = "docker.io/library/nginx@sha256:" + strings.Repeat("a", 64)
				})
			},
			workload: svc("image"), event: alerts.NewImageRepository, severity: "high", finding: "image-untrusted-registry",
			message: []string{"image", "docker.io/library/nginx"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := report(t, append(slices.Clone(base), tt.both...), tt.excepted...)
			next := report(t, append(tt.next(), tt.both...), tt.excepted...)
			got := alerts.Compare(prev, next, alerts.Options{MinSeverity: rules.Low, Source: "feed", At: now})
			if len(got) != 1+len(tt.others) {
				t.Fatalf("%d alerts, want %d:%s", len(got), 1+len(tt.others), text(got))
			}
			a := got[0]
			want := store.Alert{At: now, Kind: store.AlertDrift, Event: tt.event, Severity: tt.severity, Subject: tt.workload,
				Workload: tt.workload, Project: "proj-a", Source: "feed", Message: a.Message}
			if tt.finding != "" {
				want.FindingID = findingID(next, tt.finding, tt.workload)
				if want.FindingID == "" {
					t.Fatalf("the next state has no %s finding on %s", tt.finding, tt.workload)
				}
			}
			if diff := cmp.Diff(want, a); diff != "" {
				t.Errorf("alert (-want +got):\n%s", diff)
			}
			for _, part := range tt.message {
				if !strings.Contains(a.Message, part) {
					t.Errorf("message %q does not say %q", a.Message, part)
				}
			}
			var others []string
			for _, o := range got[1:] {
				if o.Kind != store.AlertFinding || o.FindingID == a.FindingID || o.Workload != tt.workload {
					t.Errorf("other alert: %+v", o)
				}
				others = append(others, o.Event)
			}
			if diff := cmp.Diff(tt.others, others); diff != "" {
				t.Errorf("finding alerts besides the event (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompareNoDrift: changes that do not make a workload worse give no
// alert.
func TestCompareNoDrift(t *testing.T) {
	base := fixture(t)
	digest := "@sha256:" + strings.Repeat("1", 64)
	noBinAuthz := edit(t, base, svc("binauthz"), func(d map[string]any) { delete(d, "binaryAuthorization") })
	breakglass := edit(t, base, svc("breakglass"), func(d map[string]any) {
		d["binaryAuthorization"] = map[string]any{"useDefault": true, "breakglassJustification": "incident 4711"}
	})
	iamOff := edit(t, base, svc("iamcheck"), func(d map[string]any) { d["invokerIamDisabled"] = true })
	ingressAll := edit(t, base, svc("ingress"), func(d map[string]any) { d["ingress"] = "INGRESS_TRAFFIC_ALL" })
	public := append(slices.Clone(base), policy(svc("public"), inventory.TypeRunService, "roles/run.invoker", "allUsers"))
	tests := []struct {
		name string
		next []string
		prev []string // base when nil
	}{
		{"the same state", base, nil},
		{"Binary Authorization still off", noBinAuthz, noBinAuthz},
		{"Binary Authorization set again", base, noBinAuthz},
		{"breakglass still set", breakglass, breakglass},
		{"breakglass cleared", base, breakglass},
		{"IAM check still disabled", iamOff, iamOff},
		{"IAM check enabled again", base, iamOff},
		{"ingress still all", ingressAll, ingressAll},
		{"ingress narrowed from all", base, ingressAll},
		{"still public", public, public},
		{"public no more", base, public},
		{"ingress narrowed", edit(t, base, svc("ingress"), func(d map[string]any) { d["ingress"] = "INGRESS_TRAFFIC_NONE" }), nil},
		{"new image of the same repository", edit(t, base, svc("image"), func(d map[string]any) {
			data(d, "template")["containers"].([]any)[0].(map[string]any)["image"] = "us-docker.pkg.dev/proj-a/app/image" + digest
		}), nil},
		{"a named Binary Authorization policy instead of the default", edit(t, base, svc("binauthz"), func(d map[string]any) {
			d["binaryAuthorization"] = map[string]any{"policy": "projects/proj-a/platforms/cloudRun/policies/strict"}
		}), nil},
		{"a service account invoker", append(slices.Clone(base), policy(svc("domain"), inventory.TypeRunService, "roles/run.invoker", "serviceAccount:quiet@proj-a.iam.gserviceaccount.com")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := base
			if tt.prev != nil {
				prev = tt.prev
			}
			// Drift events alert whatever the severity; at low, a new
			// finding would too.
			got := alerts.Compare(report(t, prev), report(t, tt.next), alerts.Options{MinSeverity: rules.Low, At: now})
			if len(got) != 0 {
				t.Errorf("alerts:%s", text(got))
			}
		})
	}
}

// TestCompareFindings: a workload new in the next state gives no drift
// event; its findings alert, at or above the severity asked only, most
// severe first, excepted ones never.
func TestCompareFindings(t *testing.T) {
	base := fixture(t)
	next := append(slices.Clone(base),
		serviceRecord("fresh", "fresh@proj-a.iam.gserviceaccount.com", "nginx:1.27"),
		policy(svc("fresh"), inventory.TypeRunService, "roles/run.invoker", "allUsers"))
	prev := report(t, base)
	tests := []struct {
		name     string
		min      rules.Severity
		excepted []string
		want     []string // check slugs, in order
	}{
		{name: "critical", min: rules.Critical},
		{name: "high", min: rules.High, want: []string{"invoker-public"}},
		{name: "default (high)", want: []string{"invoker-public"}},
		{name: "medium", min: rules.Medium, want: []string{"invoker-public", "binauthz-not-enforced", "image-untrusted-registry"}},
		{name: "low", min: rules.Low, want: []string{"invoker-public", "binauthz-not-enforced", "image-untrusted-registry", "egress-not-restricted", "image-not-pinned"}},
		{name: "excepted", min: rules.Medium, excepted: []string{"invoker-public", "binauthz-not-enforced"}, want: []string{"image-untrusted-registry"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nr := report(t, next, tt.excepted...)
			got := alerts.Compare(prev, nr, alerts.Options{MinSeverity: tt.min, Source: "sync", At: now})
			var checks []string
			for _, a := range got {
				checks = append(checks, a.Event)
				want := store.Alert{At: now, Kind: store.AlertFinding, Event: a.Event, Subject: svc("fresh"), Workload: svc("fresh"),
					Project: "proj-a", Source: "sync", FindingID: findingID(nr, a.Event, svc("fresh")), Severity: a.Severity, Message: a.Message}
				if diff := cmp.Diff(want, a); diff != "" {
					t.Errorf("alert (-want +got):\n%s", diff)
				}
				least := tt.min
				if least == 0 {
					least = rules.High
				}
				if sev, err := rules.ParseSeverity(a.Severity); err != nil || sev < least {
					t.Errorf("%s alerts at %s, below %s", a.Event, a.Severity, least)
				}
				if !strings.HasPrefix(a.Message, "New "+a.Severity+" finding: ") || !strings.Contains(a.Message, "fresh") {
					t.Errorf("message %q", a.Message)
				}
			}
			if diff := cmp.Diff(tt.want, checks); diff != "" {
				t.Errorf("finding alerts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompareExplains: with many changes at once, each drift event names
// the finding it made and that finding does not alert again; drift events
// come first, by workload, then findings.
func TestCompareExplains(t *testing.T) {
	base := fixture(t)
	next := edit(t, base, svc("iamcheck"), func(d map[string]any) { d["invokerIamDisabled"] = true })
	next = edit(t, next, svc("binauthz"), func(d map[string]any) { delete(d, "binaryAuthorization") })
	next = append(next, policy(svc("public"), inventory.TypeRunService, "roles/run.invoker", "allUsers"),
		serviceRecord("fresh", "fresh@proj-a.iam.gserviceaccount.com", "us-docker.pkg.dev/proj-a/app/fresh@sha256:"+strings.Repeat("2", 64)),
		policy(svc("fresh"), inventory.TypeRunService, "roles/run.invoker", "allUsers"))
	prev, nr := report(t, base), report(t, next)
	changed := map[string]time.Time{svc("iamcheck"): now.Add(-3 * time.Minute), svc("public"): now.Add(-2 * time.Minute)}
	got := alerts.Compare(prev, nr, alerts.Options{Source: "feed", At: now, ChangedAt: func(name string) time.Time { return changed[name] }})
	var seq []string
	ids := map[string]int{}
	for _, a := range got {
		seq = append(seq, a.Kind+" "+a.Event+" "+a.Workload[strings.LastIndex(a.Workload, "/")+1:])
		if a.FindingID != "" {
			ids[a.FindingID]++
		}
		if !a.ChangedAt.Equal(changed[a.Workload]) {
			t.Errorf("%s on %s changed at %v, want %v", a.Event, a.Workload, a.ChangedAt, changed[a.Workload])
		}
	}
	want := []string{
		"drift binauthz-removed binauthz",
		"drift iam-check-disabled iamcheck",
		"drift public-invoker public",
		"finding invoker-public fresh",
	}
	if diff := cmp.Diff(want, seq); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("finding %s named by %d alerts", id, n)
		}
	}
	if got[0].FindingID != "" {
		// binauthz-not-enforced is medium: below high it does not alert,
		// but the event still names it.
		if got[0].FindingID != findingID(nr, "binauthz-not-enforced", svc("binauthz")) {
			t.Errorf("binauthz-removed names finding %s", got[0].FindingID)
		}
	} else {
		t.Error("binauthz-removed names no finding")
	}
}

// TestCompareFresh: an image repository the caller's history has seen the
// workload run before is no news (Options.Fresh); the finding it makes
// alerts on its own then.
func TestCompareFresh(t *testing.T) {
	base := fixture(t)
	next := edit(t, base, svc("image"), func(d map[string]any) {
		data(d, "template")["containers"].([]any)[0].(map[string]any)["image"] = "docker.io/library/nginx@sha256:" + strings.Repeat("a", 64)
	})
	prev, nr := report(t, base), report(t, next)
	for _, tt := range []struct {
		name  string
		fresh func(w, r string) bool
		want  string
	}{
		{"no history", nil, "drift new-image-repository"},
		{"never ran it", func(w, r string) bool { return true }, "drift new-image-repository"},
		{"ran it before", func(w, r string) bool { return !(w == svc("image") && r == "docker.io/library/nginx") }, "finding image-untrusted-registry"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := alerts.Compare(prev, nr, alerts.Options{MinSeverity: rules.Medium, Fresh: tt.fresh, At: now})
			if len(got) != 1 || got[0].Kind+" "+got[0].Event != tt.want {
				t.Errorf("alerts:%s\nwant %s", text(got), tt.want)
			}
		})
	}
}

// TestCompareFirstState: without a previous state nothing alerts.
func TestCompareFirstState(t *testing.T) {
	base := fixture(t)
	next := report(t, append(slices.Clone(base), policy(svc("public"), inventory.TypeRunService, "roles/run.invoker", "allUsers")))
	if got := alerts.Compare(nil, next, alerts.Options{MinSeverity: rules.Low}); got != nil {
		t.Errorf("Compare(nil, next) = %s", text(got))
	}
	if got := alerts.Compare(next, nil, alerts.Options{MinSeverity: rules.Low}); got != nil {
		t.Errorf("Compare(prev, nil) = %s", text(got))
	}
}

func TestRepositories(t *testing.T) {
	base := fixture(t)
	next := edit(t, base, svc("image"), func(d map[string]any) {
		data(d, "template")["containers"] = []any{
			map[string]any{"image": "nginx:1.27"},
			map[string]any{"image": "docker.io/library/nginx:1.26"},
			map[string]any{"image": "gcr.io/proj-a/sidecar:3"},
		}
	})
	got := alerts.Repositories(report(t, next))
	if diff := cmp.Diff([]string{"docker.io/library/nginx", "gcr.io/proj-a/sidecar"}, got[svc("image")]); diff != "" {
		t.Errorf("repositories of image (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"us-docker.pkg.dev/proj-a/app/quiet"}, got[svc("quiet")]); diff != "" {
		t.Errorf("repositories of quiet (-want +got):\n%s", diff)
	}
	if len(got) != 9 {
		t.Errorf("%d workloads with repositories, want 9", len(got))
	}
}

func text(as []store.Alert) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "\n  %s %s %s %s (finding %s): %s", a.Kind, a.Event, a.Severity, a.Workload, a.FindingID, a.Message)
	}
	return b.String()
}

// TestCompareLeavingDefault: a switch away from the default compute
// identity to a dedicated one is still an event, but a low one (it is how
// the default identity is fixed); the switch back is high.
func TestCompareLeavingDefault(t *testing.T) {
	base := fixture(t)
	onDefault := edit(t, base, svc("identity"), func(d map[string]any) { delete(data(d, "template"), "serviceAccount") })
	for _, tt := range []struct {
		name       string
		prev, next []string
		want       string
	}{
		{"to a dedicated identity", onDefault, base, "low"},
		{"back to the default", base, onDefault, "high"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := alerts.Compare(report(t, tt.prev), report(t, tt.next), alerts.Options{MinSeverity: rules.Critical})
			if len(got) != 1 || got[0].Event != alerts.ServiceAccountChanged || got[0].Severity != tt.want {
				t.Errorf("alerts %s, want one %s service-account-changed", text(got), tt.want)
			}
		})
	}
}
