package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestGraphAPI(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	worker := "//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-worker"
	fleetSA := "serviceAccount:fleet-runtime@fleet-web-prod.iam.gserviceaccount.com"
	get := func(t *testing.T, path string, want int) map[string]any {
		t.Helper()
		resp, body := e.do(t, http.MethodGet, path, nil)
		if resp.StatusCode != want {
			t.Fatalf("GET %s = %d, want %d: %.200s", path, resp.StatusCode, want, body)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return m
	}
	t.Run("search", func(t *testing.T) {
		m := get(t, "/api/v1/graph/search?q=pdf-w", http.StatusOK)
		hits := m["matches"].([]any)
		first := hits[0].(map[string]any)["node"].(map[string]any)
		if first["id"] != worker {
			t.Errorf("first match = %v", first["id"])
		}
	})
	t.Run("neighbours carry findings and stay bounded", func(t *testing.T) {
		m := get(t, "/api/v1/graph/neighbours?id="+url.QueryEscape(worker)+"&depth=1", http.StatusOK)
		var sawSA bool
		for _, n := range m["nodes"].([]any) {
			n := n.(map[string]any)
			if n["id"] == worker && n["severity"] != "critical" {
				t.Errorf("worker severity = %v, want critical (runtime-basic-role)", n["severity"])
			}
			if n["kind"] == "serviceAccount" {
				sawSA = true
			}
		}
		if !sawSA {
			t.Error("no runtime identity in the neighbourhood")
		}
		big := get(t, "/api/v1/graph/neighbours?id="+url.QueryEscape("//cloudresourcemanager.googleapis.com/projects/537291846503")+"&depth=4&kind=child_of", http.StatusOK)
		if n := len(big["nodes"].([]any)); n > 150 {
			t.Errorf("neighbourhood not bounded: %d nodes", n)
		}
	})
	t.Run("a memoized neighbourhood is the same answer", func(t *testing.T) {
		path := "/api/v1/graph/neighbours?id=" + url.QueryEscape(worker) + "&depth=2"
		_, first := e.do(t, http.MethodGet, path, nil)
		resp, again := e.do(t, http.MethodGet, path, nil)
		if again != first || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("second answer differs from the first (content type %q)", resp.Header.Get("Content-Type"))
		}
		_, other := e.do(t, http.MethodGet, path+"&kind=runs_as", nil)
		if other == first {
			t.Error("a different query got the memoized answer of another")
		}
		get(t, "/api/v1/graph/neighbours?id=nope", http.StatusNotFound)
		get(t, "/api/v1/graph/neighbours?id=nope", http.StatusNotFound) // errors are not memoized as answers
	})
	t.Run("who can act as a runtime SA, with the binding", func(t *testing.T) {
		m := get(t, "/api/v1/graph/reach?direction=reverse&id="+url.QueryEscape(fleetSA), http.StatusOK)
		res := m["result"].(map[string]any)
		found := false
		for _, r := range res["reached"].([]any) {
			r := r.(map[string]any)
			if r["node"].(map[string]any)["id"] == "user:sam.contractor@example.com" {
				found = true
				step := r["path"].([]any)[0].(map[string]any)["edge"].(map[string]any)
				if step["role"] != "roles/iam.serviceAccountTokenCreator" {
					t.Errorf("binding = %v", step)
				}
			}
		}
		if !found {
			t.Error("sam.contractor cannot act as the fleet runtime SA")
		}
	})
	t.Run("what a service can reach goes through its identity", func(t *testing.T) {
		m := get(t, "/api/v1/graph/reach?id="+url.QueryEscape(worker), http.StatusOK)
		if n := len(m["result"].(map[string]any)["reached"].([]any)); n < 5 {
			t.Errorf("worker reaches %d nodes", n)
		}
	})
	t.Run("path", func(t *testing.T) {
		m := get(t, "/api/v1/graph/path?from=allUsers&to=vault-prod-documents", http.StatusOK)
		if m["found"] != true || len(m["path"].([]any)) < 2 {
			t.Errorf("path = %v", m)
		}
		none := get(t, "/api/v1/graph/path?from=vault-prod-documents&to=allUsers", http.StatusOK)
		if none["found"] != false {
			t.Errorf("reverse path found: %v", none)
		}
	})
	t.Run("blast radius", func(t *testing.T) {
		m := get(t, "/api/v1/graph/blast-radius?id="+url.QueryEscape("serviceAccount:204815367192-compute@developer.gserviceaccount.com"), http.StatusOK)
		var project bool
		for _, x := range m["exposures"].([]any) {
			x := x.(map[string]any)
			n := x["node"].(map[string]any)
			if n["kind"] == "project" && strings.Contains(strings.Join(toStrings(x["roles"]), ","), "roles/editor") {
				project = true
			}
		}
		if !project {
			t.Error("blast radius of the default SA lacks its Editor project")
		}
	})
	t.Run("errors", func(t *testing.T) {
		get(t, "/api/v1/graph/neighbours?id=nope", http.StatusNotFound)
		get(t, "/api/v1/graph/neighbours?id="+url.QueryEscape(worker)+"&depth=9", http.StatusBadRequest)
		get(t, "/api/v1/graph/neighbours?id="+url.QueryEscape(worker)+"&kind=bogus", http.StatusBadRequest)
		get(t, "/api/v1/graph/reach?id="+url.QueryEscape(worker)+"&direction=sideways", http.StatusBadRequest)
	})
}

