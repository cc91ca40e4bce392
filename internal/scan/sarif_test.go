package scan_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/tfplan"
)

// sarifSchema compiles the official OASIS SARIF 2.1.0 schema (testdata).
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join("testdata", "sarif", "sarif-schema-2.1.0.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSARIF: the SARIF log of the demo validates against the official
// schema, has one rule per check and one result per finding, fingerprinted
// by the finding's ID, with its message in names, and an excepted finding
// suppressed.
func TestSARIF(t *testing.T) {
	rep := scan.Run(readDemo(t), iam.MustPredefined(), rules.All(), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), nil)
	rep.Findings[0].Excepted = true
	var buf bytes.Buffer
	if err := rep.WriteSARIF(&buf, rules.All()); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	schema := sarifSchema(t)
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("the SARIF log does not validate against the SARIF 2.1.0 schema: %v", err)
	}
	// The schema does catch what is wrong (a level SARIF does not know).
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(buf.String(), `"level": "error"`, `"level": "fatal"`, 1)))
	if schema.Validate(bad) == nil {
		t.Error("a SARIF log with the level \"fatal\" validates")
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string         `json:"id"`
						HelpURI    string         `json:"helpUri"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID       string                `json:"ruleId"`
				RuleIndex    int                   `json:"ruleIndex"`
				Level        string                `json:"level"`
				Message      struct{ Text string } `json:"message"`
				Fingerprints map[string]string     `json:"fingerprints"`
				Suppressions []any                 `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(rules.All()) {
		t.Errorf("%d rules, want one per check (%d)", len(run.Tool.Driver.Rules), len(rules.All()))
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.HelpURI == "" || r.Properties["security-severity"] == nil {
			t.Errorf("rule %s lacks its doc or security-severity", r.ID)
		}
	}
	if len(run.Results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(rep.Findings))
	}
	seen := map[string]bool{}
	for i, res := range run.Results {
		f := rep.Findings[i]
		if res.Fingerprints["runlens/v1"] != f.ID || seen[f.ID] {
			t.Errorf("result %d fingerprint %v, want the finding's ID %s, once", i, res.Fingerprints, f.ID)
		}
		seen[f.ID] = true
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID || res.RuleID != f.Check {
			t.Errorf("result %d: rule %s at index %d, finding of %s", i, res.RuleID, res.RuleIndex, f.Check)
		}
		if strings.HasPrefix(strings.TrimPrefix(res.Message.Text, f.Title+": "), "//") {
			t.Errorf("result %d names its subject by its full ID: %q", i, res.Message.Text)
		}
		if want := f.Severity >= rules.High; want != (res.Level == "error") {
			t.Errorf("result %d: level %s for a %s finding", i, res.Level, f.Severity)
		}
		if (len(res.Suppressions) > 0) != f.Excepted {
			t.Errorf("result %d: suppressed %v, excepted %v", i, len(res.Suppressions) > 0, f.Excepted)
		}
	}
}

