package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
)

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// source is where an offline command reads its inventory from.
type source struct {
	inputs multiFlag
	demo   bool
}

func (s *source) register(fs *flag.FlagSet) {
	fs.Var(&s.inputs, "input", "CAI export file or directory (JSON lines or JSON array); repeatable")
	fs.BoolVar(&s.demo, "demo", false, "use the embedded demo organization")
}

func (s *source) describe() string {
	if s.demo {
		return "demo"
	}
	return "files: " + strings.Join(s.inputs, ", ")
}

// read reads the inventory, reporting problems to stderr.
func (s *source) read(stderr io.Writer) (*inventory.Inventory, error) {
	if !s.demo && len(s.inputs) == 0 {
		return nil, fmt.Errorf("give --input PATH (repeatable) or --demo")
	}
	r := inventory.NewReader()
	if s.demo {
		if err := r.ReadFS(demo.FS()); err != nil {
			return nil, err
		}
	}
	for _, p := range s.inputs {
		if err := r.ReadPath(p); err != nil {
			return nil, err
		}
	}
	inv := r.Inventory()
	fmt.Fprintln(stderr, "runlens: read", inv.Summary())
	return inv, nil
}

// scanInventory runs the offline pipeline. excepted may be nil.
func scanInventory(inv *inventory.Inventory, excepted func(id string) bool) (*scan.Report, error) {
	roles, err := iam.Predefined()
	if err != nil {
		return nil, err
	}
	return scan.Run(inv, roles, rules.All(), time.Now(), excepted), nil
}
