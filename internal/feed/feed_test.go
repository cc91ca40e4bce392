package feed_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/feed"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
)

// Names of the assets of the tests.
const (
	svcAPI    = "//run.googleapis.com/projects/proj-a/locations/us-central1/services/api"
	svcBatch  = "//run.googleapis.com/projects/proj-a/locations/us-central1/services/batch"
	svcCron   = "//run.googleapis.com/projects/proj-a/locations/us-central1/services/cron"
	projectA  = "//cloudresourcemanager.googleapis.com/projects/111"
	diskName  = "//compute.googleapis.com/projects/proj-a/zones/us-central1-a/disks/d1"
	vmName    = "//compute.googleapis.com/projects/proj-a/zones/us-central1-a/instances/vm1"
	projectNo = "projects/111"
)

var ancestors = []string{projectNo, "organizations/100"}

// serviceAsset is a v2 Cloud Run service asset in the camelCase shape a feed
// publishes (ListAssets), with a literal DB_PASSWORD env value.
func serviceAsset(name, image string, extra string) string {
	short := name[strings.LastIndex(name, "/")+1:]
	if extra != "" {
		extra = "," + extra
	}
	return fmt.Sprintf(`{"name":%q,"assetType":"run.googleapis.com/Service","ancestors":["projects/111","organizations/100"],"updateTime":"2026-12-05T09:00:00Z",`+
		`"resource":{"version":"v2","discoveryDocumentUri":"https://run.googleapis.com/$discovery/rest","discoveryName":"Service","parent":"//cloudresourcemanager.googleapis.com/projects/111","location":"us-central1",`+
		`"data":{"name":"projects/proj-a/locations/us-central1/services/%s","ingress":"INGRESS_TRAFFIC_INTERNAL_ONLY","template":{"serviceAccount":"app@proj-a.iam.gserviceaccount.com",`+
		`"containers":[{"image":%q,"env":[{"name":"DB_PASSWORD","value":"hunter2-Zq9xK"},{"name":"DB_USER","value":"ledger-admin-7731"}]}]}%s}}}`,
		name, short, image, extra)
}

// policyAsset is an asset with only its IAM policy, as an IAM_POLICY feed
// publishes it.
func policyAsset(name, assetType string, members ...string) string {
	m, _ := json.Marshal(members)
	return fmt.Sprintf(`{"name":%q,"assetType":%q,"ancestors":["projects/111","organizations/100"],"updateTime":"2026-12-05T09:00:00Z",`+
		`"iamPolicy":{"version":1,"etag":"BwanHrrmN4M=","bindings":[{"role":"roles/run.invoker","members":%s}]}}`, name, assetType, m)
}

// notification wraps an asset as a feed's TemporalAsset message.
func notification(asset, start string, deleted bool) []byte {
	return fmt.Appendf(nil, `{"asset":%s,"priorAssetState":"PRESENT","window":{"startTime":%q},"deleted":%t}`, asset, start, deleted)
}

// read reads CAI records (one a line) as the inventory reader does.
func read(t *testing.T, lines ...string) *inventory.Inventory {
	t.Helper()
	r := inventory.NewReader()
	if err := r.Read("test.jsonl", strings.NewReader(strings.Join(lines, "\n"))); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	if len(inv.Problems) > 0 {
		t.Fatalf("reading the fixture: %v", inv.Problems)
	}
	return inv
}

