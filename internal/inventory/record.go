package inventory

import "encoding/json"

// recordOut is an asset written in the ListAssets shape, which Reader reads.
type recordOut struct {
	Name       string       `json:"name"`
	AssetType  string       `json:"assetType"`
	Resource   *resourceOut `json:"resource,omitempty"`
	IAMPolicy  any          `json:"iamPolicy,omitempty"`
	Ancestors  []string     `json:"ancestors,omitempty"`
	UpdateTime string       `json:"updateTime,omitempty"`
}

type resourceOut struct {
	Version  string          `json:"version,omitempty"`
	Parent   string          `json:"parent,omitempty"`
	Location string          `json:"location,omitempty"`
	Data     json.RawMessage `json:"data"`
}

// Record writes asset a as one CAI record in the ListAssets shape: its
// resource when it has data, its IAM policy when it has one. Reader reads
// it back as the same asset. Records made elsewhere (a feed's journal, a
// Terraform plan's planned state) are written with it, so that they go
// through the one reader, redaction included.
func Record(a *Asset) ([]byte, error) {
	rec := recordOut{Name: a.Name, AssetType: a.Type, Ancestors: a.Ancestors, UpdateTime: a.UpdateTime}
	if a.Data != nil {
		rec.Resource = &resourceOut{Version: a.Version, Parent: a.Parent, Location: a.Location, Data: a.Data}
	}
	if a.IAMPolicy != nil {
		rec.IAMPolicy = a.IAMPolicy
	}
	return json.Marshal(rec)
}
