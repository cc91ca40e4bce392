package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	asset "cloud.google.com/go/asset/apiv1"
	"cloud.google.com/go/bigquery"
	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	recommender "cloud.google.com/go/recommender/apiv1"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/runlens/runlens/internal/demo"
	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/posture"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
	"github.com/runlens/runlens/internal/termsafe"
	"github.com/runlens/runlens/internal/tfplan"
)

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// source is where an offline command reads its inventory from.
type source struct {
	inputs       multiFlag
	demo         bool
	demoSize     string
	bigquery     string // a CAI export in BigQuery, PROJECT.DATASET[.PREFIX]
	snapshotTime string // with bigquery, RFC 3339
	plan         string // a Terraform plan laid over the inputs (registerPlan)
	tfDir        string // the plan's root module directory, for file and line
	sources      *tfplan.Sources
}

// registerPlan adds --plan, for the commands that judge a Terraform plan.
func (s *source) registerPlan(fs *flag.FlagSet) {
	fs.StringVar(&s.plan, "plan", "", "a Terraform plan as JSON (terraform show -json PLANFILE): judge the state it plans, laid over --input or --demo when given")
	fs.StringVar(&s.tfDir, "tf-dir", "", "with --plan, the directory of the Terraform root module, to give each finding's file and line (default: the plan file's directory)")
}

// locate returns where the plan's configuration declares a resource
// address: its .tf file and line, or the plan file itself when the
// configuration is not at hand; nil without a plan.
func (s *source) locate() func(string) (string, int) {
	if s.sources == nil {
		return nil
	}
	return func(address string) (string, int) {
		if file, line, ok := s.sources.Find(address); ok {
			return file, line
		}
		return s.plan, 0
	}
}

func (s *source) register(fs *flag.FlagSet) {
	fs.Var(&s.inputs, "input", "CAI export file or directory (JSON lines or JSON array); repeatable")
	fs.BoolVar(&s.demo, "demo", false, "use the embedded demo organization")
	fs.StringVar(&s.demoSize, "demo-size", "", "use a generated organization of PROJECTSxSERVICES (e.g. 1000x50, about 1,000,000 records) instead")
	fs.StringVar(&s.bigquery, "bigquery", "", "read a Cloud Asset Inventory export in BigQuery: PROJECT.DATASET, or PROJECT.DATASET.TABLE_PREFIX for the tables whose names start with it (see docs/bigquery.md; Application Default Credentials)")
	fs.StringVar(&s.snapshotTime, "snapshot-time", "", "with --bigquery, read the newest snapshot taken at or before this time (RFC 3339) of tables partitioned by read time, instead of the newest")
}

// given reports whether a source of inventory is given (a plan alone is
// not one).
func (s *source) given() bool {
	return s.demo || len(s.inputs) > 0 || s.demoSize != "" || s.bigquery != ""
}

// check refuses flags that do not go together or do not parse, before
// anything is read.
func (s *source) check() error {
	if s.snapshotTime != "" && s.bigquery == "" {
		return errors.New("--snapshot-time needs --bigquery")
	}
	if s.bigquery == "" {
		return nil
	}
	if s.demo || len(s.inputs) > 0 || s.demoSize != "" {
		return errors.New("give either --bigquery or --input/--demo/--demo-size, not both")
	}
	if _, err := inventory.ParseBigQueryRef(s.bigquery); err != nil {
		return fmt.Errorf("--bigquery: %w", err)
	}
	if s.snapshotTime != "" {
		if _, err := time.Parse(time.RFC3339Nano, s.snapshotTime); err != nil {
			return fmt.Errorf("--snapshot-time %q: want an RFC 3339 time such as 2025-11-04T02:00:00Z", s.snapshotTime)
		}
	}
	return nil
}

func (s *source) describe() string {
	switch {
	case s.bigquery != "" && s.snapshotTime != "":
		return "bigquery: " + s.bigquery + "@" + s.snapshotTime
	case s.bigquery != "":
		return "bigquery: " + s.bigquery
	case s.demoSize != "":
		return "generated: " + s.demoSize
	case s.demo:
		return "demo"
	case s.plan != "" && len(s.inputs) == 0:
		return "plan: " + s.plan
	}
	return "files: " + strings.Join(s.inputs, ", ")
}

// read reads the inventory, reporting problems to stderr.
func (s *source) read(ctx context.Context, stderr io.Writer) (*inventory.Inventory, error) {
	return s.readWithProgress(ctx, stderr, nil)
}

// reader is the source as a sync's Reader.
func (s *source) reader(stderr io.Writer) posture.Reader {
	if s.bigquery != "" {
		return func(ctx context.Context, progress func(posture.ReadProgress)) (*inventory.Inventory, error) {
			return s.readBigQuery(ctx, stderr, progress)
		}
	}
	return func(ctx context.Context, progress func(posture.ReadProgress)) (*inventory.Inventory, error) {
		return s.readWithProgress(ctx, stderr, func(n int) { progress(posture.ReadProgress{Records: n}) })
	}
}

