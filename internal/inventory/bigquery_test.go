package inventory

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
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

// caiLine is one line of a gcloud asset export file.
type caiLine struct {
	Name      string `json:"name"`
	AssetType string `json:"asset_type"`
	Resource  *struct {
		Version              string          `json:"version"`
		DiscoveryDocumentURI string          `json:"discovery_document_uri"`
		DiscoveryName        string          `json:"discovery_name"`
		Parent               string          `json:"parent"`
		Location             string          `json:"location"`
		Data                 json.RawMessage `json:"data"`
	} `json:"resource"`
	IAMPolicy  map[string]any `json:"iam_policy"`
	OrgPolicy  []any          `json:"org_policy"`
	Ancestors  []any          `json:"ancestors"`
	UpdateTime string         `json:"update_time"`
	raw        string
}

// demoLines reads the demo organization's export files: resources, IAM
// policies, org policies.
func demoLines(t *testing.T) (res, pol, org []caiLine) {
	t.Helper()
	read := func(name string) []caiLine {
		f, err := demo.FS().Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out []caiLine
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l caiLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			l.raw = sc.Text()
			out = append(out, l)
		}
		return out
	}
	return read("resources.jsonl"), read("iam_policies.jsonl"), read("org_policies.jsonl")
}

func ts(t *testing.T, s string) any {
	if s == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("update_time %q: %v", s, err)
	}
	return v
}

var (
	str        = bqCol{typ: "STRING"}
	conditionC = bqCol{name: "condition", typ: "RECORD", fields: []bqCol{{name: "title", typ: "STRING"}, {name: "description", typ: "STRING"}, {name: "expression", typ: "STRING"}}}
	iamPolicyC = bqCol{name: "iam_policy", typ: "RECORD", fields: []bqCol{
		{name: "etag", typ: "STRING"},
		{name: "bindings", typ: "RECORD", repeated: true, fields: []bqCol{{name: "role", typ: "STRING"}, {name: "members", typ: "STRING", repeated: true}, conditionC}},
		{name: "audit_configs", typ: "RECORD", repeated: true, fields: []bqCol{{name: "service", typ: "STRING"}, {name: "audit_log_configs", typ: "RECORD", repeated: true, fields: []bqCol{{name: "log_type", typ: "STRING"}, {name: "exempted_members", typ: "STRING", repeated: true}}}}},
	}}
)

func named(c bqCol, name string) bqCol { c.name = name; return c }

// tail is the columns every export table ends with; partitioned tables add
// readTime and requestTime.
func tail(camel, partitioned bool) []bqCol {
	cols := []bqCol{{name: "ancestors", typ: "STRING", repeated: true}, {name: "update_time", typ: "TIMESTAMP"}}
	if camel {
		cols[1].name = "updateTime"
	}
	if partitioned {
		cols = append(cols, bqCol{name: "readTime", typ: "TIMESTAMP"}, bqCol{name: "requestTime", typ: "TIMESTAMP"})
	}
	return cols
}

// resourceTable is the single RESOURCE table of an export: resource.data a
// STRING holding JSON.
func resourceTable(t *testing.T, lines []caiLine, readTimes ...time.Time) *fakeTable {
	tb := &fakeTable{cols: slices.Concat([]bqCol{named(str, "name"), named(str, "asset_type"), {name: "resource", typ: "RECORD", fields: []bqCol{
		named(str, "version"), named(str, "discovery_document_uri"), named(str, "discovery_name"), named(str, "resource_url"),
		named(str, "parent"), named(str, "data"), named(str, "location"),
	}}}, tail(false, len(readTimes) > 0))}
	for _, at := range times(readTimes) {
		for _, l := range lines {
			rs := l.Resource
			row := map[string]any{"name": l.Name, "asset_type": l.AssetType, "ancestors": l.Ancestors, "update_time": ts(t, l.UpdateTime),
				"resource": map[string]any{"version": rs.Version, "discovery_document_uri": rs.DiscoveryDocumentURI, "discovery_name": rs.DiscoveryName,
					"parent": nilIfEmpty(rs.Parent), "location": nilIfEmpty(rs.Location), "data": string(rs.Data)}}
			stamp(row, at)
			tb.rows = append(tb.rows, row)
		}
	}
	return tb
}