// TestBaseline: a scan against itself has nothing new, in JSON or SARIF
// form; against a baseline missing a finding, exactly that one is new.
func TestBaseline(t *testing.T) {
	rep := scan.Run(readDemo(t), iam.MustPredefined(), rules.All(), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), nil)
	var js, sarif bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteSARIF(&sarif, rules.All()); err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{"json": js.Bytes(), "sarif": sarif.Bytes()} {
		b, err := scan.ReadBaseline(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep.Compare(b)
		for _, f := range rep.Findings {
			if f.BaselineState != "unchanged" {
				t.Errorf("against itself (%s) %s is %q", name, f.ID, f.BaselineState)
			}
		}
	}
	b, _ := scan.ReadBaseline(bytes.NewReader(js.Bytes()))
	gone := rep.Findings[3].ID
	delete(b, gone)
	b["feedfacefeedface"] = "invoker-public" // fixed since: absent now
	rep.Compare(b)
	if rep.Baseline.New != 1 || rep.Baseline.Unchanged != len(rep.Findings)-1 || len(rep.Baseline.Absent) != 1 || rep.Baseline.Absent["feedfacefeedface"] != "invoker-public" {
		t.Errorf("baseline summary = %+v", rep.Baseline)
	}
	// The gone finding is an "absent" result, and the log still validates.
	var withAbsent bytes.Buffer
	if err := rep.WriteSARIF(&withAbsent, rules.All()); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(withAbsent.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sarifSchema(t).Validate(doc); err != nil {
		t.Errorf("SARIF with an absent result does not validate: %v", err)
	}
	if !strings.Contains(withAbsent.String(), `"baselineState": "absent"`) || !strings.Contains(withAbsent.String(), "feedfacefeedface") {
		t.Error("the finding gone since the baseline is not an absent result")
	}
	// A SARIF baseline does not count its absent results as findings.
	again, err := scan.ReadBaseline(bytes.NewReader(withAbsent.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := again["feedfacefeedface"]; ok {
		t.Error("an absent result of a SARIF baseline was read as a finding")
	}
	var fresh []string
	for _, f := range rep.Findings {
		if f.BaselineState == "new" {
			fresh = append(fresh, f.ID)
		}
	}
	if !slices.Equal(fresh, []string{gone}) {
		t.Errorf("new = %v, want only %s", fresh, gone)
	}
	for _, bad := range []string{`{}`, `[1]`, `{"findings":[{"title":"x"}]}`} {
		if _, err := scan.ReadBaseline(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadBaseline(%s) = nil error", bad)
		}
	}
}

// TestSARIFPlan: a plan's SARIF log validates too, and each result is
// located where the configuration declares it: the .tf file and line of the
// resource block (code scanning annotates the pull request there), the
// resource address as a logical location, the plan file when the block is
// not found.
func TestSARIFPlan(t *testing.T) {
	f, err := os.Open("testdata/plan/shop.plan.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := tfplan.Read("shop.plan.json", f)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := p.Layer(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tf := "resource \"google_cloud_run_v2_service\" \"api\" {\n  name = \"shop-api\"\n}\n\nresource \"google_cloud_run_v2_service_iam_member\" \"public\" {\n  member = \"allUsers\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "run.tf"), []byte(tf), 0o644); err != nil {
		t.Fatal(err)
	}
	src := p.Sources(dir)
	rep := scan.Run(inv, iam.MustPredefined(), rules.All(), time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), nil)
	rep.Locate = func(addr string) (string, int) {
		if file, line, ok := src.Find(addr); ok {
			rel, _ := filepath.Rel(dir, file)
			return filepath.Join("infra", rel), line
		}
		return "infra/shop.plan.json", 0
	}
	var buf bytes.Buffer
	if err := rep.WriteSARIF(&buf, rules.All()); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sarifSchema(t).Validate(doc); err != nil {
		t.Fatalf("the SARIF log of a plan does not validate: %v", err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }     `json:"artifactLocation"`
						Region           *struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	results := log.Runs[0].Results
	if len(results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(results), len(rep.Findings))
	}
	var checked int
	for i, r := range results {
		first := r.Locations[0]
		if first.PhysicalLocation == nil {
			t.Errorf("result %d (%s) has no physical location", i, r.RuleID)
			continue
		}
		if first.LogicalLocations[0].FullyQualifiedName != rep.Findings[i].Addresses[0] {
			t.Errorf("result %d: first logical location %q, want the address %q", i, first.LogicalLocations[0].FullyQualifiedName, rep.Findings[i].Addresses[0])
		}
		if r.RuleID != "invoker-public" {
			continue
		}
		checked++
		var at []string
		for _, l := range r.Locations {
			pl := l.PhysicalLocation
			line := 0
			if pl.Region != nil {
				line = pl.Region.StartLine
			}
			at = append(at, pl.ArtifactLocation.URI+":"+strconv.Itoa(line))
		}
		if want := []string{"infra/run.tf:1", "infra/run.tf:5"}; !slices.Equal(at, want) {
			t.Errorf("invoker-public located at %q, want %q (the service, then its public grant)", at, want)
		}
	}
	if checked != 1 {
		t.Errorf("%d invoker-public results, want 1", checked)
	}
}