// readWithProgress is read, calling progress (if not nil) with the records
// read so far. It stops as soon as ctx ends (SIGINT, SIGTERM, a cancelled
// sync). An input that holds no inventory record at all is an error
// matching inventory.ErrNoRecords (exit status 2), naming each input and
// what it looks like instead: there is nothing to check, and nothing must
// score 100.
func (s *source) readWithProgress(ctx context.Context, stderr io.Writer, progress func(int)) (*inventory.Inventory, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !s.given() {
		if s.plan != "" {
			return s.layerPlan(ctx, stderr, nil)
		}
		return nil, fmt.Errorf("give --input PATH (repeatable), --demo, --demo-size or --bigquery")
	}
	if s.bigquery != "" {
		var read func(posture.ReadProgress)
		if progress != nil {
			read = func(p posture.ReadProgress) { progress(p.Records) }
		}
		inv, err := s.readBigQuery(ctx, stderr, read)
		if err != nil {
			return nil, err
		}
		if s.plan != "" {
			return s.layerPlan(ctx, stderr, inv)
		}
		return inv, nil
	}
	r := inventory.NewReader()
	if progress != nil {
		r.SetProgress(progress)
	}
	if s.demoSize != "" {
		size, err := demo.ParseSize(s.demoSize)
		if err != nil {
			return nil, err
		}
		// Stream the generated organization into the reader: it is never
		// held whole in memory as text.
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(demo.Generate(pw, size, 1)) }()
		err = r.ReadContext(ctx, "generated-"+s.demoSize+".jsonl", pr)
		pr.Close() // a read cut short stops the generator too
		if err != nil {
			return nil, err
		}
	}
	if s.demo {
		if err := r.ReadFSContext(ctx, demo.FS()); err != nil {
			return nil, err
		}
	}
	for _, p := range s.inputs {
		if err := r.ReadPathContext(ctx, p); err != nil {
			return nil, err
		}
	}
	inv := r.Inventory()
	fmt.Fprintln(stderr, "runlens: read", inv.Summary())
	if err := inv.NoRecords(); err != nil {
		return nil, err
	}
	if s.plan != "" {
		return s.layerPlan(ctx, stderr, inv)
	}
	return inv, nil
}

// layerPlan reads the Terraform plan and lays it over base (nil: nothing
// exists yet, as far as runlens knows).
func (s *source) layerPlan(ctx context.Context, stderr io.Writer, base *inventory.Inventory) (*inventory.Inventory, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.plan)
	if err != nil {
		return nil, fmt.Errorf("--plan: %w", err)
	}
	defer f.Close()
	p, err := tfplan.Read(s.plan, f)
	if err != nil {
		return nil, err
	}
	inv, err := p.Layer(base)
	if err != nil {
		return nil, err
	}
	dir := s.tfDir
	if dir == "" {
		dir = filepath.Dir(s.plan)
	}
	s.sources = p.Sources(dir)
	skipped := 0
	for _, n := range p.Skipped {
		skipped += n
	}
	fmt.Fprintf(stderr, "runlens: read plan %s (Terraform %s): %d resources read, %d of other types, %d values known only after apply\n",
		s.plan, termsafe.String(p.TerraformVersion), p.Read, skipped, len(p.Unknown))
	if p.Read == 0 {
		return nil, fmt.Errorf("--plan %s: no resource of a type runlens reads (Cloud Run services and jobs, their IAM, service accounts, ...): nothing to check", s.plan)
	}
	return inv, nil
}

