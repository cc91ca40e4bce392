package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

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

func renderingTitle(format string) string {
	switch format {
	case "gcloud":
		return "gcloud script"
	case "terraform":
		return "Terraform"
	case "diff":
		return "IAM policy diff"
	case "rollback":
		return "Rollback"
	}
	return format
}

// findingsPageURL is page n of the findings list under filter f.
func findingsPageURL(f posture.FindingFilter, n int) templ.SafeURL {
	f.List, f.Page = true, n
	return FindingsViewURL(f)
}

// FindingsViewURL is the findings view of filter f (grouped or the list,
// as f says): shareable, and what every action on it returns to.
func FindingsViewURL(f posture.FindingFilter) templ.SafeURL {
	if q := f.Values().Encode(); q != "" {
		return templ.SafeURL("/findings?" + q)
	}
	return "/findings"
}

// findingsListURL is the flat list of filter f (page 1), narrowed to check
// when check is not "".
func findingsListURL(f posture.FindingFilter, check string) templ.SafeURL {
	f.List, f.Page = true, 1
	if check != "" {
		f.Checks = []string{check}
	}
	return FindingsViewURL(f)
}

// findingsGroupedURL is the grouped view of filter f.
func findingsGroupedURL(f posture.FindingFilter) templ.SafeURL {
	f.List, f.Page = false, 0
	return FindingsViewURL(f)
}

// findingsExportURL downloads the findings of filter f (every page) as
// format (csv or json).
func findingsExportURL(f posture.FindingFilter, format string) templ.SafeURL {
	f.List, f.Page = false, 0
	v := f.Values()
	v.Set("format", format)
	return templ.SafeURL("/findings/export?" + v.Encode())
}

// FindingURL is the permalink of a finding.
func FindingURL(id string) templ.SafeURL {
	return templ.SafeURL("/findings/" + url.PathEscape(id))
}

// ChangeURL is a change set's page.
func ChangeURL(id int64) templ.SafeURL {
	return templ.SafeURL("/changes/" + strconv.FormatInt(id, 10))
}

// ProjectURL is a project's score drill-down when its scope (the project's
// resource name) is known, else the findings of the project.
func ProjectURL(project, scope string) templ.SafeURL {
	if scope != "" {
		return ScopeURL("project", scope)
	}
	return templ.SafeURL("/findings?project=" + url.QueryEscape(project))
}

// IDURL is the page of a node given only its ID: a service or job's page,
// a principal's identity page, a project's drill-down, else the graph
// explorer focused on it. It reads the ID's form; no name is made here.
func IDURL(id string) templ.SafeURL {
	switch {
	case strings.HasPrefix(id, "//run.googleapis.com/") && (strings.Contains(id, "/services/") || strings.Contains(id, "/jobs/")):
		return ServiceURL(id)
	case strings.HasPrefix(id, "//cloudresourcemanager.googleapis.com/projects/"):
		return ScopeURL("project", id)
	case id == "allUsers" || id == "allAuthenticatedUsers":
		return IdentityURL(id)
	}
	for _, p := range []string{"serviceAccount:", "user:", "group:", "domain:", "principal://", "principalSet://"} {
		if strings.HasPrefix(id, p) {
			return IdentityURL(id)
		}
	}
	return GraphURL(id)
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

// projectScope is the scope of r's i-th project ("" if unknown).
func projectScope(r posture.FindingRow, i int) string {
	if i < len(r.ProjectScopes) {
		return r.ProjectScopes[i]
	}
	return ""
}

// viaWhat says what kind of container a binding was inherited from.
func viaWhat(id string) string {
	switch {
	case strings.HasPrefix(id, "//cloudresourcemanager.googleapis.com/projects/"):
		return "a project"
	case strings.HasPrefix(id, "//cloudresourcemanager.googleapis.com/folders/"):
		return "a folder"
	case strings.HasPrefix(id, "//cloudresourcemanager.googleapis.com/organizations/"):
		return "the organization"
	}
	return "another resource"
}

// bindingTail ends the sentence of a binding: where an inherited grant
// comes from, and its condition.
func bindingTail(b rules.BindingEvidence, subject string) string {
	out := ""
	if b.Via != "" && b.Via != subject {
		if w := viaWhat(b.Via); w != "another resource" {
			out += " (granted on " + w + ", so it reaches what is in it)"
		}
	}
	if b.Condition != "" {
		out += ", only while " + b.Condition
	}
	return out + "."
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

// ago says how long before now t was, in words: "just now", "5 minutes
// ago", "3 hours ago", "2 days ago", else the date.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	}
	return "on " + t.Format("2006-01-02")
}

// exactTime is a time to the second, with its zone.
func exactTime(t time.Time) string { return t.Format("2006-01-02 15:04:05 MST") }

// clockTime is a time to the minute: the hour alone on now's day, with
// the date before it otherwise.
func clockTime(t, now time.Time) string {
	now = now.In(t.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// alertTimes is an alert's times in full: when the change happened (if
// known) and when runlens saw it, and from where.
func alertTimes(a posture.AlertRow) string {
	out := "seen by runlens " + exactTime(a.At)
	if a.Source != "" {
		out += " (from " + a.Source + ")"
	}
	if !a.ChangedAt.IsZero() {
		out = "changed " + exactTime(a.ChangedAt) + "; " + out
	}
	return out
}

// alertKind says what kind of alert it is, in words.
func alertKind(kind string) string {
	if kind == "finding" {
		return "new finding"
	}
	return kind
}

// alertsURL is the alerts page under filter q.
func alertsURL(q posture.AlertQuery) templ.SafeURL {
	if v := q.Values().Encode(); v != "" {
		return templ.SafeURL("/alerts?" + v)
	}
	return "/alerts"
}

// changedBefore reports whether an alert's change happened more than a
// minute before runlens saw it (a late or replayed notification, a sync).
func changedBefore(a posture.AlertRow) bool {
	return !a.ChangedAt.IsZero() && a.At.Sub(a.ChangedAt) > time.Minute
}

// latestNote says " (the latest N)" when a list of n is cut at limit.
func latestNote(n, limit int) string {
	if n < limit {
		return ""
	}
	return fmt.Sprintf(" (the latest %d)", limit)
}
