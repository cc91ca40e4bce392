package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/rules"
)

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// kindPlural names n nodes of kind k: "412 more service accounts".
func kindPlural(k graph.Kind, n int) string {
	names := map[graph.Kind]string{
		graph.KindServiceAccount: "service account", graph.KindSchedulerJob: "Scheduler job", graph.KindSQLInstance: "Cloud SQL instance",
		graph.KindKMSKey: "KMS key", graph.KindPublic: "public principal", graph.KindOther: "other node",
	}
	name, ok := names[k]
	if !ok {
		name = string(k)
	}
	if n == 1 {
		return name
	}
	return name + "s"
}

// shortID is the readable end of a node ID: the last path segment of a
// resource name, or the member string of a principal.
func shortID(id string) string {
	if !strings.HasPrefix(id, "//") {
		return id
	}
	return id[strings.LastIndex(id, "/")+1:]
}

func renderingTitle(format string) string {
	switch format {
	case "gcloud":
		return "gcloud script"
	case "terraform":
		return "Terraform"
	case "diff":
		return "IAM policy diff"
	}
	return format
}

// findingsPageURL is page n of the findings list under filter f.
func findingsPageURL(f posture.FindingFilter, n int) templ.SafeURL {
	v := url.Values{}
	for k, val := range map[string]string{"check": f.Check, "severity": f.Severity, "project": f.Project, "label": f.Label} {
		if val != "" {
			v.Set(k, val)
		}
	}
	v.Set("page", strconv.Itoa(n))
	return templ.SafeURL("/findings?" + v.Encode())
}

// servicesPageURL is page n of the services list under filter f.
func servicesPageURL(f posture.ServiceFilter, n int) templ.SafeURL {
	v := url.Values{}
	if f.Query != "" {
		v.Set("q", f.Query)
	}
	if f.Project != "" {
		v.Set("project", f.Project)
	}
	if f.Sort != "" {
		v.Set("sort", f.Sort)
	}
	v.Set("page", strconv.Itoa(n))
	return templ.SafeURL("/services?" + v.Encode())
}

// gapSummary is the one-line account of what a snapshot could not see: how
// many checks are unknown, or incomplete, and for lack of what.
func gapSummary(gaps []rules.Gap) string {
	unknown, partial := 0, 0
	var what []string
	for _, g := range gaps {
		if g.Partial {
			partial += len(g.Checks)
		} else {
			unknown += len(g.Checks)
		}
		short, _, _ := strings.Cut(g.Missing, " (")
		what = append(what, short)
	}
	out := fmt.Sprintf("%d checks unknown", unknown)
	if partial > 0 {
		out += fmt.Sprintf(", %d incomplete", partial)
	}
	return out + ": the input lacked " + strings.Join(what, ", ")
}
