// Package rules is the least-privilege check catalog: one Rule value per
// check, listed in All, each a function from the identity graph to results.
// It also turns results into findings and findings into posture scores.
package rules

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/par"
)

// Rule is one check. Rule-level text lives here; a Finding carries only
// instance data and the rule's slug.
type Rule struct {
	ID          string   // stable short ID, "RL-0001"; never reused
	Slug        string   // stable readable ID, "runtime-default-sa" (DESIGN §4)
	Title       string   // one line
	Severity    Severity // default severity; a result may raise or lower it
	Description string   // what is wrong and why it matters
	Remediation string   // what to do
	References  []string // CIS Google Cloud Foundations IDs and documentation URLs
	// Needs is the data the check cannot judge without: when a scan's input
	// lacks it, the check is not run and reports unknown (see Gaps).
	Needs []Need
	Check func(*Context) []Result
}

var (
	slugPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	idPattern   = regexp.MustCompile(`^RL-[0-9]{4}$`)
)

// Validate reports what is wrong with a rule definition.
func (r Rule) Validate() error {
	var errs []error
	if !idPattern.MatchString(r.ID) {
		errs = append(errs, fmt.Errorf("id %q is not RL-NNNN", r.ID))
	}
	if !slugPattern.MatchString(r.Slug) {
		errs = append(errs, fmt.Errorf("slug %q is not kebab-case", r.Slug))
	}
	if !r.Severity.Valid() {
		errs = append(errs, fmt.Errorf("severity %d is not valid", int(r.Severity)))
	}
	if strings.TrimSpace(r.Title) == "" {
		errs = append(errs, errors.New("empty title"))
	}
	if strings.TrimSpace(r.Description) == "" {
		errs = append(errs, errors.New("empty description"))
	}
	if strings.TrimSpace(r.Remediation) == "" {
		errs = append(errs, errors.New("empty remediation"))
	}
	if r.Check == nil {
		errs = append(errs, errors.New("no check function"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rules: rule %q: %w", r.Slug, err)
	}
	return nil
}

// Context is what a check reads.
type Context struct {
	Graph *graph.Graph
	Roles *iam.Catalog
	Now   time.Time
	// TrustedRegistries overrides DefaultTrustedRegistries for
	// image-untrusted-registry.
	TrustedRegistries []string
	// Recommendations and Insights from the IAM recommender, used by
	// runtime-unused-permissions.
	Recommendations []inventory.Recommendation
	Insights        []inventory.Insight
	// Coverage is what the scan's input held; nil means complete. Checks
	// whose Needs it lacks are not run (see Gaps).
	Coverage *inventory.Coverage

	runtimeOnce sync.Once // runtimeIDs is found once, for every check (runtimeSAs)
	runtimeIDs  []runtimeIdentity
}

// Status is the outcome of a check on one subject.
type Status int

// Statuses.
const (
	Pass Status = iota + 1
	Fail
	Skip
)

// String returns "pass", "fail" or "skip".
func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	case Skip:
		return "skip"
	}
	return "unknown"
}

// Result is one check outcome on one subject.
type Result struct {
	Status   Status
	Subject  string   // node ID the result is about
	Affects  []string // service/job node IDs whose score a failure lowers
	Severity Severity // 0 means the rule's default
	Key      string   // distinguishes several failures on one subject (e.g. the member); part of the finding ID
	Evidence Evidence
}

// Evidence is what a reviewer needs to verify a finding. Secret values are
// never put here: for env vars only the name.
type Evidence struct {
	Bindings []BindingEvidence `json:"bindings,omitempty"`
	Fields   []FieldEvidence   `json:"fields,omitempty"`
	Path     []graph.Edge      `json:"path,omitempty"`
	Note     string            `json:"note,omitempty"`
}

// BindingEvidence is one IAM binding: role granted to member on a resource.
type BindingEvidence struct {
	Role      string `json:"role"`
	Member    string `json:"member"`
	Via       string `json:"via"` // the resource whose policy holds the binding
	Condition string `json:"condition,omitempty"`
}