// recordAsset reads a Change's Record back as an asset.
func recordAsset(t *testing.T, rec []byte) *inventory.Asset {
	t.Helper()
	inv := read(t, string(rec))
	if len(inv.Assets) != 1 {
		t.Fatalf("Record %s holds %d assets, want 1", rec, len(inv.Assets))
	}
	return inv.Assets[0]
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDecode(t *testing.T) {
	const start = "2026-12-05T09:05:00.123456Z"
	type want struct {
		change    feed.Change // without Record
		hasRecord bool
		data      bool   // the record has resource data
		members   string // the record's IAM members, joined by commas
		version   string
		location  string
		ancestors []string
	}
	tests := []struct {
		name string
		msg  []byte
		want want
	}{
		{
			name: "resource",
			msg:  notification(serviceAsset(svcAPI, "us-docker.pkg.dev/proj-a/app/api:1", ""), start, false),
			want: want{
				change:    feed.Change{Name: svcAPI, AssetType: inventory.TypeRunService, Content: feed.ContentResource, StartTime: mustTime(start)},
				hasRecord: true, data: true, version: "v2", location: "us-central1", ancestors: ancestors,
			},
		},
		{
			name: "IAM policy",
			msg:  notification(policyAsset(svcAPI, inventory.TypeRunService, "allUsers"), start, false),
			want: want{
				change:    feed.Change{Name: svcAPI, AssetType: inventory.TypeRunService, Content: feed.ContentIAMPolicy, StartTime: mustTime(start)},
				hasRecord: true, members: "allUsers", ancestors: ancestors,
			},
		},
		{
			name: "resource and IAM policy: a resource change",
			msg: notification(strings.TrimSuffix(serviceAsset(svcAPI, "us-docker.pkg.dev/proj-a/app/api:1", ""), "}")+
				`,"iamPolicy":{"bindings":[{"role":"roles/run.invoker","members":["allUsers"]}]}}`, start, false),
			want: want{
				change:    feed.Change{Name: svcAPI, AssetType: inventory.TypeRunService, Content: feed.ContentResource, StartTime: mustTime(start)},
				hasRecord: true, data: true, members: "allUsers", version: "v2", location: "us-central1", ancestors: ancestors,
			},
		},
		{
			name: "deleted resource",
			msg:  notification(fmt.Sprintf(`{"name":%q,"assetType":"run.googleapis.com/Service","ancestors":["projects/111"]}`, svcAPI), start, true),
			want: want{change: feed.Change{Name: svcAPI, AssetType: inventory.TypeRunService, Content: feed.ContentResource, StartTime: mustTime(start), Deleted: true}},
		},
		{
			name: "deleted, as an IAM policy feed says it",
			msg:  notification(policyAsset(svcAPI, inventory.TypeRunService, "user:a@example.com"), start, true),
			want: want{change: feed.Change{Name: svcAPI, AssetType: inventory.TypeRunService, Content: feed.ContentIAMPolicy, StartTime: mustTime(start), Deleted: true}},
		},
		{
			name: "IAM policy of an asset type runlens does not read",
			msg:  notification(policyAsset(vmName, "compute.googleapis.com/Instance", "domain:example.com"), start, false),
			want: want{
				change:    feed.Change{Name: vmName, AssetType: "compute.googleapis.com/Instance", Content: feed.ContentIAMPolicy, StartTime: mustTime(start)},
				hasRecord: true, members: "domain:example.com", ancestors: ancestors,
			},
		},
		{
			name: "start time with an offset",
			msg:  notification(policyAsset(svcAPI, inventory.TypeRunService, "allUsers"), "2026-12-05T10:05:00+01:00", false),
			want: want{
				change:    feed.Change{Name: svcAPI, AssetType: inventory.TypeRunService, Content: feed.ContentIAMPolicy, StartTime: mustTime("2026-12-05T09:05:00Z")},
				hasRecord: true, members: "allUsers", ancestors: ancestors,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := feed.Decode(tt.msg)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			rec := c.Record
			c.Record = nil
			if diff := cmp.Diff(tt.want.change, c); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
			if !c.StartTime.Equal(tt.want.change.StartTime) {
				t.Errorf("StartTime = %v, want %v", c.StartTime, tt.want.change.StartTime)
			}
			if !tt.want.hasRecord {
				if rec != nil {
					t.Errorf("Record = %s, want none", rec)
				}
				return
			}
			a := recordAsset(t, rec)
			var members []string
			if a.IAMPolicy != nil {
				for _, b := range a.IAMPolicy.Bindings {
					members = append(members, b.Members...)
				}
			}
			got := want{change: tt.want.change, hasRecord: true, data: a.Data != nil, members: strings.Join(members, ","),
				version: a.Version, location: a.Location, ancestors: a.Ancestors}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("Record %s (-want +got):\n%s", rec, diff)
			}
			if a.Name != c.Name || a.Type != c.AssetType {
				t.Errorf("Record is of %s (%s), want %s (%s)", a.Name, a.Type, c.Name, c.AssetType)
			}
		})
	}
}

