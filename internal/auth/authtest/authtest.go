// Package authtest issues IAP assertions for tests: an ES256 key of its own,
// a JWK set served to the verifier through an http.Client (no network), and
// signed tokens with the claims IAP sends.
package authtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"
)

// KeysURL is where IAP publishes its JWK set; the verifier fetches it
// through the client Issuer.HTTPClient returns.
const KeysURL = "https://www.gstatic.com/iap/verify/public_key-jwk"

// Issuer signs IAP-like assertions.
type Issuer struct {
	key  *ecdsa.PrivateKey
	kid  string
	jwks []byte
}

// NewIssuer returns an issuer with a fresh P-256 key.
func NewIssuer() (*Issuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding.EncodeToString
	iss := &Issuer{key: key, kid: "authtest-es256"}
	iss.jwks, err = json.Marshal(map[string]any{"keys": []map[string]string{
		{"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": iss.kid, "x": enc(pub[1:33]), "y": enc(pub[33:])},
	}})
	return iss, err
}

// HTTPClient serves the issuer's JWK set at KeysURL and 404 elsewhere.
func (iss *Issuer) HTTPClient() *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		if r.URL.String() == KeysURL {
			rec.Header().Set("Content-Type", "application/json")
			rec.Header().Set("Cache-Control", "public, max-age=300")
			_, _ = rec.Write(iss.jwks)
		} else {
			rec.WriteHeader(http.StatusNotFound)
		}
		resp := rec.Result()
		resp.Request = r
		return resp, nil
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Token returns an ES256 assertion for audience, valid from now for ten
// minutes, for the user sub with email.
func (iss *Issuer) Token(audience, sub, email string, now time.Time) (string, error) {
	return iss.Sign(map[string]any{
		"iss": "https://cloud.google.com/iap", "aud": audience, "sub": sub, "email": email,
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	})
}

// Sign signs arbitrary claims with the issuer's key (for negative tests).
func (iss *Issuer) Sign(claims map[string]any) (string, error) {
	h, err := json.Marshal(map[string]any{"alg": "ES256", "typ": "JWT", "kid": iss.kid})
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, iss.key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