// FieldEvidence is a configuration field and its observed value.
type FieldEvidence struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

func bindingOf(e graph.Edge) BindingEvidence {
	return BindingEvidence{Role: e.Role, Member: e.From, Via: e.Via, Condition: e.Condition}
}

// Finding is a failed result joined with its rule's slug, severity and title.
type Finding struct {
	ID       string   `json:"id"`
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Subject  string   `json:"subject"`
	Affects  []string `json:"affects"`
	Evidence Evidence `json:"evidence"`
	Excepted bool     `json:"excepted"`
	// BaselineState is "new" or "unchanged" when the scan was compared
	// with a baseline (scan --baseline), SARIF's own words; "" otherwise.
	BaselineState string `json:"baselineState,omitempty"`
	// Addresses are the Terraform resource addresses that declare the
	// subject and the grants in the evidence, when the scan read a plan
	// (scan --plan); nil otherwise.
	Addresses []string `json:"addresses,omitempty"`
}

// PassRecord is a passed check on a subject; scores count them.
type PassRecord struct {
	Check   string `json:"check"`
	Subject string `json:"subject"`
}

// FindingID is the stable ID of a finding: the first 16 hex digits of
// SHA-256 over slug, subject and key, separated by NUL bytes.
func FindingID(slug, subject, key string) string {
	h := sha256.Sum256([]byte(slug + "\x00" + subject + "\x00" + key))
	return hex.EncodeToString(h[:8])
}

// Run runs every rule in rules whose Needs the input has (see Gaps) on c
// and returns the findings, sorted by
// severity (most severe first), then check slug, subject and ID, and the
// passes, sorted by check then subject.
func Run(c *Context, rules []Rule) ([]Finding, []PassRecord) {
	findings, passes, _ := RunTimed(c, rules)
	return findings, passes
}

// CheckTime is how long one check took, its findings and passes sorted.
type CheckTime struct {
	Slug string
	Took time.Duration
}

// RunTimed is Run, also returning how long each check that ran took, the
// slowest first.
func RunTimed(c *Context, rules []Rule) ([]Finding, []PassRecord, []CheckTime) {
	blind := map[Need]bool{}
	for _, n := range c.missing() {
		blind[n] = true
	}
	if len(blind) > 0 {
		rules = slices.DeleteFunc(slices.Clone(rules), func(r Rule) bool {
			return slices.ContainsFunc(r.Needs, func(n Need) bool { return blind[n] })
		})
	}
	all := runEach(c, rules)
	times := make([]CheckTime, len(rules))
	for i, r := range rules {
		times[i] = CheckTime{Slug: r.Slug, Took: all[i].took}
	}
	slices.SortStableFunc(times, func(a, b CheckTime) int { return cmp.Compare(b.Took, a.Took) })
	// Each check's outcomes are sorted on their own (runEach); here they
	// are laid end to end: by severity, then slug for findings, by slug
	// for passes.
	bySlug := make([]int, len(rules))
	for i := range bySlug {
		bySlug[i] = i
	}
	slices.SortFunc(bySlug, func(a, b int) int { return strings.Compare(rules[a].Slug, rules[b].Slug) })
	nPass, nFail := 0, 0
	for _, o := range all {
		nPass, nFail = nPass+len(o.passes), nFail+len(o.findings)
	}
	var findings []Finding // nil when there are none, as before
	var passes []PassRecord
	if nFail > 0 {
		findings = make([]Finding, 0, nFail)
	}
	if nPass > 0 {
		passes = make([]PassRecord, 0, nPass)
	}
	for _, sev := range Severities() {
		for _, i := range bySlug {
			fs := all[i].findings
			lo, _ := slices.BinarySearchFunc(fs, sev, func(f Finding, s Severity) int { return int(s - f.Severity) })
			hi := lo
			for hi < len(fs) && fs[hi].Severity == sev {
				hi++
			}
			findings = append(findings, fs[lo:hi]...)
		}
	}
	for _, i := range bySlug {
		passes = append(passes, all[i].passes...)
	}
	return findings, passes, times
}

