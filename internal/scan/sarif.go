package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/names"
	"github.com/runlens/runlens/internal/rules"
)

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html),
// the subset runlens writes. Every optional member is left out when empty:
// the schema allows no null where it wants an array or object.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID        string            `json:"ruleId"`
	RuleIndex     int               `json:"ruleIndex"`
	Level         string            `json:"level"`
	Message       sarifText         `json:"message"`
	Fingerprints  map[string]string `json:"fingerprints"`
	Locations     []sarifLocation   `json:"locations"`
	BaselineState string            `json:"baselineState,omitempty"`
	Suppressions  []sarifSuppress   `json:"suppressions,omitempty"`
	Properties    map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppress struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s rules.Severity) string {
	switch {
	case s >= rules.High:
		return "error"
	case s == rules.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the "security-severity" property code-scanning tools
// read (GitHub: 9.0 and above critical, 7.0-8.9 high, 4.0-6.9 medium,
// 0.1-3.9 low;
// https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#reportingdescriptor-object).
func securitySeverity(s rules.Severity) string {
	switch s {
	case rules.Critical:
		return "9.5"
	case rules.High:
		return "8.0"
	case rules.Medium:
		return "5.5"
	case rules.Low:
		return "3.0"
	}
	return "1.0"
}

// WriteSARIF writes the report as a SARIF 2.1.0 log: one rule per check of
// catalog (id the slug, the check's title, description, fix and doc), one
// result per finding (its ID as the fingerprint, the message in words with
// names, the subject and the workloads it affects as logical locations, an
// excepted finding as suppressed, the baseline state when the scan had a
// baseline).
func (r *Report) WriteSARIF(w io.Writer, catalog []rules.Rule) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "runlens", InformationURI: "https://github.com/runlens/runlens"}}, Results: []sarifResult{}}
	index := map[string]int{}
	for _, rl := range catalog {
		doc := rules.DocURL(rl.Slug)
		index[rl.Slug] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: rl.Slug, Name: rl.ID,
			ShortDescription: sarifText{Text: rl.Title},
			FullDescription:  sarifText{Text: rl.Description},
			Help: sarifText{Text: rl.Remediation + " See " + doc,
				Markdown: "**Fix:** " + rl.Remediation + "\n\n[" + rl.ID + " " + rl.Slug + "](" + doc + ")"},
			HelpURI:              doc,
			DefaultConfiguration: sarifConfig{Level: sarifLevel(rl.Severity)},
			Properties: map[string]any{"security-severity": securitySeverity(rl.Severity), "precision": "high",
				"tags": []string{"security", "least-privilege", "cloud-run"}},
		})
	}
	for _, f := range r.Findings {
		i, ok := index[f.Check]
		if !ok {
			return fmt.Errorf("scan: sarif: finding %s of check %q, which the catalog lacks", f.ID, f.Check)
		}
		subject := names.Of(r.Graph, f.Subject)
		var locs []sarifLocation
		// A plan's finding is where its resources are declared: the
		// subject's first, then the grants' (code scanning shows the
		// first on the pull request).
		for i, a := range f.Addresses {
			loc := sarifLocation{LogicalLocations: []sarifLogical{{Name: a, FullyQualifiedName: a, Kind: "resource"}}}
			if r.Locate != nil {
				if file, line := r.Locate(a); file != "" {
					loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(file)}}
					if line > 0 {
						loc.PhysicalLocation.Region = &sarifRegion{StartLine: line}
					}
				}
			}
			if i == 0 {
				loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{Name: subject.Text, FullyQualifiedName: f.Subject, Kind: "resource"})
			} else {
				loc.Message = &sarifText{Text: "declared by " + a}
			}
			locs = append(locs, loc)
		}
		if len(locs) == 0 {
			locs = append(locs, sarifLocation{LogicalLocations: []sarifLogical{{Name: subject.Text, FullyQualifiedName: f.Subject, Kind: "resource"}}})
		}
		for _, a := range f.Affects {
			if a == f.Subject {
				continue
			}
			an := names.Of(r.Graph, a)
			locs = append(locs, sarifLocation{LogicalLocations: []sarifLogical{{Name: an.Text, FullyQualifiedName: a, Kind: "resource"}},
				Message: &sarifText{Text: "affected: " + an.Phrase()}})
		}
		res := sarifResult{RuleID: f.Check, RuleIndex: i, Level: sarifLevel(f.Severity),
			Message: sarifText{Text: findingSentence(r, f)}, Fingerprints: map[string]string{"runlens/v1": f.ID},
			Locations: locs, BaselineState: f.BaselineState,
			Properties: map[string]any{"severity": f.Severity.String(), "security-severity": securitySeverity(f.Severity), "findingId": f.ID}}
		if f.Excepted {
			res.Suppressions = []sarifSuppress{{Kind: "external", Justification: "accepted risk: an active exception in runlens"}}
		}
		run.Results = append(run.Results, res)
	}
	if r.Baseline != nil {
		// What the baseline had and this scan has not: SARIF's "absent".
		for _, id := range slices.Sorted(maps.Keys(r.Baseline.Absent)) {
			check := r.Baseline.Absent[id]
			i, ok := index[check]
			if !ok {
				continue // a check this version no longer has
			}
			run.Results = append(run.Results, sarifResult{RuleID: check, RuleIndex: i, Level: "none",
				Message:      sarifText{Text: "No longer found: this finding of the baseline is gone (fixed, or its subject removed)."},
				Fingerprints: map[string]string{"runlens/v1": id}, Locations: []sarifLocation{}, BaselineState: "absent",
				Properties: map[string]any{"findingId": id}})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// findingSentence says a finding in words, with names, not IDs: "Anyone on
// the internet can invoke it: service vault-api (vault-prod ·
// europe-west1); 2 more workloads affected. allUsers holds
// roles/run.invoker on service vault-api (…)."
func findingSentence(r *Report, f rules.Finding) string {
	var b strings.Builder
	b.WriteString(f.Title + ": " + names.Of(r.Graph, f.Subject).Phrase())
	if n := len(f.Affects) - boolInt(slices.Contains(f.Affects, f.Subject)); n > 0 {
		b.WriteString("; " + names.Count(n, "workload") + " affected")
	}
	b.WriteString(".")
	for i, e := range f.Evidence.Bindings {
		if i == 3 {
			fmt.Fprintf(&b, " And %d more bindings.", len(f.Evidence.Bindings)-i)
			break
		}
		fmt.Fprintf(&b, " %s holds %s on %s.", names.Of(r.Graph, e.Member).Phrase(), e.Role, names.Of(r.Graph, e.Via).Phrase())
	}
	if f.Evidence.Note != "" {
		b.WriteString(" " + f.Evidence.Note)
	}
	return b.String()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Baseline is what an earlier scan found: each finding's ID and check.
type Baseline map[string]string

// ReadBaseline reads the findings of a `scan --format json` document (or
// of a SARIF log runlens wrote, by its fingerprints).
func ReadBaseline(rd io.Reader) (Baseline, error) {
	var doc struct {
		Findings *[]struct {
			ID    string `json:"id"`
			Check string `json:"check"`
		} `json:"findings"`
		Runs []struct {
			Results []struct {
				RuleID        string            `json:"ruleId"`
				Fingerprints  map[string]string `json:"fingerprints"`
				BaselineState string            `json:"baselineState"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, fmt.Errorf("scan: baseline: not a scan JSON document or SARIF log: %w", err)
	}
	b := Baseline{}
	switch {
	case doc.Findings != nil:
		for _, f := range *doc.Findings {
			if f.ID == "" {
				return nil, fmt.Errorf("scan: baseline: a finding has no id")
			}
			b[f.ID] = f.Check
		}
	case doc.Runs != nil:
		for _, run := range doc.Runs {
			for _, res := range run.Results {
				if id := res.Fingerprints["runlens/v1"]; id != "" && res.BaselineState != "absent" {
					b[id] = res.RuleID
				}
			}
		}
	default:
		return nil, fmt.Errorf("scan: baseline: the document has neither findings (scan --format json) nor runs (SARIF)")
	}
	return b, nil
}

// BaselineSummary counts the findings against a baseline; Absent are the
// baseline's findings this scan no longer has (fixed, or gone), by ID,
// with their checks.
type BaselineSummary struct {
	New       int               `json:"new"`
	Unchanged int               `json:"unchanged"`
	Absent    map[string]string `json:"absent"`
}

// Compare marks each finding of r new or unchanged against b, and keeps
// what b had that r has not (see BaselineSummary).
func (r *Report) Compare(b Baseline) {
	s := &BaselineSummary{Absent: map[string]string{}}
	now := make(map[string]bool, len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		now[f.ID] = true
		if _, ok := b[f.ID]; ok {
			f.BaselineState = "unchanged"
			s.Unchanged++
		} else {
			f.BaselineState = "new"
			s.New++
		}
	}
	for id, check := range b {
		if !now[id] {
			s.Absent[id] = check
		}
	}
	r.Baseline = s
}

// fileURI is a file path as a SARIF URI reference: relative paths stay
// relative (code scanning resolves them against the checkout), with forward
// slashes and escaped where needed.
func fileURI(path string) string {
	u := url.URL{Path: filepath.ToSlash(path)}
	return u.EscapedPath()
}
