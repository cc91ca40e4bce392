package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory/bqfake"
)

// The BigQuery tests read the demo organization's export files, loaded
// into the fake BigQuery in the layouts CAI exports to, and compare with
// reading the files themselves.

const (
	bqProject = "acme-cai"
	bqDataset = "cai_export"
)

// Snapshot times of the partitioned layout: the RESOURCE and IAM_POLICY
// exports of one day run a few seconds apart.
var (
	snapOld    = time.Date(2025, 11, 3, 2, 0, 0, 0, time.UTC)
	snapNew    = time.Date(2025, 11, 4, 2, 0, 0, 0, time.UTC)
	iamLag     = 7*time.Second + 250*time.Millisecond
	bqFastRead = BigQueryOptions{Retry: RetryPolicy{Attempts: 3, Initial: time.Millisecond, Max: 5 * time.Millisecond}}
)

// demoLines reads the demo organization's export files: resources, IAM
// policies, org policies.
func demoLines(t *testing.T) (res, pol, org []bqfake.Line) {
	t.Helper()
	read := func(name string) []bqfake.Line {
		lines, err := bqfake.ReadFile(demo.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
	return read("resources.jsonl"), read("iam_policies.jsonl"), read("org_policies.jsonl")
}

// byType groups lines by asset type.
func byType(lines []bqfake.Line) map[string][]bqfake.Line {
	m := map[string][]bqfake.Line{}
	for _, l := range lines {
		m[l.AssetType] = append(m[l.AssetType], l)
	}
	return m
}

// knownOnly keeps the lines of KnownTypes, the ones BigQuery hands out.
func knownOnly(lines []bqfake.Line) []bqfake.Line {
	return slices.DeleteFunc(slices.Clone(lines), func(l bqfake.Line) bool { return !IsKnownType(l.AssetType) })
}

// wantFromFiles reads the demo organization's lines of KnownTypes as an
// export file.
func wantFromFiles(t *testing.T, groups ...[]bqfake.Line) *Inventory {
	t.Helper()
	var b strings.Builder
	for _, g := range groups {
		for _, l := range knownOnly(g) {
			b.WriteString(l.Raw + "\n")
		}
	}
	r := NewReader()
	if err := r.Read("demo.jsonl", strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
	return r.Inventory()
}

// assetView is what two reads of the same organization must agree on.
type assetView struct {
	Name, Type, Version, Parent, Location, UpdateTime string
	Data                                              any
	IAMPolicy                                         *iam.Policy
	Ancestors                                         []string
}

// views makes the assets comparable: data as a value (with the nulls and
// empty lists a BigQuery column cannot tell from absent taken out when
// loose), IAM policies without the version the IAM_POLICY table lacks.
func views(t *testing.T, inv *Inventory, loose bool) []assetView {
	t.Helper()
	var out []assetView
	for _, a := range inv.Assets {
		v := assetView{Name: a.Name, Type: a.Type, Version: a.Version, Parent: a.Parent, Location: a.Location, UpdateTime: a.UpdateTime, Ancestors: a.Ancestors}
		if at, err := time.Parse(time.RFC3339Nano, a.UpdateTime); err == nil {
			v.UpdateTime = at.UTC().Format(time.RFC3339Nano) // the same instant, however written
		}
		if a.Data != nil {
			if err := json.Unmarshal(a.Data, &v.Data); err != nil {
				t.Fatalf("%s: data: %v", a.Name, err)
			}
			if loose {
				v.Data = normalize(v.Data)
			}
		}
		if a.IAMPolicy != nil {
			p := *a.IAMPolicy
			p.Version = 0
			v.IAMPolicy = &p
		}
		out = append(out, v)
	}
	return out
}

// normalize drops nulls and empty lists, and reads a string holding a JSON
// object or array as that JSON, as the per-asset-type layout does.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e == nil {
				continue
			}
			if a, ok := e.([]any); ok && len(a) == 0 {
				continue
			}
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case string:
		if t := strings.TrimSpace(x); len(t) > 1 && (t[0] == '{' || t[0] == '[') {
			var j any
			if json.Unmarshal([]byte(t), &j) == nil {
				return normalize(j)
			}
		}
	}
	return v
}

