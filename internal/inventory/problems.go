package inventory

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// MaxProblems is how many problems an Inventory (and a scan, a stored
// snapshot) lists: the first ones met. Every problem, listed or not, is
// counted by kind, so that an input of a million bad lines costs a thousand
// messages and a few counts, not a million messages.
const MaxProblems = 1000

// ProblemTally counts problems by kind: all of them, and those not listed.
type ProblemTally struct {
	All      map[ProblemKind]int `json:"all,omitempty"`
	Unlisted map[ProblemKind]int `json:"unlisted,omitempty"`
}

// TallyProblems tallies the problems listed against the counts of all of
// them by kind (nil: the listed ones are all there are).
func TallyProblems(listed []Problem, all map[ProblemKind]int) ProblemTally {
	shown := map[ProblemKind]int{}
	for _, p := range listed {
		shown[p.Kind]++
	}
	if all == nil {
		all = shown
	}
	t := ProblemTally{All: maps.Clone(all)}
	for k, n := range all {
		if more := n - shown[k]; more > 0 {
			if t.Unlisted == nil {
				t.Unlisted = map[ProblemKind]int{}
			}
			t.Unlisted[k] = more
		}
	}
	return t
}

// Tally tallies the inventory's problems.
func (inv *Inventory) Tally() ProblemTally { return TallyProblems(inv.Problems, inv.ProblemCounts) }

// ProblemCount is the number of problems of the given kinds met by the
// read, listed or not.
func (inv *Inventory) ProblemCount(kinds ...ProblemKind) int {
	all := inv.Tally().All
	n := 0
	for _, k := range kinds {
		n += all[k]
	}
	return n
}

// Total is the number of problems, listed or not.
func (t ProblemTally) Total() int { return sum(t.All) }

// UnlistedTotal is the number of problems not listed.
func (t ProblemTally) UnlistedTotal() int { return sum(t.Unlisted) }

// More says what a list of problems leaves out, by kind, most first:
// "… and 12,345 more (malformed: 12,000, duplicate: 345)"; "" when the list
// has them all.
func (t ProblemTally) More() string {
	n := t.UnlistedTotal()
	if n == 0 {
		return ""
	}
	kinds := slices.SortedFunc(maps.Keys(t.Unlisted), func(a, b ProblemKind) int {
		return cmp.Or(cmp.Compare(t.Unlisted[b], t.Unlisted[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		kind := string(k)
		if kind == "" {
			kind = "other"
		}
		parts[i] = fmt.Sprintf("%s: %s", kind, Thousands(t.Unlisted[k]))
	}
	return fmt.Sprintf("… and %s more (%s)", Thousands(n), strings.Join(parts, ", "))
}

// Thousands writes n with commas between groups of three digits.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func sum(m map[ProblemKind]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// addCounts returns the sum of two counts by kind.
func addCounts(a, b map[ProblemKind]int) map[ProblemKind]int {
	out := maps.Clone(a)
	if out == nil {
		out = map[ProblemKind]int{}
	}
	for k, n := range b {
		out[k] += n
	}
	return out
}
