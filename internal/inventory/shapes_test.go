package inventory

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/runlens/runlens/internal/iam"
)

// TestReadShapesAgree reads the same six records in every shape CAI
// writes them: export lines, a ListAssets listing, REST ListAssets
// responses (pretty pages one after another, compact pages one per line),
// gzip-compressed export lines (named .gz, and named .json), and the
// BigQuery export written out as JSON (resource.data and most IAM
// policies as JSON strings, times as BigQuery prints them). Every shape
// gives the same assets.
func TestReadShapesAgree(t *testing.T) {
	dir := filepath.Join("testdata", "read")
	want := readPaths(t, filepath.Join(dir, "join-resource.jsonl"), filepath.Join(dir, "join-iam.jsonl"))
	for _, file := range []string{
		"listassets-camelcase.json",
		"listassets-response.json",
		"listassets-response-pages.jsonl",
		"export.jsonl.gz",
		"gzip-named-json.json",
		"bigquery-export.jsonl",
	} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join(dir, file)
			inv := readPaths(t, path)
			if len(inv.Problems) != 0 {
				t.Errorf("ReadPaths(%s) problems = %q, want none", path, inv.Problems)
			}
			var got []*Asset
			for _, a := range inv.Assets {
				if a.Name != readWorker { // only in the BigQuery rows
					got = append(got, a)
				}
			}
			if diff := cmp.Diff(want.Assets, got, cmpopts.IgnoreFields(Asset{}, "Source"), equateRawJSON()); diff != "" {
				t.Errorf("ReadPaths(%s) assets differ from the export lines' (-export lines +%s):\n%s", path, file, diff)
			}
			if err := inv.NoRecords(); err != nil {
				t.Errorf("NoRecords() = %v, want nil", err)
			}
		})
	}
}

// TestReadBigQuery: a BigQuery row's resource.data string is decoded
// before the env values of a Cloud Run service are redacted, so a literal
// value in it never enters the inventory.
func TestReadBigQuery(t *testing.T) {
	path := filepath.Join("testdata", "read", "bigquery-export.jsonl")
	inv := readPaths(t, path)
	w := assetNamed(inv, readWorker)
	if w == nil {
		t.Fatalf("no %s in %s", readWorker, path)
	}
	if bytes.Contains(w.Data, []byte("bq-literal-Pz81mQ")) {
		t.Errorf("the literal env value of %s was kept: %s", readWorker, w.Data)
	}
	if !bytes.Contains(w.Data, []byte(Redacted)) {
		t.Errorf("%s data holds no redacted value: %s", readWorker, w.Data)
	}
	if got, want := w.UpdateTime, "2024-05-18T14:03:11.5Z"; got != want {
		t.Errorf("UpdateTime = %q, want %q (BigQuery's \"2024-05-18 14:03:11.5 UTC\" as RFC 3339)", got, want)
	}
	wl, err := DecodeWorkload(w)
	if err != nil {
		t.Fatalf("DecodeWorkload(%s) = %v", readWorker, err)
	}
	if wl.ServiceAccount != "orders-worker@shop-prod.iam.gserviceaccount.com" {
		t.Errorf("ServiceAccount = %q, want the one in the data string", wl.ServiceAccount)
	}
}