// compareInventories checks that a BigQuery read holds what a file read
// does.
func compareInventories(t *testing.T, want, got *Inventory, loose bool) {
	t.Helper()
	if diff := cmp.Diff(views(t, want, loose), views(t, got, loose), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("assets differ from the export files' (-want +got):\n%s", diff)
	}
	if got.Records != want.Records {
		t.Errorf("records = %d, want %d", got.Records, want.Records)
	}
	wc, gc := want.Coverage, got.Coverage
	wc.Scopes, gc.Scopes = nil, nil
	if diff := cmp.Diff(wc, gc); diff != "" {
		t.Errorf("coverage counts differ (-want +got):\n%s", diff)
	}
	if len(got.Problems) > 0 {
		t.Errorf("problems: %v", got.Problems)
	}
}

// singleLayout loads the demo organization as three single tables (one
// per content type) named prefix_resource, prefix_iam_policy and
// prefix_org_policy; partitioned with the given snapshots if any.
func singleLayout(t *testing.T, f *bqfake.Fake, prefix string, snapshots ...time.Time) {
	res, pol, org := demoLines(t)
	f.AddTable(prefix+"_resource", bqfake.ResourceTable(res, snapshots...))
	var iamTimes []time.Time
	for _, s := range snapshots {
		iamTimes = append(iamTimes, s.Add(iamLag))
	}
	f.AddTable(prefix+"_iam_policy", bqfake.IAMTable(pol, iamTimes...))
	f.AddTable(prefix+"_org_policy", bqfake.OrgTable(org))
}

// bqClients starts the fake and returns the real clients connected to it;
// read sessions are created in the project "runlens-host".
func bqClients(t *testing.T, f *bqfake.Fake) (*bigquery.Client, *bqstorage.BigQueryReadClient) {
	t.Helper()
	topts, ropts := f.Start(t)
	ctx := context.Background()
	tables, err := bigquery.NewClient(ctx, "runlens-host", topts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tables.Close() })
	rows, err := bqstorage.NewBigQueryReadClient(ctx, ropts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rows.Close() })
	return tables, rows
}

func readBQ(t *testing.T, f *bqfake.Fake, ref string, opts BigQueryOptions) (*Inventory, error) {
	t.Helper()
	tables, rows := bqClients(t, f)
	parsed, err := ParseBigQueryRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader()
	err = r.ReadBigQuery(context.Background(), tables, rows, parsed, opts)
	return r.Inventory(), err
}

func TestReadBigQueryMatchesExportFiles(t *testing.T) {
	res, pol, org := demoLines(t)
	want := wantFromFiles(t, res, pol, org)
	tests := []struct {
		name  string
		load  func(*bqfake.Fake)
		loose bool
		ref   string
	}{
		{"single tables", func(f *bqfake.Fake) { singleLayout(t, f, "cai") }, false, bqProject + "." + bqDataset},
		{"single tables partitioned", func(f *bqfake.Fake) { singleLayout(t, f, "cai", snapOld, snapNew) }, false, bqProject + "." + bqDataset + ".cai"},
		{"per asset type", func(f *bqfake.Fake) {
			for typ, lines := range byType(res) {
				f.AddTable(PerTypeTable("cai_res", typ), bqfake.PerTypeResourceTable(lines))
			}
			for typ, lines := range byType(pol) {
				f.AddTable(PerTypeTable("cai_iam", typ), bqfake.IAMTable(lines))
			}
			f.AddTable("cai_org_policy", bqfake.OrgTable(org))
		}, true, bqProject + "." + bqDataset + ".cai"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := bqfake.New(bqProject, bqDataset)
			tc.load(f)
			got, err := readBQ(t, f, tc.ref, bqFastRead)
			if err != nil {
				t.Fatalf("ReadBigQuery: %v", err)
			}
			compareInventories(t, want, got, tc.loose)
			for _, c := range f.Creates() {
				name := strings.TrimPrefix(c.GetReadSession().GetTable(), "projects/"+bqProject+"/datasets/"+bqDataset+"/tables/")
				if perTypeOther(name) {
					t.Errorf("read session of %s, a table of a type runlens does not read", name)
				}
			}
		})
	}
}

