package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testAudience = "/projects/123456789/global/backendServices/987654321"
	testSubject  = "accounts.google.com:1234567890"
	testEmail    = "alice@example.com"

	// The URLs idtoken fetches keys from: ES256 keys from IAP's set, RS256
	// keys from Google's service account set.
	iapKeysURL = "https://www.gstatic.com/iap/verify/public_key-jwk"
	saKeysURL  = "https://www.googleapis.com/oauth2/v3/certs"

	ecKID    = "test-es256"
	rsaKID   = "test-rs256"
	otherKID = "not-in-set"
)

type testKeys struct {
	ec    *ecdsa.PrivateKey // its public key is in the test JWK set
	other *ecdsa.PrivateKey // not in the set
	rsa   *rsa.PrivateKey   // its public key is in the test JWK set
	jwks  []byte
}

// keys generates the test keys once per test binary; RSA generation is slow.
var keys = sync.OnceValue(func() testKeys {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	pub, err := ec.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	set := map[string]any{"keys": []map[string]string{
		{"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": ecKID, "x": enc(pub[1:33]), "y": enc(pub[33:])},
		{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": rsaKID, "n": enc(rk.N.Bytes()), "e": enc(big.NewInt(int64(rk.E)).Bytes())},
	}}
	jwks, err := json.Marshal(set)
	if err != nil {
		panic(err)
	}
	return testKeys{ec: ec, other: other, rsa: rk, jwks: jwks}
})

// keyServer serves the test JWK set at both of idtoken's key URLs, so that
// an RS256 token signed with the test RSA key would pass idtoken alone.
type keyServer struct {
	jwks    []byte
	status  int
	fetches atomic.Int32
}

func (s *keyServer) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	switch u := r.URL.String(); {
	case s.status != 0:
		rec.WriteHeader(s.status)
	case u == iapKeysURL || u == saKeysURL:
		s.fetches.Add(1)
		rec.Header().Set("Content-Type", "application/json")
		rec.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = rec.Write(s.jwks)
	default:
		rec.WriteHeader(http.StatusNotFound)
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// testNow is the test clock: real time, so that idtoken's own exp check (which
// uses time.Now) agrees with the Verifier's.
var testNow = time.Now().Truncate(time.Second)

func newTestVerifier(t testing.TB, ks *keyServer) *Verifier {
	t.Helper()
	if ks == nil {
		ks = &keyServer{jwks: keys().jwks}
	}
	v, err := NewVerifier(context.Background(), testAudience,
		WithHTTPClient(&http.Client{Transport: ks}),
		WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatalf("NewVerifier() error = %v", err)
	}
	return v
}

func validHeader() map[string]any {
	return map[string]any{"alg": "ES256", "typ": "JWT", "kid": ecKID}
}

func validClaims() map[string]any {
	return map[string]any{
		"iss":   iapIssuer,
		"aud":   testAudience,
		"iat":   testNow.Add(-10 * time.Second).Unix(),
		"exp":   testNow.Add(10 * time.Minute).Unix(),
		"sub":   testSubject,
		"email": testEmail,
		"hd":    "example.com",
	}
}

func segment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signES256 returns a compact JWS signed with key, with the raw 64-byte
// r || s signature.
func signES256(t testing.TB, key *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	input := segment(t, header) + "." + segment(t, claims)
	h := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func signRS256(t testing.TB, key *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	input := segment(t, header) + "." + segment(t, claims)
	h := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func signHS256(t testing.TB, secret []byte, header, claims map[string]any) string {
	t.Helper()
	input := segment(t, header) + "." + segment(t, claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// withSig replaces the signature of token with sig.
func withSig(token string, sig []byte) string {
	i := strings.LastIndexByte(token, '.')
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func with(m map[string]any, key string, value any) map[string]any {
	m[key] = value
	return m
}

func without(m map[string]any, key string) map[string]any {
	delete(m, key)
	return m
}

func TestVerify(t *testing.T) {
	k := keys()
	valid := signES256(t, k.ec, validHeader(), validClaims())
	parts := strings.Split(valid, ".")

	tests := []struct {
		name    string
		token   string
		wantErr bool
	}{
		{"valid", valid, false},
		{"iat in the future within skew", signES256(t, k.ec, validHeader(), with(validClaims(), "iat", testNow.Add(20*time.Second).Unix())), false},

		{"wrong audience", signES256(t, k.ec, validHeader(), with(validClaims(), "aud", "/projects/1/global/backendServices/2")), true},
		{"audience prefix", signES256(t, k.ec, validHeader(), with(validClaims(), "aud", testAudience+"0")), true},
		{"audience as list", signES256(t, k.ec, validHeader(), with(validClaims(), "aud", []string{testAudience})), true},
		{"missing audience", signES256(t, k.ec, validHeader(), without(validClaims(), "aud")), true},
		{"wrong issuer", signES256(t, k.ec, validHeader(), with(validClaims(), "iss", "https://accounts.google.com")), true},
		{"issuer with trailing slash", signES256(t, k.ec, validHeader(), with(validClaims(), "iss", iapIssuer+"/")), true},
		{"missing issuer", signES256(t, k.ec, validHeader(), without(validClaims(), "iss")), true},
		{"expired", signES256(t, k.ec, validHeader(), with(validClaims(), "exp", testNow.Add(-time.Minute).Unix())), true},
		{"missing exp", signES256(t, k.ec, validHeader(), without(validClaims(), "exp")), true},
		{"exp not a number", signES256(t, k.ec, validHeader(), with(validClaims(), "exp", "never")), true},
		{"iat in the future", signES256(t, k.ec, validHeader(), with(validClaims(), "iat", testNow.Add(time.Minute).Unix())), true},
		{"missing iat", signES256(t, k.ec, validHeader(), without(validClaims(), "iat")), true},
		{"missing sub", signES256(t, k.ec, validHeader(), without(validClaims(), "sub")), true},
		{"missing email", signES256(t, k.ec, validHeader(), without(validClaims(), "email")), true},

		{"alg none, no signature", segment(t, map[string]any{"alg": "none"}) + "." + parts[1] + ".", true},
		{"alg none, 64-byte signature", segment(t, map[string]any{"alg": "none", "kid": ecKID}) + "." + parts[1] + "." + parts[2], true},
		{"alg es256 lower case", signES256(t, k.ec, with(validHeader(), "alg", "es256"), validClaims()), true},
		{"HS256 keyed with the JWK set", signHS256(t, k.jwks, with(validHeader(), "alg", "HS256"), validClaims()), true},
		{"RS256 by a key in the set", signRS256(t, k.rsa, map[string]any{"alg": "RS256", "typ": "JWT", "kid": rsaKID}, validClaims()), true},
		{"ES256 naming the RSA key", signES256(t, k.ec, with(validHeader(), "kid", rsaKID), validClaims()), true},
		{"missing kid", signES256(t, k.ec, without(validHeader(), "kid"), validClaims()), true},
		{"unknown kid", signES256(t, k.ec, with(validHeader(), "kid", otherKID), validClaims()), true},
		{"crit header", signES256(t, k.ec, with(validHeader(), "crit", []string{"exp"}), validClaims()), true},
		{"signed by a different key", signES256(t, k.other, validHeader(), validClaims()), true},
		{"claims changed after signing", parts[0] + "." + segment(t, with(validClaims(), "email", "mallory@example.com")) + "." + parts[2], true},

		{"signature truncated to 10 bytes", withSig(valid, make([]byte, 10)), true},
		{"signature 31 bytes", withSig(valid, bytes.Repeat([]byte{1}, 31)), true},
		{"signature 33 bytes", withSig(valid, bytes.Repeat([]byte{1}, 33)), true},
		{"signature 63 bytes", withSig(valid, bytes.Repeat([]byte{1}, 63)), true},
		{"signature 65 bytes", withSig(valid, bytes.Repeat([]byte{1}, 65)), true},
		{"signature 64 zero bytes", withSig(valid, make([]byte, 64)), true},
		{"signature 64 bytes of 0xff", withSig(valid, bytes.Repeat([]byte{0xff}, 64)), true},
		{"empty signature", parts[0] + "." + parts[1] + ".", true},
		{"padded signature", valid + "=", true},
		{"newline inside", parts[0] + ".\n" + parts[1] + "." + parts[2], true},

		{"empty", "", true},
		{"garbage", "not a jwt", true},
		{"two parts", parts[0] + "." + parts[1], true},
		{"four parts", valid + "." + parts[2], true},
		{"dots only", "..", true},
		{"header not base64", "!!!." + parts[1] + "." + parts[2], true},
		{"header not JSON", base64.RawURLEncoding.EncodeToString([]byte("hello")) + "." + parts[1] + "." + parts[2], true},
		{"claims not JSON", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("[1,2]")) + "." + parts[2], true},
		{"header is null", base64.RawURLEncoding.EncodeToString([]byte("null")) + "." + parts[1] + "." + parts[2], true},
		{"too long", parts[0] + "." + strings.Repeat("A", maxAssertionLen) + "." + parts[2], true},
	}
	v := newTestVerifier(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tc.token)
			if !tc.wantErr {
				want := Identity{Subject: testSubject, Email: testEmail}
				if err != nil || got != want {
					t.Fatalf("Verify() = %+v, %v; want %+v, nil", got, err, want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify() = %+v, nil; want error", got)
			}
			if !errors.Is(err, ErrInvalidAssertion) {
				t.Errorf("Verify() error = %v; want errors.Is(err, ErrInvalidAssertion)", err)
			}
			if got != (Identity{}) {
				t.Errorf("Verify() identity = %+v on error; want zero", got)
			}
			assertNoLeak(t, err, tc.token)
		})
	}
}

// assertNoLeak fails if err's text contains token or any sizeable part of it.
func assertNoLeak(t *testing.T, err error, token string) {
	t.Helper()
	msg := err.Error()
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("error %q contains part of the token", msg)
		}
	}
}

// TestCheckSkew tests the exp leeway on the checks Verify does before
// idtoken, which itself re-checks exp against real time with no leeway.
func TestCheckSkew(t *testing.T) {
	v := newTestVerifier(t, nil)
	tests := []struct {
		name    string
		exp     time.Time
		iat     time.Time
		wantErr bool
	}{
		{"fresh", testNow.Add(time.Minute), testNow, false},
		{"expired within skew", testNow.Add(-29 * time.Second), testNow.Add(-time.Minute), false},
		{"expired at skew", testNow.Add(-30 * time.Second), testNow.Add(-time.Minute), false},
		{"expired beyond skew", testNow.Add(-31 * time.Second), testNow.Add(-time.Minute), true},
		{"issued at skew", testNow.Add(time.Minute), testNow.Add(30 * time.Second), false},
		{"issued beyond skew", testNow.Add(time.Minute), testNow.Add(31 * time.Second), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := with(with(validClaims(), "exp", tc.exp.Unix()), "iat", tc.iat.Unix())
			_, err := v.check(signES256(t, keys().ec, validHeader(), c))
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("check(exp=%v, iat=%v) error = %v; want error %t", tc.exp, tc.iat, err, tc.wantErr)
			}
		})
	}
}

func TestFromRequest(t *testing.T) {
	valid := signES256(t, keys().ec, validHeader(), validClaims())
	tests := []struct {
		name    string
		header  http.Header
		wantErr bool
	}{
		{"assertion", http.Header{"X-Goog-Iap-Jwt-Assertion": {valid}}, false},
		{"assertion and email", http.Header{"X-Goog-Iap-Jwt-Assertion": {valid}, "X-Goog-Authenticated-User-Email": {"accounts.google.com:bob@example.com"}}, false},
		{"no headers", http.Header{}, true},
		{"only email header", http.Header{
			"X-Goog-Authenticated-User-Email": {"accounts.google.com:" + testEmail},
			"X-Goog-Authenticated-User-Id":    {testSubject},
		}, true},
		{"empty assertion", http.Header{"X-Goog-Iap-Jwt-Assertion": {""}}, true},
		{"two assertions", http.Header{"X-Goog-Iap-Jwt-Assertion": {valid, valid}}, true},
		{"invalid assertion", http.Header{"X-Goog-Iap-Jwt-Assertion": {"a.b.c"}}, true},
	}
	v := newTestVerifier(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header = tc.header
			got, err := v.FromRequest(r)
			if !tc.wantErr {
				want := Identity{Subject: testSubject, Email: testEmail}
				if err != nil || got != want {
					t.Fatalf("FromRequest(%v) = %+v, %v; want %+v, nil", tc.name, got, err, want)
				}
				return
			}
			if !errors.Is(err, ErrInvalidAssertion) {
				t.Errorf("FromRequest(%v) = %+v, %v; want ErrInvalidAssertion", tc.name, got, err)
			}
		})
	}
}

