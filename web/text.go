package web

import (
	"fmt"
	"net/url"
	"slices"
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

// textPart is a piece of free text: plain words, or a node ID to show by
// name.
type textPart struct {
	Text string
	ID   bool
}

// idParts splits free text that names nodes by their IDs (an audit entry's
// detail: "runtime-basic-role on //run.googleapis.com/...: ...") into plain
// text and the IDs, so that a page shows each ID by name (the stored text
// keeps the IDs). Punctuation around an ID stays text.
func idParts(s string) []textPart {
	var out []textPart
	plain := func(t string) {
		if t == "" {
			return
		}
		if n := len(out); n > 0 && !out[n-1].ID {
			out[n-1].Text += t
			return
		}
		out = append(out, textPart{Text: t})
	}
	for s != "" {
		i := strings.IndexAny(s, " \t\n")
		word, rest := s, ""
		if i >= 0 {
			word, rest = s[:i], s[i:]
		}
		core := strings.TrimLeft(word, "(")
		lead := word[:len(word)-len(core)]
		core = strings.TrimRight(core, ";:,.)")
		trail := word[len(lead)+len(core):]
		if looksLikeID(core) {
			plain(lead)
			out = append(out, textPart{Text: core, ID: true})
			plain(trail)
		} else {
			plain(word)
		}
		sp := len(rest) - len(strings.TrimLeft(rest, " \t\n"))
		plain(rest[:sp])
		s = rest[sp:]
	}
	return out
}

// hasID reports whether free text names a node by its ID.
func hasID(s string) bool {
	return slices.ContainsFunc(idParts(s), func(p textPart) bool { return p.ID })
}

// looksLikeID reports whether a word is a node ID: a full resource name or
// an IAM member string.
func looksLikeID(w string) bool {
	if w == "allUsers" || w == "allAuthenticatedUsers" {
		return true
	}
	if strings.HasPrefix(w, "//") && strings.Contains(w, ".googleapis.com/") {
		return true
	}
	for _, p := range []string{"serviceAccount:", "user:", "group:", "domain:", "principal://", "principalSet://"} {
		if strings.HasPrefix(w, p) && len(w) > len(p) {
			return true
		}
	}
	return false
}