func TestReadBigQueryRequests(t *testing.T) {
	f := bqfake.New(bqProject, bqDataset)
	singleLayout(t, f, "cai", snapOld, snapNew)
	if _, err := readBQ(t, f, bqProject+"."+bqDataset, bqFastRead); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ty := range KnownTypes() {
		types = append(types, "'"+ty+"'")
	}
	in := "asset_type IN (" + strings.Join(types, ", ") + ")"
	allowed := []string{"name", "asset_type", "resource.version", "resource.parent", "resource.location", "resource.data",
		"iam_policy.etag", "iam_policy.bindings", "org_policy", "ancestors", "update_time", "readTime"}
	if len(f.Creates()) != 5 { // readTime then rows of two partitioned tables; the org policy table
		t.Errorf("%d read sessions, want 5", len(f.Creates()))
	}
	for _, c := range f.Creates() {
		if c.GetParent() != "projects/runlens-host" {
			t.Errorf("read session created in %q, want the client's project", c.GetParent())
		}
		ro := c.GetReadSession().GetReadOptions()
		if !strings.HasPrefix(ro.GetRowRestriction(), in) {
			t.Errorf("row restriction %q does not start with the asset types %q", ro.GetRowRestriction(), in)
		}
		for _, fld := range ro.GetSelectedFields() {
			if !slices.Contains(allowed, fld) {
				t.Errorf("selected field %q is not one runlens needs", fld)
			}
		}
		if ro.GetArrowSerializationOptions().GetBufferCompression().String() != "LZ4_FRAME" {
			t.Errorf("no LZ4 compression asked for")
		}
	}
}

func TestReadBigQuerySnapshots(t *testing.T) {
	res, pol, org := demoLines(t)
	// The older snapshot: every Cloud Run service's invokers differ.
	oldPol := slices.Clone(pol)
	for i, l := range oldPol {
		if l.AssetType == TypeRunService {
			l.IAMPolicy = map[string]any{"etag": "old", "bindings": []any{map[string]any{"role": "roles/run.invoker", "members": []any{"allUsers"}}}}
			raw, err := json.Marshal(map[string]any{"name": l.Name, "asset_type": l.AssetType, "iam_policy": l.IAMPolicy, "ancestors": l.Ancestors, "update_time": l.UpdateTime})
			if err != nil {
				t.Fatal(err)
			}
			l.Raw = string(raw)
			oldPol[i] = l
		}
	}
	f := bqfake.New(bqProject, bqDataset)
	resT := bqfake.ResourceTable(res, snapOld, snapNew)
	f.AddTable("cai_resource", resT)
	iamT := bqfake.IAMTable(oldPol, snapOld.Add(iamLag))
	iamT.Append(bqfake.IAMTable(pol, snapNew.Add(iamLag)))
	f.AddTable("cai_iam_policy", iamT)
	f.AddTable("cai_org_policy", bqfake.OrgTable(org, snapOld.Add(2*iamLag), snapNew.Add(2*iamLag)))
	ref := bqProject + "." + bqDataset + ".cai"

	t.Run("newest by default", func(t *testing.T) {
		got, err := readBQ(t, f, ref, bqFastRead)
		if err != nil {
			t.Fatal(err)
		}
		compareInventories(t, wantFromFiles(t, res, pol, org), got, false)
		wantScope := "bigquery:" + bqProject + "." + bqDataset + ".cai_iam_policy@" + snapNew.Add(iamLag).Format(time.RFC3339Nano)
		if !slices.Contains(got.Coverage.Scopes, wantScope) {
			t.Errorf("coverage scopes %v lack %s", got.Coverage.Scopes, wantScope)
		}
	})
	t.Run("older snapshot", func(t *testing.T) {
		opts := bqFastRead
		opts.SnapshotTime = snapOld.Add(time.Hour)
		got, err := readBQ(t, f, ref, opts)
		if err != nil {
			t.Fatal(err)
		}
		compareInventories(t, wantFromFiles(t, res, oldPol, org), got, false)
	})
	t.Run("before every snapshot", func(t *testing.T) {
		opts := bqFastRead
		opts.SnapshotTime = snapOld.Add(-time.Hour)
		got, err := readBQ(t, f, ref, opts)
		if err == nil {
			t.Fatal("no snapshot at or before the time asked for, and no error")
		}
		for _, table := range []string{"cai_resource", "cai_iam_policy", "cai_org_policy"} {
			if !strings.Contains(err.Error(), table) {
				t.Errorf("error %q does not name %s", err, table)
			}
		}
		if n := got.ProblemCount(ProblemAPIError); n != 3 {
			t.Errorf("%d api-error problems, want 3: %v", n, got.Problems)
		}
	})
}