// TestDecodeIrrelevant: the resource of an asset type runlens does not read
// is dropped (ErrIrrelevant), created or deleted; its IAM policy is not.
func TestDecodeIrrelevant(t *testing.T) {
	disk := fmt.Sprintf(`{"name":%q,"assetType":"compute.googleapis.com/Disk","resource":{"version":"v1","data":{"name":"d1"}}}`, diskName)
	for _, tt := range []struct {
		name string
		msg  []byte
	}{
		{"resource", notification(disk, "2026-12-05T09:06:00Z", false)},
		{"deleted", notification(disk, "2026-12-05T09:06:00Z", true)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := feed.Decode(tt.msg)
			if !errors.Is(err, feed.ErrIrrelevant) {
				t.Fatalf("Decode = %+v, %v; want ErrIrrelevant", c, err)
			}
			if c.Record != nil {
				t.Errorf("an irrelevant change keeps a record: %s", c.Record)
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	const start = `"window":{"startTime":"2026-12-05T09:05:00Z"}`
	tests := []struct {
		name string
		msg  string
		want string // part of the error
	}{
		{"not JSON", `not json`, "feed: not a feed notification"},
		{"a JSON array", `[1,2]`, "feed: not a feed notification"},
		{"empty object", `{}`, "no asset or no window"},
		{"no window", `{"asset":` + policyAsset(svcAPI, inventory.TypeRunService, "allUsers") + `}`, "no asset or no window"},
		{"no asset", `{` + start + `}`, "no asset or no window"},
		{"asset not an object", `{"asset":"x",` + start + `}`, "feed: asset:"},
		{"bad startTime", `{"asset":` + policyAsset(svcAPI, inventory.TypeRunService, "allUsers") + `,"window":{"startTime":"yesterday"}}`, `window.startTime "yesterday"`},
		{"empty startTime", `{"asset":` + policyAsset(svcAPI, inventory.TypeRunService, "allUsers") + `,"window":{}}`, `window.startTime ""`},
		{"no name", `{"asset":{"assetType":"run.googleapis.com/Service","iamPolicy":{}},` + start + `}`, "asset has no name or asset type"},
		{"no asset type", `{"asset":{"name":"//run.googleapis.com/x","iamPolicy":{}},` + start + `}`, "asset has no name or asset type"},
		{"snake_case asset type", `{"asset":{"name":"//run.googleapis.com/x","asset_type":"run.googleapis.com/Service","iamPolicy":{}},` + start + `}`, "asset has no name or asset type"},
		{"neither resource nor policy", `{"asset":{"name":"` + svcAPI + `","assetType":"run.googleapis.com/Service"},` + start + `}`, svcAPI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := feed.Decode([]byte(tt.msg))
			if err == nil || errors.Is(err, feed.ErrIrrelevant) {
				t.Fatalf("Decode = %+v, %v; want an error", c, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if c.Record != nil {
				t.Errorf("a malformed message keeps a record: %s", c.Record)
			}
		})
	}
}

// TestDecodeRedacts: the env values of a Cloud Run service or job, in
// either shape, never reach Record (what the journal stores).
func TestDecodeRedacts(t *testing.T) {
	const start = "2026-12-05T09:05:00Z"
	v1 := fmt.Sprintf(`{"name":%q,"assetType":"run.googleapis.com/Service","resource":{"version":"v1","data":{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"api","namespace":"111"},`+
		`"spec":{"template":{"spec":{"containers":[{"image":"gcr.io/proj-a/api","env":[{"name":"DB_PASSWORD","value":"hunter2-Zq9xK"}]}]}}}}}}`, svcAPI)
	escaped := fmt.Sprintf(`{"name":%q,"assetType":"run.googleapis.com/Service","resource":{"version":"v2","data":{"template":{"containers":[{"image":"x","\u0065nv":[{"name":"DB_PASSWORD","\u0076alue":"hunter2-Zq9xK"}]}]}}}}`, svcAPI)
	job := `{"name":"//run.googleapis.com/projects/proj-a/locations/us-central1/jobs/j","assetType":"run.googleapis.com/Job","resource":{"version":"v2","data":{"template":{"template":{"containers":[{"image":"x","env":[{"name":"DB_PASSWORD","value":"hunter2-Zq9xK"}]}]}}}}}`
	for _, tt := range []struct{ name, asset string }{
		{"v2 service", serviceAsset(svcAPI, "gcr.io/proj-a/api", "")},
		{"v1 service", v1},
		{"escaped member names", escaped},
		{"v2 job", job},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := feed.Decode(notification(tt.asset, start, false))
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"hunter2-Zq9xK", "ledger-admin-7731"} {
				if strings.Contains(string(c.Record), secret) {
					t.Errorf("Record keeps the env value %q: %s", secret, c.Record)
				}
			}
			if !strings.Contains(string(c.Record), inventory.Redacted) || !strings.Contains(string(c.Record), "DB_PASSWORD") {
				t.Errorf("Record lost the env var itself: %s", c.Record)
			}
			a := recordAsset(t, c.Record)
			w, err := inventory.DecodeWorkload(a)
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Containers) != 1 || len(w.Containers[0].Env) == 0 || !w.Containers[0].Env[0].Literal {
				t.Errorf("the workload read from Record lost its literal env var: %+v", w.Containers)
			}
		})
	}
}

