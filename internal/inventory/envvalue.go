package inventory

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"
	"github.com/zricethezav/gitleaks/v8/report"
)

// An env var's literal value is looked at once, when the record is read, and
// replaced (see redactEnv) by Redacted followed by one class token saying
// what the value was, and the resource references it named:
//
//	runlens:redacted #secret=private-key
//	runlens:redacted #ref projects/p/secrets/db/versions/3
//	runlens:redacted gs://invoices
//
// The class token is what env-plaintext-secret reads; the value itself is
// never kept, logged or shown.
const (
	classRef    = "#ref"     // a reference: a resource name (Secret Manager, KMS), sm://, ${...}
	classPath   = "#path"    // a file system path (GOOGLE_APPLICATION_CREDENTIALS=/secrets/sa.json)
	classSecret = "#secret=" // a secret by its form, whatever its name; the reason follows
)

// Reasons a value is a secret by its form.
const (
	reasonPrivateKey     = "private-key"
	reasonURLCredentials = "url-credentials"
	reasonGitleaks       = "gitleaks:" // followed by the gitleaks rule ID
)

var (
	// privateKeyHeader matches PEM, OpenSSH and PGP private key headers.
	privateKeyHeader = regexp.MustCompile(`-----BEGIN[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----`)
	// urlCredentials matches scheme://user:password@ with a non-empty
	// password (postgres://app:hunter2@10.0.0.3/db).
	urlCredentials = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@`)
	// placeholder is a value that only names something filled in later:
	// ${VAR}, $(VAR), $VAR, <password>, or a row of asterisks.
	placeholder = regexp.MustCompile(`^(?:\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|<[^<>]*>|\*+|x{3,}|X{3,})$`)
	// resourceName is a Google Cloud resource name (a Secret Manager secret
	// or version an app resolves at run time with its own identity, a KMS
	// key, a topic), relative or full: it names a resource, it is not a
	// credential.
	resourceName = regexp.MustCompile(`^(?://[a-z0-9.-]+\.googleapis\.com/)?(?:projects|organizations|folders)/[A-Za-z0-9][-A-Za-z0-9.:_]*(?:/[A-Za-z][A-Za-z0-9]*/[A-Za-z0-9][-A-Za-z0-9._~%+@:]*)*$`)
	// filePath is an absolute or relative file system path.
	filePath = regexp.MustCompile(`^(?:/|\./|\.\./|~/)[A-Za-z0-9._/@+=,-]*$`)
)

// runtimeSchemes are reference schemes that secret loaders resolve at start:
// sm:// and berglas:// (github.com/GoogleCloudPlatform/berglas), and
// secret:// (several frameworks' Secret Manager resolvers).
var runtimeSchemes = []string{"sm://", "berglas://", "secret://", "gcpsm://"}

// gitleaks is the value detector: gitleaks' maintained rule set (about 220
// rules for provider token formats: GCP API keys, GitHub, Slack, Stripe,
// AWS, ...), used as a library. It is built once, on first use (it takes
// ~90 ms), and is safe for concurrent use: Detect only reads its rules.
var gitleaks = sync.OnceValues(func() (*valueDetector, error) {
	// gitleaks logs through a package logger; some of its debug lines carry
	// the secret. Nothing of it may reach runlens's output.
	logging.Logger = zerolog.Nop()
	d, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		return nil, err
	}
	return newValueDetector(d), nil
})

// valueDetector asks gitleaks about a value only when one of its rules
// could match. gitleaks runs a rule with keywords only on text holding one
// of them (its own prefilter), and a rule without keywords always; but
// building that prefilter's answer costs it ~30 µs a value (it lowercases
// every rule's keywords on every call), which at 20,000 services was half a
// read. Here the keywords are matched once, in one pass over the value:
// none matching leaves only the rules without keywords to run. Findings are
// exactly gitleaks' own.
type valueDetector struct {
	all *detect.Detector
	// keywords are every rule's keywords, lower case, by their first
	// keyLen bytes.
	keywords map[string][]string
	keyLen   int
	bare     *detect.Detector // the rules without keywords; nil if none
}

