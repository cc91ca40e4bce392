package inventory

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// Redacted replaces every literal env var value of a Cloud Run service or
// job in resource.data, so that no value, secret or not, is kept, stored or
// shown. Only the topic and bucket references a value names survive (the
// graph's uses edges need them), joined by spaces.
const Redacted = "runlens:redacted"

// redactEnv returns data with the "value" of every env entry ({"name",
// "value"} objects in any "env" array) replaced by Redacted plus the
// references found in it. It streams tokens once, copying everything else
// as it is (compacted), and compares member names unescaped, so that
// "\u0076alue" is a value too. An error means data is not valid JSON; the
// caller must then not keep data at all.
func redactEnv(data []byte) ([]byte, error) {
	if !bytes.Contains(data, []byte(`env"`)) && !bytes.Contains(data, []byte(`args"`)) && !bytes.Contains(data, []byte(`\u`)) {
		return data, nil // no env or args member, not even an escaped one
	}
	rd := redactors.Get().(*redactor)
	defer func() {
		// Nor keep the record (env values and all) alive, nor a buffer
		// grown for an outsized one.
		rd.dec.Reset(&rd.none, decodeOptions)
		if rd.out.Cap() <= maxPooledRedaction {
			redactors.Put(rd)
		}
	}()
	rd.out.Reset()
	// A bytes.Buffer is parsed where it is: the decoder copies nothing.
	rd.dec.Reset(bytes.NewBuffer(data), decodeOptions)
	rd.enc.Reset(&rd.out, decodeOptions)
	if err := redactValue(&rd.dec, &rd.enc, inPlain); err != nil {
		return nil, err
	}
	if _, err := rd.dec.ReadToken(); err == nil {
		return nil, errors.New("inventory: more than one JSON value in resource data")
	}
	// A copy of its own size: the data is kept with the asset, and the
	// encoder's buffer has room to spare (twice the data, at a million
	// records a quarter of a GiB).
	return bytes.Clone(bytes.TrimSuffix(rd.out.Bytes(), []byte("\n"))), nil
}

// redactor is what redactEnv reuses from one record to the next: the
// redacted output's buffer and the encoder and decoder.
type redactor struct {
	out  bytes.Buffer
	none bytes.Buffer // empty: the decoder's input between records
	dec  jsontext.Decoder
	enc  jsontext.Encoder
}

// maxPooledRedaction is the largest output buffer kept for the next record.
const maxPooledRedaction = 1 << 20

var redactors = sync.Pool{New: func() any { return new(redactor) }}

// envContext says where a value sits relative to env lists.
type envContext uint8

const (
	inPlain    envContext = iota
	inEnvList             // the value of an "env" member
	inEnvEntry            // an element of an env list
	inArgs                // the value of an "args" member: a container's arguments
)

func redactValue(dec *jsontext.Decoder, enc *jsontext.Encoder, at envContext) error {
	switch dec.PeekKind() {
	case '{':
		if err := copyToken(dec, enc); err != nil {
			return err
		}
		for dec.PeekKind() == '"' {
			name, err := dec.ReadValue()
			if err != nil {
				return err
			}
			key, err := memberName(name)
			if err != nil {
				return err
			}
			if err := enc.WriteValue(name); err != nil {
				return err
			}
			switch {
			case key == "env":
				err = redactValue(dec, enc, inEnvList)
			case key == "args" && dec.PeekKind() == '[':
				err = redactArgs(dec, enc)
			case key == "value" && at == inEnvEntry && dec.PeekKind() == '"':
				err = redactString(dec, enc)
			default:
				err = redactValue(dec, enc, inPlain)
			}
			if err != nil {
				return err
			}
		}
		return copyToken(dec, enc) // '}'
	case '[':
		if err := copyToken(dec, enc); err != nil {
			return err
		}
		elem := inPlain
		if at == inEnvList {
			elem = inEnvEntry
		}
		for k := dec.PeekKind(); k != ']' && k != 0; k = dec.PeekKind() {
			if err := redactValue(dec, enc, elem); err != nil {
				return err
			}
		}
		return copyToken(dec, enc) // ']'
	default:
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		return enc.WriteValue(v)
	}
}

func copyToken(dec *jsontext.Decoder, enc *jsontext.Encoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	return enc.WriteToken(tok)
}

// redactArgs copies a container's argument list with each argument
// redacted like an env value: an argument can carry a secret
// (--password=…) as well as an env var can. A --flag=value keeps its flag
// name, which says what the value was for; the value keeps only its class
// and references (see redactedValue).
func redactArgs(dec *jsontext.Decoder, enc *jsontext.Encoder) error {
	if err := copyToken(dec, enc); err != nil { // '['
		return err
	}
	for k := dec.PeekKind(); k != ']' && k != 0; k = dec.PeekKind() {
		if k != '"' {
			if err := redactValue(dec, enc, inPlain); err != nil {
				return err
			}
			continue
		}
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if err := enc.WriteToken(jsontext.String(redactedArg(tok.String()))); err != nil {
			return err
		}
	}
	return copyToken(dec, enc) // ']'
}

