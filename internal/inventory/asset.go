// Package inventory reads Cloud Asset Inventory: export files in both
// spellings (gcloud export lines with snake_case top-level fields, ListAssets
// JSON arrays with camelCase), the live ListAssets API and an export to
// BigQuery (ReadBigQuery). Whatever the source, it produces one type, Asset,
// with the resource and the IAM policy of the same asset joined on the asset
// name.
package inventory

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/runlens/runlens/internal/iam"
)

// Asset types runlens reads (DESIGN §2.1). Records of other types are kept
// (their IAM bindings still matter for reachability) and counted as
// unrecognised in the summary.
const (
	TypeRunService        = "run.googleapis.com/Service"
	TypeRunJob            = "run.googleapis.com/Job"
	TypeServiceAccount    = "iam.googleapis.com/ServiceAccount"
	TypeServiceAccountKey = "iam.googleapis.com/ServiceAccountKey"
	TypeRole              = "iam.googleapis.com/Role"
	TypeSubscription      = "pubsub.googleapis.com/Subscription"
	TypeTopic             = "pubsub.googleapis.com/Topic"
	TypeTrigger           = "eventarc.googleapis.com/Trigger"
	TypeSchedulerJob      = "cloudscheduler.googleapis.com/Job"
	TypeBucket            = "storage.googleapis.com/Bucket"
	TypeSQLInstance       = "sqladmin.googleapis.com/Instance"
	TypeCryptoKey         = "cloudkms.googleapis.com/CryptoKey"
	TypeKeyRing           = "cloudkms.googleapis.com/KeyRing"
	TypeSecret            = "secretmanager.googleapis.com/Secret"
	TypeProject           = "cloudresourcemanager.googleapis.com/Project"
	TypeFolder            = "cloudresourcemanager.googleapis.com/Folder"
	TypeOrganization      = "cloudresourcemanager.googleapis.com/Organization"
	TypeBackendService    = "compute.googleapis.com/BackendService"
	TypeNEG               = "compute.googleapis.com/NetworkEndpointGroup"
	TypeBinAuthzPolicy    = "binaryauthorization.googleapis.com/Policy"
)

// KnownTypes lists the asset types runlens reads, sorted.
func KnownTypes() []string { return slices.Sorted(maps.Keys(knownTypes)) }

var knownTypes = map[string]bool{
	TypeRunService: true, TypeRunJob: true, TypeServiceAccount: true, TypeServiceAccountKey: true,
	TypeRole: true, TypeSubscription: true, TypeTopic: true, TypeTrigger: true, TypeSchedulerJob: true,
	TypeBucket: true, TypeSQLInstance: true, TypeCryptoKey: true, TypeKeyRing: true, TypeSecret: true,
	TypeProject: true, TypeFolder: true, TypeOrganization: true, TypeBackendService: true, TypeNEG: true,
	TypeBinAuthzPolicy: true,
}

// IsKnownType reports whether runlens reads assets of type t.
func IsKnownType(t string) bool { return knownTypes[t] }

// Asset is one cloud resource with its IAM policy, as read from CAI.
type Asset struct {
	Name       string          // full resource name, "//run.googleapis.com/projects/p/..."
	Type       string          // asset type, "run.googleapis.com/Service"
	Version    string          // resource.version: "v1" or "v2" for Cloud Run
	Parent     string          // resource.parent, a full resource name
	Location   string          // resource.location
	Data       json.RawMessage // resource.data, camelCase as the API spells it; nil if no RESOURCE record
	IAMPolicy  *iam.Policy     // nil if no IAM_POLICY record
	Ancestors  []string        // "projects/123", "folders/456", "organizations/789", nearest first
	UpdateTime string          // RFC 3339, as exported
	Source     Source          // where the first record of this asset came from
	// Unknown lists the fields of a planned resource (read from a Terraform
	// plan) whose value is known only after apply: Field* names. Checks
	// that need one say nothing rather than assume a default.
	Unknown []string
}

// Fields a Terraform plan can leave unknown until apply (Asset.Unknown).
const (
	FieldServiceAccount = "service account" // a workload's runtime identity
	FieldImage          = "image"           // a container image
)

// Source locates a record: a file and a 1-based line, or a live scope.
type Source struct {
	File string
	Line int
}

