package jsonw

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// AppendString writes what encoding/json writes, for hostile strings and
// random mixes of them.
func TestAppendString(t *testing.T) {
	pieces := []string{"", "a", "//run.googleapis.com/projects/p/services/s", "<script>alert(1)</script>", `"quoted" \back\`,
		"&amp;", "\x00\x01\x1f\t\n\r\b\f", "\u2028\u2029", "\u202eevil", "ünïcödé 🙂", "\xff\xfe", "a\xc3", string(rune(0x7f)), "'",
		`request.time < timestamp("2030-01-01T00:00:00Z")`}
	check := func(s string) {
		t.Helper()
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendString(%q) = %s, want %s (after the prefix)", s, got, want)
		}
		var noHTML bytes.Buffer
		enc := json.NewEncoder(&noHTML)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want = bytes.TrimSuffix(noHTML.Bytes(), []byte("\n"))
		if got := AppendStringNoHTML([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendStringNoHTML(%q) = %s, want %s (after the prefix)", s, got, want)
		}
	}
	for _, p := range pieces {
		check(p)
	}
	for c := range 256 { // every byte alone
		check(string([]byte{byte(c)}))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var sb strings.Builder
		for range rng.IntN(6) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		check(sb.String())
	}
}