func newValueDetector(d *detect.Detector) *valueDetector {
	v := &valueDetector{all: d, keywords: map[string][]string{}, keyLen: math.MaxInt}
	var kws []string
	bare := d.Config
	bare.Rules = map[string]config.Rule{}
	for id, r := range d.Config.Rules {
		if len(r.Keywords) == 0 {
			bare.Rules[id] = r
			continue
		}
		for _, k := range r.Keywords {
			if k = strings.ToLower(k); k != "" && !slices.Contains(kws, k) {
				kws = append(kws, k)
				v.keyLen = min(v.keyLen, len(k))
			}
		}
	}
	for _, k := range kws {
		v.keywords[k[:v.keyLen]] = append(v.keywords[k[:v.keyLen]], k)
	}
	if len(bare.Rules) > 0 {
		v.bare = detect.NewDetector(bare)
	}
	return v
}

// hasKeyword reports whether s (lower case) holds a keyword of a rule.
func (v *valueDetector) hasKeyword(s string) bool {
	for i := 0; i+v.keyLen <= len(s); i++ {
		for _, k := range v.keywords[s[i:i+v.keyLen]] {
			if strings.HasPrefix(s[i:], k) {
				return true
			}
		}
	}
	return false
}

// detect returns what gitleaks finds in s.
func (v *valueDetector) detect(s string) []report.Finding {
	if v.hasKeyword(strings.ToLower(s)) {
		return v.all.DetectString(s)
	}
	if v.bare != nil {
		return v.bare.DetectString(s)
	}
	return nil
}

// minDetectLen is the shortest value handed to the detector: no token format
// it knows is shorter.
const minDetectLen = 8

// classifyEnvValue returns the class token of a literal env var value: ""
// for a plain literal, or classRef, classPath or classSecret+reason. A
// value that is a secret by its form is one whatever else it looks like.
func classifyEnvValue(v string) string {
	s := strings.TrimSpace(v)
	if s == "" {
		return ""
	}
	if privateKeyHeader.MatchString(s) {
		return classSecret + reasonPrivateKey
	}
	for _, m := range urlCredentials.FindAllStringSubmatch(s, -1) {
		if !placeholder.MatchString(m[1]) {
			return classSecret + reasonURLCredentials
		}
	}
	// A reference or a path is no token: the detector is not asked.
	if placeholder.MatchString(s) || resourceName.MatchString(s) {
		return classRef
	}
	for _, scheme := range runtimeSchemes {
		if strings.HasPrefix(s, scheme) {
			return classRef
		}
	}
	if filePath.MatchString(s) {
		return classPath
	}
	if len(s) >= minDetectLen {
		if d, err := gitleaks(); err == nil {
			for _, f := range d.detect(s) {
				if validReason(f.RuleID) {
					return classSecret + reasonGitleaks + f.RuleID
				}
			}
		}
	}
	return ""
}

// validReason reports whether a detector rule ID can go into a class token:
// one word of letters, digits, '-', '_' and '.'.
func validReason(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// validClass reports whether tok is a class token classifyEnvValue makes.
func validClass(tok string) bool {
	switch {
	case tok == classRef, tok == classPath:
		return true
	case strings.HasPrefix(tok, classSecret):
		reason := strings.TrimPrefix(tok, classSecret)
		if r, ok := strings.CutPrefix(reason, reasonGitleaks); ok {
			return validReason(r)
		}
		return reason == reasonPrivateKey || reason == reasonURLCredentials
	}
	return false
}

// newEnvVar returns the EnvVar of a literal value v (nil when the entry has
// none), read from a redacted value or, for data that was never redacted,
// classified here.
func newEnvVar(name string, v *string) EnvVar {
	ev := EnvVar{Name: name}
	if v == nil || *v == "" {
		return ev
	}
	class := ""
	if rest, ok := strings.CutPrefix(*v, Redacted); ok {
		for _, tok := range strings.Fields(rest) {
			if validClass(tok) {
				class = tok
				break
			}
		}
	} else {
		class = classifyEnvValue(*v)
	}
	switch {
	case class == classRef:
		ev.Runtime = true
	case class == classPath:
		ev.Literal, ev.Path = true, true
	case strings.HasPrefix(class, classSecret):
		ev.Literal, ev.SecretForm = true, strings.TrimPrefix(class, classSecret)
	default:
		ev.Literal = true
	}
	return ev
}

// SecretFormText explains a SecretForm reason to a reader.
func SecretFormText(reason string) string {
	switch {
	case reason == reasonPrivateKey:
		return "the value is a private key"
	case reason == reasonURLCredentials:
		return "the value is a URL with a password in it"
	case strings.HasPrefix(reason, reasonGitleaks):
		return "the value has the form of a known credential (gitleaks rule " + strings.TrimPrefix(reason, reasonGitleaks) + ")"
	}
	return "the value has the form of a secret"
}