// baseLines is an export (gcloud asset export lines, snake_case, resource
// and IAM policy records apart) of a project and two services; api has an
// IAM policy.
func baseLines() []string {
	res := func(name, image string) string {
		short := name[strings.LastIndex(name, "/")+1:]
		return fmt.Sprintf(`{"name":%q,"asset_type":"run.googleapis.com/Service","ancestors":["projects/111","organizations/100"],"update_time":"2026-12-01T00:00:00Z",`+
			`"resource":{"version":"v2","parent":"//cloudresourcemanager.googleapis.com/projects/111","location":"us-central1","data":{"name":"projects/proj-a/locations/us-central1/services/%s","template":{"containers":[{"image":%q}]}}}}`, name, short, image)
	}
	return []string{
		`{"name":"//cloudresourcemanager.googleapis.com/projects/111","asset_type":"cloudresourcemanager.googleapis.com/Project","ancestors":["projects/111","organizations/100"],"resource":{"version":"v1","data":{"projectId":"proj-a","projectNumber":"111"}}}`,
		res(svcAPI, "gcr.io/proj-a/api:1"),
		`{"name":"` + svcAPI + `","asset_type":"run.googleapis.com/Service","ancestors":["projects/111","organizations/100"],"update_time":"2026-12-01T00:00:00Z","iam_policy":{"bindings":[{"role":"roles/run.invoker","members":["serviceAccount:caller@proj-a.iam.gserviceaccount.com"]}]}}`,
		res(svcCron, "gcr.io/proj-a/cron:1"),
	}
}

// view is what a test says of an asset after Apply.
type view struct {
	Image     string // the first container's image, "" without data
	Members   string // IAM members, joined by commas; "-" without a policy
	Ancestors string // joined by commas
	Updated   string // update time
	Version   string // resource.version: the shape of a Cloud Run resource
}

func viewOf(t *testing.T, a *inventory.Asset) view {
	t.Helper()
	v := view{Members: "-", Ancestors: strings.Join(a.Ancestors, ","), Updated: a.UpdateTime, Version: a.Version}
	if a.IAMPolicy != nil {
		var m []string
		for _, b := range a.IAMPolicy.Bindings {
			m = append(m, b.Members...)
		}
		v.Members = strings.Join(m, ",")
	}
	if a.Data != nil && a.Type == inventory.TypeRunService {
		w, err := inventory.DecodeWorkload(a)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Containers) > 0 {
			v.Image = w.Containers[0].Image
		}
	} else if a.Data != nil {
		v.Image = "(data)"
	}
	return v
}

