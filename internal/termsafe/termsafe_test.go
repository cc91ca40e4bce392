package termsafe

import (
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "projects/p/locations/us-central1/services/web", "projects/p/locations/us-central1/services/web"},
		{"unicode letters", "équipe-données 東京 🙂", "équipe-données 東京 🙂"},
		{"backslash kept", `a\x1bb`, `a\x1bb`},
		{"escape sequence", "web\x1b[2J\x1b[H", `web\x1b[2J\x1b[H`},
		{"forged line", "web\n[critical] forged finding\r", `web\n[critical] forged finding\r`},
		{"tab and bell", "a\tb\a", `a\tb\a`},
		{"NUL and DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"C1 CSI", "a\u009b2Jb", `a\u009b2Jb`},
		{"OSC title", "\x1b]0;pwned\x07", `\x1b]0;pwned\a`},
		{"bidi override", "evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"isolates and marks", "\u2066a\u2069\u200e\u061c", `\u2066a\u2069\u200e\u061c`},
		{"line separator", "a\u2028b\u2029", `a\u2028b\u2029`},
		{"invalid UTF-8", "a\xffb\x9b2J\xc3", `a\xffb\x9b2J\xc3`},
		{"replacement char kept", "a\uFFFDb", "a\uFFFDb"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := String(tc.in); got != tc.want {
				t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// No output of String holds a byte a terminal acts on, whatever the input.
func FuzzString(f *testing.F) {
	for _, s := range []string{"web\x1b[2J", "a\u009bb", "\xff\xfe", "ok", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q is not UTF-8", s, got)
		}
		for i, r := range got {
			if needsEscape(r) {
				t.Fatalf("String(%q) = %q holds %U at %d", s, got, r, i)
			}
		}
	})
}
