package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/inventory/bqfake"
)

// demoInBigQuery loads the demo organization into a fake BigQuery dataset
// acme-cai.cai_export as the single tables of three exports (RESOURCE and
// IAM_POLICY partitioned by read time, two snapshots each; ORG_POLICY
// unpartitioned), and points the commands' BigQuery clients at it until
// the test ends.
func demoInBigQuery(t *testing.T) *bqfake.Fake {
	t.Helper()
	read := func(name string) []bqfake.Line {
		lines, err := bqfake.ReadFile(demo.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
	older := time.Date(2025, 11, 3, 2, 0, 0, 0, time.UTC)
	newer := older.Add(24 * time.Hour)
	f := bqfake.New("acme-cai", "cai_export")
	f.AddTable("cai_resource", bqfake.ResourceTable(read("resources.jsonl"), older, newer))
	f.AddTable("cai_iam_policy", bqfake.IAMTable(read("iam_policies.jsonl"), older.Add(5*time.Second), newer.Add(5*time.Second)))
	f.AddTable("cai_org_policy", bqfake.OrgTable(read("org_policies.jsonl")))
	topts, ropts := f.Start(t)
	dial := bigQueryDial
	bigQueryDial = func(ctx context.Context, _ inventory.BigQueryRef) (*bigquery.Client, *bqstorage.BigQueryReadClient, error) {
		tables, err := bigquery.NewClient(ctx, "runlens-host", topts...)
		if err != nil {
			return nil, nil, err
		}
		rows, err := bqstorage.NewBigQueryReadClient(ctx, ropts...)
		if err != nil {
			tables.Close()
			return nil, nil, err
		}
		return tables, rows, nil
	}
	t.Cleanup(func() { bigQueryDial = dial })
	return f
}

// TestScanBigQueryMatchesDemo scans the demo organization read from the
// fake BigQuery: the findings and scores are those of scan --demo (the
// records of types runlens does not read stay in BigQuery).
func TestScanBigQueryMatchesDemo(t *testing.T) {
	demoInBigQuery(t)
	want, _, err := runCmd(t, "scan", "--demo", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	got, stderr, err := runCmd(t, "scan", "--bigquery", "acme-cai.cai_export.cai", "--format", "json")
	if err != nil {
		t.Fatalf("scan --bigquery: %v\n%s", err, stderr)
	}
	var w, g scanDoc
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatal(err)
	}
	if len(w.Findings) == 0 {
		t.Fatal("scan --demo found nothing to compare with")
	}
	if diff := cmp.Diff(w.Findings, g.Findings); diff != "" {
		t.Errorf("findings of scan --bigquery differ from scan --demo (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(w.Scores, g.Scores); diff != "" {
		t.Errorf("scores of scan --bigquery differ from scan --demo (-want +got):\n%s", diff)
	}
	if len(g.Summary.Problems) > 0 || g.Summary.Unknown["serviceusage.googleapis.com/Service"] > 0 {
		t.Errorf("summary %+v: want no problem and no record of a type runlens does not read", g.Summary)
	}
}

func TestSyncBigQuery(t *testing.T) {
	demoInBigQuery(t)
	db := filepath.Join(t.TempDir(), "s.db")
	out, stderr, err := runCmd(t, "sync", "--bigquery", "acme-cai.cai_export.cai", "--db", db)
	if err != nil {
		t.Fatalf("sync --bigquery: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(out, "snapshot 1: bigquery: acme-cai.cai_export.cai:") {
		t.Errorf("sync output = %q", out)
	}
	// The ORG_POLICY table is not partitioned: it cannot answer for a
	// snapshot time, and a partial read is not stored.
	out, _, err = runCmd(t, "sync", "--bigquery", "acme-cai.cai_export.cai", "--snapshot-time", "2025-11-03T12:00:00Z", "--db", db)
	if err == nil || !strings.Contains(err.Error(), "partial read") || !strings.Contains(err.Error(), "cai_org_policy") {
		t.Errorf("sync at a snapshot time with an unpartitioned table: %q, %v; want a partial read naming cai_org_policy", out, err)
	}
}

func TestBigQueryFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"sync", "--scope", "organizations/1", "--bigquery", "acme-cai.cai_export"}, "give either --scope"},
		{[]string{"scan", "--demo", "--bigquery", "acme-cai.cai_export"}, "give either --bigquery or --input"},
		{[]string{"scan", "--snapshot-time", "2025-11-03T12:00:00Z", "--demo"}, "--snapshot-time needs --bigquery"},
		{[]string{"scan", "--bigquery", "acme-cai"}, "want PROJECT.DATASET"},
		{[]string{"scan", "--bigquery", "acme-cai.cai_export", "--snapshot-time", "yesterday"}, "want an RFC 3339 time"},
		{[]string{"sync", "--bigquery", "acme-cai.cai_export", "--snapshot-time", "yesterday", "--db", filepath.Join(t.TempDir(), "x.db")}, "want an RFC 3339 time"},
	}
	serve := []string{"serve", "--dev-user", "dev@example.com", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db")}
	tests = append(tests,
		struct {
			args    []string
			wantErr string
		}{slices.Concat(serve, []string{"--scope", "organizations/1", "--bigquery", "acme-cai.cai_export"}), "give either --scope"},
		struct {
			args    []string
			wantErr string
		}{slices.Concat(serve, []string{"--bigquery", "acme-cai.cai_export", "--snapshot-time", "yesterday"}), "want an RFC 3339 time"},
	)
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runCmd(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
