// Package iam knows Google Cloud IAM: the role -> permission catalog (every
// predefined role, embedded, plus custom roles read from the inventory),
// member strings, policies with their bindings, and the conditions on them.
//
// The embedded catalog is data/gcp-predefined-roles.json.gz, derived from
// github.com/iann0036/iam-dataset (MIT, see data/gcp-predefined-roles.LICENSE
// and data/NOTICE.md).
package iam

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
)

//go:embed data/gcp-predefined-roles.json.gz
var predefinedGz []byte

// Role is one IAM role and the permissions it grants.
type Role struct {
	Name        string   // "roles/run.invoker" or "projects/p/roles/custom"
	Title       string   // human title, may be empty
	Stage       string   // GA, BETA, DEPRECATED, ... (predefined roles)
	Custom      bool     // defined by the customer, read from the inventory
	Permissions []string // sorted
}

// Has reports whether the role grants permission p.
func (r Role) Has(p string) bool {
	_, ok := slices.BinarySearch(r.Permissions, p)
	return ok
}

// Catalog maps role names to roles. The zero value is empty; use Predefined
// for the embedded catalog and With to add custom roles. A Catalog is
// immutable once built and safe for concurrent use.
type Catalog struct {
	roles     map[string]Role
	indexOnce sync.Once
	byPerm    map[string][]string // see permIndex
}

var (
	predefinedOnce sync.Once
	predefined     *Catalog
	predefinedErr  error
)

// Predefined returns the catalog of every predefined role, decoded once from
// the embedded data.
func Predefined() (*Catalog, error) {
	predefinedOnce.Do(func() {
		predefined, predefinedErr = decodeCatalog(predefinedGz)
	})
	return predefined, predefinedErr
}

// MustPredefined is Predefined for tests and program start-up, where the
// embedded data failing to decode is a build defect.
func MustPredefined() *Catalog {
	c, err := Predefined()
	if err != nil {
		panic(err)
	}
	return c
}

func decodeCatalog(gz []byte) (*Catalog, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("iam: open role catalog: %w", err)
	}
	var doc struct {
		Roles map[string]struct {
			Title       string   `json:"title"`
			Stage       string   `json:"stage"`
			Permissions []string `json:"permissions"`
		} `json:"roles"`
	}
	// encoding/json/v2's design (github.com/go-json-experiment/json) takes
	// a third of encoding/json's time on the catalog's 6 MB, which every
	// scan decodes first.
	if err := json.UnmarshalRead(zr, &doc); err != nil {
		return nil, fmt.Errorf("iam: decode role catalog: %w", err)
	}
	c := &Catalog{roles: make(map[string]Role, len(doc.Roles))}
	for name, r := range doc.Roles {
		perms := r.Permissions // sorted in the file (WriteCatalog)
		if !slices.IsSorted(perms) {
			perms = slices.Sorted(slices.Values(perms))
		}
		c.roles[name] = Role{Name: name, Title: r.Title, Stage: r.Stage, Permissions: perms}
	}
	return c, nil
}

// With returns a new catalog holding c's roles plus the given custom roles
// (a custom role with the name of an existing one replaces it).
func (c *Catalog) With(custom ...Role) *Catalog {
	n := &Catalog{roles: make(map[string]Role, len(c.roles)+len(custom))}
	for k, v := range c.roles {
		n.roles[k] = v
	}
	for _, r := range custom {
		r.Custom = true
		r.Permissions = slices.Clone(r.Permissions)
		slices.Sort(r.Permissions)
		n.roles[r.Name] = r
	}
	return n
}

// Lookup returns the role called name. ok is false for a role the catalog does
// not know: callers must treat such a role as unknown, never as harmless.
func (c *Catalog) Lookup(name string) (r Role, ok bool) {
	if c == nil {
		return Role{}, false
	}
	r, ok = c.roles[name]
	return r, ok
}

// Len is the number of roles in the catalog.
func (c *Catalog) Len() int { return len(c.roles) }

// IsBasic reports whether role is one of the basic (primitive) roles
// roles/owner, roles/editor or roles/viewer.
func IsBasic(role string) bool {
	return role == "roles/owner" || role == "roles/editor" || role == "roles/viewer"
}

// Service returns the service prefix of a permission ("run" for
// "run.services.get").
func Service(permission string) string {
	s, _, _ := strings.Cut(permission, ".")
	return s
}
