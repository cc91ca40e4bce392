package rules

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity is an ordered severity: Low < Medium < High < Critical.
type Severity int

// Severities, in increasing order.
const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

// Severities lists every valid severity, most severe first.
func Severities() []Severity { return []Severity{Critical, High, Medium, Low} }

// String returns "low", "medium", "high" or "critical".
func (s Severity) String() string {
	switch s {
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	case Critical:
		return "critical"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Valid reports whether s is one of the four severities.
func (s Severity) Valid() bool { return s >= Low && s <= Critical }

// Weight is the points a finding of this severity costs (DESIGN §5):
// critical 40, high 20, medium 8, low 3.
func (s Severity) Weight() int {
	switch s {
	case Critical:
		return 40
	case High:
		return 20
	case Medium:
		return 8
	case Low:
		return 3
	}
	return 0
}

// ParseSeverity parses a severity name, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range Severities() {
		if strings.EqualFold(s, v.String()) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("rules: unknown severity %q (want low, medium, high or critical)", s)
}

// MarshalJSON writes the severity as its name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a severity name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	v, err := ParseSeverity(str)
	if err != nil {
		return err
	}
	*s = v
	return nil
}
