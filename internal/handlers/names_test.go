package handlers_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// fullName matches what no page should print as text: a full resource name,
// a project named by its number, an IAM member string with its prefix.
var fullName = regexp.MustCompile(`//[a-z]+\.googleapis\.com/|projects/[0-9]+|\b(user|group|serviceAccount|domain):[^ ]`)

// Names, not IDs (issue 15): every page a person reads shows projects by
// ID, services by short name with project and region, accounts by email
// with their kind; the full ID is the title of the name (and the link's
// target), never its text. Only a detail page states its own full ID.
func TestPagesShowNamesNotIDs(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	worker := "//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-worker"
	defSA := "serviceAccount:204815367192-compute@developer.gserviceaccount.com"
	// A change set, so that the change page, its risk and the audit log
	// have subjects to name.
	_, body := e.do(t, http.MethodGet, "/api/v1/findings?check=invoker-broad-scope", nil)
	var fl struct {
		Findings []struct{ ID, Subject string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(body), &fl); err != nil || len(fl.Findings) == 0 {
		t.Fatalf("invoker-broad-scope findings: %v %s", err, body)
	}
	if resp, _ := e.do(t, http.MethodPost, "/findings/"+fl.Findings[0].ID+"/propose", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose = %d", resp.StatusCode)
	}
	pages := []string{"/", "/services", "/findings", "/report", "/audit", "/changes", "/changes/1",
		"/scores?scope=organization", "/scores?scope=project&id=" + url.QueryEscape("//cloudresourcemanager.googleapis.com/projects/204815367192"),
		"/scores?scope=folder&id=" + url.QueryEscape("//cloudresourcemanager.googleapis.com/folders/301934856720"),
		"/graph?focus=" + url.QueryEscape(worker), "/graph?focus=" + url.QueryEscape(worker) + "&query=reach&direction=reverse",
		"/graph?query=path&from=allUsers&to=vault-prod-documents", "/graph?q=pdf",
	}
	for _, p := range pages {
		resp, body := e.do(t, http.MethodGet, p, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", p, resp.StatusCode)
		}
		d := doc(t, body)
		// Renderings are scripts to run and .full-id is the one place a page
		// states a full ID on purpose (with a copy button): they keep it.
		d.Find("pre, script, title, .full-id").Remove()
		if m := fullName.FindAllString(d.Find("body").Text(), 5); len(m) > 0 {
			t.Errorf("GET %s shows IDs as text: %q", p, m)
		}
		d.Find(".name .nm").Each(func(_ int, s *goquery.Selection) {
			if s.AttrOr("title", "") == "" {
				t.Errorf("GET %s: name %q has no title with its full ID", p, s.Text())
			}
		})
	}

	// Detail pages: the service's and the identity's own full ID is stated
	// once, everything else they name is by name.
	for p, own := range map[string]string{"/services/" + url.PathEscape(worker): worker, "/identities/" + url.PathEscape(defSA): defSA} {
		_, body := e.do(t, http.MethodGet, p, nil)
		d := doc(t, body)
		d.Find("pre, script, title, .full-id").Remove()
		for _, m := range fullName.FindAllString(d.Find("body").Text(), -1) {
			if !strings.Contains(own, strings.TrimSuffix(m, m[len(m)-1:])) {
				t.Errorf("GET %s shows %q as text", p, m)
			}
		}
	}

	// The evidence of a binding reads role → member on where it is granted,
	// with the default compute identity tagged and the project by its ID.
	_, body = e.do(t, http.MethodGet, "/findings?view=list&check=runtime-basic-role", nil)
	d := doc(t, body)
	var ev []string
	d.Find(`[data-testid="evidence-binding"]`).Each(func(_ int, s *goquery.Selection) { ev = append(ev, strings.Join(strings.Fields(s.Text()), " ")) })
	want := "roles/editor → 204815367192-compute@developer.gserviceaccount.com pdf-convert-prod default compute on project pdf-convert-prod"
	if !contains(ev, want) {
		t.Errorf("evidence = %q, want %q", ev, want)
	}
	// The ID is one hover (and one click) away.
	sa := d.Find(`[data-testid="evidence-binding"] .name[data-kind="serviceAccount"] a.nm`).First()
	if sa.AttrOr("title", "") != defSA || sa.AttrOr("href", "") != "/identities/"+url.PathEscape(defSA) {
		t.Errorf("default compute identity: title %q href %q", sa.AttrOr("title", ""), sa.AttrOr("href", ""))
	}
	proj := d.Find(`[data-testid="evidence-binding"] .name[data-kind="project"] a.nm`).First()
	if !strings.Contains(proj.AttrOr("title", ""), "//cloudresourcemanager.googleapis.com/projects/204815367192") ||
		!strings.HasPrefix(proj.AttrOr("href", ""), "/scores?scope=project&id=") {
		t.Errorf("project: title %q href %q", proj.AttrOr("title", ""), proj.AttrOr("href", ""))
	}
	// Every finding's subject is linked or titled with its full ID.
	d.Find(`[data-testid="finding"]`).Each(func(_ int, s *goquery.Selection) {
		if s.Find(`[data-testid="subject"] .nm`).AttrOr("title", "") == "" {
			t.Errorf("finding %s: subject without its full ID", s.AttrOr("id", ""))
		}
	})

	// The services list: the runtime identity by email with its kind.
	_, body = e.do(t, http.MethodGet, "/services?q=pdf-worker", nil)
	row := doc(t, body).Find(`[data-testid="service-row"]`).First()
	if got := strings.Join(strings.Fields(row.Find("td").Eq(3).Text()), " "); got != "204815367192-compute@developer.gserviceaccount.com default compute" {
		t.Errorf("runtime identity cell = %q", got)
	}
	if row.Find("td a.nm").First().AttrOr("title", "") != worker {
		t.Errorf("service name title = %q", row.Find("td a.nm").First().AttrOr("title", ""))
	}

	// The breadcrumbs of a project: the organization and folder by name.
	_, body = e.do(t, http.MethodGet, "/scores?scope=project&id="+url.QueryEscape("//cloudresourcemanager.googleapis.com/projects/204815367192"), nil)
	if got := strings.Join(strings.Fields(doc(t, body).Find(".crumbs").Text()), " "); got != "example.com › prod" {
		t.Errorf("breadcrumbs = %q, want example.com › prod", got)
	}

	// The audit log names the change set's subject.
	_, body = e.do(t, http.MethodGet, "/audit", nil)
	det := doc(t, body).Find(`[data-testid="audit-detail"]`)
	// (A project's title says its ID, then its full name.)
	if det.Find(".name").Length() == 0 || det.Find(`.nm[title$="`+fl.Findings[0].Subject+`"]`).Length() == 0 {
		t.Errorf("audit detail = %q: the subject is not shown by name", det.Text())
	}
}

// The graph API labels nodes with their display names, with context and
// tag beside them.
func TestGraphJSONLabelsAreNames(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	worker := "//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-worker"
	_, body := e.do(t, http.MethodGet, "/api/v1/graph/neighbours?depth=2&id="+url.QueryEscape(worker), nil)
	var v struct {
		Nodes []struct{ ID, Kind, Label, Context, Tag string } `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	byID := map[string]struct{ ID, Kind, Label, Context, Tag string }{}
	for _, n := range v.Nodes {
		byID[n.ID] = n
		if strings.HasPrefix(n.Label, "//") || fullName.MatchString(n.Label) {
			t.Errorf("node %s is labelled %q", n.ID, n.Label)
		}
	}
	for id, want := range map[string][3]string{
		worker: {"pdf-worker", "pdf-convert-prod · us-central1", ""},
		"serviceAccount:204815367192-compute@developer.gserviceaccount.com": {"204815367192-compute@developer.gserviceaccount.com", "pdf-convert-prod", "default compute"},
		"allUsers": {"allUsers", "", "anyone on the internet"},
	} {
		n, ok := byID[id]
		if !ok {
			t.Errorf("neighbourhood lacks %s", id)
			continue
		}
		if got := [3]string{n.Label, n.Context, n.Tag}; got != want {
			t.Errorf("%s: label, context, tag = %q, want %q", id, got, want)
		}
	}
}

// The CSV exports carry a readable name beside every ID.
func TestCSVNames(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	_, body := e.do(t, http.MethodGet, "/exports/findings.csv", nil)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "snapshot,id,check,severity,subject,subject_name,affects,affects_names,excepted" {
		t.Fatalf("findings.csv header = %s", got)
	}
	found := false
	for _, r := range recs[1:] {
		if r[4] == "serviceAccount:204815367192-compute@developer.gserviceaccount.com" && r[2] == "runtime-basic-role" {
			found = true
			if r[5] != "204815367192-compute@developer.gserviceaccount.com (pdf-convert-prod, default compute)" {
				t.Errorf("subject_name = %q", r[5])
			}
			if !strings.Contains(r[7], "pdf-worker (pdf-convert-prod · us-central1)") {
				t.Errorf("affects_names = %q", r[7])
			}
		}
	}
	if !found {
		t.Error("no runtime-basic-role finding on the default compute identity")
	}
	_, body = e.do(t, http.MethodGet, "/exports/scores.csv", nil)
	if recs, err = csv.NewReader(strings.NewReader(body)).ReadAll(); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range recs[1:] {
		names[r[3]] = r[4]
	}
	for id, want := range map[string]string{
		"//cloudresourcemanager.googleapis.com/projects/204815367192":                              "pdf-convert-prod",
		"//cloudresourcemanager.googleapis.com/folders/301934856720":                               "prod",
		"//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-worker": "pdf-worker (pdf-convert-prod · us-central1)",
	} {
		if names[id] != want {
			t.Errorf("scores.csv name of %s = %q, want %q", id, names[id], want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