// redactedArg is what is kept of one argument: a bare flag as it is
// ("--verbose", "-v"), the name of a --flag=value with its value redacted,
// any other argument redacted.
func redactedArg(a string) string {
	if strings.HasPrefix(a, Redacted) || strings.Contains(a, "="+Redacted) {
		flag, v, ok := strings.Cut(a, "=")
		if ok && strings.HasPrefix(v, Redacted) && validFlag(flag) {
			return flag + "=" + redactedValue(v)
		}
		return redactedValue(a)
	}
	if validFlag(a) {
		return a
	}
	if flag, v, ok := strings.Cut(a, "="); ok && validFlag(flag) {
		if secretFlag(flag) {
			return flag + "=" + Redacted // a password's hash is kept nowhere, not even as a reference
		}
		return flag + "=" + redactedValue(v)
	}
	return redactedValue(a)
}

// secretFlag reports whether a flag's name says its value is a secret.
func secretFlag(flag string) bool {
	f := strings.ToLower(flag)
	for _, w := range []string{"pass", "secret", "token", "credential", "apikey", "api-key", "api_key", "private", "auth"} { // not "key" alone: --kms-key=projects/…/cryptoKeys/k names a resource
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

// validFlag reports whether s is a command-line flag name: one or two
// dashes and letters, digits, '-', '_' or '.'.
func validFlag(s string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "-")
	if name == s || name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// memberName returns a member name unquoted when it is one redaction cares
// about ("env", "value", "args"), and "" otherwise, without allocating for the
// common unescaped name.
func memberName(raw jsontext.Value) (string, error) {
	if !bytes.Contains(raw, []byte(`\`)) {
		switch string(raw) {
		case `"env"`:
			return "env", nil
		case `"value"`:
			return "value", nil
		case `"args"`:
			return "args", nil
		}
		return "", nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}

func redactString(dec *jsontext.Decoder, enc *jsontext.Encoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	s := tok.String()
	if s != "" {
		s = redactedValue(s)
	}
	return enc.WriteToken(jsontext.String(s))
}

// redactedValue returns what is kept of a literal value s: Redacted, the
// class token of s (see classifyEnvValue) and the references it names (see
// refTokens: buckets, topics, secrets, KMS keys, a Cloud SQL connection, a
// bare word's hash). A value already redacted (a stored snapshot read
// again) keeps only the tokens redaction writes, so that text put after
// Redacted by hand is not kept either.
func redactedValue(s string) string {
	key := sha256.Sum256(append(memoKey[:len(memoKey):len(memoKey)], s...))
	if v, ok := redactedMemo.get(key); ok {
		return v
	}
	v := redactValueUncached(s)
	redactedMemo.put(key, v)
	return v
}

// redactedMemo remembers what redactedValue made of values seen before:
// organizations repeat the same values (a region, a bucket, a topic, a log
// level) across thousands of services, and classifying one runs the secret
// detector. It holds no value, only what redaction keeps of it, keyed by
// the SHA-256 of the value behind memoKey, a key of the process's own (so
// that no table made in advance matches a key to a weak secret). It lives
// as long as a read, while the values are in memory anyway: every read
// empties it when done (Reader.Inventory). It holds at most
// memoShards*memoShardSize entries (a shard that fills up starts again
// empty).
var redactedMemo memo

// memoKey is redactedMemo's key, drawn when the process starts.
var memoKey = func() (k [32]byte) {
	if _, err := rand.Read(k[:]); err != nil {
		panic("inventory: no randomness for the redaction memo's key: " + err.Error())
	}
	return k
}()

const (
	memoShards    = 16
	memoShardSize = 4096
)

type memo struct {
	shards [memoShards]struct {
		mu sync.Mutex
		m  map[[sha256.Size]byte]string
	}
}

func (c *memo) get(k [sha256.Size]byte) (string, bool) {
	sh := &c.shards[k[0]%memoShards]
	sh.mu.Lock()
	v, ok := sh.m[k]
	sh.mu.Unlock()
	return v, ok
}

// reset empties the memo.
func (c *memo) reset() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.m = nil
		sh.mu.Unlock()
	}
}

func (c *memo) put(k [sha256.Size]byte, v string) {
	sh := &c.shards[k[0]%memoShards]
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= memoShardSize {
		sh.m = make(map[[sha256.Size]byte]string, memoShardSize)
	}
	sh.m[k] = v
	sh.mu.Unlock()
}

// redactValueUncached is redactedValue without the memo.
func redactValueUncached(s string) string {
	class := ""
	if rest, ok := strings.CutPrefix(s, Redacted); ok {
		for _, tok := range strings.Fields(rest) {
			if validClass(tok) {
				class = tok
				break
			}
		}
	} else {
		class = classifyEnvValue(s)
	}
	var b strings.Builder
	b.WriteString(Redacted)
	if class != "" {
		b.WriteString(" " + class)
	}
	for _, t := range refTokens(s) {
		b.WriteString(" " + t)
	}
	return b.String()
}
