package iam

import (
	"regexp"
	"strings"
	"time"
)

// Policy is an IAM allow policy as CAI carries it.
type Policy struct {
	Version  int       `json:"version,omitempty"`
	Etag     string    `json:"etag,omitempty"`
	Bindings []Binding `json:"bindings,omitempty"`
}

// Binding grants Role to Members, optionally under a Condition.
type Binding struct {
	Role      string     `json:"role"`
	Members   []string   `json:"members"`
	Condition *Condition `json:"condition,omitempty"`
}

// Condition is an IAM condition (a CEL expression with a title).
type Condition struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Expression  string `json:"expression"`
}

// ConditionState says whether a binding is in force.
type ConditionState int

// Condition states.
const (
	// Unconditional: the binding has no condition and is always in force.
	Unconditional ConditionState = iota
	// Conditional: the binding has a condition that may hold; it is counted,
	// and the condition is shown.
	Conditional
	// Expired: the condition is a time bound that has passed; the binding
	// grants nothing and is not counted.
	Expired
)

// String returns "unconditional", "conditional" or "expired".
func (s ConditionState) String() string {
	switch s {
	case Conditional:
		return "conditional"
	case Expired:
		return "expired"
	}
	return "unconditional"
}

// upperBound matches the time upper bounds IAM's console writes for temporary
// access: request.time < timestamp("2030-01-01T00:00:00Z") (also <=).
var upperBound = regexp.MustCompile(`request\.time\s*<=?\s*timestamp\(\s*["']([^"']+)["']\s*\)`)

// State evaluates c at now. Only time upper bounds joined by && are
// evaluated: a condition with any such bound in the past is Expired; every
// other condition is Conditional (it may hold, so it is counted).
func (c *Condition) State(now time.Time) ConditionState {
	if c == nil || strings.TrimSpace(c.Expression) == "" {
		return Unconditional
	}
	if strings.Contains(c.Expression, "||") {
		return Conditional
	}
	for _, m := range upperBound.FindAllStringSubmatch(c.Expression, -1) {
		t, err := time.Parse(time.RFC3339, m[1])
		if err == nil && !now.Before(t) {
			return Expired
		}
	}
	return Conditional
}
