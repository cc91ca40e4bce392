package inventory

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/runlens/runlens/internal/iam"
)

// Names of assets in testdata/read.
const (
	readSvc     = "//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/checkout"
	readSA      = "//iam.googleapis.com/projects/shop-prod/serviceAccounts/112233445566778899001"
	readBucket  = "//storage.googleapis.com/shop-prod-exports"
	readProject = "//cloudresourcemanager.googleapis.com/projects/123456789012"
	readTopic   = "//pubsub.googleapis.com/projects/shop-prod/topics/orders"
	readSub     = "//pubsub.googleapis.com/projects/shop-prod/subscriptions/orders-to-checkout"
	readVM      = "//compute.googleapis.com/projects/shop-prod/zones/europe-west1-b/instances/bastion"
	readAIEP    = "//aiplatform.googleapis.com/projects/123456789012/locations/europe-west1/endpoints/7788990011223344556"
	readWorker  = "//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/orders-worker"
)

// readAncestors is the ancestry of everything in shop-prod.
var readAncestors = []string{"projects/123456789012", "folders/345678901234", "organizations/567890123456"}

// problemWant is a problem as a test expects it: its kind, its line in the
// file under test (0 for the file as a whole) and a part of its message.
type problemWant struct {
	Kind ProblemKind
	Line int
	Msg  string
}

// readPaths reads paths with ReadPaths and fails the test on an I/O error.
func readPaths(t *testing.T, paths ...string) *Inventory {
	t.Helper()
	inv, err := ReadPaths(paths...)
	if err != nil {
		t.Fatalf("ReadPaths(%q) error = %v, want nil", paths, err)
	}
	return inv
}

// readString reads s as the input called name.
func readString(t *testing.T, name, s string) *Inventory {
	t.Helper()
	r := NewReader()
	if err := r.Read(name, strings.NewReader(s)); err != nil {
		t.Fatalf("Read(%q) error = %v, want nil", name, err)
	}
	return r.Inventory()
}