// scanInventory runs the offline pipeline. excepted may be nil. It returns
// ctx's error as soon as ctx ends (SIGINT, SIGTERM): building and checking
// a large organization takes seconds that a stopped command must not wait
// for; the work left is dropped with the process that is exiting.
//
// With release, the inventory's resource data is let go once the graph is
// built (scan.Options.ReleaseData): for a command that only writes the
// report.
func scanInventory(ctx context.Context, inv *inventory.Inventory, excepted func(id string) bool, release bool) (*scan.Report, error) {
	roles, err := iam.Predefined()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	done := make(chan *scan.Report, 1)
	go func() {
		done <- scan.RunOptions(inv, roles, rules.All(), time.Now(), scan.Options{Excepted: excepted, ReleaseData: release})
	}()
	select {
	case rep := <-done:
		return rep, ctx.Err()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// progressBar shows a sync's progress on stderr when it is a terminal: a
// spinner with the records read and the rate (the total is not known in
// advance), the pages fetched, and the time left estimated from the last
// sync of the same source (Progress.ETA); otherwise it returns a no-op.
// done ends the bar.
func progressBar(stderr io.Writer, what string) (update func(posture.Progress), done func()) {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(posture.Progress) {}, func() {}
	}
	bar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("records"),
		progressbar.OptionSpinnerType(14), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	what = termsafe.String(what) // the scopes or files read
	return func(p posture.Progress) {
		bar.Describe(what + progressDetail(p, time.Now()))
		_ = bar.Set64(int64(p.Records))
	}, func() { _ = bar.Finish() }
}

// progressDetail is what a progress line adds to the records read: pages
// fetched and the estimated time left, where known.
func progressDetail(p posture.Progress, now time.Time) string {
	var parts []string
	if p.Pages > 0 {
		parts = append(parts, fmt.Sprintf("%d pages", p.Pages))
	}
	if left, ok := p.ETA(now); ok {
		parts = append(parts, fmt.Sprintf("about %s left, going by the last sync's %d records", left, p.Expected))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// progressSum adds up the progress of the reads of a live sync (per scope,
// assets then recommender) into one, which never goes back.
type progressSum struct {
	mu       sync.Mutex
	read     map[string]posture.ReadProgress // by read and scope
	progress func(posture.ReadProgress)
}

func newProgressSum(progress func(posture.ReadProgress)) *progressSum {
	return &progressSum{read: map[string]posture.ReadProgress{}, progress: progress}
}

// of is the inventory.LiveOptions.Progress of one read (a name of its own:
// the recommender read names the same scopes as the assets read).
func (s *progressSum) of(read string) func(scope string, records, pages int) {
	return func(scope string, records, pages int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.read[read+" "+scope] = posture.ReadProgress{Records: records, Pages: pages}
		var sum posture.ReadProgress
		for _, v := range s.read {
			sum.Records += v.Records
			sum.Pages += v.Pages
		}
		s.progress(sum)
	}
}

// liveReader reads the scopes through the Cloud Asset API, then the IAM
// recommender of the same scopes (optional: without it only
// runtime-unused-permissions has nothing to say). Problems go to stderr.
func liveReader(scopes []string, stderr io.Writer) posture.Reader {
	return func(ctx context.Context, progress func(posture.ReadProgress)) (*inventory.Inventory, error) {
		client, err := asset.NewClient(ctx)
		if err != nil {
			return nil, fmt.Errorf("sync: asset client: %w", err)
		}
		defer client.Close()
		r := inventory.NewReader()
		sum := newProgressSum(progress)
		opts := inventory.LiveOptions{Progress: sum.of("assets")}
		if err := r.ReadLive(ctx, client, scopes, opts); err != nil {
			return nil, err
		}
		rclient, err := recommender.NewClient(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "runlens: recommender client:", termsafe.String(err.Error()))
		} else {
			defer rclient.Close()
			opts.Progress = sum.of("recommender")
			if err := r.ReadRecommender(ctx, rclient, scopes, opts); err != nil {
				fmt.Fprintln(stderr, "runlens: IAM recommender not read:", termsafe.String(err.Error()))
			}
		}
		inv := r.Inventory()
		printProblems(stderr, inv.Problems)
		return inv, nil
	}
}

// bigQueryDial makes the clients of a BigQuery read: the BigQuery API's
// in the project where runlens runs (read sessions are created there),
// else in the export's project, and the Storage Read API's. Tests replace
// it to connect the clients to a fake.
var bigQueryDial = func(ctx context.Context, ref inventory.BigQueryRef) (*bigquery.Client, *bqstorage.BigQueryReadClient, error) {
	tables, err := bigquery.NewClient(ctx, bigquery.DetectProjectID)
	if err != nil {
		if tables, err = bigquery.NewClient(ctx, ref.Project); err != nil {
			return nil, nil, fmt.Errorf("bigquery client: %w", err)
		}
	}
	rows, err := bqstorage.NewBigQueryReadClient(ctx)
	if err != nil {
		tables.Close()
		return nil, nil, fmt.Errorf("bigquery storage client: %w", err)
	}
	return tables, rows, nil
}

// readBigQuery reads the CAI export in BigQuery that --bigquery names,
// calling progress (if not nil) with the records and batches read. Problems
// go to stderr.
func (s *source) readBigQuery(ctx context.Context, stderr io.Writer, progress func(posture.ReadProgress)) (*inventory.Inventory, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	ref, _ := inventory.ParseBigQueryRef(s.bigquery) // checked
	var opts inventory.BigQueryOptions
	if s.snapshotTime != "" {
		opts.SnapshotTime, _ = time.Parse(time.RFC3339Nano, s.snapshotTime) // checked
	}
	if progress != nil {
		opts.Progress = newProgressSum(progress).of("bigquery")
	}
	tables, rows, err := bigQueryDial(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer tables.Close()
	defer rows.Close()
	r := inventory.NewReader()
	if err := r.ReadBigQuery(ctx, tables, rows, ref, opts); err != nil {
		return nil, err
	}
	inv := r.Inventory()
	fmt.Fprintln(stderr, "runlens: read", inv.Summary())
	printProblems(stderr, inv.Problems)
	if err := inv.NoRecords(); err != nil {
		return nil, err
	}
	return inv, nil
}

// printProblems writes the problems of a read, one a line, escaped: they
// quote resource names, which may hold control characters.
func printProblems(w io.Writer, problems []inventory.Problem) {
	for _, p := range problems {
		fmt.Fprintln(w, "runlens: problem:", termsafe.String(p.String()))
	}
}
