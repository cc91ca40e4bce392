package iam

import (
	"cmp"
	"slices"
	"strings"
)

// maxCoverNodes bounds the search of Cover; past it the best cover found so
// far is returned (the search visits cheap covers first, so it is a good
// one, though not proven the smallest).
const maxCoverNodes = 200_000

// Cover returns the smallest set of predefined roles that together grant
// every permission of perms: fewest permissions in total (so the least
// extra is granted), then fewest roles. Only roles allow accepts are
// considered (nil: every predefined role); basic roles, custom roles,
// deprecated or alpha ones and roles that are not Grantable never are. Permissions no such role grants are
// returned as uncovered. exact is false when the search hit its bound.
//
// Generally available roles are tried first; beta roles only for what they
// cannot cover (many beta roles are made for one product's own use, such as
// roles/storage.expressModeServiceOutput, which also deletes objects).
func (c *Catalog) Cover(perms []string, allow func(Role) bool) (roles []Role, uncovered []string, exact bool) {
	stage := func(ga bool) func(Role) bool {
		return func(r Role) bool { return (r.Stage == "GA") == ga && (allow == nil || allow(r)) }
	}
	roles, uncovered, exact = c.cover(perms, stage(true))
	if len(uncovered) > 0 {
		more, left, ex := c.cover(uncovered, stage(false))
		roles, uncovered, exact = append(roles, more...), left, exact && ex
	}
	return roles, uncovered, exact
}

func (c *Catalog) cover(perms []string, allow func(Role) bool) (roles []Role, uncovered []string, exact bool) {
	idx := c.permIndex()
	need := slices.Clone(perms)
	slices.Sort(need)
	need = slices.Compact(need)
	cands := map[string][]Role{}
	var want []string
	for _, p := range need {
		var rs []Role
		for _, name := range idx[p] {
			r := c.roles[name]
			if allow(r) {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 {
			uncovered = append(uncovered, p)
			continue
		}
		// Cheapest first: the search finds a good cover early and prunes
		// the rest by its size.
		slices.SortFunc(rs, func(a, b Role) int {
			return cmp.Or(cmp.Compare(len(a.Permissions), len(b.Permissions)), strings.Compare(a.Name, b.Name))
		})
		cands[p] = rs
		want = append(want, p)
	}
	if len(want) == 0 {
		return nil, uncovered, true
	}
	s := coverSearch{cands: cands, best: -1}
	s.search(want, nil, 0)
	return s.bestRoles, uncovered, s.nodes <= maxCoverNodes
}

type coverSearch struct {
	cands     map[string][]Role
	best      int // total permissions of bestRoles; -1 before the first cover
	bestRoles []Role
	nodes     int
}

func (s *coverSearch) better(cost, n int) bool {
	return s.best < 0 || cost < s.best || cost == s.best && n < len(s.bestRoles)
}

// search covers left (sorted) having chosen roles of total cost so far.
func (s *coverSearch) search(left []string, chosen []Role, cost int) {
	s.nodes++
	if len(left) == 0 {
		if s.better(cost, len(chosen)) {
			s.best, s.bestRoles = cost, slices.Clone(chosen)
		}
		return
	}
	if s.nodes > maxCoverNodes && s.best >= 0 {
		return
	}
	// Branch on the permission with the fewest roles granting it.
	pick := left[0]
	for _, p := range left[1:] {
		if len(s.cands[p]) < len(s.cands[pick]) {
			pick = p
		}
	}
	for _, r := range s.cands[pick] {
		c := cost + len(r.Permissions)
		if !s.better(c, len(chosen)+1) {
			break // the rest are no cheaper
		}
		var rest []string
		for _, p := range left {
			if !r.Has(p) {
				rest = append(rest, p)
			}
		}
		s.search(rest, append(chosen, r), c)
	}
}

// Grantable reports whether a predefined role is one a workload's identity
// should be granted: not a Google service agent's role (roles/*.serviceAgent,
// meant for Google's own accounts) and not a legacy role (roles/storage.legacy*,
// which follow ACLs).
func Grantable(role string) bool {
	return !strings.Contains(strings.ToLower(role), "serviceagent") && !strings.Contains(role, ".legacy")
}

// Family is the service a predefined role belongs to: "storage" for
// roles/storage.objectViewer.
func Family(role string) string {
	f, _, _ := strings.Cut(strings.TrimPrefix(role, "roles/"), ".")
	return f
}

// permIndex maps each permission to the predefined roles (not basic, not
// deprecated, not alpha) that grant it, built once per catalog.
func (c *Catalog) permIndex() map[string][]string {
	c.indexOnce.Do(func() {
		c.byPerm = map[string][]string{}
		for name, r := range c.roles {
			if r.Custom || IsBasic(name) || r.Stage == "DEPRECATED" || r.Stage == "ALPHA" || r.Stage == "EAP" || !Grantable(name) {
				continue
			}
			for _, p := range r.Permissions {
				c.byPerm[p] = append(c.byPerm[p], name)
			}
		}
	})
	return c.byPerm
}