func TestNewVerifierAudience(t *testing.T) {
	for _, aud := range []string{"", "  "} {
		if _, err := NewVerifier(context.Background(), aud); err == nil {
			t.Errorf("NewVerifier(%q) error = nil; want error", aud)
		}
	}
}

func TestVerifyKeyFetch(t *testing.T) {
	valid := signES256(t, keys().ec, validHeader(), validClaims())

	t.Run("keys cached", func(t *testing.T) {
		ks := &keyServer{jwks: keys().jwks}
		v := newTestVerifier(t, ks)
		for range 3 {
			if _, err := v.Verify(context.Background(), valid); err != nil {
				t.Fatalf("Verify() error = %v; want nil", err)
			}
		}
		if got := ks.fetches.Load(); got != 1 {
			t.Errorf("key set fetched %d times; want 1", got)
		}
	})

	t.Run("key server down", func(t *testing.T) {
		v := newTestVerifier(t, &keyServer{status: http.StatusInternalServerError})
		_, err := v.Verify(context.Background(), valid)
		if !errors.Is(err, ErrInvalidAssertion) {
			t.Errorf("Verify() error = %v; want ErrInvalidAssertion", err)
		}
	})

	t.Run("key set not JSON", func(t *testing.T) {
		v := newTestVerifier(t, &keyServer{jwks: []byte("<html>")})
		_, err := v.Verify(context.Background(), valid)
		if !errors.Is(err, ErrInvalidAssertion) {
			t.Errorf("Verify() error = %v; want ErrInvalidAssertion", err)
		}
	})

	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		v, err := NewVerifier(context.Background(), testAudience,
			WithHTTPClient(&http.Client{Transport: ctxTransport{}}),
			WithClock(func() time.Time { return testNow }))
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(ctx, valid)
		if !errors.Is(err, ErrInvalidAssertion) || !errors.Is(err, context.Canceled) {
			t.Errorf("Verify() error = %v; want ErrInvalidAssertion and context.Canceled", err)
		}
	})
}

