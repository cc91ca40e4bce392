package iam

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// WriteCatalog writes roles in the embedded catalog's format: gzip-compressed
// JSON {"source": source, "roles": {"roles/x": {"title", "stage",
// "permissions"}}}, permissions sorted, so the output is deterministic.
func WriteCatalog(w io.Writer, source string, roles []Role) error {
	type entry struct {
		Permissions []string `json:"permissions"`
		Stage       string   `json:"stage,omitempty"`
		Title       string   `json:"title,omitempty"`
	}
	doc := struct {
		Roles  map[string]entry `json:"roles"`
		Source string           `json:"source"`
	}{Roles: map[string]entry{}, Source: source}
	for _, r := range roles {
		p := slices.Clone(r.Permissions)
		slices.Sort(p)
		if p == nil {
			p = []string{}
		}
		doc.Roles[r.Name] = entry{Permissions: p, Stage: r.Stage, Title: r.Title}
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("iam: write catalog: %w", err)
	}
	if err := json.NewEncoder(zw).Encode(doc); err != nil {
		return fmt.Errorf("iam: write catalog: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("iam: write catalog: %w", err)
	}
	return nil
}

// ReadCatalog reads a catalog written by WriteCatalog (or the embedded one).
func ReadCatalog(r io.Reader) (*Catalog, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("iam: read catalog: %w", err)
	}
	return decodeCatalog(b)
}
