package scan

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/rules"
)

// TestAppendFindingIsEncodingJSON: the hand-written encoder writes what
// encoding/json writes for every shape a finding takes, hostile strings
// included, and leaves findings with a path to the general encoder.
func TestAppendFindingIsEncodingJSON(t *testing.T) {
	hostile := "a<b>&c\"d\\e\x00\x01\b\f\n\r\t\x1f\u2028\u2029é\xff\xfe end</script>"
	tests := []struct {
		name string
		f    rules.Finding
	}{
		{"minimal, nil affects", rules.Finding{ID: "1", Check: "c", Severity: rules.Low, Title: "t", Subject: "s"}},
		{"empty affects", rules.Finding{ID: "1", Check: "c", Severity: rules.Medium, Affects: []string{}}},
		{"everything", rules.Finding{ID: "0123456789abcdef", Check: "invoker-broad-scope", Severity: rules.Critical, Title: hostile,
			Subject: hostile, Affects: []string{"a", hostile},
			Evidence: rules.Evidence{
				Bindings: []rules.BindingEvidence{{Role: "roles/run.invoker", Member: hostile, Via: "v"}, {Role: "r", Member: "m", Via: hostile, Condition: hostile}},
				Fields:   []rules.FieldEvidence{{Field: hostile, Value: ""}, {Field: "f", Value: hostile}},
				Note:     hostile,
			},
			Excepted: true, BaselineState: "new", Addresses: []string{"google_x.y", hostile}}},
		{"fields only", rules.Finding{ID: "1", Severity: rules.High, Evidence: rules.Evidence{Fields: []rules.FieldEvidence{{Field: "f", Value: "v"}}}}},
		{"note only", rules.Finding{ID: "1", Severity: rules.High, Evidence: rules.Evidence{Note: "n"}}},
		{"empty addresses are left out", rules.Finding{ID: "1", Severity: rules.High, Addresses: []string{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.MarshalIndent(&tc.f, "    ", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendFinding(nil, &tc.f, "    ")
			if !ok {
				t.Fatal("appendFinding declined a finding without a path")
			}
			if !bytes.Equal(got, want) {
				t.Errorf("appendFinding:\n%s\nencoding/json:\n%s", got, want)
			}
		})
	}
	withPath := rules.Finding{ID: "1", Evidence: rules.Evidence{Path: []graph.Edge{{From: "a", To: "b", Kind: graph.CanInvoke}}}}
	if got, ok := appendFinding([]byte("x"), &withPath, ""); ok || string(got) != "x" {
		t.Errorf("appendFinding with a path = %q, %v; want it declined, nothing written", got, ok)
	}
}
