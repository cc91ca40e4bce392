// Package termsafe makes text safe to print on a terminal. Resource names,
// labels, env var names, IAM members and the messages that quote them come
// from the inventory, which anyone who can name a resource writes: a control
// character in one could move the cursor, rewrite the screen, set the
// window title or forge whole lines of runlens's output.
package termsafe

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// String returns s with every rune a terminal may act on escaped in the
// style of strconv.Quote, and every other rune unchanged:
//
//   - C0 controls U+0000–U+001F (ESC among them, and tab, newline and
//     carriage return) and DEL: \x1b, \t, \n, \r, \x7f;
//   - C1 controls U+0080–U+009F (U+009B is an 8-bit CSI): \u009b;
//   - bidirectional formatting U+061C, U+200E, U+200F, U+202A–U+202E and
//     U+2066–U+2069, which reorder what follows on the line, and the line
//     and paragraph separators U+2028 and U+2029: \u202e;
//   - each byte that is not part of valid UTF-8: \xff.
//
// A backslash is left as it is, so the escape of a rune reads like a name
// that spells it out; neither moves anything. Text needing no escape is
// returned as it is. Use it on every attacker-controllable string that goes
// to a terminal; not on a format string, whose newlines are meant.
func String(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r == utf8.RuneError || needsEscape(r) })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for s = s[i:]; s != ""; {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[0])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[0])&0xf, 16))
		case needsEscape(r):
			q := strconv.QuoteRune(r) // 'x' with x escaped
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// needsEscape reports whether a terminal may act on r (see String).
func needsEscape(r rune) bool {
	switch {
	case r < 0x20, 0x7f <= r && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}