// ctxTransport serves the test JWK set unless the request's context is
// done, as net/http's transport would.
type ctxTransport struct{}

func (ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(keys().jwks)), Request: r}, nil
}

func FuzzVerify(f *testing.F) {
	k := keys()
	valid := signES256(f, k.ec, validHeader(), validClaims())
	parts := strings.Split(valid, ".")
	seeds := []string{
		valid,
		valid[:len(valid)-1],
		valid[:len(valid)/2],
		withSig(valid, make([]byte, 10)),
		withSig(valid, make([]byte, 32)),
		withSig(valid, make([]byte, 33)),
		withSig(valid, make([]byte, 64)),
		parts[0] + "." + parts[1] + ".",
		segment(f, map[string]any{"alg": "none"}) + "." + parts[1] + ".",
		signRS256(f, k.rsa, map[string]any{"alg": "RS256", "kid": rsaKID}, validClaims()),
		signES256(f, k.ec, with(validHeader(), "kid", rsaKID), validClaims()),
		"",
		".",
		"..",
		"a.b.c",
		"\x00\xff",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	v := newTestVerifier(f, nil)
	f.Fuzz(func(t *testing.T, token string) {
		got, err := v.Verify(context.Background(), token)
		if err != nil {
			if !errors.Is(err, ErrInvalidAssertion) {
				t.Errorf("Verify() error = %v; want ErrInvalidAssertion", err)
			}
			assertNoLeak(t, err, token)
			return
		}
		if want := (Identity{Subject: testSubject, Email: testEmail}); got != want {
			t.Errorf("Verify() = %+v, nil; want %+v", got, want)
		}
	})
}
