package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/runlens/runlens/internal/inventory"
)

// What the commands print about the inventory on a terminal (problems of a
// live read, errors) carries no control character of a crafted name.
func TestTerminalOutputEscapesControls(t *testing.T) {
	name := "//run.googleapis.com/projects/p/locations/l/services/web\x1b[2J\x1b[H\r\nrunlens: forged"
	var b bytes.Buffer
	printProblems(&b, []inventory.Problem{{Source: inventory.Source{File: "organizations/1"}, Msg: "asset " + name + " has neither resource nor iam_policy"}})
	printError(&b, errors.New("read "+name+".json: permission denied"))
	out := b.String()
	if strings.Count(out, "\n") != 2 || strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("output = %q, want two lines without controls", out)
	}
	if !strings.Contains(out, `web\x1b[2J\x1b[H\r\nrunlens: forged`) {
		t.Errorf("output = %q, want the name escaped", out)
	}
}