// outcomes are one check's findings and passes, each sorted.
type outcomes struct {
	findings []Finding
	passes   []PassRecord
	took     time.Duration
}

// outcomesOf turns the results of rule r into its findings (one per ID,
// sorted by severity, most severe first, then subject and ID) and passes
// (sorted by subject).
func outcomesOf(r Rule, results []Result) outcomes {
	var o outcomes
	nPass, nFail := 0, 0 // sized once: a check of a large organization has 100,000 results
	for _, res := range results {
		switch res.Status {
		case Pass:
			nPass++
		case Fail:
			nFail++
		}
	}
	if nPass > 0 {
		o.passes = make([]PassRecord, 0, nPass)
	}
	if nFail > 0 {
		o.findings = make([]Finding, 0, nFail)
	}
	seen := make(map[string]bool, nFail)
	for _, res := range results {
		switch res.Status {
		case Pass:
			o.passes = append(o.passes, PassRecord{Check: r.Slug, Subject: res.Subject})
		case Fail:
			sev := r.Severity
			if res.Severity.Valid() {
				sev = res.Severity
			}
			id := FindingID(r.Slug, res.Subject, res.Key)
			if seen[id] {
				continue
			}
			seen[id] = true
			affects := res.Affects
			if !isSortedSet(affects) {
				affects = slices.Compact(slices.Sorted(slices.Values(affects)))
			}
			if affects == nil {
				affects = []string{}
			}
			// Clipped: results share their lists (a runtime identity's
			// workloads), so an append to one finding's must not write
			// into another's.
			o.findings = append(o.findings, Finding{ID: id, Check: r.Slug, Severity: sev, Title: r.Title,
				Subject: res.Subject, Affects: slices.Clip(affects), Evidence: res.Evidence})
		}
	}
	sortFindings(o.findings)
	if !slices.IsSortedFunc(o.passes, comparePasses) { // usually in order: checks walk the nodes sorted
		slices.SortFunc(o.passes, comparePasses)
	}
	return o
}

// isSortedSet reports whether xs is sorted with no string twice.
func isSortedSet(xs []string) bool {
	for i := 1; i < len(xs); i++ {
		if xs[i-1] >= xs[i] {
			return false
		}
	}
	return true
}

func comparePasses(a, b PassRecord) int { return strings.Compare(a.Subject, b.Subject) }

// compareFindings orders findings by severity, most severe first, then
// subject and ID.
func compareFindings(a, b *Finding) int {
	if a.Severity != b.Severity {
		return int(b.Severity - a.Severity)
	}
	if c := strings.Compare(a.Subject, b.Subject); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// sortFindings sorts fs by compareFindings. A finding is large, so their
// order is found first and each moved once.
func sortFindings(fs []Finding) {
	sorted := true
	for i := 1; i < len(fs) && sorted; i++ {
		sorted = compareFindings(&fs[i-1], &fs[i]) <= 0
	}
	if sorted {
		return
	}
	order := make([]int32, len(fs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compareFindings(&fs[a], &fs[b]) })
	in := slices.Clone(fs)
	for i, j := range order {
		fs[i] = in[j]
	}
}

// BySlug returns the rule with slug from rules.
func BySlug(rules []Rule, slug string) (Rule, bool) {
	for _, r := range rules {
		if r.Slug == slug {
			return r, true
		}
	}
	return Rule{}, false
}

// runEach runs the checks on every CPU a scan may use (par.Workers) and
// returns their outcomes (each check's sorted on the goroutine that ran it)
// in catalog order. Checks only read the Context, so they run side by side;
// Run then lays the outcomes end to end, as a serial run would.
func runEach(c *Context, rules []Rule) []outcomes {
	out := make([]outcomes, len(rules))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(par.Workers(), len(rules)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(rules); i = int(next.Add(1)) - 1 {
				t := time.Now()
				out[i] = outcomesOf(rules[i], rules[i].Check(c))
				out[i].took = time.Since(t)
			}
		})
	}
	wg.Wait()
	return out
}
