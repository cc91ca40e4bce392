package inventory

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/bigquery"
	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/googleapis/gax-go/v2"
	"golang.org/x/sync/errgroup"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
)

// defaultStreams bounds the read streams of one table read at once.
const defaultStreams = 4

// BigQueryRef names a Cloud Asset Inventory export in BigQuery: a dataset
// and, optionally, the prefix of the names of the export's tables.
type BigQueryRef struct {
	Project string // the dataset's project ID
	Dataset string
	Prefix  string // "": every export table of the dataset
}

// String is the reference as ParseBigQueryRef reads it:
// PROJECT.DATASET[.PREFIX].
func (r BigQueryRef) String() string {
	if r.Prefix == "" {
		return r.Project + "." + r.Dataset
	}
	return r.Project + "." + r.Dataset + "." + r.Prefix
}

var (
	bqProjectRE = regexp.MustCompile(`^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	bqDatasetRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	bqTableRE   = regexp.MustCompile(`^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]+$`)
)

// ParseBigQueryRef reads "PROJECT.DATASET" or "PROJECT.DATASET.TABLE_PREFIX"
// (a domain-scoped project, "example.com:project", is allowed). The error
// says which part is wrong.
func ParseBigQueryRef(s string) (BigQueryRef, error) {
	domain, rest := "", s
	if i := strings.LastIndex(s, ":"); i >= 0 {
		domain, rest = s[:i+1], s[i+1:]
	}
	parts := strings.Split(rest, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return BigQueryRef{}, fmt.Errorf("inventory: bigquery: %q: want PROJECT.DATASET or PROJECT.DATASET.TABLE_PREFIX", s)
	}
	ref := BigQueryRef{Project: domain + parts[0], Dataset: parts[1]}
	if len(parts) == 3 {
		ref.Prefix = parts[2]
		if ref.Prefix == "" {
			return BigQueryRef{}, fmt.Errorf("inventory: bigquery: %q: the table prefix after the second dot is empty (leave out the dot to read every export table of the dataset)", s)
		}
	}
	if !bqProjectRE.MatchString(ref.Project) {
		return BigQueryRef{}, fmt.Errorf("inventory: bigquery: %q: %q is not a project ID (6 to 30 lower-case letters, digits and hyphens, starting with a letter)", s, ref.Project)
	}
	if !bqDatasetRE.MatchString(ref.Dataset) {
		return BigQueryRef{}, fmt.Errorf("inventory: bigquery: %q: %q is not a dataset ID (letters, digits and underscores)", s, ref.Dataset)
	}
	if ref.Prefix != "" && !bqTableRE.MatchString(ref.Prefix) {
		return BigQueryRef{}, fmt.Errorf("inventory: bigquery: %q: %q is not a table name prefix (letters, digits, underscores, dashes)", s, ref.Prefix)
	}
	return ref, nil
}

// BigQueryOptions tunes ReadBigQuery. The zero value reads the newest
// snapshot with the defaults.
type BigQueryOptions struct {
	// SnapshotTime, if not zero, reads for each table partitioned by read
	// time the newest snapshot taken at or before it, instead of the newest.
	SnapshotTime time.Time
	// Streams bounds the read streams of one table asked for and read at
	// once; 0 means 4.
	Streams int
	// CallTimeout bounds each attempt at a metadata call or at creating a
	// read session; 0 means 60s. (Reading rows has no deadline of its own:
	// a large table takes long; a stream that fails is resumed.)
	CallTimeout time.Duration
	// Progress, if set, is called after every batch of rows with the table
	// ("bigquery:PROJECT.DATASET.TABLE") and the numbers of records and
	// batches read from it so far.
	Progress func(scope string, records, pages int)
	// Retry says how often and how patiently a call or a stream is tried
	// again after UNAVAILABLE, RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED (a
	// stream resumes at the row where it broke off).
	Retry RetryPolicy
}

func (o BigQueryOptions) withDefaults() BigQueryOptions {
	if o.Streams <= 0 {
		o.Streams = defaultStreams
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = defaultPageTimeout
	}
	o.Retry = LiveOptions{Retry: o.Retry}.withDefaults().Retry
	return o
}

// exportTable is a table of a CAI export and the columns read from it.
type exportTable struct {
	id       string // table ID
	scope    string // "bigquery:PROJECT.DATASET.TABLE"
	path     string // "projects/P/datasets/D/tables/T"
	typeCol  string // "asset_type", or "assetType" in per-asset-type RESOURCE tables
	fields   []string
	readTime bool // partitioned: a readTime column, one snapshot per export
}

// ReadBigQuery reads the assets of KnownTypes from a Cloud Asset Inventory
// export to BigQuery (gcloud asset export --bigquery-table, one table per
// content type or one per asset type) and joins them with whatever r has
// read before. tables lists the dataset's tables and reads their schemas;
// rows reads them through the BigQuery Storage Read API, in read sessions
// created in tables' project (which needs bigquery.readsessions.create
// there, and bigquery.tables.getData on the dataset).
//
// The export tables are those of the dataset whose names start with
// ref.Prefix and that have the export's columns: name, asset_type (or
// assetType) and resource, iam_policy or org_policy. A per-asset-type table
// of a type runlens does not read is left alone. BigQuery applies the
// filtering: only the columns runlens uses are read, and only rows of
// KnownTypes (the session's row restriction). A table partitioned by read
// time (--partition-key) holds one snapshot per export: its newest one is
// read, or the newest at or before opts.SnapshotTime; finding it reads the
// readTime column alone first. An unpartitioned table is read whole (each
// export overwrites it) and cannot answer for a snapshot time.
//
// Each row becomes the CAI export line it stands for and goes through the
// same reader as export files (redaction, duplicates and problems alike).
// A STRING resource.data is the JSON it holds; a RECORD one (per-asset-type
// RESOURCE tables) is written back as JSON, where a REPEATED RECORD of key
// and value is a map (labels, annotations: BigQuery cannot name a column
// for a key such as "run.googleapis.com/ingress"), and a STRING nested
// deeper than BigQuery's 15 levels holds the JSON of what lies below.
//
// Failures that concern one table are Problems and the other tables are
// still read: a refused table is ProblemPermissionDenied (and in
// Coverage.Denied), giving up after the retries ProblemUnavailable, any
// other refusal, or no snapshot at the time asked for, ProblemAPIError.
// Rows already read from a table that fails later are kept. Coverage.Scopes
// gets "bigquery:PROJECT.DATASET.TABLE" for each table read, with
// "@READTIME" for a partitioned one.
//
// ReadBigQuery returns an error when the dataset's tables cannot be listed,
// when no table of it is an export table, when ctx ends, or when not one
// table could be read.
func (r *Reader) ReadBigQuery(ctx context.Context, tables *bigquery.Client, rows *bqstorage.BigQueryReadClient, ref BigQueryRef, opts BigQueryOptions) error {
	if _, err := ParseBigQueryRef(ref.String()); err != nil {
		return err
	}
	opts = opts.withDefaults()
	b := &bqRead{r: r, rows: rows, ref: ref, opts: opts, parent: "projects/" + tables.Project()}
	if tables.Project() == "" {
		b.parent = "projects/" + ref.Project
	}
	found, failures, err := b.discover(ctx, tables)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("inventory: bigquery: %s: %w", ref, context.Cause(ctx))
		}
		return err
	}
	succeeded := 0
	for _, t := range found {
		src := Source{File: t.scope}
		err := b.readTable(ctx, t)
		if err == nil {
			succeeded++
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("inventory: bigquery: read %s: %w", t.scope, context.Cause(ctx))
		}
		var ge *giveUpError
		if !errors.As(err, &ge) {
			ge = &giveUpError{ProblemAPIError, err.Error()}
		}
		r.liveProblem(src, ge.kind, ge.msg)
		if ge.kind == ProblemPermissionDenied {
			r.inv.Coverage.Denied = append(r.inv.Coverage.Denied, t.scope)
		}
		failures = append(failures, ge.msg)
	}
	if succeeded == 0 {
		return fmt.Errorf("inventory: bigquery: nothing could be read from %s: %s", ref, strings.Join(failures, "; "))
	}
	return nil
}

// bqRead is one ReadBigQuery call.
type bqRead struct {
	r      *Reader
	rows   *bqstorage.BigQueryReadClient
	ref    BigQueryRef
	opts   BigQueryOptions
	parent string // where read sessions are created: "projects/P"
}

// PerTypeTable is the name CAI gives the table of assetType in a
// per-asset-type export to prefix: prefix, "_", and the type with every
// character that is not a letter or a digit replaced by "_".
func PerTypeTable(prefix, assetType string) string {
	b := []byte(prefix + "_" + assetType)
	for i := len(prefix) + 1; i < len(b); i++ {
		if c := b[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// perTypeSuffixes maps the end of a per-asset-type table's name,
// "_run_googleapis_com_Service", to the type it holds, for KnownTypes.
var perTypeSuffixes = func() map[string]string {
	m := map[string]string{}
	for _, t := range KnownTypes() {
		m[PerTypeTable("", t)] = t
	}
	return m
}()

// perTypeOther reports whether a table is a per-asset-type table of a type
// runlens does not read.
func perTypeOther(name string) bool {
	for suffix := range perTypeSuffixes {
		if strings.HasSuffix(name, suffix) {
			return false
		}
	}
	return strings.Contains(name, "_googleapis_com_")
}

// discover lists the dataset's export tables (in the order listed) and
// the columns to read from each. A table whose schema cannot be read is a
// problem, whose message is among failures.
func (b *bqRead) discover(ctx context.Context, client *bigquery.Client) (found []exportTable, failures []string, err error) {
	ds := client.DatasetInProject(b.ref.Project, b.ref.Dataset)
	var names []string
	it := ds.Tables(ctx)
	for {
		t, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("inventory: bigquery: list the tables of %s.%s: %w", b.ref.Project, b.ref.Dataset, err)
		}
		names = append(names, t.TableID)
	}
	var (
		others []string // tables with the prefix that are not export tables
		tried  int
	)
	for _, name := range names {
		if !strings.HasPrefix(name, b.ref.Prefix) || perTypeOther(name) {
			continue
		}
		tried++
		t := exportTable{
			id:    name,
			scope: "bigquery:" + b.ref.Project + "." + b.ref.Dataset + "." + name,
			path:  "projects/" + b.ref.Project + "/datasets/" + b.ref.Dataset + "/tables/" + name,
		}
		md, err := b.metadata(ctx, ds.Table(name))
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, err
			}
			ge := classifyREST(t.scope, b.opts.Retry.Attempts, err)
			b.r.liveProblem(Source{File: t.scope}, ge.kind, ge.msg)
			if ge.kind == ProblemPermissionDenied {
				b.r.inv.Coverage.Denied = append(b.r.inv.Coverage.Denied, t.scope)
			}
			failures = append(failures, ge.msg)
			continue
		}
		if !t.columns(md.Schema) {
			others = append(others, name)
			continue
		}
		found = append(found, t)
	}
	if len(found) == 0 && tried == len(others) {
		what := "no table"
		if b.ref.Prefix != "" {
			what = fmt.Sprintf("no table whose name starts with %q", b.ref.Prefix)
		}
		msg := fmt.Sprintf("inventory: bigquery: dataset %s.%s has %s holding a Cloud Asset Inventory export (columns name, asset_type and resource, iam_policy or org_policy)", b.ref.Project, b.ref.Dataset, what)
		if len(others) > 0 {
			msg += fmt.Sprintf("; tables that are not: %s", strings.Join(others[:min(5, len(others))], ", "))
		}
		return nil, nil, errors.New(msg)
	}
	return found, failures, nil
}

// metadata reads a table's metadata, each attempt under its own deadline
// (the client retries server errors until its context ends).
func (b *bqRead) metadata(ctx context.Context, t *bigquery.Table) (*bigquery.TableMetadata, error) {
	bo := gax.Backoff{Initial: b.opts.Retry.Initial, Max: b.opts.Retry.Max, Multiplier: 2}
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, b.opts.CallTimeout)
		md, err := t.Metadata(actx)
		cancel()
		if err == nil || attempt >= b.opts.Retry.Attempts || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return md, err
		}
		if err := gax.Sleep(ctx, bo.Pause()); err != nil {
			return nil, err
		}
	}
}

// columns chooses the columns to read from a table's schema, and reports
// whether it is an export table at all.
func (t *exportTable) columns(schema bigquery.Schema) bool {
	byName := map[string]*bigquery.FieldSchema{}
	for _, f := range schema {
		byName[f.Name] = f
	}
	has := func(name string) bool { return byName[name] != nil }
	if !has("name") {
		return false
	}
	switch {
	case has("asset_type"):
		t.typeCol = "asset_type"
	case has("assetType"):
		t.typeCol = "assetType"
	default:
		return false
	}
	t.fields = []string{"name", t.typeCol}
	content := false
	if res := byName["resource"]; res != nil && res.Type == bigquery.RecordFieldType {
		for _, sub := range res.Schema {
			if slices.Contains([]string{"version", "parent", "location", "data"}, sub.Name) {
				t.fields = append(t.fields, "resource."+sub.Name)
				content = true
			}
		}
	}
	for _, col := range []string{"iam_policy", "iamPolicy"} {
		if pol := byName[col]; pol != nil && pol.Type == bigquery.RecordFieldType {
			for _, sub := range pol.Schema {
				if slices.Contains([]string{"version", "etag", "bindings"}, sub.Name) {
					t.fields = append(t.fields, col+"."+sub.Name)
					content = true
				}
			}
		}
	}
	for _, col := range []string{"org_policy", "orgPolicy"} {
		if has(col) {
			t.fields = append(t.fields, col)
			content = true
		}
	}
	if !content {
		return false
	}
	for _, col := range []string{"ancestors", "update_time", "updateTime"} {
		if has(col) {
			t.fields = append(t.fields, col)
		}
	}
	t.readTime = has("readTime") && byName["readTime"].Type == bigquery.TimestampFieldType
	return true
}

// typeRestriction is the row restriction that keeps the rows of
// KnownTypes.
func (t *exportTable) typeRestriction() string {
	types := KnownTypes()
	for i, ty := range types {
		types[i] = bqString(ty)
	}
	return t.typeCol + " IN (" + strings.Join(types, ", ") + ")"
}

// bqString is s as a GoogleSQL string literal: in single quotes, with
// backslashes and quotes escaped. (Asset types hold neither; the escaping
// keeps the restriction well formed whatever a type is spelt with.)
func bqString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// bqTimestamp is a time as a GoogleSQL TIMESTAMP literal, in UTC to the
// microsecond (BigQuery's precision).
func bqTimestamp(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + " UTC'"
}

// readTable reads one export table: the snapshot to read, then its rows.
func (b *bqRead) readTable(ctx context.Context, t exportTable) error {
	restriction := t.typeRestriction()
	scope := t.scope
	if t.readTime {
		at, ok, err := b.newestReadTime(ctx, t)
		if err != nil {
			return err
		}
		if !ok {
			msg := fmt.Sprintf("%s holds no snapshot with assets of the types runlens reads", t.scope)
			if !b.opts.SnapshotTime.IsZero() {
				msg = fmt.Sprintf("%s holds no snapshot taken at or before %s with assets of the types runlens reads", t.scope, b.opts.SnapshotTime.UTC().Format(time.RFC3339))
			}
			return &giveUpError{ProblemAPIError, msg}
		}
		restriction += " AND readTime = " + bqTimestamp(at)
		scope += "@" + at.UTC().Format(time.RFC3339Nano)
	} else if !b.opts.SnapshotTime.IsZero() {
		return &giveUpError{ProblemAPIError, fmt.Sprintf("%s is not partitioned by read time (export with --partition-key=read-time to keep snapshots): it cannot be read at a snapshot time", t.scope)}
	}
	src := Source{File: t.scope}
	lines := make(chan [][]byte, b.opts.Streams)
	var (
		records, batches int
		readErr          error
		done             = make(chan struct{})
	)
	go func() {
		defer close(done)
		readErr = b.readSession(ctx, t, t.fields, restriction, func(rec arrow.RecordBatch) error {
			out, err := rowsJSON(rec)
			if err != nil {
				return err
			}
			select {
			case lines <- out:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(lines)
	}()
	for batch := range lines {
		for _, line := range batch {
			if !b.r.addJSON(line, src) {
				b.r.inv.Records++
				b.r.problem(src, ProblemMalformed, "a row that is not valid JSON once converted: "+jsonError(line))
			}
		}
		records += len(batch)
		batches++
		if b.opts.Progress != nil {
			b.opts.Progress(t.scope, records, batches)
		}
	}
	<-done
	b.r.inv.Coverage.Scopes = append(b.r.inv.Coverage.Scopes, scope)
	return readErr
}

// newestReadTime finds the read time of the newest snapshot of a
// partitioned table that holds assets of KnownTypes (at or before
// opts.SnapshotTime, if set) by reading the readTime column alone, which
// needs no query job. ok is false when there is none.
func (b *bqRead) newestReadTime(ctx context.Context, t exportTable) (newest time.Time, ok bool, err error) {
	restriction := t.typeRestriction()
	if !b.opts.SnapshotTime.IsZero() {
		restriction += " AND readTime <= " + bqTimestamp(b.opts.SnapshotTime)
	}
	var mu sync.Mutex
	err = b.readSession(ctx, t, []string{"readTime"}, restriction, func(rec arrow.RecordBatch) error {
		col, isTS := rec.Column(0).(*array.Timestamp)
		if !isTS {
			return &giveUpError{ProblemAPIError, fmt.Sprintf("%s: readTime is a %s, not a TIMESTAMP", t.scope, rec.Column(0).DataType())}
		}
		unit := col.DataType().(*arrow.TimestampType).Unit
		var local time.Time
		for i := range col.Len() {
			if col.IsValid(i) {
				if ts := col.Value(i).ToTime(unit); ts.After(local) {
					local = ts
				}
			}
		}
		mu.Lock()
		if local.After(newest) {
			newest = local
		}
		mu.Unlock()
		return nil
	})
	return newest, !newest.IsZero(), err
}

// readSession creates a read session of the table's fields and rows that
// match restriction, and calls fn with every record batch of its streams,
// several streams at once (so fn must be safe for concurrent use). It
// returns a giveUpError for a failure of the API.
func (b *bqRead) readSession(ctx context.Context, t exportTable, fields []string, restriction string, fn func(arrow.RecordBatch) error) error {
	req := &storagepb.CreateReadSessionRequest{
		Parent: b.parent,
		ReadSession: &storagepb.ReadSession{
			Table:      t.path,
			DataFormat: storagepb.DataFormat_ARROW,
			ReadOptions: &storagepb.ReadSession_TableReadOptions{
				SelectedFields: fields,
				RowRestriction: restriction,
				OutputFormatSerializationOptions: &storagepb.ReadSession_TableReadOptions_ArrowSerializationOptions{
					ArrowSerializationOptions: &storagepb.ArrowSerializationOptions{BufferCompression: storagepb.ArrowSerializationOptions_LZ4_FRAME},
				},
			},
		},
		MaxStreamCount: int32(b.opts.Streams),
	}
	var sess *storagepb.ReadSession
	err := withRetry(ctx, b.opts.CallTimeout, b.opts.Retry, func(ctx context.Context) error {
		var err error
		sess, err = b.rows.CreateReadSession(ctx, req, noRetry)
		return err
	})
	if err != nil {
		return classifyRPC("read session of "+t.scope, b.opts.Retry.Attempts, err)
	}
	schema := sess.GetArrowSchema().GetSerializedSchema()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Streams)
	for _, st := range sess.GetStreams() {
		g.Go(func() error { return b.readStream(gctx, t, st.GetName(), schema, fn) })
	}
	return g.Wait()
}

// readStream reads one stream to its end, resuming at the row where it
// broke off after a transient failure: the retries are counted since the
// last row read.
func (b *bqRead) readStream(ctx context.Context, t exportTable, stream string, schema []byte, fn func(arrow.RecordBatch) error) error {
	var offset int64
	bo := gax.Backoff{Initial: b.opts.Retry.Initial, Max: b.opts.Retry.Max, Multiplier: 2}
	for failures := 0; ; {
		before := offset
		err := b.readRows(ctx, stream, &offset, schema, fn)
		if err == nil {
			return nil
		}
		var ge *giveUpError
		if errors.As(err, &ge) || ctx.Err() != nil {
			return err
		}
		if offset > before {
			failures = 0
		}
		failures++
		if failures >= b.opts.Retry.Attempts || !retryable(err) {
			return classifyRPC("rows of "+t.scope, b.opts.Retry.Attempts, err)
		}
		if err := gax.Sleep(ctx, bo.Pause()); err != nil {
			return err
		}
	}
}

// readRows reads a stream from *offset on, advancing *offset past every
// batch handed to fn.
func (b *bqRead) readRows(ctx context.Context, stream string, offset *int64, schema []byte, fn func(arrow.RecordBatch) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rc, err := b.rows.ReadRows(ctx, &storagepb.ReadRowsRequest{ReadStream: stream, Offset: *offset}, noRetry)
	if err != nil {
		return err
	}
	for {
		resp, err := rc.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		batch := resp.GetArrowRecordBatch().GetSerializedRecordBatch()
		if len(batch) == 0 {
			continue
		}
		n, err := decodeBatch(schema, batch, fn)
		if err != nil {
			return err
		}
		*offset += n
	}
}

// decodeBatch decodes one serialized Arrow record batch of a session with
// the given serialized schema and hands it to fn; it returns the rows.
func decodeBatch(schema, batch []byte, fn func(arrow.RecordBatch) error) (int64, error) {
	rd, err := ipc.NewReader(io.MultiReader(bytes.NewReader(schema), bytes.NewReader(batch)))
	if err != nil {
		return 0, &giveUpError{ProblemAPIError, "an Arrow schema that cannot be read: " + err.Error()}
	}
	defer rd.Release()
	var n int64
	for rd.Next() {
		rec := rd.RecordBatch()
		n += rec.NumRows()
		if err := fn(rec); err != nil {
			return n, err
		}
	}
	if err := rd.Err(); err != nil {
		return n, &giveUpError{ProblemAPIError, "an Arrow record batch that cannot be read: " + err.Error()}
	}
	return n, nil
}

// classifyREST turns the error of a BigQuery API (REST) call about a table
// into a giveUpError naming it.
func classifyREST(scope string, attempts int, err error) *giveUpError {
	var ae *googleapi.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case http.StatusForbidden, http.StatusUnauthorized:
			return &giveUpError{ProblemPermissionDenied, fmt.Sprintf("HTTP %d: schema of %s not read: %s", ae.Code, scope, ae.Message)}
		case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return &giveUpError{ProblemUnavailable, fmt.Sprintf("HTTP %d: schema of %s not read, gave up: %s", ae.Code, scope, ae.Message)}
		}
		return &giveUpError{ProblemAPIError, fmt.Sprintf("HTTP %d: schema of %s not read: %s", ae.Code, scope, ae.Message)}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &giveUpError{ProblemUnavailable, fmt.Sprintf("schema of %s not read, gave up after %d attempts: %v", scope, attempts, err)}
	}
	return &giveUpError{ProblemAPIError, fmt.Sprintf("schema of %s not read: %v", scope, err)}
}

// rowsJSON writes each row of a record batch as the CAI export line it
// stands for: the columns by name, nulls and empty lists left out.
func rowsJSON(rec arrow.RecordBatch) ([][]byte, error) {
	out := make([][]byte, rec.NumRows())
	fields := rec.Schema().Fields()
	for i := range out {
		b := []byte{'{'}
		first := true
		for c, f := range fields {
			col := rec.Column(c)
			if f.Name == "readTime" || f.Name == "requestTime" || !present(col, i) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			var err error
			b, _ = jsontext.AppendQuote(b, f.Name)
			b = append(b, ':')
			depth := 0 // outside resource: columns as they are
			if f.Name == "resource" {
				depth = 1
			}
			if b, err = appendJSON(b, col, i, depth); err != nil {
				return nil, fmt.Errorf("column %s: %w", f.Name, err)
			}
		}
		out[i] = append(b, '}')
	}
	return out, nil
}

// present reports whether row i of a column has a value worth writing: not
// null, not an empty list.
func present(col arrow.Array, i int) bool {
	if col.IsNull(i) {
		return false
	}
	if l, ok := col.(*array.List); ok {
		start, end := l.ValueOffsets(i)
		return end > start
	}
	return true
}

// bqMaxDepth is how deep BigQuery nests RECORD columns. In a
// per-asset-type RESOURCE table, CAI writes what lies deeper in
// resource.data as a STRING holding its JSON, a child of the deepest RECORD.
const bqMaxDepth = 15

// appendJSON appends row i of col as JSON. depth is 0 outside the resource
// column and, inside it, the nesting level of col (resource is 1, its data
// 2). There a REPEATED RECORD of exactly the fields key and value is a map
// (CAI writes a field whose discovery schema has additionalProperties, such
// as labels and annotations, that way: their keys are not column names),
// and a STRING below bqMaxDepth RECORD levels that holds a JSON object or
// array is that JSON. A STRING above that depth is a string, whatever its
// text: an environment value or an annotation may well hold JSON text.
func appendJSON(b []byte, col arrow.Array, i int, depth int) ([]byte, error) {
	switch a := col.(type) {
	case *array.String:
		return appendString(b, a.Value(i), depth)
	case *array.LargeString:
		return appendString(b, a.Value(i), depth)
	case *array.Boolean:
		return strconv.AppendBool(b, a.Value(i)), nil
	case *array.Int64:
		return strconv.AppendInt(b, a.Value(i), 10), nil
	case *array.Float64:
		f := a.Value(i)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(b, "null"...), nil
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return jsontext.AppendQuote(b, protoTime(a.Value(i).ToTime(unit)))
	case *array.Binary:
		return jsontext.AppendQuote(b, base64.StdEncoding.EncodeToString(a.Value(i)))
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		if kv, ok := vals.(*array.Struct); ok && depth > 1 && isKeyValue(kv) {
			return appendMap(b, kv, int(start), int(end), depth)
		}
		b = append(b, '[')
		for j := start; j < end; j++ {
			if j > start {
				b = append(b, ',')
			}
			if vals.IsNull(int(j)) {
				b = append(b, "null"...)
				continue
			}
			var err error
			if b, err = appendJSON(b, vals, int(j), depth); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		b = append(b, '{')
		first := true
		for k, f := range st.Fields() {
			sub := a.Field(k)
			if !present(sub, i) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b, _ = jsontext.AppendQuote(b, f.Name)
			b = append(b, ':')
			if s, ok := sub.(*array.String); ok && depth == 1 && f.Name == "data" {
				// resource.data of a single RESOURCE table: the JSON itself
				b = appendRawJSON(b, s.Value(i))
				continue
			}
			var err error
			if b, err = appendJSON(b, sub, i, deeper(depth)); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	if col.IsNull(i) {
		return append(b, "null"...), nil
	}
	return jsontext.AppendQuote(b, col.ValueStr(i))
}

// deeper is the depth of the fields of a RECORD at depth.
func deeper(depth int) int {
	if depth == 0 {
		return 0
	}
	return depth + 1
}

// isKeyValue reports whether a RECORD has exactly the fields key (a
// STRING) and value: the form CAI gives a map.
func isKeyValue(a *array.Struct) bool {
	st := a.DataType().(*arrow.StructType)
	if st.NumFields() != 2 {
		return false
	}
	k, okk := st.FieldIdx("key")
	_, okv := st.FieldIdx("value")
	if !okk || !okv {
		return false
	}
	id := st.Field(k).Type.ID()
	return id == arrow.STRING || id == arrow.LARGE_STRING
}

// appendMap appends the entries start to end of a key/value RECORD list as
// a JSON object. An entry without a key, and any after the first of a key,
// is left out.
func appendMap(b []byte, kv *array.Struct, start, end, depth int) ([]byte, error) {
	st := kv.DataType().(*arrow.StructType)
	ki, _ := st.FieldIdx("key")
	vi, _ := st.FieldIdx("value")
	keys, vals := kv.Field(ki), kv.Field(vi)
	seen := map[string]bool{}
	b = append(b, '{')
	for j := start; j < end; j++ {
		if kv.IsNull(j) || keys.IsNull(j) {
			continue
		}
		key := keys.ValueStr(j)
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(seen) > 1 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, key)
		b = append(b, ':')
		if vals.IsNull(j) {
			b = append(b, "null"...)
			continue
		}
		var err error
		if b, err = appendJSON(b, vals, j, deeper(depth)); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendString appends s as a JSON string or, in resource.data below
// bqMaxDepth RECORD levels, as the JSON object or array it holds.
func appendString(b []byte, s string, depth int) ([]byte, error) {
	if depth > bqMaxDepth {
		return appendRawJSON(b, s), nil
	}
	return jsontext.AppendQuote(b, s)
}

// appendRawJSON appends s as the JSON object or array it holds or, when it
// holds none, as a JSON string.
func appendRawJSON(b []byte, s string) []byte {
	if t := strings.TrimSpace(s); len(t) > 1 && (t[0] == '{' || t[0] == '[') && jsontext.Value(t).IsValid() {
		return append(b, t...)
	}
	b, _ = jsontext.AppendQuote(b, s)
	return b
}

// protoTime writes a time as protobuf's JSON does (and so ListAssets
// records): RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits.
func protoTime(t time.Time) string {
	t = t.UTC()
	switch ns := t.Nanosecond(); {
	case ns == 0:
		return t.Format("2006-01-02T15:04:05Z")
	case ns%1e6 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case ns%1e3 == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}