// assetNamed returns the asset called name, or nil.
func assetNamed(inv *Inventory, name string) *Asset {
	for _, a := range inv.Assets {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// assetLines maps each asset's name to the line its first record is on.
func assetLines(inv *Inventory) map[string]int {
	m := make(map[string]int, len(inv.Assets))
	for _, a := range inv.Assets {
		m[a.Name] = a.Source.Line
	}
	return m
}

// equateRawJSON compares resource data by value, not by spelling: a
// pretty-printed record keeps its indentation in Asset.Data.
func equateRawJSON() cmp.Option {
	return cmp.Transformer("rawJSON", func(m json.RawMessage) any {
		if m == nil {
			return nil
		}
		var v any
		if err := json.Unmarshal(m, &v); err != nil {
			return "invalid JSON: " + string(m)
		}
		return v
	})
}

// checkProblems compares the problems of inv with want, and checks that each
// names file, in its Source and at the start of its message.
func checkProblems(t *testing.T, file string, inv *Inventory, want []problemWant) {
	t.Helper()
	type kindLine struct {
		Kind ProblemKind
		Line int
	}
	var gotKL, wantKL []kindLine
	for _, p := range inv.Problems {
		gotKL = append(gotKL, kindLine{p.Kind, p.Source.Line})
	}
	for _, p := range want {
		wantKL = append(wantKL, kindLine{p.Kind, p.Line})
	}
	if diff := cmp.Diff(wantKL, gotKL); diff != "" {
		t.Errorf("problems of %s: kind and line mismatch (-want +got):\n%s\nall problems: %q", file, diff, inv.Problems)
		return
	}
	for i, p := range inv.Problems {
		if p.Source.File != file {
			t.Errorf("problem %d Source.File = %q, want %q", i, p.Source.File, file)
		}
		prefix := file + ": "
		if p.Source.Line > 0 {
			prefix = fmt.Sprintf("%s:%d: ", file, p.Source.Line)
		}
		if s := p.String(); !strings.HasPrefix(s, prefix) {
			t.Errorf("problem %d = %q, want it to start with %q", i, s, prefix)
		}
		if !strings.Contains(p.Msg, want[i].Msg) {
			t.Errorf("problem %d Msg = %q, want it to contain %q", i, p.Msg, want[i].Msg)
		}
	}
}

// TestReadFiles reads each scenario of testdata/read on its own: bad input is
// reported with file and line, and the good records around it are kept.
func TestReadFiles(t *testing.T) {
	dir := filepath.Join("testdata", "read")
	tests := []struct {
		file         string
		wantProblems []problemWant
		wantAssets   map[string]int // asset name -> line of its first record
		wantRecords  int
		wantSkipped  int
		wantUnknown  map[string]int
	}{
		{
			file:         "malformed-middle.jsonl",
			wantProblems: []problemWant{{ProblemMalformed, 3, "invalid JSON"}},
			wantAssets:   map[string]int{readSvc: 1, readSA: 2, readSub: 4, readProject: 5},
			wantRecords:  4,
			wantSkipped:  1,
		},
		{
			file:         "malformed-first-line.jsonl",
			wantProblems: []problemWant{{ProblemMalformed, 1, "invalid JSON"}},
			wantAssets:   map[string]int{readTopic: 2, readSub: 3},
			wantRecords:  2,
			wantSkipped:  1,
		},
		{
			file:         "truncated.jsonl",
			wantProblems: []problemWant{{ProblemTruncated, 3, "truncated"}},
			wantAssets:   map[string]int{readSvc: 1, readTopic: 2},
			wantRecords:  2,
			wantSkipped:  1,
		},
		{
			file:         "truncated-array.json",
			wantProblems: []problemWant{{ProblemTruncated, 52, "truncated"}},
			wantAssets:   map[string]int{readSA: 2, readTopic: 27},
			wantRecords:  2,
			wantSkipped:  1,
		},
		{
			file:         "malformed-array.json",
			wantProblems: []problemWant{{ProblemMalformed, 34, "invalid JSON"}},
			wantAssets:   map[string]int{readSA: 2, readSub: 52},
			wantRecords:  2,
			wantSkipped:  1,
		},
		{
			file:        "unknown-type.jsonl",
			wantAssets:  map[string]int{readTopic: 1, readVM: 2, readAIEP: 3},
			wantRecords: 4,
			wantUnknown: map[string]int{"compute.googleapis.com/Instance": 1, "aiplatform.googleapis.com/Endpoint": 2},
		},
		{
			file: "duplicate.jsonl",
			wantProblems: []problemWant{
				{ProblemDuplicate, 1, "also at testdata/read/duplicate.jsonl:3"},
				{ProblemDuplicate, 5, "also at testdata/read/duplicate.jsonl:4"},
				{ProblemDuplicate, 6, "also at testdata/read/duplicate.jsonl:7"},
			},
			wantAssets:  map[string]int{readSvc: 1, readTopic: 2, readBucket: 4},
			wantRecords: 7,
			wantSkipped: 3,
		},
		{
			file:         "not-cai.csv",
			wantProblems: []problemWant{{ProblemNotCAI, 1, "not a Cloud Asset Inventory export"}},
			wantAssets:   map[string]int{},
			wantSkipped:  1,
		},
		{
			file: "iam-role-describe.json",
			wantProblems: []problemWant{
				{ProblemNotCAI, 1, "no asset_type"},
				{ProblemNotCAI, 0, "none of its 1 records"},
			},
			wantAssets:  map[string]int{},
			wantRecords: 1,
			wantSkipped: 1,
		},
		{
			file:         "empty.json",
			wantProblems: []problemWant{{ProblemNotCAI, 0, "empty input"}},
			wantAssets:   map[string]int{},
			wantSkipped:  1,
		},
		{
			file:        "bom.jsonl",
			wantAssets:  map[string]int{readTopic: 1, readSub: 2},
			wantRecords: 2,
		},
		{
			file:        "concatenated-arrays.json",
			wantAssets:  map[string]int{readTopic: 2, readSub: 29},
			wantRecords: 2,
		},
		{
			file:        "pretty-objects.json",
			wantAssets:  map[string]int{readSA: 1, readBucket: 26},
			wantRecords: 2,
		},
		{
			file:        "listassets-camelcase.json",
			wantAssets:  map[string]int{readSvc: 2, readSA: 41, readBucket: 66, readProject: 150},
			wantRecords: 6,
		},
		{
			file:        "org-policy.jsonl",
			wantAssets:  map[string]int{readProject: 1},
			wantRecords: 2,
		},
		{
			file:        "listassets-response.json",
			wantAssets:  map[string]int{readSvc: 4, readSA: 43, readBucket: 74, readProject: 163},
			wantRecords: 6,
		},
		{
			file:        "listassets-response-pages.jsonl",
			wantAssets:  map[string]int{readSvc: 1, readSA: 1, readBucket: 2, readProject: 3},
			wantRecords: 6,
		},
		{
			file:       "listassets-empty-response.json",
			wantAssets: map[string]int{},
		},
		{
			file:        "export.jsonl.gz",
			wantAssets:  map[string]int{readSvc: 1, readSA: 2, readBucket: 3, readProject: 6},
			wantRecords: 6,
		},
		{
			file:        "gzip-named-json.json",
			wantAssets:  map[string]int{readSvc: 2, readSA: 41, readBucket: 66, readProject: 150},
			wantRecords: 6,
		},
		{
			file: "truncated.jsonl.gz",
			wantProblems: []problemWant{
				{ProblemTruncated, 3, "input ends inside a record"},
				{ProblemTruncated, 0, "gzip-compressed input is corrupt or cut short"},
			},
			wantAssets:  map[string]int{readSvc: 1, readSA: 2},
			wantRecords: 2,
			wantSkipped: 2,
		},
		{
			file:        "bigquery-export.jsonl",
			wantAssets:  map[string]int{readSvc: 1, readSA: 2, readBucket: 3, readWorker: 4, readProject: 7},
			wantRecords: 7,
		},
		{
			file: "search-response.json",
			wantProblems: []problemWant{
				{ProblemNotCAI, 1, `a search response ({"results": [...]}`},
				{ProblemNotCAI, 0, "it holds a search response"},
			},
			wantAssets:  map[string]int{},
			wantRecords: 1,
			wantSkipped: 1,
		},
		{
			file:         "manifest.yaml",
			wantProblems: []problemWant{{ProblemNotCAI, 1, "YAML, not JSON"}},
			wantAssets:   map[string]int{},
			wantSkipped:  1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			inv := readPaths(t, path)
			checkProblems(t, path, inv, tc.wantProblems)
			if diff := cmp.Diff(tc.wantAssets, assetLines(inv)); diff != "" {
				t.Errorf("ReadPaths(%q) assets and the lines of their first records mismatch (-want +got):\n%s", path, diff)
			}
			for _, a := range inv.Assets {
				if a.Source.File != path {
					t.Errorf("asset %s Source.File = %q, want %q", a.Name, a.Source.File, path)
				}
			}
			if inv.Records != tc.wantRecords {
				t.Errorf("ReadPaths(%q) Records = %d, want %d", path, inv.Records, tc.wantRecords)
			}
			if inv.Skipped != tc.wantSkipped {
				t.Errorf("ReadPaths(%q) Skipped = %d, want %d", path, inv.Skipped, tc.wantSkipped)
			}
			if diff := cmp.Diff(tc.wantUnknown, inv.Unknown, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ReadPaths(%q) Unknown mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

// TestReadInput reads small inputs that need no file of their own.
func TestReadInput(t *testing.T) {
	const (
		topic = `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":{"name":"projects/p/topics/t"}}}`
		sub   = `{"name":"//pubsub.googleapis.com/projects/p/subscriptions/s","asset_type":"pubsub.googleapis.com/Subscription","resource":{"version":"v1","data":{"topic":"projects/p/topics/t"}}}`
		nameT = "//pubsub.googleapis.com/projects/p/topics/t"
		nameS = "//pubsub.googleapis.com/projects/p/subscriptions/s"
	)
	tests := []struct {
		name         string
		in           string
		wantProblems []problemWant
		wantAssets   map[string]int
		wantRecords  int
		wantSkipped  int
	}{
		{
			name:        "CRLF line ends and blank lines",
			in:          "\r\n" + topic + "\r\n\r\n" + sub + "\r\n",
			wantAssets:  map[string]int{nameT: 2, nameS: 4},
			wantRecords: 2,
		},
		{
			name:        "no newline at the end of a complete last line",
			in:          topic + "\n" + sub,
			wantAssets:  map[string]int{nameT: 1, nameS: 2},
			wantRecords: 2,
		},
		{
			name:         "blank lines only",
			in:           "\n \t\r\n\n",
			wantProblems: []problemWant{{ProblemNotCAI, 0, "empty input"}},
			wantSkipped:  1,
		},
		{
			name:         "byte order mark only",
			in:           "\ufeff",
			wantProblems: []problemWant{{ProblemNotCAI, 0, "empty input"}},
			wantSkipped:  1,
		},
		{
			name:        "byte order mark before an array",
			in:          "\ufeff[\n  " + topic + "\n]\n",
			wantAssets:  map[string]int{nameT: 2},
			wantRecords: 1,
		},
		{
			name: "an empty listing",
			in:   "[]\n",
		},
		{
			name:         "text after blank lines",
			in:           "\n\nname,asset_type\n",
			wantProblems: []problemWant{{ProblemNotCAI, 3, `found 'n'`}},
			wantSkipped:  1,
		},
		{
			name: "lines that are JSON but not records",
			in:   topic + "\nnull\n42\n\"text\"\n[1,2]\n{}\n",
			wantProblems: []problemWant{
				{ProblemNotCAI, 2, "no name"},
				{ProblemNotCAI, 3, "a JSON number, not an object"},
				{ProblemNotCAI, 4, "a JSON string, not an object"},
				{ProblemNotCAI, 5, "a JSON array, not an object"},
				{ProblemNotCAI, 6, "no name"},
			},
			wantAssets:  map[string]int{nameT: 1},
			wantRecords: 6,
			wantSkipped: 5,
		},
		{
			name: "an array of strings",
			in:   "[\n  \"a\",\n  \"b\"\n]\n",
			wantProblems: []problemWant{
				{ProblemNotCAI, 2, "a JSON string, not an object"},
				{ProblemNotCAI, 3, "a JSON string, not an object"},
				{ProblemNotCAI, 0, "none of its 2 records"},
			},
			wantRecords: 2,
			wantSkipped: 2,
		},
		{
			name:         "a record with neither resource nor policy",
			in:           `{"name":"//run.googleapis.com/projects/p/locations/r/services/s","asset_type":"run.googleapis.com/Service"}` + "\n" + topic + "\n",
			wantProblems: []problemWant{{ProblemNotCAI, 1, "neither resource nor iam_policy"}},
			wantAssets:   map[string]int{nameT: 2},
			wantRecords:  2,
			wantSkipped:  1,
		},
		{
			name:         "a field of the wrong type",
			in:           topic + "\n" + `{"name":"//x","asset_type":"pubsub.googleapis.com/Topic","resource":"projects/p/topics/x"}` + "\n",
			wantProblems: []problemWant{{ProblemNotCAI, 2, `field "resource"`}},
			wantAssets:   map[string]int{nameT: 1},
			wantRecords:  2,
			wantSkipped:  1,
		},
		{
			name:         "garbage after an array",
			in:           "[" + topic + "]\n\n%%\n",
			wantProblems: []problemWant{{ProblemMalformed, 3, "invalid JSON"}},
			wantAssets:   map[string]int{nameT: 1},
			wantRecords:  1,
			wantSkipped:  1,
		},
		{
			name:         "JSON lines after an array",
			in:           "[" + topic + "]\n" + sub + "\n",
			wantProblems: []problemWant{{ProblemMalformed, 2, "unexpected content after the JSON array"}},
			wantAssets:   map[string]int{nameT: 1},
			wantRecords:  1,
			wantSkipped:  1,
		},
		{
			name:         "an array without its closing bracket",
			in:           "[\n" + topic + ",\n" + sub,
			wantProblems: []problemWant{{ProblemTruncated, 3, "truncated"}},
			wantAssets:   map[string]int{nameT: 2, nameS: 3},
			wantRecords:  2,
			wantSkipped:  1,
		},
		{
			name:         "array elements without a comma",
			in:           "[\n" + topic + "\n" + sub + "\n]\n",
			wantProblems: []problemWant{{ProblemMalformed, 3, "invalid JSON"}},
			wantAssets:   map[string]int{nameT: 2},
			wantRecords:  1,
			wantSkipped:  1,
		},
		{
			name:         "a pretty-printed object cut short",
			in:           "{\n  \"name\": \"" + nameT + "\",\n  \"asset_type\": \"pubsub.googleapis.com/Topic\",\n  \"resource\": {\n",
			wantProblems: []problemWant{{ProblemTruncated, 1, "truncated"}},
			wantSkipped:  1,
		},
		{
			name:         "a one-line record cut short",
			in:           topic[:40],
			wantProblems: []problemWant{{ProblemTruncated, 1, "truncated"}},
			wantSkipped:  1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := readString(t, "in.jsonl", tc.in)
			checkProblems(t, "in.jsonl", inv, tc.wantProblems)
			if diff := cmp.Diff(tc.wantAssets, assetLines(inv), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Read(%q) assets and lines mismatch (-want +got):\n%s", tc.in, diff)
			}
			if inv.Records != tc.wantRecords || inv.Skipped != tc.wantSkipped {
				t.Errorf("Read(%q) Records, Skipped = %d, %d, want %d, %d", tc.in, inv.Records, inv.Skipped, tc.wantRecords, tc.wantSkipped)
			}
		})
	}
}

// TestReadSummary checks the one-line account for a file with a bad line
// and records of types runlens does not read.
func TestReadSummary(t *testing.T) {
	inv := readPaths(t, filepath.Join("testdata", "read", "malformed-middle.jsonl"), filepath.Join("testdata", "read", "unknown-type.jsonl"))
	got := inv.Summary()
	want := "8 records, 7 assets, 1 skipped, 3 of unrecognised types, 1 problems"
	if got != want {
		t.Errorf("Summary() = %q, want %q; problems: %q", got, want, inv.Problems)
	}
}

// TestReadJoin joins RESOURCE and IAM_POLICY records of the same assets
// from two files, in either order.
func TestReadJoin(t *testing.T) {
	resFile := filepath.Join("testdata", "read", "join-resource.jsonl")
	iamFile := filepath.Join("testdata", "read", "join-iam.jsonl")

	// assetView is what the join decides, without the raw data.
	type assetView struct {
		Name, Type, Version, Parent, Location string
		HasData                               bool
		IAMPolicy                             *iam.Policy
		Ancestors                             []string
		UpdateTime                            string
		Source                                Source
	}
	view := func(inv *Inventory) []assetView {
		var out []assetView
		for _, a := range inv.Assets {
			out = append(out, assetView{a.Name, a.Type, a.Version, a.Parent, a.Location, len(a.Data) > 0, a.IAMPolicy, a.Ancestors, a.UpdateTime, a.Source})
		}
		return out
	}
	svcPolicy := &iam.Policy{Version: 1, Etag: "BwYb1c2d3e4=", Bindings: []iam.Binding{
		{Role: "roles/run.invoker", Members: []string{"serviceAccount:frontend@shop-prod.iam.gserviceaccount.com"}},
	}}
	bucketPolicy := &iam.Policy{Version: 3, Etag: "CAE=", Bindings: []iam.Binding{
		{Role: "roles/storage.objectViewer", Members: []string{"serviceAccount:checkout-runtime@shop-prod.iam.gserviceaccount.com"},
			Condition: &iam.Condition{Title: "daily exports only", Expression: `resource.name.startsWith("projects/_/buckets/shop-prod-exports/objects/daily/")`}},
		{Role: "roles/storage.legacyBucketOwner", Members: []string{"projectOwner:shop-prod"}},
	}}
	projectPolicy := &iam.Policy{Version: 1, Etag: "BwYa9f8e7d6=", Bindings: []iam.Binding{
		{Role: "roles/editor", Members: []string{"serviceAccount:123456789012-compute@developer.gserviceaccount.com"}},
		{Role: "roles/run.admin", Members: []string{"group:shop-platform@example.com"}},
	}}
	const parent = "//cloudresourcemanager.googleapis.com/projects/123456789012"
	want := []assetView{
		{readProject, TypeProject, "", "", "", false, projectPolicy, readAncestors, "", Source{iamFile, 3}},
		{readSA, TypeServiceAccount, "v1", parent, "global", true, nil, readAncestors, "2024-03-01T08:00:00Z", Source{resFile, 2}},
		{readSvc, TypeRunService, "v2", parent, "europe-west1", true, svcPolicy, readAncestors, "2024-05-14T09:12:33.123456Z", Source{resFile, 1}},
		{readBucket, TypeBucket, "v1", parent, "europe-west1", true, bucketPolicy, readAncestors, "2024-04-02T11:30:00.250Z", Source{resFile, 3}},
	}

	inv := readPaths(t, resFile, iamFile)
	if len(inv.Problems) != 0 {
		t.Errorf("ReadPaths(%s, %s) problems = %q, want none", resFile, iamFile, inv.Problems)
	}
	if diff := cmp.Diff(want, view(inv)); diff != "" {
		t.Errorf("ReadPaths(%s, %s) assets mismatch (-want +got):\n%s", resFile, iamFile, diff)
	}
	if inv.Records != 6 {
		t.Errorf("Records = %d, want 6 (resource and IAM policy records count separately)", inv.Records)
	}

	// The order of the inputs only changes where each asset was first seen.
	reversed := readPaths(t, iamFile, resFile)
	if diff := cmp.Diff(inv.Assets, reversed.Assets, cmpopts.IgnoreFields(Asset{}, "Source")); diff != "" {
		t.Errorf("reading the IAM file first gives other assets (-resource first +IAM first):\n%s", diff)
	}
	if got := assetNamed(reversed, readSvc).Source; got != (Source{iamFile, 1}) {
		t.Errorf("IAM file first: service Source = %v, want %s:1", got, iamFile)
	}

	// Reading both into one Reader is the same as ReadPaths.
	r := NewReader()
	for _, p := range []string{resFile, iamFile} {
		if err := r.ReadPath(p); err != nil {
			t.Fatalf("ReadPath(%s) = %v", p, err)
		}
	}
	if diff := cmp.Diff(inv, r.Inventory()); diff != "" {
		t.Errorf("Reader.ReadPath twice differs from ReadPaths (-ReadPaths +Reader):\n%s", diff)
	}
}

// TestReadSpellingsAgree reads the same records as export lines (snake_case)
// and as a pretty ListAssets array (camelCase).
func TestReadSpellingsAgree(t *testing.T) {
	snake := readPaths(t, filepath.Join("testdata", "read", "join-resource.jsonl"), filepath.Join("testdata", "read", "join-iam.jsonl"))
	camel := readPaths(t, filepath.Join("testdata", "read", "listassets-camelcase.json"))
	if len(snake.Problems)+len(camel.Problems) != 0 {
		t.Fatalf("problems: snake_case %q, camelCase %q; want none", snake.Problems, camel.Problems)
	}
	if diff := cmp.Diff(snake.Assets, camel.Assets, cmpopts.IgnoreFields(Asset{}, "Source"), equateRawJSON()); diff != "" {
		t.Errorf("assets differ by spelling (-export lines +ListAssets array):\n%s", diff)
	}
	if len(camel.Assets) != 4 {
		t.Errorf("ListAssets array: %d assets, want 4", len(camel.Assets))
	}
	if snake.Records != camel.Records {
		t.Errorf("Records: export lines %d, ListAssets array %d; want equal", snake.Records, camel.Records)
	}
}

// TestReadDuplicates keeps the newer resource record (by instant, not by
// string) and the later IAM policy record, and nothing of the older ones.
func TestReadDuplicates(t *testing.T) {
	inv := readPaths(t, filepath.Join("testdata", "read", "duplicate.jsonl"))

	svc := assetNamed(inv, readSvc)
	var sd struct {
		Ingress string `json:"ingress"`
	}
	if err := svc.Decode(&sd); err != nil {
		t.Fatal(err)
	}
	if sd.Ingress != "INGRESS_TRAFFIC_INTERNAL_ONLY" {
		t.Errorf("service data from the older record: ingress = %q, want the newer record's INGRESS_TRAFFIC_INTERNAL_ONLY", sd.Ingress)
	}
	if got, want := svc.UpdateTime, "2024-05-14T09:12:33.123456Z"; got != want {
		t.Errorf("service UpdateTime = %q, want %q", got, want)
	}
	if diff := cmp.Diff(readAncestors, svc.Ancestors); diff != "" {
		t.Errorf("service Ancestors (the project moved folder) mismatch (-want +got):\n%s", diff)
	}
	if got, want := svc.IAMPolicy.Etag, "BwYb1c2d3f5="; got != want {
		t.Errorf("service IAM policy etag = %q, want the later record's %q", got, want)
	}

	// 10:00:00.250Z is after 10:00:00Z, though "…00Z" > "…00.250Z" as strings.
	bucket := assetNamed(inv, readBucket)
	var bd struct {
		StorageClass string `json:"storageClass"`
	}
	if err := bucket.Decode(&bd); err != nil {
		t.Fatal(err)
	}
	if bd.StorageClass != "STANDARD" {
		t.Errorf("bucket storageClass = %q, want STANDARD (line 4, the newer record)", bd.StorageClass)
	}
	if got, want := bucket.UpdateTime, "2024-05-01T10:00:00.250Z"; got != want {
		t.Errorf("bucket UpdateTime = %q, want %q", got, want)
	}
	if diff := cmp.Diff(readAncestors, bucket.Ancestors); diff != "" {
		t.Errorf("bucket Ancestors taken from the older duplicate (-want +got):\n%s", diff)
	}
}

func TestCompareTime(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2024-05-01T10:00:00Z", "2024-05-01T10:00:00.250Z", -1},
		{"2024-05-01T10:00:00.5Z", "2024-05-01T10:00:00.500000Z", 0},
		{"2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z", 0},
		{"2024-05-01T10:00:01Z", "2024-05-01T10:00:00.999999999Z", 1},
		{"", "2024-05-01T10:00:00Z", -1},
		{"2024-05-01T10:00:00Z", "", 1},
		{"", "", 0},
	}
	for _, tc := range tests {
		if got := compareTime(tc.a, tc.b); got != tc.want {
			t.Errorf("compareTime(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestReadPathDirectory reads *.json, *.jsonl and *.ndjson under a
// directory, gzip-compressed or not, recursively, in lexical order, and
// nothing else.
func TestReadPathDirectory(t *testing.T) {
	dir := filepath.Join("testdata", "dir")
	wantOrder := []string{"a.json", "export.json.gz", "m/c.jsonl", "m/n.ndjson", "z.JSON"}
	wantLines := []int{3, 2, 2, 2, 2}

	problemFiles := func(inv *Inventory) (files []string, lines []int) {
		for _, p := range inv.Problems {
			files = append(files, p.Source.File)
			lines = append(lines, p.Source.Line)
		}
		return files, lines
	}
	topics := func(inv *Inventory) map[string]string {
		m := make(map[string]string)
		for _, a := range inv.Assets {
			m[a.Name] = a.Source.File
		}
		return m
	}

	t.Run("ReadPath", func(t *testing.T) {
		r := NewReader()
		if err := r.ReadPath(dir); err != nil {
			t.Fatalf("ReadPath(%s) = %v, want nil", dir, err)
		}
		inv := r.Inventory()
		var want []string
		for _, f := range wantOrder {
			want = append(want, filepath.Join(dir, filepath.FromSlash(f)))
		}
		files, lines := problemFiles(inv)
		if diff := cmp.Diff(want, files); diff != "" {
			t.Errorf("files read, in order (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantLines, lines); diff != "" {
			t.Errorf("problem lines (-want +got):\n%s", diff)
		}
		wantTopics := map[string]string{
			"//pubsub.googleapis.com/projects/shop-prod/topics/a": want[0],
			"//pubsub.googleapis.com/projects/shop-prod/topics/e": want[1],
			"//pubsub.googleapis.com/projects/shop-prod/topics/c": want[2],
			"//pubsub.googleapis.com/projects/shop-prod/topics/n": want[3],
			"//pubsub.googleapis.com/projects/shop-prod/topics/z": want[4],
		}
		if diff := cmp.Diff(wantTopics, topics(inv)); diff != "" {
			t.Errorf("assets by source file (-want +got):\n%s", diff)
		}
		if inv.Records != 10 || inv.Skipped != 5 {
			t.Errorf("Records, Skipped = %d, %d, want 10, 5", inv.Records, inv.Skipped)
		}
	})

	t.Run("ReadFS", func(t *testing.T) {
		r := NewReader()
		if err := r.ReadFS(os.DirFS(dir)); err != nil {
			t.Fatalf("ReadFS(%s) = %v, want nil", dir, err)
		}
		files, lines := problemFiles(r.Inventory())
		if diff := cmp.Diff(wantOrder, files); diff != "" {
			t.Errorf("files read, in order (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantLines, lines); diff != "" {
			t.Errorf("problem lines (-want +got):\n%s", diff)
		}
	})

	t.Run("a file named directly is read whatever its name", func(t *testing.T) {
		p := filepath.Join(dir, "notes.txt")
		inv := readPaths(t, p)
		checkProblems(t, p, inv, []problemWant{
			{ProblemNotCAI, 1, "no asset_type"},
			{ProblemNotCAI, 0, "none of its 1 records"},
		})
	})
}

// TestReadPathErrors: I/O failures are errors, not problems.
func TestReadPathErrors(t *testing.T) {
	missing := filepath.Join("testdata", "read", "no-such-file.jsonl")
	inv, err := ReadPaths(filepath.Join("testdata", "read", "bom.jsonl"), missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadPaths(..., %s) error = %v, want fs.ErrNotExist", missing, err)
	}
	if inv != nil {
		t.Errorf("ReadPaths with an I/O error returned an inventory: %s", inv.Summary())
	}

	errBroken := errors.New("connection reset")
	tests := []struct {
		name string
		rd   io.Reader
	}{
		{"fails at once", iotest.ErrReader(errBroken)},
		{"fails in JSON lines", io.MultiReader(strings.NewReader("{\"name\":\"//x\",\"asset_type\":\"t\",\"resource\":{}}\n{\"na"), iotest.ErrReader(errBroken))},
		{"fails in an array", io.MultiReader(strings.NewReader("[\n{\"name\":\"//x\","), iotest.ErrReader(errBroken))},
		{"fails in a pretty object", io.MultiReader(strings.NewReader("{\n  \"name\": \"//x\",\n"), iotest.ErrReader(errBroken))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := NewReader().Read("broken.jsonl", tc.rd)
			if !errors.Is(err, errBroken) {
				t.Errorf("Read(broken.jsonl) error = %v, want %v", err, errBroken)
			}
			if err != nil && !strings.Contains(err.Error(), "broken.jsonl") {
				t.Errorf("Read error %q does not name the input", err)
			}
		})
	}
}

// realDir holds verbatim copies of published samples (see its README).
var realDir = filepath.Join("testdata", "real")

// TestReadRealCAI loads every published CAI sample, or CAI-shaped converter
// output, without a single problem.
func TestReadRealCAI(t *testing.T) {
	type realCase struct {
		file        string
		wantRecords int
		wantTypes   map[string]int // assets by type
	}
	tests := []realCase{
		{"cai-cloudkms-CryptoKey__policy-library.json", 6, map[string]int{TypeCryptoKey: 6}},
		{"cai-cloudresourcemanager-Project__policy-library.json", 5, map[string]int{TypeProject: 5}},
		{"cai-iam-ServiceAccountKey-keyType-USER_vs_SYSTEM_MANAGED__policy-library.json", 2, map[string]int{TypeServiceAccountKey: 2}},
		{"cai-iam-ServiceAccount__policy-library.json", 3, map[string]int{TypeServiceAccount: 3}},
		{"cai-iam-policy-audit_configs-snakecase-int-enums__policy-library.json", 5, map[string]int{TypeProject: 4, TypeBucket: 1}},
		{"cai-iam-policy-bindings-project-bucket-dataset__policy-library.json", 6, map[string]int{TypeProject: 1, TypeBucket: 1, "bigquery.googleapis.com/Dataset": 4}},
		{"cai-sqladmin-Instance-ipConfiguration__policy-library.json", 4, map[string]int{TypeSQLInstance: 4}},
		{"cai-storage-Bucket-iamConfiguration-uniformBucketLevelAccess__policy-library.json", 4, map[string]int{TypeBucket: 4}},
		{"cai-export-iam-policy-lines__forseti-mock.jsonl", 22, map[string]int{
			"bigquery.googleapis.com/Dataset": 2, "cloudbilling.googleapis.com/BillingAccount": 2, TypeCryptoKey: 1, TypeKeyRing: 1,
			TypeFolder: 3, TypeOrganization: 1, TypeProject: 4, "dataproc.googleapis.com/Cluster": 2, TypeServiceAccount: 2,
			TypeSubscription: 1, TypeTopic: 1, TypeBucket: 2,
		}},
		{"cai-export-resource-lines__forseti-mock-multitype.jsonl", 133, forsetiResourceTypes},
		{"tgc-derived-iam-ServiceAccount-and-Key__example_service_account_key.json", 2, map[string]int{TypeServiceAccount: 1, TypeServiceAccountKey: 1}},
		{"tgc-derived-pubsub-Subscription-pushConfig__example_pubsub_subscription.json", 2, map[string]int{TypeSubscription: 2}},
		{"tgc-derived-run-Job-v2__example_cloud_run_v2_job.json", 1, map[string]int{TypeRunJob: 1}},
		{"tgc-derived-run-Service-knative-v1__example_cloud_run_service.json", 1, map[string]int{TypeRunService: 1}},
		{"tgc-derived-run-Service-v2__example_cloud_run_v2_service.json", 1, map[string]int{TypeRunService: 1}},
		{"tgc-derived-run-Service-with-iam_policy__example_cloud_run_service_iam_policy.json", 1, map[string]int{TypeRunService: 1}},
	}
	// Every top-level file in real/ is either here or refused in TestReadRealNotCAI.
	entries, err := os.ReadDir(realDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "README.md" {
			continue
		}
		if !slices.ContainsFunc(tests, func(tc realCase) bool { return tc.file == e.Name() }) {
			t.Errorf("%s is not covered by this test", e.Name())
		}
	}

	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(realDir, tc.file)
			inv := readPaths(t, path)
			if len(inv.Problems) != 0 {
				t.Errorf("ReadPaths(%s) problems = %q, want none", path, inv.Problems)
			}
			if inv.Records != tc.wantRecords || inv.Skipped != 0 {
				t.Errorf("ReadPaths(%s) Records, Skipped = %d, %d, want %d, 0", path, inv.Records, inv.Skipped, tc.wantRecords)
			}
			if diff := cmp.Diff(tc.wantTypes, assetsByType(inv)); diff != "" {
				t.Errorf("ReadPaths(%s) assets by type mismatch (-want +got):\n%s", path, diff)
			}
			for _, a := range inv.Assets {
				if len(a.Data) == 0 && a.IAMPolicy == nil {
					t.Errorf("asset %s (%s) has neither data nor IAM policy", a.Name, a.Source)
				}
			}
		})
	}
}

// forsetiResourceTypes counts the assets of the forseti resource dump by type.
var forsetiResourceTypes = map[string]int{
	"appengine.googleapis.com/Application": 2, "appengine.googleapis.com/Service": 1, "appengine.googleapis.com/Version": 1,
	"bigquery.googleapis.com/Dataset": 3, "bigquery.googleapis.com/Table": 1,
	"bigtableadmin.googleapis.com/Cluster": 1, "bigtableadmin.googleapis.com/Instance": 1, "bigtableadmin.googleapis.com/Table": 1,
	"cloudbilling.googleapis.com/BillingAccount": 2,
	TypeCryptoKey: 1, "cloudkms.googleapis.com/CryptoKeyVersion": 1, TypeKeyRing: 1,
	TypeFolder: 3, TypeOrganization: 1, TypeProject: 4,
	"compute.googleapis.com/Address": 1, "compute.googleapis.com/Autoscaler": 1, "compute.googleapis.com/BackendBucket": 1,
	TypeBackendService: 1, "compute.googleapis.com/Disk": 4, "compute.googleapis.com/Firewall": 7,
	"compute.googleapis.com/ForwardingRule": 1, "compute.googleapis.com/GlobalAddress": 1, "compute.googleapis.com/GlobalForwardingRule": 1,
	"compute.googleapis.com/HealthCheck": 1, "compute.googleapis.com/HttpHealthCheck": 1, "compute.googleapis.com/HttpsHealthCheck": 1,
	"compute.googleapis.com/Image": 2, "compute.googleapis.com/Instance": 4, "compute.googleapis.com/InstanceGroup": 2,
	"compute.googleapis.com/InstanceGroupManager": 2, "compute.googleapis.com/InstanceTemplate": 2, "compute.googleapis.com/Interconnect": 1,
	"compute.googleapis.com/InterconnectAttachment": 1, "compute.googleapis.com/License": 1, "compute.googleapis.com/Network": 2,
	"compute.googleapis.com/Project": 2, "compute.googleapis.com/RegionBackendService": 1, "compute.googleapis.com/RegionDisk": 1,
	"compute.googleapis.com/Router": 1, "compute.googleapis.com/SecurityPolicy": 1, "compute.googleapis.com/Snapshot": 3,
	"compute.googleapis.com/SslCertificate": 1, "compute.googleapis.com/Subnetwork": 24, "compute.googleapis.com/TargetHttpProxy": 1,
	"compute.googleapis.com/TargetHttpsProxy": 1, "compute.googleapis.com/TargetInstance": 1, "compute.googleapis.com/TargetPool": 1,
	"compute.googleapis.com/TargetSslProxy": 1, "compute.googleapis.com/TargetTcpProxy": 1, "compute.googleapis.com/TargetVpnGateway": 1,
	"compute.googleapis.com/UrlMap": 1, "compute.googleapis.com/VpnTunnel": 1,
	"container.googleapis.com/Cluster": 1, "dataproc.googleapis.com/Cluster": 2,
	"dns.googleapis.com/ManagedZone": 1, "dns.googleapis.com/Policy": 1,
	TypeRole: 2, TypeServiceAccount: 3, TypeServiceAccountKey: 1,
	"k8s.io/Namespace": 1, "k8s.io/Node": 1, "k8s.io/Pod": 1, "k8s.io/Service": 1,
	TypeSubscription: 1, TypeTopic: 1,
	"rbac.authorization.k8s.io/ClusterRole": 1, "rbac.authorization.k8s.io/ClusterRoleBinding": 1,
	"rbac.authorization.k8s.io/Role": 1, "rbac.authorization.k8s.io/RoleBinding": 1,
	"serviceusage.googleapis.com/Service": 1, "spanner.googleapis.com/Database": 1, "spanner.googleapis.com/Instance": 1,
	TypeSQLInstance: 2, TypeBucket: 2,
}

func assetsByType(inv *Inventory) map[string]int {
	m := make(map[string]int)
	for _, a := range inv.Assets {
		m[a.Type]++
	}
	return m
}

// TestReadForsetiJoined reads the forseti resource and IAM policy dumps
// together: every IAM policy joins a resource of the same name.
func TestReadForsetiJoined(t *testing.T) {
	resFile := filepath.Join(realDir, "cai-export-resource-lines__forseti-mock-multitype.jsonl")
	iamFile := filepath.Join(realDir, "cai-export-iam-policy-lines__forseti-mock.jsonl")
	inv := readPaths(t, resFile, iamFile)
	if len(inv.Problems) != 0 {
		t.Errorf("problems = %q, want none", inv.Problems)
	}
	if diff := cmp.Diff(forsetiResourceTypes, assetsByType(inv)); diff != "" {
		t.Errorf("assets by type mismatch (-want +got):\n%s", diff)
	}
	withPolicy, withBoth := 0, 0
	for _, a := range inv.Assets {
		if a.IAMPolicy != nil {
			withPolicy++
			if len(a.Data) > 0 {
				withBoth++
			}
		}
		if a.Source.File != resFile {
			t.Errorf("asset %s first seen at %s, want in %s", a.Name, a.Source, resFile)
		}
	}
	if withPolicy != 22 || withBoth != 22 {
		t.Errorf("assets with an IAM policy = %d (%d also with data), want 22 (22)", withPolicy, withBoth)
	}
	unknown := 0
	for _, n := range inv.Unknown {
		unknown += n
	}
	// 110 resource records and 6 IAM policy records of types runlens does not read.
	if inv.Records != 155 || len(inv.Assets) != 133 || unknown != 116 || inv.Skipped != 0 {
		t.Errorf("Records, assets, unrecognised, Skipped = %d, %d, %d, %d, want 155, 133, 116, 0", inv.Records, len(inv.Assets), unknown, inv.Skipped)
	}
	if got := inv.Unknown["bigquery.googleapis.com/Dataset"]; got != 5 {
		t.Errorf("Unknown[bigquery Dataset] = %d, want 5 (3 resource + 2 IAM policy records)", got)
	}

	org := assetNamed(inv, "//cloudresourcemanager.googleapis.com/organizations/111222333")
	var od Organization
	if err := org.Decode(&od); err != nil {
		t.Fatal(err)
	}
	if od.DisplayName != "forseti.test" {
		t.Errorf("organization displayName = %q, want forseti.test", od.DisplayName)
	}
	want := &iam.Policy{Bindings: []iam.Binding{{Role: "roles/resourcemanager.organizationAdmin", Members: []string{"user:a_user@forseti.test"}}}}
	if diff := cmp.Diff(want, org.IAMPolicy); diff != "" {
		t.Errorf("organization IAM policy mismatch (-want +got):\n%s", diff)
	}
}

// TestReadRealPolicies checks the IAM policies of the policy-library samples,
// including the one spelled with proto field names and int enums.
func TestReadRealPolicies(t *testing.T) {
	inv := readPaths(t, filepath.Join(realDir, "cai-iam-policy-audit_configs-snakecase-int-enums__policy-library.json"))
	for _, a := range inv.Assets {
		// audit_configs are not modelled; the rest of the policy is read.
		if diff := cmp.Diff(&iam.Policy{Version: 1, Etag: "BwWKImhngxs="}, a.IAMPolicy); diff != "" {
			t.Errorf("%s IAM policy mismatch (-want +got):\n%s", a.Name, diff)
		}
	}

	tgc := readPaths(t, filepath.Join(realDir, "tgc-derived-run-Service-with-iam_policy__example_cloud_run_service_iam_policy.json"))
	a := assetNamed(tgc, "//run.googleapis.com/projects/{{.Provider.project}}/locations/us-central1/services/cloudrun-srv")
	if a == nil {
		t.Fatalf("no cloudrun-srv asset; assets: %v", assetLines(tgc))
	}
	want := &iam.Policy{Bindings: []iam.Binding{{Role: "roles/editor", Members: []string{"user:jane@example.com"}}}}
	if diff := cmp.Diff(want, a.IAMPolicy); diff != "" {
		t.Errorf("cloudrun-srv IAM policy (resource and policy in one record) mismatch (-want +got):\n%s", diff)
	}
	if len(a.Data) == 0 || a.Version != "v1" {
		t.Errorf("cloudrun-srv Version = %q, data %d bytes; want v1 with data", a.Version, len(a.Data))
	}

	keys := readPaths(t, filepath.Join(realDir, "tgc-derived-iam-ServiceAccount-and-Key__example_service_account_key.json"))
	for _, a := range keys.Assets {
		if diff := cmp.Diff([]string{"organizations/{{.OrgID}}"}, a.Ancestors); diff != "" {
			t.Errorf("%s Ancestors mismatch (-want +got):\n%s", a.Name, diff)
		}
	}
}

// TestReadRealRoles refuses each `gcloud iam roles describe` output, by
// name, without a crash and without an error.
func TestReadRealRoles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(realDir, "iam-roles", "*.json"))
	if err != nil || len(files) != 12 {
		t.Fatalf("found %d role files (%v), want 12", len(files), err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			inv := readPaths(t, path)
			checkProblems(t, path, inv, []problemWant{
				{ProblemNotCAI, 1, "not an asset record: no asset_type"},
				{ProblemNotCAI, 0, "not a Cloud Asset Inventory export: none of its 1 records"},
			})
			if len(inv.Assets)+len(inv.Recommendations)+len(inv.Insights) != 0 {
				t.Errorf("ReadPaths(%s) = %d assets, %d recommendations, %d insights, want none",
					path, len(inv.Assets), len(inv.Recommendations), len(inv.Insights))
			}
			if inv.Records != 1 || inv.Skipped != 1 {
				t.Errorf("Records, Skipped = %d, %d, want 1, 1", inv.Records, inv.Skipped)
			}
		})
	}
}

// TestReadRealRecommender reads the published recommender examples, which
// are not CAI: the reader takes them as recommendations and insights (never
// as assets), and whatever it cannot use is a problem naming the file.
func TestReadRealRecommender(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(realDir, "recommender", "*"))
	if err != nil || len(files) != 7 {
		t.Fatalf("found %d recommender files (%v), want 7", len(files), err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			inv := readPaths(t, path)
			if len(inv.Assets) != 0 {
				t.Errorf("ReadPaths(%s) = %d assets, want none", path, len(inv.Assets))
			}
			for _, p := range inv.Problems {
				if p.Source.File != path || !strings.HasPrefix(p.String(), path) {
					t.Errorf("problem %q does not name %s", p, path)
				}
			}
			if strings.HasSuffix(path, ".INVALID-JSON-AS-PUBLISHED.txt") {
				// The docs page lacks a comma after the value on line 29.
				checkProblems(t, path, inv, []problemWant{{ProblemMalformed, 30, "invalid JSON"}})
				return
			}
			used := len(inv.Recommendations) + len(inv.Insights)
			if used == 0 {
				t.Errorf("ReadPaths(%s): no recommendation or insight; problems %q", path, inv.Problems)
			}
			for _, rc := range inv.Recommendations {
				if rc.Source.File != path {
					t.Errorf("recommendation %s Source = %v, want in %s", rc.Name, rc.Source, path)
				}
			}
			for _, in := range inv.Insights {
				if in.Source.File != path {
					t.Errorf("insight %s Source = %v, want in %s", in.Name, in.Source, path)
				}
			}
			if got, want := used+inv.Skipped, inv.Records; got != want {
				t.Errorf("recommendations+insights+Skipped = %d, want Records = %d", got, want)
			}
		})
	}
}

// TestReadRealDirectory reads all of real/ at once: the CAI samples load,
// the role files are refused, and the .txt and README are not read.
func TestReadRealDirectory(t *testing.T) {
	r := NewReader()
	if err := r.ReadPath(realDir); err != nil {
		t.Fatalf("ReadPath(%s) = %v", realDir, err)
	}
	inv := r.Inventory()
	refused := map[string]bool{}
	for _, p := range inv.Problems {
		switch {
		case p.Kind == ProblemDuplicate:
			// The samples share a few names (policy-library projects and buckets).
		case p.Kind == ProblemNotCAI && p.Source.Line == 0:
			refused[p.Source.File] = true
		case p.Kind != ProblemNotCAI:
			t.Errorf("unexpected problem %q", p)
		}
		if strings.HasSuffix(p.Source.File, ".txt") || strings.HasSuffix(p.Source.File, ".md") {
			t.Errorf("%s was read: %q", p.Source.File, p)
		}
	}
	if len(refused) != 12 {
		t.Errorf("%d files refused as a whole, want the 12 role files: %v", len(refused), refused)
	}
	for f := range refused {
		if !strings.Contains(f, "iam-roles") {
			t.Errorf("%s refused as a whole, want only role files refused", f)
		}
	}
	if len(inv.Assets) == 0 || len(inv.Recommendations)+len(inv.Insights) == 0 {
		t.Errorf("%d assets, %d recommendations, %d insights; want some of each", len(inv.Assets), len(inv.Recommendations), len(inv.Insights))
	}
}