func TestIdentityPage(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	sa := "serviceAccount:fleet-runtime@fleet-web-prod.iam.gserviceaccount.com"
	resp, body := e.do(t, http.MethodGet, "/identities/"+url.PathEscape(sa), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	d := doc(t, body)
	if n := d.Find(`[data-testid="used-by"] li`).Length(); n < 10 {
		t.Errorf("used by %d workloads, want the fleet's", n)
	}
	if !strings.Contains(d.Find(`[data-testid="act-as"]`).Text(), "sam.contractor@example.com") {
		t.Error("who-can-act-as lacks the contractor")
	}
	if !strings.Contains(d.Find(`[data-testid="keys"]`).Text(), "USER_MANAGED") {
		t.Error("keys not shown")
	}
	if d.Find(`[data-testid="exposure"]`).Length() == 0 {
		t.Error("no blast radius")
	}
	if r, _ := e.do(t, http.MethodGet, "/identities/"+url.PathEscape("user:nobody@example.com"), nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown identity = %d", r.StatusCode)
	}
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

// TestGraphExplorer: the explorer as a reviewer uses it: searches by kind,
// prebuilt questions, a path end that fits several nodes, a calm "no path",
// and a neighbourhood picture whose folded groups open.
func TestGraphExplorer(t *testing.T) {
	e := newEnv(t, "dev@example.com", demoReader)
	page := func(t *testing.T, path string) *goquery.Document {
		t.Helper()
		resp, body := e.do(t, http.MethodGet, path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d: %.300s", path, resp.StatusCode, body)
		}
		return doc(t, body)
	}
	t.Run("search by kind lists that kind", func(t *testing.T) {
		d := page(t, "/graph?q=buckets")
		if h := d.Find("main h2").First().Text(); h != "Buckets (7)" {
			t.Errorf("heading = %q", h)
		}
		d.Find(`[data-testid="search-hit"]`).Each(func(_ int, s *goquery.Selection) {
			if k := s.Closest(".name").AttrOr("data-kind", ""); k != "bucket" {
				t.Errorf("%q is a %s", s.Text(), k)
			}
		})
		d = page(t, "/graph?q=secrets+vault")
		if n := d.Find(`[data-testid="search-hit"]`).Length(); n == 0 {
			t.Error("no secret matches vault")
		}
	})
	t.Run("questions", func(t *testing.T) {
		d := page(t, "/graph?question=public-data")
		rows := d.Find(`[data-testid="answer-row"]`)
		if rows.Length() == 0 {
			t.Fatal("nothing public reaches data in the demo, which has allUsers -> vault-api -> vault-prod-documents")
		}
		if !strings.Contains(rows.Text(), "vault-prod-documents") {
			t.Errorf("answer lacks vault-prod-documents: %s", rows.Text())
		}
		d = page(t, "/graph?question=internet-services")
		if !strings.Contains(d.Find(`[data-testid="answer"]`).Text(), "vault-api") {
			t.Error("vault-api (public, ingress all) is not among the services anyone can reach")
		}
		d = page(t, "/graph?question=act-as-editor")
		if !strings.Contains(d.Find(`[data-testid="answer-scope"]`).Text(), "compute@developer.gserviceaccount.com") {
			t.Errorf("scope = %q, want the default compute identities with Editor", d.Find(`[data-testid="answer-scope"]`).Text())
		}
		if resp, _ := e.do(t, http.MethodGet, "/graph?question=nope", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown question = %d", resp.StatusCode)
		}
	})
	t.Run("an ambiguous end asks which", func(t *testing.T) {
		d := page(t, "/graph?query=path&from=pdf&to=vault-prod-documents")
		choices := d.Find(`[data-testid="choice"]`)
		if choices.Length() < 2 {
			t.Fatalf("%d choices for “pdf”", choices.Length())
		}
		if d.Find(`[data-testid="path-steps"]`).Length() != 0 {
			t.Error("a path was answered for a guessed start")
		}
		u, _ := url.Parse(choices.First().AttrOr("href", ""))
		if u.Query().Get("to") != "vault-prod-documents" || !strings.HasPrefix(u.Query().Get("from"), "//run.googleapis.com/") {
			t.Errorf("choice keeps the other end and sets an ID: %s", u)
		}
		// An ambiguous end is asked about by the text typed.
		d = page(t, "/graph?query=path&from=allUsers&to=pdf")
		if h := d.Find(`[data-testid="choose-end"] h2`).Text(); h != "Which “pdf” do you mean as the end?" {
			t.Errorf("the question for an ambiguous end = %q", h)
		}
		resp, _ := e.do(t, http.MethodGet, "/api/v1/graph/path?from=pdf&to=vault-prod-documents", nil)
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("API path with an ambiguous end = %d, want 409", resp.StatusCode)
		}
	})
	t.Run("no path is a sentence with names", func(t *testing.T) {
		d := page(t, "/graph?query=path&from=vault-prod-documents&to=allUsers")
		msg := d.Find(`[data-testid="graph-message"]`)
		if !msg.HasClass("calm") || !strings.Contains(msg.Text(), "bucket vault-prod-documents") || strings.Contains(msg.Text(), "//") {
			t.Errorf("no-path message = %q (class %q)", msg.Text(), msg.AttrOr("class", ""))
		}
		if d.Find(`figure.pic`).Length() != 0 {
			t.Error("a picture is drawn for no path")
		}
	})
	t.Run("folded groups open", func(t *testing.T) {
		frontend := "//run.googleapis.com/projects/pdf-convert-prod/locations/us-central1/services/pdf-frontend"
		d := page(t, "/graph?depth=2&focus="+url.QueryEscape(frontend))
		link := d.Find(`[data-testid="expand"]`).First()
		if !strings.Contains(link.Text(), "Google service agent") {
			t.Fatalf("no folded service agents: %q", d.Find(`[data-testid="picture-folded"]`).Text())
		}
		before := d.Find(`a[data-testid="picture-box"]`).Length()
		d = page(t, link.AttrOr("href", ""))
		if after := d.Find(`a[data-testid="picture-box"]`).Length(); after <= before {
			t.Errorf("opening the agents' box drew %d boxes, before %d", after, before)
		}
		if d.Find(`[data-testid="expand"]`).Length() != 0 {
			t.Error("still folded after opening")
		}
	})
}