// iamTable is an IAM_POLICY table (single or per asset type: the same
// columns).
func iamTable(t *testing.T, lines []caiLine, readTimes ...time.Time) *fakeTable {
	tb := &fakeTable{cols: slices.Concat([]bqCol{named(str, "name"), named(str, "asset_type"), iamPolicyC}, tail(false, len(readTimes) > 0))}
	for _, at := range times(readTimes) {
		for _, l := range lines {
			row := map[string]any{"name": l.Name, "asset_type": l.AssetType, "iam_policy": l.IAMPolicy, "ancestors": l.Ancestors, "update_time": ts(t, l.UpdateTime)}
			stamp(row, at)
			tb.rows = append(tb.rows, row)
		}
	}
	return tb
}

// orgTable is an ORG_POLICY table, its org_policy column inferred.
func orgTable(t *testing.T, lines []caiLine, readTimes ...time.Time) *fakeTable {
	var vals []any
	for _, l := range lines {
		vals = append(vals, l.OrgPolicy)
	}
	col := infer("org_policy", vals)
	tb := &fakeTable{cols: slices.Concat([]bqCol{named(str, "name"), named(str, "asset_type"), col}, tail(false, len(readTimes) > 0))}
	for _, at := range times(readTimes) {
		for _, l := range lines {
			row := map[string]any{"name": l.Name, "asset_type": l.AssetType, "org_policy": conv(col, l.OrgPolicy), "ancestors": l.Ancestors, "update_time": ts(t, l.UpdateTime)}
			stamp(row, at)
			tb.rows = append(tb.rows, row)
		}
	}
	return tb
}

// perTypeResourceTable is the RESOURCE table of one asset type in a
// per-asset-type export: camelCase top-level names, resource.data a RECORD
// of the type's fields.
func perTypeResourceTable(t *testing.T, lines []caiLine) *fakeTable {
	var datas []any
	for _, l := range lines {
		var v any
		if err := json.Unmarshal(l.Resource.Data, &v); err != nil {
			t.Fatal(err)
		}
		datas = append(datas, v)
	}
	data := infer("data", datas)
	tb := &fakeTable{cols: slices.Concat([]bqCol{named(str, "name"), named(str, "assetType"), {name: "resource", typ: "RECORD", fields: []bqCol{
		named(str, "version"), named(str, "discoveryDocumentUri"), named(str, "discoveryName"), named(str, "resourceUrl"),
		named(str, "parent"), data, named(str, "location"),
	}}}, tail(true, false))}
	for i, l := range lines {
		rs := l.Resource
		tb.rows = append(tb.rows, map[string]any{"name": l.Name, "assetType": l.AssetType, "ancestors": l.Ancestors, "updateTime": ts(t, l.UpdateTime),
			"resource": map[string]any{"version": rs.Version, "discoveryDocumentUri": rs.DiscoveryDocumentURI, "discoveryName": rs.DiscoveryName,
				"parent": nilIfEmpty(rs.Parent), "location": nilIfEmpty(rs.Location), "data": conv(data, datas[i])}})
	}
	return tb
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func times(ts []time.Time) []time.Time {
	if len(ts) == 0 {
		return []time.Time{{}}
	}
	return ts
}

func stamp(row map[string]any, at time.Time) {
	if !at.IsZero() {
		row["readTime"], row["requestTime"] = at, at.Add(-time.Minute)
	}
}

var bqNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// infer is the column BigQuery would make of JSON values: objects are
// RECORDs, arrays REPEATED, numbers FLOAT; what it cannot hold as columns
// (keys that are not column names, such as annotation keys; mixed kinds;
// arrays of arrays; empty objects) is a STRING holding the JSON.
func infer(name string, vals []any) bqCol {
	kinds := map[string]bool{}
	for _, v := range vals {
		switch v.(type) {
		case nil:
		case string:
			kinds["string"] = true
		case float64:
			kinds["number"] = true
		case bool:
			kinds["bool"] = true
		case map[string]any:
			kinds["object"] = true
		case []any:
			kinds["array"] = true
		}
	}
	asJSON := bqCol{name: name, typ: "STRING", json: true}
	if len(kinds) != 1 {
		if len(kinds) == 0 {
			return bqCol{name: name, typ: "STRING"}
		}
		return asJSON
	}
	switch {
	case kinds["string"]:
		return bqCol{name: name, typ: "STRING"}
	case kinds["number"]:
		return bqCol{name: name, typ: "FLOAT"}
	case kinds["bool"]:
		return bqCol{name: name, typ: "BOOLEAN"}
	case kinds["array"]:
		var elems []any
		for _, v := range vals {
			a, _ := v.([]any)
			for _, e := range a {
				if _, nested := e.([]any); nested {
					return asJSON
				}
				elems = append(elems, e)
			}
		}
		c := infer(name, elems)
		if c.json {
			return asJSON
		}
		c.repeated = true
		return c
	}
	byKey := map[string][]any{}
	for _, v := range vals {
		m, _ := v.(map[string]any)
		for k, e := range m {
			byKey[k] = append(byKey[k], e)
		}
	}
	if len(byKey) == 0 {
		return asJSON
	}
	c := bqCol{name: name, typ: "RECORD"}
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		if !bqNameRE.MatchString(k) {
			return asJSON
		}
		c.fields = append(c.fields, infer(k, byKey[k]))
	}
	return c
}

