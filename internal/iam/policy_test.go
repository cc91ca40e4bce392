package iam

import (
	"testing"
	"time"
)

func TestConditionState(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		c    *Condition
		want ConditionState
	}{
		{"no condition", nil, Unconditional},
		{"empty expression", &Condition{Expression: " "}, Unconditional},
		{"future upper bound", &Condition{Expression: `request.time < timestamp("2030-01-01T00:00:00Z")`}, Conditional},
		{"past upper bound", &Condition{Expression: `request.time < timestamp("2025-06-30T00:00:00Z")`}, Expired},
		{"past bound joined with another clause", &Condition{Expression: `resource.name.startsWith("x") && request.time <= timestamp('2020-01-01T00:00:00Z')`}, Expired},
		{"past bound in a disjunction may still hold", &Condition{Expression: `request.time < timestamp("2020-01-01T00:00:00Z") || resource.type == "x"`}, Conditional},
		{"lower bound only", &Condition{Expression: `request.time > timestamp("2020-01-01T00:00:00Z")`}, Conditional},
		{"other condition", &Condition{Expression: `resource.name.startsWith("projects/_/buckets/b")`}, Conditional},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.State(now); got != tc.want {
				t.Errorf("State(%v) = %v, want %v", tc.c, got, tc.want)
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	c := MustPredefined()
	if c.Len() < 2000 {
		t.Fatalf("catalog has %d roles, want the ~2,461 predefined ones", c.Len())
	}
	inv, ok := c.Lookup("roles/run.invoker")
	if !ok || !inv.Has("run.routes.invoke") {
		t.Errorf("roles/run.invoker = %+v, %v; want run.routes.invoke", inv, ok)
	}
	if _, ok := c.Lookup("roles/made.up"); ok {
		t.Error("an unknown role was found")
	}
	custom := c.With(Role{Name: "projects/p/roles/r", Permissions: []string{"run.routes.invoke"}})
	if r, ok := custom.Lookup("projects/p/roles/r"); !ok || !r.Custom || !r.Has("run.routes.invoke") {
		t.Errorf("custom role = %+v, %v", r, ok)
	}
	if _, ok := c.Lookup("projects/p/roles/r"); ok {
		t.Error("With changed the original catalog")
	}
}
