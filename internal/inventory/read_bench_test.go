package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// benchRecords returns n Cloud Run service records in the export spelling.
func benchRecords(n int) []map[string]any {
	recs := make([]map[string]any, n)
	for i := range recs {
		name := fmt.Sprintf("svc-%06d", i)
		recs[i] = map[string]any{
			"name":       "//run.googleapis.com/projects/shop-prod/locations/europe-west1/services/" + name,
			"asset_type": TypeRunService,
			"resource": map[string]any{
				"version": "v2", "parent": "//cloudresourcemanager.googleapis.com/projects/123456789012", "location": "europe-west1",
				"data": map[string]any{
					"name":     "projects/shop-prod/locations/europe-west1/services/" + name,
					"ingress":  "INGRESS_TRAFFIC_ALL",
					"template": map[string]any{"serviceAccount": name + "@shop-prod.iam.gserviceaccount.com", "containers": []any{map[string]any{"image": runHello}}},
				},
			},
			"ancestors":   readAncestors,
			"update_time": "2024-05-14T09:12:33Z",
		}
	}
	return recs
}

// BenchmarkRead reads 20,000 records as export lines, as a pretty-printed
// array (gcloud asset list --format=json) and as pretty-printed objects.
func BenchmarkRead(b *testing.B) {
	recs := benchRecords(20000)
	var lines bytes.Buffer
	for _, r := range recs {
		j, _ := json.Marshal(r)
		lines.Write(j)
		lines.WriteByte('\n')
	}
	array, _ := json.MarshalIndent(recs, "", "  ")
	var objects bytes.Buffer
	for _, r := range recs {
		j, _ := json.MarshalIndent(r, "", "  ")
		objects.Write(j)
		objects.WriteByte('\n')
	}
	for _, in := range []struct {
		name string
		data []byte
	}{{"lines", lines.Bytes()}, {"array", array}, {"objects", objects.Bytes()}} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				r := NewReader()
				if err := r.Read(in.name, bytes.NewReader(in.data)); err != nil {
					b.Fatal(err)
				}
				if inv := r.Inventory(); len(inv.Assets) != len(recs) || len(inv.Problems) != 0 {
					b.Fatalf("%s: %s", in.name, inv.Summary())
				}
			}
		})
	}
}

// countingReader counts the bytes it has handed out. The count is read
// from the progress callback, which runs on the reader's joining goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Every input shape is read as a stream: records are joined while most of
// the input is still unread (a file is never held whole in memory). The
// shapes give the same assets: JSON lines go through the parallel pipeline,
// which reuses its batches of lines (tens of them here), the others do not.
func TestReadStreams(t *testing.T) {
	recs := benchRecords(20000)
	var lines, objects bytes.Buffer
	for _, r := range recs {
		j, _ := json.Marshal(r)
		lines.Write(j)
		lines.WriteByte('\n')
		j, _ = json.MarshalIndent(r, "", "  ")
		objects.Write(j)
		objects.WriteByte('\n')
	}
	array, _ := json.MarshalIndent(recs, "", "  ")
	assets := map[string][]*Asset{}
	for _, in := range []struct {
		name string
		data []byte
	}{{"lines", lines.Bytes()}, {"array", array}, {"objects", objects.Bytes()}} {
		t.Run(in.name, func(t *testing.T) {
			src := &countingReader{r: bytes.NewReader(in.data)}
			var first atomic.Int64
			first.Store(-1)
			r := NewReader()
			r.SetProgress(func(int) {
				first.CompareAndSwap(-1, src.n.Load())
			})
			if err := r.Read(in.name, src); err != nil {
				t.Fatal(err)
			}
			inv := r.Inventory()
			if len(inv.Assets) != len(recs) || len(inv.Problems) != 0 {
				t.Fatalf("%s", inv.Summary())
			}
			assets[in.name] = inv.Assets
			if f := first.Load(); f < 0 || f > int64(len(in.data)/4) {
				t.Errorf("first %d records joined after reading %d of %d bytes: the input is not streamed", progressEvery, f, len(in.data))
			}
		})
	}
	for _, shape := range []string{"array", "objects"} {
		if diff := cmp.Diff(assets["lines"], assets[shape], cmpopts.IgnoreFields(Asset{}, "Source"), equateRawJSON()); diff != "" {
			t.Errorf("assets read from JSON lines and from %s differ (-lines +%s):\n%s", shape, shape, diff)
		}
	}
}
