package scan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/graph"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
)

func readDemo(tb testing.TB) *inventory.Inventory {
	tb.Helper()
	r := inventory.NewReader()
	if err := r.ReadFS(demo.FS()); err != nil {
		tb.Fatal(err)
	}
	return r.Inventory()
}

func TestExceptedFindingsCostNothing(t *testing.T) {
	inv := readDemo(t)
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	plain := scan.Run(inv, iam.MustPredefined(), rules.All(), now, nil)
	if len(plain.Findings) == 0 {
		t.Fatal("the demo has no findings")
	}
	target := plain.Findings[0]
	excepted := scan.Run(inv, iam.MustPredefined(), rules.All(), now, func(id string) bool { return id == target.ID })
	f, ok := excepted.Finding(target.ID)
	if !ok || !f.Excepted {
		t.Fatalf("finding %s not marked excepted", target.ID)
	}
	if excepted.Scores.Organization.Score < plain.Scores.Organization.Score {
		t.Errorf("excepting a finding lowered the score: %d -> %d", plain.Scores.Organization.Score, excepted.Scores.Organization.Score)
	}
	var doc bytes.Buffer
	if err := json.NewEncoder(&doc).Encode(excepted.JSON()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc.Bytes(), []byte(`"excepted":true`)) {
		t.Error(`scan JSON lacks "excepted": true`)
	}
}

func TestTextReport(t *testing.T) {
	rep := scan.Run(readDemo(t), iam.MustPredefined(), rules.All(), time.Now(), nil)
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Organization score:", "runtime-basic-role", "binding: roles/editor"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("text report lacks %q", want)
		}
	}
	var doc bytes.Buffer
	if err := json.NewEncoder(&doc).Encode(rep.JSON()); err != nil {
		t.Fatal(err)
	}
	// The demo sets these literal values on secret-like env vars.
	for _, secret := range []string{"demo-only-not-a-real-password", "demo-only-fake-api-key", "demo-only-not-a-real-token"} {
		if bytes.Contains(out.Bytes(), []byte(secret)) || bytes.Contains(doc.Bytes(), []byte(secret)) {
			t.Errorf("scan output shows the secret value %q", secret)
		}
	}
}