// conv is v as a value of column c.
func conv(c bqCol, v any) any {
	if v == nil {
		return nil
	}
	if c.json {
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	if c.repeated {
		elem := c
		elem.repeated = false
		var out []any
		for _, e := range v.([]any) {
			out = append(out, conv(elem, e))
		}
		return out
	}
	if c.typ == "RECORD" {
		m := v.(map[string]any)
		out := map[string]any{}
		for _, f := range c.fields {
			out[f.name] = conv(f, m[f.name])
		}
		return out
	}
	return v
}

// byType groups lines by asset type.
func byType(lines []caiLine) map[string][]caiLine {
	m := map[string][]caiLine{}
	for _, l := range lines {
		m[l.AssetType] = append(m[l.AssetType], l)
	}
	return m
}

// knownOnly keeps the lines of KnownTypes, the ones BigQuery hands out.
func knownOnly(lines []caiLine) []caiLine {
	return slices.DeleteFunc(slices.Clone(lines), func(l caiLine) bool { return !IsKnownType(l.AssetType) })
}

// wantFromFiles reads the demo organization's lines of KnownTypes as an
// export file.
func wantFromFiles(t *testing.T, groups ...[]caiLine) *Inventory {
	t.Helper()
	var b strings.Builder
	for _, g := range groups {
		for _, l := range knownOnly(g) {
			b.WriteString(l.raw + "\n")
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
func singleLayout(t *testing.T, f *bqFake, prefix string, snapshots ...time.Time) {
	res, pol, org := demoLines(t)
	f.addTable(prefix+"_resource", resourceTable(t, res, snapshots...))
	var iamTimes []time.Time
	for _, s := range snapshots {
		iamTimes = append(iamTimes, s.Add(iamLag))
	}
	f.addTable(prefix+"_iam_policy", iamTable(t, pol, iamTimes...))
	f.addTable(prefix+"_org_policy", orgTable(t, org))
}

func readBQ(t *testing.T, f *bqFake, ref string, opts BigQueryOptions) (*Inventory, error) {
	t.Helper()
	tables, rows := f.clients(t)
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
		load  func(*bqFake)
		loose bool
		ref   string
	}{
		{"single tables", func(f *bqFake) { singleLayout(t, f, "cai") }, false, bqProject + "." + bqDataset},
		{"single tables partitioned", func(f *bqFake) { singleLayout(t, f, "cai", snapOld, snapNew) }, false, bqProject + "." + bqDataset + ".cai"},
		{"per asset type", func(f *bqFake) {
			for typ, lines := range byType(res) {
				f.addTable(PerTypeTable("cai_res", typ), perTypeResourceTable(t, lines))
			}
			for typ, lines := range byType(pol) {
				f.addTable(PerTypeTable("cai_iam", typ), iamTable(t, lines))
			}
			f.addTable("cai_org_policy", orgTable(t, org))
		}, true, bqProject + "." + bqDataset + ".cai"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newBQFake(bqProject, bqDataset)
			tc.load(f)
			got, err := readBQ(t, f, tc.ref, bqFastRead)
			if err != nil {
				t.Fatalf("ReadBigQuery: %v", err)
			}
			compareInventories(t, want, got, tc.loose)
			for _, c := range f.creates {
				name := strings.TrimPrefix(c.GetReadSession().GetTable(), "projects/"+bqProject+"/datasets/"+bqDataset+"/tables/")
				if perTypeOther(name) {
					t.Errorf("read session of %s, a table of a type runlens does not read", name)
				}
			}
		})
	}
}

func TestReadBigQueryRequests(t *testing.T) {
	f := newBQFake(bqProject, bqDataset)
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
	if len(f.creates) != 5 { // readTime then rows of two partitioned tables; the org policy table
		t.Errorf("%d read sessions, want 5", len(f.creates))
	}
	for _, c := range f.creates {
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
			l.raw = string(raw)
			oldPol[i] = l
		}
	}
	f := newBQFake(bqProject, bqDataset)
	resT := resourceTable(t, res, snapOld, snapNew)
	f.addTable("cai_resource", resT)
	iamT := iamTable(t, oldPol, snapOld.Add(iamLag))
	iamT.rows = append(iamT.rows, iamTable(t, pol, snapNew.Add(iamLag)).rows...)
	f.addTable("cai_iam_policy", iamT)
	f.addTable("cai_org_policy", orgTable(t, org, snapOld.Add(2*iamLag), snapNew.Add(2*iamLag)))
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
	f := newBQFake(bqProject, bqDataset)
	f.addTable("other_resource", resourceTable(t, res[:3]))
	f.addTable("cai_notes", &fakeTable{cols: []bqCol{named(str, "name"), named(str, "note")}})
	f.addTable("cai_resource", resourceTable(t, res))
	f.addTable("cai_iam_policy", iamTable(t, pol))
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
	f := newBQFake(bqProject, bqDataset)
	singleLayout(t, f, "cai")
	f.addTable("cai_more", resourceTable(t, res[:2]))
	f.deniedSchema = []string{"cai_more"}
	f.fail = func(_ context.Context, call, table string, _ int64) error {
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

	f.fail = func(context.Context, string, string, int64) error {
		return status.Error(codes.PermissionDenied, "denied")
	}
	_, err = readBQ(t, f, bqProject+"."+bqDataset+".cai", bqFastRead)
	if err == nil || !strings.Contains(err.Error(), "nothing could be read") {
		t.Errorf("every table denied: error %v, want nothing could be read", err)
	}
}

func TestReadBigQueryResumesStream(t *testing.T) {
	res, pol, org := demoLines(t)
	f := newBQFake(bqProject, bqDataset)
	singleLayout(t, f, "cai", snapNew)
	var failed atomic.Int32
	f.fail = func(_ context.Context, call, table string, offset int64) error {
		if call == "ReadRows" && table == "cai_resource" && offset == 2*fakeBatchRows && failed.Add(1) <= 2 {
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
	for _, rq := range f.reads {
		if rq.GetOffset() == 2*fakeBatchRows {
			resumed++
		}
	}
	if resumed == 0 {
		t.Errorf("no ReadRows resumed at offset %d: %v", 2*fakeBatchRows, f.reads)
	}

	// A stream that keeps failing is given up: unavailable, the rest read.
	f.fail = func(_ context.Context, call, table string, offset int64) error {
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
	f := newBQFake(bqProject, bqDataset)
	singleLayout(t, f, "cai")
	f.fail = func(ctx context.Context, call, _ string, offset int64) error {
		if call == "ReadRows" && offset > 0 {
			<-ctx.Done() // hangs until the client goes away
			return ctx.Err()
		}
		return nil
	}
	tables, rows := f.clients(t)
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