func TestReadBigQueryDiscovery(t *testing.T) {
	res, pol, _ := demoLines(t)
	f := bqfake.New(bqProject, bqDataset)
	f.AddTable("other_resource", bqfake.ResourceTable(res[:3]))
	f.AddTable("cai_notes", bqfake.Strings("name", "note"))
	f.AddTable("cai_resource", bqfake.ResourceTable(res))
	f.AddTable("cai_iam_policy", bqfake.IAMTable(pol))
	got, err := readBQ(t, f, bqProject+"."+bqDataset+".cai", bqFastRead)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bigquery:acme-cai.cai_export.cai_resource", "bigquery:acme-cai.cai_export.cai_iam_policy"}
	if diff := cmp.Diff(want, got.Coverage.Scopes); diff != "" {
		t.Errorf("tables read (-want +got):\n%s", diff)
	}

	for _, ref := range []string{bqProject + "." + bqDataset + ".nothing", bqProject + "." + bqDataset + ".cai_notes"} {
		_, err := readBQ(t, f, ref, bqFastRead)
		if err == nil || !strings.Contains(err.Error(), "acme-cai.cai_export") || !strings.Contains(err.Error(), "no table whose name starts with") {
			t.Errorf("%s: error %v, want one naming the dataset and the prefix", ref, err)
		}
	}
}

func TestReadBigQueryPartialFailure(t *testing.T) {
	res, pol, org := demoLines(t)
	f := bqfake.New(bqProject, bqDataset)
	singleLayout(t, f, "cai")
	f.AddTable("cai_more", bqfake.ResourceTable(res[:2]))
	f.DeniedSchema = []string{"cai_more"}
	f.Fail = func(_ context.Context, call, table string, _ int64) error {
		if call == "CreateReadSession" && table == "cai_iam_policy" {
			return status.Error(codes.PermissionDenied, "Access Denied: Table acme-cai:cai_export.cai_iam_policy: Permission bigquery.tables.getData denied")
		}
		return nil
	}
	got, err := readBQ(t, f, bqProject+"."+bqDataset+".cai", bqFastRead)
	if err != nil {
		t.Fatal(err)
	}
	if n := got.ProblemCount(ProblemPermissionDenied); n != 2 {
		t.Errorf("%d permission-denied problems, want 2: %v", n, got.Problems)
	}
	wantDenied := []string{"bigquery:acme-cai.cai_export.cai_more", "bigquery:acme-cai.cai_export.cai_iam_policy"}
	if diff := cmp.Diff(wantDenied, got.Coverage.Denied); diff != "" {
		t.Errorf("denied (-want +got):\n%s", diff)
	}
	want := wantFromFiles(t, res, org)
	if got.Coverage.Resources != want.Coverage.Resources || got.Coverage.IAMPolicies != 0 {
		t.Errorf("coverage %+v, want the resources read (%d) and no IAM policy", got.Coverage, want.Coverage.Resources)
	}
	_ = pol

	f.Fail = func(context.Context, string, string, int64) error {
		return status.Error(codes.PermissionDenied, "denied")
	}
	_, err = readBQ(t, f, bqProject+"."+bqDataset+".cai", bqFastRead)
	if err == nil || !strings.Contains(err.Error(), "nothing could be read") || !strings.Contains(err.Error(), "PermissionDenied") {
		t.Errorf("every table denied: error %v, want nothing could be read, and why", err)
	}
	f.Fail = nil
	f.DeniedSchema = []string{"cai_resource", "cai_iam_policy", "cai_org_policy", "cai_more"}
	_, err = readBQ(t, f, bqProject+"."+bqDataset+".cai", bqFastRead)
	if err == nil || !strings.Contains(err.Error(), "nothing could be read") || !strings.Contains(err.Error(), "HTTP 403: schema of bigquery:acme-cai.cai_export.cai_resource not read") {
		t.Errorf("every schema denied: error %v, want nothing could be read, naming the tables", err)
	}
}