// BenchmarkIngestDemo reads the embedded demo organization (both files).
func BenchmarkIngestDemo(b *testing.B) {
	var n int
	for b.Loop() {
		r := inventory.NewReader()
		if err := r.ReadFS(demo.FS()); err != nil {
			b.Fatal(err)
		}
		n = r.Inventory().Records
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkScanDemo is the DESIGN §12 target: read + graph + checks + scores
// of the demo organization, under 1 s.
func BenchmarkScanDemo(b *testing.B) {
	roles := iam.MustPredefined()
	for b.Loop() {
		r := inventory.NewReader()
		if err := r.ReadFS(demo.FS()); err != nil {
			b.Fatal(err)
		}
		scan.Run(r.Inventory(), roles, rules.All(), time.Now(), nil)
	}
}

// BenchmarkScanGenerated scans a generated organization of 100 projects x 50
// services (about 100,000 records) from memory.
func BenchmarkScanGenerated(b *testing.B) {
	var buf bytes.Buffer
	if err := demo.Generate(&buf, demo.Size{Projects: 100, ServicesPerProject: 50}, 1); err != nil {
		b.Fatal(err)
	}
	roles := iam.MustPredefined()
	var records int
	for b.Loop() {
		r := inventory.NewReader()
		if err := r.Read("generated.jsonl", bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
		inv := r.Inventory()
		records = inv.Records
		scan.Run(inv, roles, rules.All(), time.Now(), nil)
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkGraphQueries measures the explorer's queries on a generated
// organization of 100 projects x 50 services (DESIGN §12: a neighbourhood
// under 50 ms).
func BenchmarkGraphQueries(b *testing.B) {
	var buf bytes.Buffer
	if err := demo.Generate(&buf, demo.Size{Projects: 100, ServicesPerProject: 50}, 1); err != nil {
		b.Fatal(err)
	}
	r := inventory.NewReader()
	if err := r.Read("generated.jsonl", &buf); err != nil {
		b.Fatal(err)
	}
	rep := scan.Run(r.Inventory(), iam.MustPredefined(), rules.All(), time.Now(), nil)
	g := rep.Graph
	svc := rep.Scores.Services[len(rep.Scores.Services)/2].Service
	sa := g.Out(svc, graph.RunsAs)[0].To
	b.Run("neighbours-depth2", func(b *testing.B) {
		for b.Loop() {
			g.Neighbours(svc, 2, nil, 150)
		}
	})
	b.Run("who-can-invoke", func(b *testing.B) {
		for b.Loop() {
			g.WhoCanInvoke(svc, 500)
		}
	})
	b.Run("blast-radius", func(b *testing.B) {
		for b.Loop() {
			g.BlastRadius(sa, 500, nil)
		}
	})
	b.Run("search", func(b *testing.B) {
		for b.Loop() {
			g.Search("svc-0042", 25)
		}
	})
}

// WriteJSON streams the document; it must write exactly what
// encoding/json writes (the format users' pipelines parse), on the demo and
// on an organization of hostile strings (HTML, bidi, control characters).
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	hostile, err := inventory.ReadPaths("../handlers/testdata/hostile.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// A generated project of 400 services: findings that list hundreds of
	// workloads, written in several runs (findingsRun).
	var gen bytes.Buffer
	if err := demo.GenerateShape(&gen, demo.Size{Projects: 1, ServicesPerProject: 400}, demo.ShapeTeams, 1); err != nil {
		t.Fatal(err)
	}
	r := inventory.NewReader()
	if err := r.Read("generated.jsonl", &gen); err != nil {
		t.Fatal(err)
	}
	for name, inv := range map[string]*inventory.Inventory{"demo": readDemo(t), "hostile": hostile, "generated": r.Inventory()} {
		rep := scan.Run(inv, iam.MustPredefined(), rules.All(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), nil)
		want := encodingJSON(t, rep)
		var got bytes.Buffer
		if err := rep.WriteJSON(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			i := 0
			for i < min(got.Len(), want.Len()) && got.Bytes()[i] == want.Bytes()[i] {
				i++
			}
			t.Errorf("%s: WriteJSON differs from encoding/json at byte %d of %d:\n got %q\nwant %q", name, i, want.Len(),
				got.Bytes()[i:min(i+80, got.Len())], want.Bytes()[i:min(i+80, want.Len())])
		}
	}
}

// WriteJSON writes an empty findings list as encoding/json does, and stops
// at the first write that fails, saying why.
func TestWriteJSONEdges(t *testing.T) {
	r := inventory.NewReader()
	line := `{"name":"//cloudresourcemanager.googleapis.com/projects/1","asset_type":"cloudresourcemanager.googleapis.com/Project","ancestors":["projects/1"],"resource":{"version":"v1","data":{"projectNumber":"1","projectId":"p1"}}}`
	if err := r.Read("one.jsonl", strings.NewReader(line+"\n")); err != nil {
		t.Fatal(err)
	}
	rep := scan.Run(r.Inventory(), iam.MustPredefined(), rules.All(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), nil)
	want := encodingJSON(t, rep)
	var got bytes.Buffer
	if err := rep.WriteJSON(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got.Bytes(), []byte(`"findings": [],`)) || !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("WriteJSON with no findings:\n%s\nwant\n%s", got.Bytes(), want.Bytes())
	}

	demo := scan.Run(readDemo(t), iam.MustPredefined(), rules.All(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), nil)
	for _, after := range []int{0, 1, 2} { // the demo's report is about three 64 KiB writes
		fw := &failingWriter{after: after}
		if err := demo.WriteJSON(fw); !errors.Is(err, errFull) {
			t.Errorf("WriteJSON to a writer failing after %d writes = %v, want %v", after, err, errFull)
		}
	}
}

// encodingJSON is the scan document as encoding/json writes it, indented
// by two spaces: what WriteJSON must write.
func encodingJSON(t *testing.T, rep *scan.Report) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep.JSON()); err != nil {
		t.Fatal(err)
	}
	return &b
}

var errFull = errors.New("disk full")

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errFull
	}
	f.after--
	return len(p), nil
}
