package demo

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func generate(t testing.TB, s Size, seed int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Generate(&b, s, seed); err != nil {
		t.Fatalf("Generate(%v, %d): %v", s, seed, err)
	}
	return b.Bytes()
}

func TestGenerateDeterministic(t *testing.T) {
	s := Size{Projects: 3, ServicesPerProject: 8}
	a, b := generate(t, s, 42), generate(t, s, 42)
	if !bytes.Equal(a, b) {
		t.Fatal("Generate with the same size and seed wrote different bytes")
	}
	if c := generate(t, s, 43); bytes.Equal(a, c) {
		t.Error("Generate with seeds 42 and 43 wrote the same bytes")
	}
}

func TestGenerateRecords(t *testing.T) {
	for _, s := range []Size{{1, 1}, {2, 3}, {3, 40}, {21, 2}} {
		t.Run(s.String(), func(t *testing.T) {
			out := generate(t, s, 7)
			recs := readRecords(t, s.String(), bytes.NewReader(out))
			if got, want := len(recs), s.Records(); got != want {
				t.Errorf("Generate(%v) wrote %d records, Size.Records() = %d", s, got, want)
			}
			if n := bytes.Count(out, []byte("\n")); n != len(recs) {
				t.Errorf("%d newlines for %d records", n, len(recs))
			}
			ix := indexRecords(t, recs)
			checkJoins(t, ix)

			shapes := map[string]int{}
			for name, r := range ix["RESOURCE"] {
				if strings.HasPrefix(r.AssetType, "run.googleapis.com/") {
					shapes[r.AssetType+" "+r.Resource.Version]++
					if _, ok := ix["IAM_POLICY"][name]; !ok {
						t.Errorf("%s has no IAM policy", name)
					}
				}
			}
			total := 0
			for _, n := range shapes {
				total += n
			}
			if want := s.Projects * s.ServicesPerProject; total != want {
				t.Errorf("%d services and jobs, want %d", total, want)
			}
			if s.Projects*s.ServicesPerProject >= 100 {
				for _, k := range []string{"run.googleapis.com/Service v1", "run.googleapis.com/Service v2", "run.googleapis.com/Job v1", "run.googleapis.com/Job v2"} {
					if shapes[k] == 0 {
						t.Errorf("no %s in %v", k, shapes)
					}
				}
			}
		})
	}
}

// TestRecordsDocumented pins the size the package documents for benchmarks.
func TestRecordsDocumented(t *testing.T) {
	if got, want := (Size{Projects: 1000, ServicesPerProject: 50}).Records(), 1_012_103; got != want {
		t.Errorf("Size{1000, 50}.Records() = %d, want %d", got, want)
	}
	if got, want := (Size{Projects: 1, ServicesPerProject: 1}).Records(), 37; got != want {
		t.Errorf("Size{1, 1}.Records() = %d, want %d", got, want)
	}
}

// TestGenerateFindingPatterns checks a mid-size organization carries the
// patterns the checks look for.
func TestGenerateFindingPatterns(t *testing.T) {
	out := string(generate(t, Size{Projects: 10, ServicesPerProject: 50}, 1))
	for _, want := range []string{
		`"serviceAccountName":""`,                 // v1 on the default compute SA
		`-compute@developer.gserviceaccount.com"`, // ... and v2 / callers
		`"members":["allUsers"]`,
		`"members":["allAuthenticatedUsers"]`,
		`"members":["domain:example.com"]`,
		`"invokerIamDisabled":true`,
		`"run.googleapis.com/invoker-iam-disabled":"true"`,
		`"iapEnabled":true`,
		`"keyType":"USER_MANAGED"`,
		`"uniformBucketLevelAccess":{"enabled":false}`,
		`"value":"0.0.0.0/0"`,
		`"evaluationMode":"ALWAYS_ALLOW"`,
		`"enforcementMode":"DRYRUN_AUDIT_LOG_ONLY"`,
		`"image":"docker.io/`,
		`"image":"ghcr.io/`,
		`@sha256:`,
		`"name":"API_TOKEN","value":"generated-fake-`,
		`"condition":{"title":"temporary"`,
		`"roles/storage.legacyBucketWriter"`,
		`"roles/iam.serviceAccountTokenCreator"`,
		`"eventarc.googleapis.com/Trigger"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("generated organization lacks %s", want)
		}
	}
	// Push subscriptions with and without an OIDC token.
	var withOIDC, without int
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, `"pushEndpoint"`) {
			continue
		}
		if strings.Contains(line, `"oidcToken"`) {
			withOIDC++
		} else {
			without++
		}
	}
	if withOIDC == 0 || without == 0 {
		t.Errorf("push subscriptions: %d with OIDC, %d without; want both", withOIDC, without)
	}
}

func TestGenerateBadSize(t *testing.T) {
	for _, s := range []Size{{0, 1}, {1, 0}, {-1, 5}} {
		if err := Generate(io.Discard, s, 1); err == nil {
			t.Errorf("Generate(%v) = nil, want an error", s)
		}
	}
}

type failWriter struct{ after int }

var errWrite = errors.New("disk full")

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errWrite
	}
	f.after--
	return len(p), nil
}

func TestGenerateWriteError(t *testing.T) {
	err := Generate(&failWriter{after: 1}, Size{Projects: 5, ServicesPerProject: 20}, 1)
	if !errors.Is(err, errWrite) {
		t.Errorf("Generate to a failing writer = %v, want %v", err, errWrite)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    Size
		wantErr string
	}{
		{in: "1000x50", want: Size{1000, 50}},
		{in: "1x1", want: Size{1, 1}},
		{in: " 20X5 ", want: Size{20, 5}},
		{in: "1000000x1", want: Size{1000000, 1}},
		{in: "", wantErr: "want PROJECTSxSERVICES"},
		{in: "1000", wantErr: "want PROJECTSxSERVICES"},
		{in: "x50", wantErr: "projects: missing number"},
		{in: "10x", wantErr: "services per project: missing number"},
		{in: "0x50", wantErr: "projects: must be at least 1"},
		{in: "10x0", wantErr: "services per project: must be at least 1"},
		{in: "-1x5", wantErr: "not a whole number"},
		{in: "1.5x5", wantErr: "not a whole number"},
		{in: "10x5x2", wantErr: "not a whole number"},
		{in: "abcx5", wantErr: "not a whole number"},
		{in: "10 x 5", wantErr: "not a whole number"},
		{in: "99999999999999999999x1", wantErr: "too large"},
		{in: "2000x1000", wantErr: "more than the maximum"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("ParseSize(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseSize(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if back, err := ParseSize(got.String()); err != nil || back != got {
				t.Errorf("ParseSize(%q.String()) = %v, %v", tc.in, back, err)
			}
		})
	}
}

// BenchmarkGenerate reports generation throughput in records/s.
func BenchmarkGenerate(b *testing.B) {
	s := Size{Projects: 20, ServicesPerProject: 50}
	var n countWriter
	for b.Loop() {
		if err := Generate(&n, s, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(n.n / int64(b.N))
	b.ReportMetric(float64(s.Records())*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