// TestReadInputShapes reads small inputs in the shapes of item 7.
func TestReadInputShapes(t *testing.T) {
	const (
		topic  = `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":{"name":"projects/p/topics/t"}}}`
		topicC = `{"name":"//pubsub.googleapis.com/projects/p/topics/t","assetType":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":{"name":"projects/p/topics/t"}}}`
		nameT  = "//pubsub.googleapis.com/projects/p/topics/t"
	)
	policy := &iam.Policy{Version: 1, Bindings: []iam.Binding{{Role: "roles/pubsub.publisher", Members: []string{"user:a@example.com"}}}}
	tests := []struct {
		name         string
		in           string
		wantProblems []problemWant
		wantAssets   map[string]int
		wantPolicy   *iam.Policy
		wantData     bool
		wantRefused  string
	}{
		{
			name:       "a ListAssets response on one line",
			in:         `{"readTime":"2024-05-20T08:00:00Z","assets":[` + topicC + `],"nextPageToken":"x"}` + "\n",
			wantAssets: map[string]int{nameT: 1},
			wantData:   true,
		},
		{
			name:        "a ListAssets response without assets",
			in:          `{"readTime":"2024-05-20T08:00:00Z"}` + "\n",
			wantRefused: "a ListAssets response without assets",
		},
		{
			name:       "a pretty ListAssets response whose assets come after its token",
			in:         "{\n  \"nextPageToken\": \"x\",\n  \"assets\": [\n    " + topicC + "\n  ]\n}\n",
			wantAssets: map[string]int{nameT: 4},
			wantData:   true,
		},
		{
			name:         "a ListAssets response cut short",
			in:           "{\n  \"assets\": [\n    " + topicC + ",\n",
			wantProblems: []problemWant{{ProblemTruncated, 4, "input ends inside the ListAssets response"}},
			wantAssets:   map[string]int{nameT: 3},
			wantData:     true,
		},
		{
			name:       "an IAM policy as a JSON string",
			in:         `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","iam_policy":"{\"version\":1,\"bindings\":[{\"role\":\"roles/pubsub.publisher\",\"members\":[\"user:a@example.com\"]}]}"}` + "\n",
			wantAssets: map[string]int{nameT: 1},
			wantPolicy: policy,
		},
		{
			name:       "a null IAM policy next to a resource",
			in:         `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":"{\"name\":\"projects/p/topics/t\"}"},"iam_policy":null,"org_policy":[]}` + "\n",
			wantAssets: map[string]int{nameT: 1},
			wantData:   true,
		},
		{
			name:       "null resource data",
			in:         `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":null}}` + "\n",
			wantAssets: map[string]int{nameT: 1},
		},
		{
			name: "resource data as a string holding no object",
			in:   `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","resource":{"version":"v1","data":"projects/p/topics/t"}}` + "\n" + topic + "\n",
			wantProblems: []problemWant{
				{ProblemMalformed, 1, "resource.data is a string that holds no JSON object"},
				{ProblemNotCAI, 1, "neither resource nor iam_policy"},
			},
			wantAssets: map[string]int{nameT: 2},
			wantData:   true,
		},
		{
			name:         "an IAM policy string that holds no policy",
			in:           `{"name":"//pubsub.googleapis.com/projects/p/topics/t","asset_type":"pubsub.googleapis.com/Topic","iam_policy":"roles/owner"}` + "\n",
			wantProblems: []problemWant{{ProblemNotCAI, 1, "iam_policy"}, {ProblemNotCAI, 0, "none of its 1 records"}},
			wantRefused:  "not asset records",
		},
		{
			name:        "an empty JSON array",
			in:          "[]\n",
			wantRefused: "an empty JSON array",
		},
		{
			name:         "an array of strings",
			in:           "[\n  \"a\"\n]\n",
			wantProblems: []problemWant{{ProblemNotCAI, 2, "a JSON string"}, {ProblemNotCAI, 0, "none of its 1 records"}},
			wantRefused:  "JSON strings, not asset records",
		},
		{
			name:         "HTML",
			in:           "<!doctype html>\n<title>Sign in</title>\n",
			wantProblems: []problemWant{{ProblemNotCAI, 1, "XML or HTML, not JSON"}},
			wantRefused:  "XML or HTML, not JSON",
		},
		{
			name:         "a truncated gzip header",
			in:           "\x1f\x8b\x08",
			wantProblems: []problemWant{{ProblemMalformed, 0, "gzip-compressed input that cannot be read"}},
			wantRefused:  "a gzip file that cannot be read",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := readString(t, "in.jsonl", tc.in)
			checkProblems(t, "in.jsonl", inv, tc.wantProblems)
			if diff := cmp.Diff(tc.wantAssets, assetLines(inv), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Read(%q) assets and lines mismatch (-want +got):\n%s", tc.in, diff)
			}
			if a := assetNamed(inv, nameT); a != nil {
				if diff := cmp.Diff(tc.wantPolicy, a.IAMPolicy); diff != "" {
					t.Errorf("IAM policy (-want +got):\n%s", diff)
				}
				if got := len(a.Data) > 0; got != tc.wantData {
					t.Errorf("asset has data = %v (%s), want %v", got, a.Data, tc.wantData)
				}
			}
			var refused string
			if len(inv.Refused) > 0 {
				refused = inv.Refused[0].Looks
			}
			if (tc.wantRefused == "") != (refused == "") || !strings.Contains(refused, tc.wantRefused) {
				t.Errorf("Refused = %v, want one saying %q", inv.Refused, tc.wantRefused)
			}
		})
	}
}