func TestApply(t *testing.T) {
	at := func(min int) string { return time.Date(2026, 12, 5, 9, min, 0, 0, time.UTC).Format(time.RFC3339Nano) }
	resource := func(name, image string, min int) []byte {
		return notification(serviceAsset(name, image, ""), at(min), false)
	}
	policy := func(name string, min int, members ...string) []byte {
		return notification(policyAsset(name, inventory.TypeRunService, members...), at(min), false)
	}
	deleted := func(name string, min int) []byte {
		return notification(fmt.Sprintf(`{"name":%q,"assetType":"run.googleapis.com/Service"}`, name), at(min), true)
	}
	const caller = "serviceAccount:caller@proj-a.iam.gserviceaccount.com"
	const anc, old, updated = "projects/111,organizations/100", "2026-12-01T00:00:00Z", "2026-12-05T09:00:00Z"
	unchanged := map[string]view{
		projectA: {Image: "(data)", Members: "-", Ancestors: anc, Version: "v1"},
		svcAPI:   {Image: "gcr.io/proj-a/api:1", Members: caller, Ancestors: anc, Updated: old, Version: "v2"},
		svcCron:  {Image: "gcr.io/proj-a/cron:1", Members: "-", Ancestors: anc, Updated: old, Version: "v2"},
	}
	// with is the base inventory's view with changes (nil: gone); a
	// changed asset has the ancestors of the notifications unless it
	// says otherwise. Its update time is its resource's (the IAM policy
	// records have none).
	with := func(changes map[string]*view) map[string]view {
		out := maps.Clone(unchanged)
		for k, v := range changes {
			if v == nil {
				delete(out, k)
				continue
			}
			if v.Ancestors == "" {
				v.Ancestors = anc
			}
			if v.Version == "" && v.Image != "" {
				v.Version = "v2"
			}
			out[k] = *v
		}
		return out
	}
	tests := []struct {
		name        string
		msgs        [][]byte
		want        map[string]view
		touched     []string
		resources   int
		iamPolicies int
		services    int
	}{
		{
			name:      "resource change keeps the IAM policy",
			msgs:      [][]byte{resource(svcAPI, "gcr.io/proj-a/api:2", 1)},
			want:      with(map[string]*view{svcAPI: {Image: "gcr.io/proj-a/api:2", Members: caller, Updated: updated}}),
			touched:   []string{svcAPI},
			resources: 3, iamPolicies: 1, services: 2,
		},
		{
			name:      "IAM policy change keeps the resource",
			msgs:      [][]byte{policy(svcAPI, 1, "allUsers")},
			want:      with(map[string]*view{svcAPI: {Image: "gcr.io/proj-a/api:1", Members: "allUsers", Updated: old}}),
			touched:   []string{svcAPI},
			resources: 3, iamPolicies: 1, services: 2,
		},
		{
			name:      "first IAM policy of an asset without one",
			msgs:      [][]byte{policy(svcCron, 1, "allUsers")},
			want:      with(map[string]*view{svcCron: {Image: "gcr.io/proj-a/cron:1", Members: "allUsers", Updated: old}}),
			touched:   []string{svcCron},
			resources: 3, iamPolicies: 2, services: 2,
		},
		{
			name:      "new asset",
			msgs:      [][]byte{resource(svcBatch, "gcr.io/proj-a/batch:1", 1)},
			want:      with(map[string]*view{svcBatch: {Image: "gcr.io/proj-a/batch:1", Members: "-", Updated: updated}}),
			touched:   []string{svcBatch},
			resources: 4, iamPolicies: 1, services: 3,
		},
		{
			name:      "new asset, then its IAM policy",
			msgs:      [][]byte{resource(svcBatch, "gcr.io/proj-a/batch:1", 1), policy(svcBatch, 2, "allUsers")},
			want:      with(map[string]*view{svcBatch: {Image: "gcr.io/proj-a/batch:1", Members: "allUsers", Updated: updated}}),
			touched:   []string{svcBatch},
			resources: 4, iamPolicies: 2, services: 3,
		},
		{
			name:      "IAM policy of an asset not in the inventory",
			msgs:      [][]byte{policy(svcBatch, 1, "allUsers")},
			want:      with(map[string]*view{svcBatch: {Members: "allUsers"}}),
			touched:   []string{svcBatch},
			resources: 3, iamPolicies: 2, services: 3,
		},
		{
			name:      "moved to a folder",
			msgs:      [][]byte{notification(strings.Replace(serviceAsset(svcCron, "gcr.io/proj-a/cron:1", ""), `"organizations/100"`, `"folders/5","organizations/100"`, 1), at(1), false)},
			want:      with(map[string]*view{svcCron: {Image: "gcr.io/proj-a/cron:1", Members: "-", Updated: updated, Ancestors: "projects/111,folders/5,organizations/100"}}),
			touched:   []string{svcCron},
			resources: 3, iamPolicies: 1, services: 2,
		},
		{
			name: "now in the Knative shape",
			msgs: [][]byte{notification(fmt.Sprintf(`{"name":%q,"assetType":"run.googleapis.com/Service","ancestors":["projects/111","organizations/100"],"updateTime":%q,`+
				`"resource":{"version":"v1","parent":"//cloudresourcemanager.googleapis.com/projects/111","location":"us-central1","data":{"apiVersion":"serving.knative.dev/v1","kind":"Service",`+
				`"metadata":{"name":"cron","namespace":"111"},"spec":{"template":{"spec":{"containers":[{"image":"gcr.io/proj-a/cron:4"}]}}}}}}`, svcCron, updated), at(1), false)},
			want:      with(map[string]*view{svcCron: {Image: "gcr.io/proj-a/cron:4", Members: "-", Updated: updated, Version: "v1"}}),
			touched:   []string{svcCron},
			resources: 3, iamPolicies: 1, services: 2,
		},
		{
			name:      "deletion",
			msgs:      [][]byte{deleted(svcAPI, 1)},
			want:      with(map[string]*view{svcAPI: nil}),
			touched:   []string{svcAPI},
			resources: 2, iamPolicies: 0, services: 1,
		},
		{
			name:      "deletion of an asset not in the inventory",
			msgs:      [][]byte{deleted(svcBatch, 1)},
			want:      unchanged,
			touched:   []string{svcBatch},
			resources: 3, iamPolicies: 1, services: 2,
		},
		{
			name:      "deleted, then created again: the old policy is gone",
			msgs:      [][]byte{deleted(svcAPI, 1), resource(svcAPI, "gcr.io/proj-a/api:3", 2)},
			want:      with(map[string]*view{svcAPI: {Image: "gcr.io/proj-a/api:3", Members: "-", Updated: updated}}),
			touched:   []string{svcAPI},
			resources: 3, iamPolicies: 0, services: 2,
		},
		{
			name:      "deleted, created again with a policy",
			msgs:      [][]byte{deleted(svcAPI, 1), resource(svcAPI, "gcr.io/proj-a/api:3", 2), policy(svcAPI, 3, "allUsers")},
			want:      with(map[string]*view{svcAPI: {Image: "gcr.io/proj-a/api:3", Members: "allUsers", Updated: updated}}),
			touched:   []string{svcAPI},
			resources: 3, iamPolicies: 1, services: 2,
		},
		{
			name:      "created, then deleted",
			msgs:      [][]byte{resource(svcBatch, "gcr.io/proj-a/batch:1", 1), deleted(svcBatch, 2)},
			want:      unchanged,
			touched:   []string{svcBatch},
			resources: 3, iamPolicies: 1, services: 2,
		},
		{
			name:      "changes in order: the last wins",
			msgs:      [][]byte{resource(svcCron, "gcr.io/proj-a/cron:2", 1), resource(svcCron, "gcr.io/proj-a/cron:3", 2), policy(svcAPI, 3, "allUsers"), policy(svcAPI, 4, "domain:example.com")},
			want:      with(map[string]*view{svcCron: {Image: "gcr.io/proj-a/cron:3", Members: "-", Updated: updated}, svcAPI: {Image: "gcr.io/proj-a/api:1", Members: "domain:example.com", Updated: old}}),
			touched:   []string{svcAPI, svcCron},
			resources: 3, iamPolicies: 1, services: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := read(t, baseLines()...)
			base.Coverage.Scopes = []string{"organizations/100"}
			base.Coverage.Denied = []string{"folders/9: IAM_POLICY"}
			base.Coverage.OrgPolicies = 7
			before := snapshot(base)
			pointers := slices.Clone(base.Assets)
			var changes []feed.Change
			for _, m := range tt.msgs {
				c, err := feed.Decode(m)
				if err != nil {
					t.Fatal(err)
				}
				changes = append(changes, c)
			}
			got, touched, err := feed.Apply(base, changes)
			if err != nil {
				t.Fatal(err)
			}
			views := map[string]view{}
			var names []string
			for _, a := range got.Assets {
				views[a.Name] = viewOf(t, a)
				names = append(names, a.Name)
			}
			if diff := cmp.Diff(tt.want, views); diff != "" {
				t.Errorf("assets after Apply (-want +got):\n%s", diff)
			}
			if len(names) != len(views) {
				t.Errorf("an asset appears twice: %q", names)
			}
			if !slices.IsSorted(names) {
				t.Errorf("assets not sorted by name: %q", names)
			}
			if diff := cmp.Diff(tt.touched, touched); diff != "" {
				t.Errorf("touched (-want +got):\n%s", diff)
			}
			cov := got.Coverage
			if cov.Resources != tt.resources || cov.IAMPolicies != tt.iamPolicies || cov.AssetTypes[inventory.TypeRunService] != tt.services {
				t.Errorf("coverage: %d resources, %d IAM policies, %d services; want %d, %d, %d",
					cov.Resources, cov.IAMPolicies, cov.AssetTypes[inventory.TypeRunService], tt.resources, tt.iamPolicies, tt.services)
			}
			if !slices.Equal(cov.Scopes, base.Coverage.Scopes) || !slices.Equal(cov.Denied, base.Coverage.Denied) || cov.OrgPolicies != 7 {
				t.Errorf("coverage lost what the read saw: scopes %q, denied %q, %d org policies", cov.Scopes, cov.Denied, cov.OrgPolicies)
			}
			// Copy on write: the base inventory, its slice and its
			// assets are as they were.
			if diff := cmp.Diff(before, snapshot(base)); diff != "" {
				t.Errorf("Apply modified the base inventory (-before +after):\n%s", diff)
			}
			if !slices.Equal(pointers, base.Assets) {
				t.Error("Apply reordered or replaced the base inventory's assets")
			}
			// What no change touched is shared, not copied.
			for _, a := range got.Assets {
				if !slices.Contains(touched, a.Name) && !slices.Contains(base.Assets, a) {
					t.Errorf("%s was not changed but was copied", a.Name)
				}
			}
		})
	}
}