func TestReadBigQueryResumesStream(t *testing.T) {
	res, pol, org := demoLines(t)
	f := bqfake.New(bqProject, bqDataset)
	singleLayout(t, f, "cai", snapNew)
	var failed atomic.Int32
	f.Fail = func(_ context.Context, call, table string, offset int64) error {
		if call == "ReadRows" && table == "cai_resource" && offset == 2*bqfake.BatchRows && failed.Add(1) <= 2 {
			return status.Error(codes.Unavailable, "connection reset")
		}
		return nil
	}
	got, err := readBQ(t, f, bqProject+"."+bqDataset, bqFastRead)
	if err != nil {
		t.Fatal(err)
	}
	compareInventories(t, wantFromFiles(t, res, pol, org), got, false)
	var resumed int
	for _, rq := range f.Reads() {
		if rq.GetOffset() == 2*bqfake.BatchRows {
			resumed++
		}
	}
	if resumed == 0 {
		t.Errorf("no ReadRows resumed at offset %d: %v", 2*bqfake.BatchRows, f.Reads())
	}

	// A stream that keeps failing is given up: unavailable, the rest read.
	f.Fail = func(_ context.Context, call, table string, offset int64) error {
		if call == "ReadRows" && table == "cai_iam_policy" && offset > 0 {
			return status.Error(codes.Unavailable, "connection reset")
		}
		return nil
	}
	got, err = readBQ(t, f, bqProject+"."+bqDataset, bqFastRead)
	if err != nil {
		t.Fatal(err)
	}
	if n := got.ProblemCount(ProblemUnavailable); n != 1 {
		t.Errorf("%d unavailable problems, want 1: %v", n, got.Problems)
	}
}