// TestReadNoRecords: an input holding no asset record at all is refused,
// naming each input and what it looks like instead; one bad file among good
// ones is only a problem. No message quotes the content of an input (a
// manifest holds env values).
func TestReadNoRecords(t *testing.T) {
	read := filepath.Join("testdata", "read")
	emptyDir := t.TempDir()
	notesDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(notesDir, "notes.txt"), []byte("an export will go here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mixed := t.TempDir()
	for _, f := range []string{"join-resource.jsonl", "manifest.yaml", "search-response.json"} {
		b, err := os.ReadFile(filepath.Join(read, f))
		if err != nil {
			t.Fatal(err)
		}
		name := strings.Replace(f, ".yaml", ".json", 1) // a manifest saved under a name that is read
		if err := os.WriteFile(filepath.Join(mixed, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		paths []string
		want  []string // parts of the error; nil: no error
	}{
		{"a YAML manifest", []string{filepath.Join(read, "manifest.yaml")}, []string{"manifest.yaml: YAML, not JSON"}},
		{"a search response", []string{filepath.Join(read, "search-response.json")}, []string{`search-response.json: a search response ({"results": [...]}`}},
		{"an empty file", []string{filepath.Join(read, "empty.json")}, []string{"empty.json: empty"}},
		{"a CSV file", []string{filepath.Join(read, "not-cai.csv")}, []string{"not-cai.csv: CSV or other text, not JSON"}},
		{"a role", []string{filepath.Join(read, "iam-role-describe.json")}, []string{"iam-role-describe.json: JSON objects without a name and an asset type"}},
		{"a project's getIamPolicy output", []string{filepath.Join(realDir, "iam-policies", "project-getIamPolicy_legacy-cloudbuild_service-agents__gcpdiag-cloudrun1.json.txt")}, []string{"an IAM policy (getIamPolicy", "gcloud asset export --content-type=iam-policy"}},
		{"a Cloud Run v2 ListServices response", []string{filepath.Join(realDir, "run-api", "run-v2-ListServices_serving__gcpdiag-cloudrun1.json.txt")}, []string{"Cloud Run Admin API output"}},
		{"an empty ListAssets response", []string{filepath.Join(read, "listassets-empty-response.json")}, []string{"a ListAssets response without assets"}},
		{"an empty directory", []string{emptyDir}, []string{emptyDir + ": a directory with no *.json, *.jsonl or *.ndjson file"}},
		{"a directory of notes", []string{notesDir}, []string{notesDir + ": a directory with no"}},
		{"several inputs", []string{filepath.Join(read, "empty.json"), filepath.Join(read, "manifest.yaml")}, []string{"empty.json: empty", "manifest.yaml: YAML, not JSON"}},
		{"many inputs", slices.Repeat([]string{filepath.Join(read, "empty.json")}, 7), []string{"empty.json: empty; " + filepath.Join(read, "empty.json"), "; and 2 more inputs"}},
		{"recommender output only", []string{filepath.Join(realDir, "recommender")}, []string{"IAM recommender output, no asset record"}},
		{"good records beside bad files", []string{mixed}, nil},
		{"good records beside a bad input", []string{filepath.Join(read, "bom.jsonl"), filepath.Join(read, "manifest.yaml")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := readPaths(t, tc.paths...)
			err := inv.NoRecords()
			if tc.want == nil {
				if err != nil {
					t.Errorf("NoRecords() = %v, want nil", err)
				}
				if len(inv.Problems) == 0 {
					t.Errorf("no problem names the bad input; want one")
				}
				return
			}
			if !errors.Is(err, ErrNoRecords) {
				t.Fatalf("NoRecords() = %v, want ErrNoRecords", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("NoRecords() = %q, want it to say %q", err, w)
				}
			}
			for _, secret := range []string{"yaml-literal-Vd93kT", "an export will go here"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("NoRecords() = %q quotes the input", err)
				}
			}
		})
	}
}
