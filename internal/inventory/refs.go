package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// RefKind is the kind of resource a workload's configuration names.
type RefKind string

// Reference kinds, and what Ref.Value holds for each.
const (
	RefBucket RefKind = "bucket"      // the bucket name (gs://NAME/..., a GCS volume)
	RefTopic  RefKind = "topic"       // projects/P/topics/T
	RefSecret RefKind = "secret"      // NAME or projects/P/secrets/S (a version, if any, in Ref.Version)
	RefSQL    RefKind = "sqlInstance" // a connection name, PROJECT:REGION:INSTANCE
	RefKMSKey RefKind = "kmsKey"      // projects/P/locations/L/keyRings/R/cryptoKeys/K
	// RefName is a bare word (an env value or argument such as
	// "pdf-uploads") that names a bucket or a topic if the inventory has
	// one by that name; only which one can say. Value is NameHash of the
	// word: the word itself is not kept, as it might be a password.
	RefName RefKind = "name"
)

// Ref is a resource a workload's configuration names, and where it does.
type Ref struct {
	Kind    RefKind
	Value   string
	Version string // RefSecret: the version read, if any
	// Field says where: "env UPLOAD_BUCKET", "args", "volume uploads",
	// "encryption key", "Cloud SQL connections".
	Field string
}

// What a value is scanned for. Cloud SQL connection names are
// PROJECT:REGION:INSTANCE, with a domain-scoped project written
// DOMAIN:PROJECT (https://cloud.google.com/sql/docs/mysql/connect-run);
// KMS key names are projects/P/locations/L/keyRings/R/cryptoKeys/K
// (https://cloud.google.com/kms/docs/resource-hierarchy).
var (
	sqlConnRef = regexp.MustCompile(`^(?:[a-z][-a-z0-9.]*:)?[a-z][-a-z0-9]{4,28}[a-z0-9]:[a-z]+-[a-z]+[0-9]:[a-z][-a-z0-9]{0,97}$`)
	// cloudSQLPath is the Unix socket path of a Cloud SQL connection
	// (/cloudsql/CONNECTION_NAME), alone or in a database URL.
	cloudSQLPath = regexp.MustCompile(`/cloudsql/((?:[a-z][-a-z0-9.]*:)?[a-z][-a-z0-9]{4,28}[a-z0-9]:[a-z]+-[a-z]+[0-9]:[a-z][-a-z0-9]{0,97})`)
	kmsKeyRef    = regexp.MustCompile(`projects/[a-z0-9][-a-z0-9.:]*/locations/[a-z0-9-]+/keyRings/[A-Za-z0-9_-]+/cryptoKeys/[A-Za-z0-9_-]+`)
	// bareName is a word that could be a bucket name (3 to 63 lowercase
	// letters, digits, '-', '_' and '.', starting and ending with a letter
	// or digit) or a topic ID written in lowercase.
	bareName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$`)
)

// settingWords are values of settings, not names of things: no bare-word
// reference is recorded for them.
var settingWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "none": true, "null": true,
	"debug": true, "info": true, "warn": true, "warning": true, "error": true, "trace": true, "fatal": true,
	"prod": true, "production": true, "staging": true, "dev": true, "development": true, "test": true, "local": true,
	"json": true, "text": true, "http": true, "https": true, "enabled": true, "disabled": true, "auto": true, "default": true,
}

// nameToken is the class-like token a redacted value keeps for a bare word:
// "#name=" and its NameHash.
const nameToken = "#name="

// NameHash is what is kept of a bare word: the first 8 hex digits of a
// SHA-256 of it. Among a few thousand bucket and topic names a false match
// is about one in a million, while 32 bits say little about a word that is
// not one of them (each value shares its hash with billions of others).
func NameHash(word string) string {
	sum := sha256.Sum256([]byte("runlens-name\x00" + word))
	return hex.EncodeToString(sum[:4])
}

func validNameToken(tok string) bool {
	h, ok := strings.CutPrefix(tok, nameToken)
	if !ok || len(h) != 8 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// refsOf returns the references a literal value names: gs:// buckets,
// topics, secrets, KMS keys, a Cloud SQL connection name, or (for a bare
// word that is none of these and not a secret by its form) the word's
// NameHash. A redacted value (a stored snapshot read again) gives what its
// tokens kept.
func refsOf(v, field string) []Ref {
	var out []Ref
	s, redacted := strings.CutPrefix(v, Redacted)
	for _, m := range bucketRef.FindAllStringSubmatch(s, -1) {
		out = append(out, Ref{Kind: RefBucket, Value: m[1], Field: field})
	}
	for _, t := range topicRef.FindAllString(s, -1) {
		out = append(out, Ref{Kind: RefTopic, Value: t, Field: field})
	}
	for _, k := range kmsKeyRef.FindAllString(s, -1) {
		out = append(out, Ref{Kind: RefKMSKey, Value: k, Field: field})
	}
	if !strings.Contains(s, "/cryptoKeys/") {
		for _, m := range secretRef.FindAllStringSubmatch(s, -1) {
			out = append(out, Ref{Kind: RefSecret, Value: m[1], Version: m[2], Field: field})
		}
	}
	if redacted {
		for _, tok := range strings.Fields(s) {
			switch {
			case validNameToken(tok):
				out = append(out, Ref{Kind: RefName, Value: strings.TrimPrefix(tok, nameToken), Field: field})
			case strings.HasPrefix(tok, "#sql=") && sqlConnRef.MatchString(strings.TrimPrefix(tok, "#sql=")):
				out = append(out, Ref{Kind: RefSQL, Value: strings.TrimPrefix(tok, "#sql="), Field: field})
			}
		}
		return out
	}
	for _, m := range cloudSQLPath.FindAllStringSubmatch(s, -1) {
		out = append(out, Ref{Kind: RefSQL, Value: m[1], Field: field})
	}
	if len(out) > 0 {
		return out
	}
	// A connection name, or bare words: one, or a list ("a,b", "a b").
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' }) {
		switch {
		case sqlConnRef.MatchString(w):
			out = append(out, Ref{Kind: RefSQL, Value: w, Field: field})
		case bareName.MatchString(w) && strings.ContainsAny(w, "abcdefghijklmnopqrstuvwxyz") && !settingWords[w] && classifyEnvValue(w) == "":
			out = append(out, Ref{Kind: RefName, Value: NameHash(w), Field: field})
		}
	}
	return out
}

// refTokens are the tokens a redacted value keeps for the references of
// the literal v: what refsOf reads back.
func refTokens(v string) []string {
	var toks []string
	for _, r := range refsOf(v, "") {
		switch r.Kind {
		case RefName:
			toks = append(toks, nameToken+r.Value)
		case RefSQL:
			toks = append(toks, "#sql="+r.Value)
		case RefSecret:
			t := r.Value
			if r.Version != "" {
				t += "/versions/" + r.Version
			}
			toks = append(toks, t)
		case RefBucket:
			toks = append(toks, "gs://"+r.Value)
		default:
			toks = append(toks, r.Value)
		}
	}
	return toks
}

// argRefs returns the references in a container's arguments: each argument,
// and the value of each --flag=value.
// Arguments arrive redacted (see redactArgs) or, for data never redacted,
// as written.
func argRefs(args []any) []Ref {
	var out []Ref
	for _, x := range args {
		a, ok := x.(string)
		if !ok {
			continue
		}
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		out = append(out, refsOf(a, "args")...)
	}
	return out
}

// addRef records r once (the first field that names it is kept).
func (w *Workload) addRef(rs ...Ref) {
	for _, r := range rs {
		dup := false
		for _, x := range w.Refs {
			if x.Kind == r.Kind && x.Value == r.Value {
				dup = true
				break
			}
		}
		if !dup && r.Value != "" {
			w.Refs = append(w.Refs, r)
		}
	}
}