func TestReadBigQueryCancel(t *testing.T) {
	f := bqfake.New(bqProject, bqDataset)
	singleLayout(t, f, "cai")
	f.Fail = func(ctx context.Context, call, _ string, offset int64) error {
		if call == "ReadRows" && offset > 0 {
			<-ctx.Done() // hangs until the client goes away
			return ctx.Err()
		}
		return nil
	}
	tables, rows := bqClients(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := bqFastRead
	opts.Progress = func(string, int, int) { cancel() }
	ref, _ := ParseBigQueryRef(bqProject + "." + bqDataset)
	done := make(chan error, 1)
	go func() { done <- NewReader().ReadBigQuery(ctx, tables, rows, ref, opts) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadBigQuery did not stop after its context ended")
	}
}

func TestParseBigQueryRef(t *testing.T) {
	tests := []struct {
		in      string
		want    BigQueryRef
		wantErr string
	}{
		{in: "acme-cai.cai_export", want: BigQueryRef{Project: "acme-cai", Dataset: "cai_export"}},
		{in: "acme-cai.cai_export.cai", want: BigQueryRef{Project: "acme-cai", Dataset: "cai_export", Prefix: "cai"}},
		{in: "example.com:acme-cai.cai_export", want: BigQueryRef{Project: "example.com:acme-cai", Dataset: "cai_export"}},
		{in: "acme-cai", wantErr: "want PROJECT.DATASET"},
		{in: "acme-cai.a.b.c", wantErr: "want PROJECT.DATASET"},
		{in: "acme-cai.cai_export.", wantErr: "table prefix after the second dot is empty"},
		{in: "Acme.cai_export", wantErr: `"Acme" is not a project ID`},
		{in: "acme-cai.cai-export", wantErr: `"cai-export" is not a dataset ID`},
		{in: "acme-cai..x", wantErr: `"" is not a dataset ID`},
		{in: "acme-cai.d.a/b", wantErr: `"a/b" is not a table name prefix`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseBigQueryRef(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("ParseBigQueryRef(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseBigQueryRef(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseBigQueryRef(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

var _ fs.FS = demo.FS() // the demo organization is this package's fixture

// TestReadBigQueryPublishedSchema reads tables laid out as CAI's export
// really is (testdata/bigquery, provenance in its README): the single
// RESOURCE and IAM_POLICY tables, and a per-asset-type RESOURCE table
// whose maps are REPEATED RECORDs of key and value, all partitioned by
// read time, each row as BigQuery writes it as JSON.
func TestReadBigQueryPublishedSchema(t *testing.T) {
	load := func(name string) *bqfake.Table {
		t.Helper()
		schema, err := os.ReadFile(filepath.Join("testdata", "bigquery", name+".schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := os.ReadFile(filepath.Join("testdata", "bigquery", name+".rows.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		tb, err := bqfake.SchemaTable(schema, rows)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return tb
	}
	f := bqfake.New(bqProject, bqDataset)
	f.AddTable("cai_resource", load("resource"))
	f.AddTable("cai_iam_policy", load("iam_policy"))
	f.AddTable(PerTypeTable("cai_res", TypeRunService), load("run_googleapis_com_Service"))
	got, err := readBQ(t, f, bqProject+"."+bqDataset+".cai", bqFastRead)
	if err != nil {
		t.Fatalf("ReadBigQuery: %v", err)
	}
	if len(got.Problems) > 0 {
		t.Errorf("problems: %v", got.Problems)
	}
	const svc = "//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/checkout"
	const secret = "//secretmanager.googleapis.com/projects/123456789012/secrets/db-password"
	byName := map[string]*Asset{}
	for _, a := range got.Assets {
		byName[a.Name] = a
	}
	if diff := cmp.Diff([]string{svc, secret}, slices.Sorted(maps.Keys(byName))); diff != "" {
		t.Fatalf("assets (-want +got):\n%s", diff)
	}

	// The per-asset-type table: its newest snapshot, maps as objects, and
	// an annotation holding JSON text kept as the string it is.
	var data struct {
		Metadata struct {
			Generation  any               `json:"generation"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
		Spec struct {
			Template struct {
				Metadata struct {
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
				Spec struct {
					ServiceAccountName string `json:"serviceAccountName"`
					Containers         []struct {
						Env []struct {
							Name string `json:"name"`
						} `json:"env"`
						Resources struct {
							Limits map[string]string `json:"limits"`
						} `json:"resources"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	s := byName[svc]
	if err := json.Unmarshal(s.Data, &data); err != nil {
		t.Fatalf("service data %s: %v", s.Data, err)
	}
	if got, want := data.Metadata.Annotations["run.googleapis.com/ingress"], "internal"; got != want {
		t.Errorf("ingress annotation = %q, want %q (the newest snapshot's)", got, want)
	}
	if got, want := data.Metadata.Labels["team"], "payments"; got != want {
		t.Errorf("label team = %q, want %q", got, want)
	}
	tmpl := data.Spec.Template
	if got, want := tmpl.Metadata.Annotations["run.googleapis.com/network-interfaces"], `[{"network":"default","subnetwork":"default"}]`; got != want {
		t.Errorf("network-interfaces annotation = %q, want the JSON text %q", got, want)
	}
	if len(tmpl.Spec.Containers) != 1 {
		t.Fatalf("containers = %d, want 1", len(tmpl.Spec.Containers))
	}
	c := tmpl.Spec.Containers[0]
	if diff := cmp.Diff(map[string]string{"cpu": "1000m", "memory": "512Mi"}, c.Resources.Limits); diff != "" {
		t.Errorf("limits (-want +got):\n%s", diff)
	}
	if len(c.Env) != 2 {
		t.Errorf("env = %v, want DB_PASSWORD and FEATURES", c.Env)
	}
	if got, want := tmpl.Spec.ServiceAccountName, "checkout@shop-prod.iam.gserviceaccount.com"; got != want {
		t.Errorf("serviceAccountName = %q, want %q", got, want)
	}
	if s.Version != "v1" || s.Location != "europe-west1" || s.UpdateTime != "2025-11-02T09:15:27.415Z" {
		t.Errorf("service version, location, update time = %q, %q, %q", s.Version, s.Location, s.UpdateTime)
	}
	if diff := cmp.Diff([]string{"projects/123456789012", "folders/456", "organizations/789"}, s.Ancestors); diff != "" {
		t.Errorf("ancestors (-want +got):\n%s", diff)
	}

	// The single IAM_POLICY table: bindings, members, condition.
	wantPolicy := &iam.Policy{Etag: "BwYk3XPqQ0c=", Bindings: []iam.Binding{
		{Role: "roles/run.invoker", Members: []string{"serviceAccount:frontend@shop-prod.iam.gserviceaccount.com"}},
		{Role: "roles/run.developer", Members: []string{"group:payments-oncall@example.com"},
			Condition: &iam.Condition{Title: "business hours", Expression: "request.time.getHours('Europe/Paris') < 18"}},
	}}
	if diff := cmp.Diff(wantPolicy, s.IAMPolicy); diff != "" {
		t.Errorf("service IAM policy (-want +got):\n%s", diff)
	}

	// The single RESOURCE table: resource.data a STRING of JSON.
	var sec struct {
		Labels map[string]string `json:"labels"`
	}
	if err := json.Unmarshal(byName[secret].Data, &sec); err != nil || sec.Labels["team"] != "payments" {
		t.Errorf("secret data %s: labels %v, %v", byName[secret].Data, sec.Labels, err)
	}

	wantScopes := []string{
		"bigquery:" + bqProject + "." + bqDataset + ".cai_resource@2025-11-04T02:00:00Z",
		"bigquery:" + bqProject + "." + bqDataset + ".cai_iam_policy@2025-11-04T02:00:07.25Z",
		"bigquery:" + bqProject + "." + bqDataset + ".cai_res_run_googleapis_com_Service@2025-11-04T02:00:00.25Z",
	}
	if diff := cmp.Diff(wantScopes, got.Coverage.Scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
}

func TestBigQueryStringLiterals(t *testing.T) {
	tests := []struct {
		name  string
		s     string
		depth int
		want  string
	}{
		{"JSON text in resource.data is text", `{"network":"default"}`, 5, `"{\"network\":\"default\"}"`},
		{"JSON below 15 RECORD levels is JSON", ` {"a":[1,2]} `, bqMaxDepth + 1, `{"a":[1,2]}`},
		{"not JSON below 15 levels is text", `{not json`, bqMaxDepth + 1, `"{not json"`},
		{"outside resource", `[1]`, 0, `"[1]"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendString(nil, tc.s, tc.depth)
			if err != nil || string(got) != tc.want {
				t.Errorf("appendString(%q, %d) = %s, %v; want %s", tc.s, tc.depth, got, err, tc.want)
			}
		})
	}
	for s, want := range map[string]string{
		"run.googleapis.com/Service": `'run.googleapis.com/Service'`,
		`a'b\c`:                      `'a\'b\\c'`,
	} {
		if got := bqString(s); got != want {
			t.Errorf("bqString(%q) = %s, want %s", s, got, want)
		}
	}
}
