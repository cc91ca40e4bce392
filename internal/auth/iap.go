// Package auth verifies who is calling runlens and what they may do.
//
// In production runlens sits behind Identity-Aware Proxy (IAP), and every
// request must carry a signed IAP assertion in the [AssertionHeader] header.
// A [Verifier] checks that assertion and yields the caller's [Identity].
// [CheckDevAddr] guards the development mode that skips IAP, and [Role]
// describes what a user may do inside runlens.
//
// The package holds no HTTP middleware: handlers own HTTP and call
// [Verifier.FromRequest].
package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/api/idtoken"
	"google.golang.org/api/option"
)

// AssertionHeader is the request header in which IAP passes its signed JWT.
// It is the only header [Verifier.FromRequest] reads; in particular
// X-Goog-Authenticated-User-Email is never trusted.
const AssertionHeader = "x-goog-iap-jwt-assertion"

// ErrInvalidAssertion is returned, wrapped with a reason, whenever an IAP
// assertion is missing or fails verification. Test for it with [errors.Is].
// Error texts never contain the assertion.
var ErrInvalidAssertion = errors.New("auth: invalid assertion")

const (
	// iapIssuer is the only issuer IAP uses.
	iapIssuer = "https://cloud.google.com/iap"
	// clockSkew is the leeway allowed on exp and iat.
	clockSkew = 30 * time.Second
	// maxAssertionLen bounds the work done on an untrusted string. Real IAP
	// assertions are well under 2 KiB.
	maxAssertionLen = 8 << 10
	// es256SigLen is the length of a raw ES256 signature: r || s, 32 bytes each.
	es256SigLen = 64
	// defaultFetchTimeout bounds a fetch of IAP's JWK set.
	defaultFetchTimeout = 10 * time.Second
)

// Identity is the verified caller. Subject is the stable key for the user;
// Email is for display only.
type Identity struct {
	Subject string
	Email   string
}

// Verifier verifies IAP assertions for one audience. It is safe for
// concurrent use.
//
// Signatures are checked with google.golang.org/api/idtoken against IAP's JWK
// set (https://www.gstatic.com/iap/verify/public_key-jwk), fetched through the
// configured HTTP client and cached as that response's Cache-Control allows.
// idtoken alone is not enough: it accepts RS256 tokens signed by any Google
// service account key, does not check the issuer or iat, and panics on an
// ES256 signature shorter than 32 bytes. Verify therefore parses and checks
// the token itself first and hands idtoken only well-formed ES256 tokens with
// a 64-byte signature.
type Verifier struct {
	audience  string
	now       func() time.Time
	validator *idtoken.Validator
}

// Option configures a [Verifier].
type Option func(*config)

type config struct {
	client *http.Client
	now    func() time.Time
}

// WithHTTPClient sets the client used to fetch IAP's JWK set. Tests use it to
// serve their own keys. A nil client is ignored. The default client has a
// 10 s timeout.
func WithHTTPClient(c *http.Client) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.client = c
		}
	}
}

// WithClock sets the clock used for the exp and iat checks. A nil clock is
// ignored. The default is [time.Now].
//
// idtoken checks exp once more against [time.Now] with no leeway, so the
// clock cannot make a token that has expired in real time acceptable.
func WithClock(now func() time.Time) Option {
	return func(cfg *config) {
		if now != nil {
			cfg.now = now
		}
	}
}

