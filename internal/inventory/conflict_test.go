package inventory

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadConflicts: of two records of one asset and one content type, the
// one with the later update_time wins, for resources and IAM policies
// alike, whatever the order they are read in; two that differ with no
// newer one (equal times, none, only one) are a conflict naming both
// places, and the one read first is kept whole (its ancestors too); the
// same record read twice, in either spelling, is nothing to report.
func TestReadConflicts(t *testing.T) {
	path := filepath.Join("testdata", "read", "conflict.jsonl")
	inv := readPaths(t, path)
	checkProblems(t, path, inv, []problemWant{
		{ProblemConflict, 2, "both updated at 2024-05-14T09:12:33.123456Z to tell which is current: keeping the one at " + path + ":1 (read first)"},
		{ProblemConflict, 4, "neither has an update_time to tell which is current: keeping the one at " + path + ":3"},
		{ProblemDuplicate, 6, "duplicate IAM policy record for " + readSvc + " (also at " + path + ":5); keeping the newer one"},
		{ProblemConflict, 11, "only one has an update_time to tell which is current: keeping the one at " + path + ":10"},
	})
	if inv.Records != 11 || inv.Skipped != 4 {
		t.Errorf("Records, Skipped = %d, %d, want 11, 4 (the identical records are not skipped for a problem)", inv.Records, inv.Skipped)
	}
	if diff := cmp.Diff(map[string]int{readSvc: 1, readBucket: 3, readSA: 7, readProject: 10}, assetLines(inv)); diff != "" {
		t.Errorf("assets and the lines of their first records (-want +got):\n%s", diff)
	}

	svc := assetNamed(inv, readSvc)
	var sd struct {
		Ingress string `json:"ingress"`
	}
	if err := svc.Decode(&sd); err != nil {
		t.Fatal(err)
	}
	if sd.Ingress != "INGRESS_TRAFFIC_INTERNAL_ONLY" {
		t.Errorf("service ingress = %q, want line 1's INGRESS_TRAFFIC_INTERNAL_ONLY (read first, same time)", sd.Ingress)
	}
	// The newer policy was read first: the older one read after it does not replace it.
	if got, want := svc.IAMPolicy.Etag, "BwYb1c2d3f5="; got != want {
		t.Errorf("service IAM policy etag = %q, want line 5's %q (the newer, though read first)", got, want)
	}

	bucket := assetNamed(inv, readBucket)
	var bd struct {
		StorageClass string `json:"storageClass"`
	}
	if err := bucket.Decode(&bd); err != nil {
		t.Fatal(err)
	}
	if bd.StorageClass != "STANDARD" || bucket.UpdateTime != "" {
		t.Errorf("bucket storageClass, UpdateTime = %q, %q, want line 3's STANDARD, none", bd.StorageClass, bucket.UpdateTime)
	}
	if diff := cmp.Diff(readAncestors, bucket.Ancestors); diff != "" {
		t.Errorf("bucket ancestors mixed in from the record not kept (-want +got):\n%s", diff)
	}

	project := assetNamed(inv, readProject)
	for _, b := range project.IAMPolicy.Bindings {
		if b.Role == "roles/owner" {
			t.Errorf("project IAM policy has line 11's owner binding; want line 10's policy")
		}
	}
}

// TestReadConflictOrder: which of two conflicting records is kept depends
// on the order of the inputs only, and the problem says which; a newer
// record wins in either order.
func TestReadConflictOrder(t *testing.T) {
	const (
		a     = `{"name":"//storage.googleapis.com/b","asset_type":"storage.googleapis.com/Bucket","resource":{"version":"v1","data":{"name":"b","storageClass":"STANDARD"}}%s}`
		b     = `{"name":"//storage.googleapis.com/b","asset_type":"storage.googleapis.com/Bucket","resource":{"version":"v1","data":{"name":"b","storageClass":"ARCHIVE"}}%s}`
		early = `,"update_time":"2024-05-01 10:00:00 UTC"` // BigQuery's spelling
		late  = `,"update_time":"2024-05-01T10:00:00.5Z"`
	)
	class := func(inv *Inventory) string {
		var d struct {
			StorageClass string `json:"storageClass"`
		}
		if err := inv.Assets[0].Decode(&d); err != nil {
			t.Fatal(err)
		}
		return d.StorageClass
	}
	tests := []struct {
		name      string
		first     string
		second    string
		wantClass string
		wantKind  ProblemKind
		wantMsg   string
	}{
		{"no times, a first", fmtRec(a, ""), fmtRec(b, ""), "STANDARD", ProblemConflict, "keeping the one at first.jsonl:1"},
		{"no times, b first", fmtRec(b, ""), fmtRec(a, ""), "ARCHIVE", ProblemConflict, "keeping the one at first.jsonl:1"},
		{"b newer, read second", fmtRec(a, early), fmtRec(b, late), "ARCHIVE", ProblemDuplicate, "keeping the newer one"},
		{"b newer, read first", fmtRec(b, late), fmtRec(a, early), "ARCHIVE", ProblemDuplicate, "keeping the newer one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader()
			for _, in := range []struct{ name, text string }{{"first.jsonl", tc.first}, {"second.jsonl", tc.second}} {
				if err := r.Read(in.name, strings.NewReader(in.text+"\n")); err != nil {
					t.Fatal(err)
				}
			}
			inv := r.Inventory()
			if got := class(inv); got != tc.wantClass {
				t.Errorf("storageClass = %q, want %q", got, tc.wantClass)
			}
			if len(inv.Problems) != 1 || inv.Problems[0].Kind != tc.wantKind || !strings.Contains(inv.Problems[0].Msg, tc.wantMsg) {
				t.Errorf("problems = %q, want one %s saying %q", inv.Problems, tc.wantKind, tc.wantMsg)
			}
			if !strings.Contains(inv.Problems[0].String(), "first.jsonl:1") || !strings.Contains(inv.Problems[0].String(), "second.jsonl:1") {
				t.Errorf("problem %q does not name both places", inv.Problems[0])
			}
		})
	}
}

func fmtRec(format, tail string) string { return strings.Replace(format, "%s", tail, 1) }
