// Package feed reads Cloud Asset Inventory feed notifications (the
// TemporalAsset JSON a feed publishes to Pub/Sub) and applies them to an
// inventory: the asset's resource or IAM policy as it is now, or its
// deletion. Ordering and duplicates are decided by window.startTime per
// asset and content, where the changes are journaled (store); this package
// is pure.
//
// https://cloud.google.com/asset-inventory/docs/monitor-asset-changes
// (message format) and
// https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/batchGetAssetsHistory#TemporalAsset.
package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/inventory"
)

// Contents of a change: a feed carries one content type.
const (
	ContentResource  = "resource"
	ContentIAMPolicy = "iam_policy"
)

// Change is one feed notification, decoded: the asset's content as it is
// after the change (redacted like an export's), or its deletion.
type Change struct {
	Name      string
	AssetType string
	Content   string    // ContentResource or ContentIAMPolicy
	StartTime time.Time // window.startTime: when the change happened
	Deleted   bool
	// Record is the asset as one CAI record (ListAssets shape, env values
	// redacted); nil when Deleted.
	Record []byte
}

// temporalAsset is the notification's JSON.
type temporalAsset struct {
	Window *struct {
		StartTime string `json:"startTime"`
	} `json:"window"`
	Deleted         bool            `json:"deleted"`
	Asset           json.RawMessage `json:"asset"`
	PriorAssetState string          `json:"priorAssetState"`
}

// assetHead is what Decode reads of the asset before the inventory reader
// reads the rest.
type assetHead struct {
	Name      string          `json:"name"`
	AssetType string          `json:"assetType"`
	Resource  json.RawMessage `json:"resource"`
	IAMPolicy json.RawMessage `json:"iamPolicy"`
}

// ErrIrrelevant is returned for a notification of an asset type runlens
// does not read: it is acknowledged and dropped.
var ErrIrrelevant = errors.New("feed: an asset type runlens does not read")

// Decode reads one notification (a Pub/Sub message's data). The asset goes
// through the inventory reader, so a Cloud Run service's env values are
// redacted before anything keeps it.
func Decode(data []byte) (Change, error) {
	var t temporalAsset
	if err := json.Unmarshal(data, &t); err != nil {
		return Change{}, fmt.Errorf("feed: not a feed notification: %w", err)
	}
	if len(t.Asset) == 0 || t.Window == nil {
		return Change{}, errors.New("feed: not a feed notification: it has no asset or no window")
	}
	var h assetHead
	if err := json.Unmarshal(t.Asset, &h); err != nil {
		return Change{}, fmt.Errorf("feed: asset: %w", err)
	}
	if h.Name == "" || h.AssetType == "" {
		return Change{}, errors.New("feed: asset has no name or asset type")
	}
	start, err := time.Parse(time.RFC3339Nano, t.Window.StartTime)
	if err != nil {
		return Change{}, fmt.Errorf("feed: %s: window.startTime %q: %w", h.Name, t.Window.StartTime, err)
	}
	c := Change{Name: h.Name, AssetType: h.AssetType, StartTime: start, Deleted: t.Deleted, Content: ContentResource}
	if len(h.IAMPolicy) > 0 && len(h.Resource) == 0 {
		c.Content = ContentIAMPolicy
	}
	if !inventory.IsKnownType(h.AssetType) && c.Content == ContentResource {
		// An IAM policy of any type matters (grants on it reach things);
		// the resource of an unknown type does not.
		return c, ErrIrrelevant
	}
	if c.Deleted {
		return c, nil
	}
	a, err := readAsset(t.Asset)
	if err != nil {
		return Change{}, fmt.Errorf("feed: %s: %w", h.Name, err)
	}
	if c.Record, err = inventory.Record(a); err != nil {
		return Change{}, fmt.Errorf("feed: %s: %w", h.Name, err)
	}
	return c, nil
}

// readAsset reads one asset record with the inventory reader.
func readAsset(b []byte) (*inventory.Asset, error) {
	r := inventory.NewReader()
	if err := r.Read("feed", bytes.NewReader(b)); err != nil {
		return nil, err
	}
	inv := r.Inventory()
	if len(inv.Assets) != 1 {
		if len(inv.Problems) > 0 {
			return nil, errors.New(inv.Problems[0].Msg)
		}
		return nil, errors.New("not an asset record")
	}
	return inv.Assets[0], nil
}

// Apply returns base with changes applied in order: a resource change
// replaces the asset's resource (keeping its IAM policy), an IAM policy
// change its policy (keeping its resource), a deletion removes the asset.
// base is not modified; the assets changes leave alone are shared. It also
// returns the names of the assets changed.
func Apply(base *inventory.Inventory, changes []Change) (*inventory.Inventory, []string, error) {
	out := *base
	out.Assets = slices.Clone(base.Assets)
	index := make(map[string]int, len(out.Assets))
	for i, a := range out.Assets {
		index[a.Name] = i
	}
	var touched []string
	gone := map[string]bool{}
	for _, c := range changes {
		touched = append(touched, c.Name)
		i, ok := index[c.Name]
		if c.Deleted {
			if ok && !gone[c.Name] {
				gone[c.Name] = true
			}
			continue
		}
		a, err := readAsset(c.Record)
		if err != nil {
			return nil, nil, fmt.Errorf("feed: %s: %w", c.Name, err)
		}
		if !ok {
			index[c.Name] = len(out.Assets)
			out.Assets = append(out.Assets, a)
			continue
		}
		cur := *out.Assets[i]
		if gone[c.Name] {
			// Deleted, then created again in the same batch.
			cur = inventory.Asset{Name: a.Name, Type: a.Type}
			delete(gone, c.Name)
		}
		switch c.Content {
		case ContentIAMPolicy:
			cur.IAMPolicy = a.IAMPolicy
		default:
			cur.Data, cur.Version, cur.Parent, cur.Location = a.Data, a.Version, a.Parent, a.Location
			cur.Type = a.Type
		}
		if len(a.Ancestors) > 0 {
			cur.Ancestors = a.Ancestors
		}
		if a.UpdateTime != "" {
			cur.UpdateTime = a.UpdateTime
		}
		out.Assets[i] = &cur
	}
	if len(gone) > 0 {
		out.Assets = slices.DeleteFunc(out.Assets, func(a *inventory.Asset) bool { return gone[a.Name] })
	}
	slices.SortFunc(out.Assets, func(a, b *inventory.Asset) int { return strings.Compare(a.Name, b.Name) })
	cov := inventory.CoverageOf(out.Assets)
	cov.Scopes, cov.Denied, cov.OrgPolicies = base.Coverage.Scopes, base.Coverage.Denied, base.Coverage.OrgPolicies
	out.Coverage = cov
	return &out, sortedUnique(touched), nil
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
