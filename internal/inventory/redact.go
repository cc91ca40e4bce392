package inventory

import (
	"bytes"
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
	if !bytes.Contains(data, []byte(`env"`)) && !bytes.Contains(data, []byte(`\u`)) {
		return data, nil // no env member, not even an escaped one
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

// memberName returns a member name unquoted when it is one redaction cares
// about ("env", "value"), and "" otherwise, without allocating for the
// common unescaped name.
func memberName(raw jsontext.Value) (string, error) {
	if !bytes.Contains(raw, []byte(`\`)) {
		switch string(raw) {
		case `"env"`:
			return "env", nil
		case `"value"`:
			return "value", nil
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