// assetState is an asset's content, copied: what a test compares before
// and after.
type assetState struct {
	Name, Type, Version, Parent, Location, UpdateTime string
	Data                                              string
	Policy                                            string
	Ancestors                                         []string
}

func snapshot(inv *inventory.Inventory) []assetState {
	var out []assetState
	for _, a := range inv.Assets {
		p, _ := json.Marshal(a.IAMPolicy)
		out = append(out, assetState{Name: a.Name, Type: a.Type, Version: a.Version, Parent: a.Parent, Location: a.Location,
			UpdateTime: a.UpdateTime, Data: string(a.Data), Policy: string(p), Ancestors: slices.Clone(a.Ancestors)})
	}
	return out
}

// TestApplyBadRecord: a journaled record that cannot be read fails the
// whole batch, naming the asset, and returns no half-applied inventory.
func TestApplyBadRecord(t *testing.T) {
	base := read(t, baseLines()...)
	for _, rec := range []string{"not json", `{"name":"` + svcAPI + `","assetType":"run.googleapis.com/Service"}`} {
		got, _, err := feed.Apply(base, []feed.Change{
			{Name: svcCron, AssetType: inventory.TypeRunService, Content: feed.ContentIAMPolicy, Record: []byte(policyAsset(svcCron, inventory.TypeRunService, "allUsers"))},
			{Name: svcAPI, AssetType: inventory.TypeRunService, Content: feed.ContentResource, Record: []byte(rec)},
		})
		if err == nil || got != nil || !strings.Contains(err.Error(), svcAPI) {
			t.Errorf("Apply of record %q = %v, %v; want an error naming %s", rec, got, err, svcAPI)
		}
	}
	for _, a := range base.Assets {
		if a.Name == svcCron && a.IAMPolicy != nil {
			t.Error("a failed Apply modified the base inventory")
		}
	}
}

// TestRecordRoundTrip: Record writes an asset as a CAI record the inventory
// reader reads back as the same asset.
func TestRecordRoundTrip(t *testing.T) {
	inv := read(t, baseLines()...)
	for _, a := range inv.Assets {
		b, err := inventory.Record(a)
		if err != nil {
			t.Fatal(err)
		}
		back := recordAsset(t, b)
		back.Source, a.Source = inventory.Source{}, inventory.Source{}
		if diff := cmp.Diff(a, back, cmp.Comparer(func(x, y json.RawMessage) bool { return string(x) == string(y) }),
			cmp.Comparer(func(x, y *iam.Policy) bool {
				bx, _ := json.Marshal(x)
				by, _ := json.Marshal(y)
				return string(bx) == string(by)
			})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", a.Name, diff)
		}
	}
}