// NewVerifier returns a Verifier that accepts only assertions issued by IAP
// for audience, such as "/projects/PROJECT_NUMBER/global/backendServices/ID".
// The audience is required. NewVerifier does no network I/O; keys are fetched
// on first use.
func NewVerifier(ctx context.Context, audience string, opts ...Option) (*Verifier, error) {
	if strings.TrimSpace(audience) == "" {
		return nil, errors.New("auth: new verifier: audience is required")
	}
	cfg := config{
		client: &http.Client{Timeout: defaultFetchTimeout},
		now:    time.Now,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	validator, err := idtoken.NewValidator(ctx, option.WithHTTPClient(cfg.client))
	if err != nil {
		return nil, fmt.Errorf("auth: new verifier: %w", err)
	}
	return &Verifier{audience: audience, now: cfg.now, validator: validator}, nil
}

// FromRequest verifies the assertion in r's [AssertionHeader] header, using
// r's context for the key fetch. It reads no other header: a request that
// carries only X-Goog-Authenticated-User-Email is rejected. A request with
// no assertion, or with more than one, fails with [ErrInvalidAssertion].
func (v *Verifier) FromRequest(r *http.Request) (Identity, error) {
	values := r.Header.Values(AssertionHeader)
	switch len(values) {
	case 0:
		return Identity{}, fmt.Errorf("%w: missing %s header", ErrInvalidAssertion, AssertionHeader)
	case 1:
		return v.Verify(r.Context(), values[0])
	default:
		return Identity{}, fmt.Errorf("%w: more than one %s header", ErrInvalidAssertion, AssertionHeader)
	}
}

// Verify checks an IAP assertion and returns the identity it asserts. The
// assertion must be a compact JWS with header alg "ES256" and a kid, a 64-byte
// signature by a key in IAP's JWK set, iss "https://cloud.google.com/iap", aud
// equal to the Verifier's audience, exp not more than 30 s in the past, iat
// not more than 30 s in the future, and non-empty sub and email claims.
// idtoken, which checks the signature, also rejects a token whose exp has
// passed by [time.Now], with no leeway.
//
// Every failure wraps [ErrInvalidAssertion], including a failure to fetch the
// keys (the request is refused either way); the underlying error, if any, is
// wrapped too. Verify never panics on any input.
func (v *Verifier) Verify(ctx context.Context, assertion string) (Identity, error) {
	c, err := v.check(assertion)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %s", ErrInvalidAssertion, err)
	}
	// Only now is idtoken safe to call: alg is ES256 and the signature is
	// exactly 64 bytes, so it cannot fall back to RS256 or slice out of range.
	if _, err := v.validator.Validate(ctx, assertion, v.audience); err != nil {
		return Identity{}, fmt.Errorf("%w: signature: %w", ErrInvalidAssertion, err)
	}
	return Identity{Subject: c.Subject, Email: c.Email}, nil
}

// header is the part of a JOSE header that Verify reads.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
}

// claims is the part of an IAP assertion's payload that Verify reads. Times
// are pointers so that a missing claim can be told from zero.
type claims struct {
	Issuer   string `json:"iss"`
	Audience string `json:"aud"`
	Expires  *int64 `json:"exp"`
	IssuedAt *int64 `json:"iat"`
	Subject  string `json:"sub"`
	Email    string `json:"email"`
}

// b64 is the strict unpadded base64url encoding JWS uses.
var b64 = base64.RawURLEncoding.Strict()

// check does every check on assertion that needs no key. Its errors are
// reasons only, without the ErrInvalidAssertion prefix, and never quote the
// assertion or any value taken from it.
func (v *Verifier) check(assertion string) (claims, error) {
	if assertion == "" {
		return claims{}, errors.New("empty")
	}
	if len(assertion) > maxAssertionLen {
		return claims{}, errors.New("too long")
	}
	// Base64 decoding skips CR and LF; refuse anything outside the
	// base64url alphabet and the two separators so that the signed bytes
	// are exactly the bytes seen.
	for i := 0; i < len(assertion); i++ {
		if !isJWSByte(assertion[i]) {
			return claims{}, errors.New("not a compact JWT")
		}
	}
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return claims{}, errors.New("not a compact JWT")
	}

	raw, err := b64.DecodeString(parts[0])
	if err != nil {
		return claims{}, errors.New("malformed header encoding")
	}
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return claims{}, errors.New("malformed header")
	}
	if h.Alg != "ES256" {
		return claims{}, errors.New("algorithm is not ES256")
	}
	if h.Kid == "" {
		return claims{}, errors.New("missing kid")
	}
	if h.Crit != nil {
		return claims{}, errors.New("unsupported crit header")
	}

	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return claims{}, errors.New("malformed signature encoding")
	}
	if len(sig) != es256SigLen {
		return claims{}, fmt.Errorf("signature is %d bytes, want %d", len(sig), es256SigLen)
	}

	raw, err = b64.DecodeString(parts[1])
	if err != nil {
		return claims{}, errors.New("malformed claims encoding")
	}
	var c claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return claims{}, errors.New("malformed claims")
	}
	if c.Issuer != iapIssuer {
		return claims{}, errors.New("wrong issuer")
	}
	if c.Audience != v.audience {
		return claims{}, errors.New("wrong audience")
	}
	if c.Expires == nil {
		return claims{}, errors.New("missing exp")
	}
	if c.IssuedAt == nil {
		return claims{}, errors.New("missing iat")
	}
	now := v.now().Unix()
	skew := int64(clockSkew / time.Second)
	// Subtract from now rather than add to the claims, which may be huge.
	if now-skew > *c.Expires {
		return claims{}, errors.New("expired")
	}
	if *c.IssuedAt > now+skew {
		return claims{}, errors.New("issued in the future")
	}
	if c.Subject == "" {
		return claims{}, errors.New("missing sub")
	}
	if c.Email == "" {
		return claims{}, errors.New("missing email")
	}
	return c, nil
}

// isJWSByte reports whether b may appear in a compact JWS: the base64url
// alphabet or the '.' separator.
func isJWSByte(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' ||
		b == '-' || b == '_' || b == '.'
}
