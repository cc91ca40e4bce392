package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiffLines(t *testing.T) {
	tests := []struct {
		name, text string
		want       []codeLine
	}{
		{"empty", "", nil},
		{"classes", "# Step 1\n--- a\n+++ a\n@@ -1,2 +1,2 @@\n {\n-  x\n+  y\n }\n", []codeLine{
			{"# Step 1", "dl-comment"}, {"--- a", "dl-file"}, {"+++ a", "dl-file"}, {"@@ -1,2 +1,2 @@", "dl-hunk"},
			{" {", "dl-ctx"}, {"-  x", "dl-del"}, {"+  y", "dl-add"}, {" }", "dl-ctx"},
		}},
		{"a removed line that starts with dashes is not a file label", "----x\n+++y", []codeLine{{"----x", "dl-del"}, {"+++y", "dl-add"}}},
		{"blank line inside", "a\n\nb", []codeLine{{"a", "dl-ctx"}, {"", "dl-ctx"}, {"b", "dl-ctx"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, diffLines(tc.text), cmp.AllowUnexported(codeLine{})); diff != "" {
				t.Errorf("diffLines(%q) (-want +got):\n%s", tc.text, diff)
			}
		})
	}
}