func (s Source) String() string {
	if s.Line == 0 {
		return s.File
	}
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// Problem is a record that could not be used, or a fact the reader wants
// the user to see. The good records of the same input are still read.
type Problem struct {
	Source Source
	Kind   ProblemKind
	Msg    string
}

func (p Problem) String() string {
	if p.Source == (Source{}) {
		return p.Msg
	}
	return fmt.Sprintf("%s: %s", p.Source, p.Msg)
}

// ProblemKind classifies problems for the summary.
type ProblemKind string

// Problem kinds.
const (
	ProblemMalformed        ProblemKind = "malformed"           // not valid JSON
	ProblemTruncated        ProblemKind = "truncated"           // input ends inside a record
	ProblemNotCAI           ProblemKind = "not-cai"             // JSON, but not an asset record
	ProblemDuplicate        ProblemKind = "duplicate"           // the same record twice, the newer kept
	ProblemConflict         ProblemKind = "conflict"            // two records of one asset that differ, with no newer one
	ProblemPermissionDenied ProblemKind = "permission-denied"   // live: part of the scope unreadable
	ProblemUnavailable      ProblemKind = "unavailable"         // live: gave up after retries
	ProblemUnknown          ProblemKind = "unknown-until-apply" // plan: a value Terraform knows only after apply
)

// Inventory is the result of reading: the joined assets, sorted by name,
// and everything that went wrong or was skipped.
type Inventory struct {
	Assets []*Asset
	// Recommendations and Insights come from the IAM recommender (files or
	// the live API), read by the same reader.
	Recommendations []Recommendation
	Insights        []Insight
	// Problems lists the first MaxProblems problems met; ProblemCounts
	// counts every one, listed or not, by kind (nil: exactly those listed).
	Problems      []Problem
	ProblemCounts map[ProblemKind]int
	Records       int            // records read (resource and IAM policy records count separately)
	Skipped       int            // records not used because of a problem
	Unknown       map[string]int // records of asset types runlens does not read, by type
	// Coverage is what the read saw: checks that need data it lacks say
	// "unknown" instead of passing or failing.
	Coverage Coverage
	// Refused lists the inputs that held no asset record (the first 100),
	// with what each looks like instead; RefusedMore counts the others.
	// When the whole read holds no asset, NoRecords names them.
	Refused     []Refusal
	RefusedMore int
	// Declared maps what a Terraform plan declares to the resource address
	// that declares it: an asset by its name, a grant by DeclaredKey. Nil
	// unless the inventory was read from a plan.
	Declared map[string]string
	// DataReleased says ReleaseData let the assets go; ReleasedAssets is
	// how many there were.
	DataReleased   bool
	ReleasedAssets int
}

// ReleaseData lets the assets go (Assets becomes nil; AssetCount still
// counts them), for a one-shot command done with them once the graph is
// built: the graph keeps what it needs, names and typed views. The
// inventory can no longer be built, stored or compared: DataReleased says
// so.
func (inv *Inventory) ReleaseData() {
	inv.ReleasedAssets += len(inv.Assets)
	inv.Assets = nil
	inv.DataReleased = true
}

// AssetCount is the number of assets read, released or not.
func (inv *Inventory) AssetCount() int { return len(inv.Assets) + inv.ReleasedAssets }

// DeclaredKey is the key of a grant in Inventory.Declared: the resource
// whose policy holds it, the role and the member ("" for an authoritative
// binding of the role, role and member "" for a whole policy).
func DeclaredKey(resource, role, member string) string {
	return resource + "\x00" + role + "\x00" + member
}

// Address returns the Terraform address that declares the grant of role to
// member on resource (its member, its binding or the whole policy), or the
// resource itself when role is ""; "" when nothing declares it.
func (inv *Inventory) Address(resource, role, member string) string {
	if inv.Declared == nil {
		return ""
	}
	if role == "" {
		return inv.Declared[resource]
	}
	for _, k := range []string{DeclaredKey(resource, role, member), DeclaredKey(resource, role, ""), DeclaredKey(resource, "", "")} {
		if a, ok := inv.Declared[k]; ok {
			return a
		}
	}
	return ""
}

// Coverage records what a read held, by CAI content type and asset type,
// and what it covered: the files or live scopes read, and the parts of them
// that were denied. It is stored with every snapshot.
type Coverage struct {
	Resources   int            `json:"resources"`        // RESOURCE records
	IAMPolicies int            `json:"iamPolicies"`      // IAM_POLICY records
	OrgPolicies int            `json:"orgPolicies"`      // ORG_POLICY records
	AssetTypes  map[string]int `json:"assetTypes"`       // records by asset type, known or not
	Scopes      []string       `json:"scopes"`           // files, directories or live scopes read
	Denied      []string       `json:"denied,omitempty"` // live scopes and content types refused (PERMISSION_DENIED)
}

// CoverageOf is the coverage of assets already joined: a resource record for
// every asset with data, an IAM policy record for every asset with a policy.
func CoverageOf(assets []*Asset) Coverage {
	c := Coverage{AssetTypes: map[string]int{}}
	for _, a := range assets {
		c.AssetTypes[a.Type]++
		if a.Data != nil {
			c.Resources++
		}
		if a.IAMPolicy != nil {
			c.IAMPolicies++
		}
	}
	return c
}

// Merge adds the counts and scopes of o to c.
func (c *Coverage) Merge(o Coverage) {
	c.Resources += o.Resources
	c.IAMPolicies += o.IAMPolicies
	c.OrgPolicies += o.OrgPolicies
	for t, n := range o.AssetTypes {
		if c.AssetTypes == nil {
			c.AssetTypes = map[string]int{}
		}
		c.AssetTypes[t] += n
	}
	c.Scopes = append(c.Scopes, o.Scopes...)
	c.Denied = append(c.Denied, o.Denied...)
}

// Summary is a one-line account of the read for logs and the command line.
func (inv *Inventory) Summary() string {
	unknown := 0
	for _, n := range inv.Unknown {
		unknown += n
	}
	return fmt.Sprintf("%d records, %d assets, %d skipped, %d of unrecognised types, %d problems",
		inv.Records, inv.AssetCount(), inv.Skipped, unknown, inv.Tally().Total())
}

// Overlay returns a copy of base with the assets of over laid on top: an
// asset of over replaces the base asset of the same name (its resource and
// IAM policy records replace the base's where present), and new assets are
// added. Recommendations and insights of over are appended. base and over
// are not modified. The demo uses it to describe earlier states of the
// organization as differences from the current one.
func Overlay(base, over *Inventory) *Inventory {
	problems := slices.Concat(base.Problems, over.Problems)
	out := &Inventory{Records: base.Records + over.Records, Skipped: base.Skipped + over.Skipped,
		Unknown: maps.Clone(base.Unknown), Problems: problems[:min(len(problems), MaxProblems)],
		ProblemCounts:   addCounts(base.Tally().All, over.Tally().All),
		Recommendations: slices.Concat(base.Recommendations, over.Recommendations),
		Insights:        slices.Concat(base.Insights, over.Insights)}
	out.Coverage.Merge(base.Coverage)
	out.Coverage.Merge(over.Coverage)
	if base.Declared != nil || over.Declared != nil {
		out.Declared = maps.Clone(base.Declared)
		if out.Declared == nil {
			out.Declared = map[string]string{}
		}
		maps.Copy(out.Declared, over.Declared)
	}
	if out.Unknown == nil {
		out.Unknown = map[string]int{}
	}
	byName := make(map[string]*Asset, len(base.Assets))
	for _, a := range base.Assets {
		c := *a
		byName[a.Name] = &c
	}
	for _, a := range over.Assets {
		cur, ok := byName[a.Name]
		if !ok {
			c := *a
			byName[a.Name] = &c
			continue
		}
		if a.Data != nil {
			cur.Data, cur.Version, cur.Parent, cur.Location, cur.UpdateTime = a.Data, a.Version, a.Parent, a.Location, a.UpdateTime
			cur.Unknown = a.Unknown
		}
		if a.IAMPolicy != nil {
			cur.IAMPolicy = a.IAMPolicy
		}
		if len(a.Ancestors) > 0 {
			cur.Ancestors = a.Ancestors
		}
	}
	for _, a := range byName {
		out.Assets = append(out.Assets, a)
	}
	slices.SortFunc(out.Assets, func(a, b *Asset) int { return strings.Compare(a.Name, b.Name) })
	return out
}
