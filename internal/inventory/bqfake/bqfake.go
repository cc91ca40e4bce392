// Package bqfake is an in-process fake of the BigQuery APIs runlens reads a
// Cloud Asset Inventory export with, for tests: the REST API's tables.list
// and tables.get, and the Storage Read API's CreateReadSession and
// ReadRows, used through the real client libraries. It also loads CAI
// export lines into tables laid out as CAI exports them.
package bqfake

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// The fake BigQuery: the REST API's tables.list and tables.get on an
// httptest server, and the Storage Read API (CreateReadSession, ReadRows)
// on a gRPC server, both on loopback and used through the real clients.
// The read API applies the selected fields and the row restrictions
// runlens sends, and refuses with INVALID_ARGUMENT any it does not
// understand.

// bqCol is a column of a fake table, as BigQuery describes it.
type bqCol struct {
	name     string
	typ      string // STRING, INTEGER, FLOAT, BOOLEAN, TIMESTAMP or RECORD
	repeated bool
	fields   []bqCol // of a RECORD
	// json marks a STRING column made to hold JSON that BigQuery could not
	// hold as columns (deeper than 15 levels, mixed types).
	json bool
	// kv marks a REPEATED RECORD of key and value holding a map (labels,
	// annotations), as CAI writes a field with additionalProperties.
	kv bool
}

// Table is a table of the fake dataset: its columns and its rows, each
// a map from column name to a value of the column's type (string, int64,
// float64, bool, time.Time, []any, map[string]any; nil or absent is NULL).
type Table struct {
	cols []bqCol
	rows []map[string]any
}

// Fake is the fake BigQuery, for one dataset.
type Fake struct {
	storagepb.UnimplementedBigQueryReadServer
	project, dataset string
	// fail, if set, may fail a call: CreateReadSession of table (offset
	// -1), or ReadRows of a stream of table before the batch at offset.
	// It may block on ctx.
	Fail func(ctx context.Context, call, table string, offset int64) error
	// DeniedSchema lists tables whose tables.get answers 403.
	DeniedSchema []string

	mu       sync.Mutex
	tables   map[string]*Table
	order    []string // tables in the order listed
	sessions map[string]*fakeSession
	creates  []*storagepb.CreateReadSessionRequest
	reads    []*storagepb.ReadRowsRequest
	served   int // rows served by ReadRows, all streams
}

// fakeSession is a read session: its streams' rows, as Arrow messages.
type fakeSession struct {
	table   string
	schema  []byte
	streams [][][]byte // per stream, its batches (two rows each)
	sizes   [][]int64  // rows of each batch
}

const BatchRows = 2

// New returns a fake of the dataset project.dataset, without tables.
func New(project, dataset string) *Fake {
	return &Fake{project: project, dataset: dataset, tables: map[string]*Table{}, sessions: map[string]*fakeSession{}}
}

// AddTable adds the table name to the dataset, or replaces it.
func (f *Fake) AddTable(name string, t *Table) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tables[name]; !ok {
		f.order = append(f.order, name)
	}
	f.tables[name] = t
}

// Start starts the fake's servers on loopback, until the test ends, and
// returns the client options that connect the real clients to them:
// bigquery.NewClient with tables, bqstorage.NewBigQueryReadClient with
// rows.
func (f *Fake) Start(tb testing.TB) (tables, rows []option.ClientOption) {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(f.serveREST))
	tb.Cleanup(srv.Close)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	gs := grpc.NewServer()
	storagepb.RegisterBigQueryReadServer(gs, f)
	go gs.Serve(lis)
	tb.Cleanup(gs.Stop)
	tables = []option.ClientOption{option.WithEndpoint(srv.URL + "/bigquery/v2/"), option.WithoutAuthentication(), option.WithHTTPClient(srv.Client())}
	rows = []option.ClientOption{option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
	return tables, rows
}

// Creates returns the CreateReadSession requests received so far.
func (f *Fake) Creates() []*storagepb.CreateReadSessionRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.creates)
}

// Reads returns the ReadRows requests received so far.
func (f *Fake) Reads() []*storagepb.ReadRowsRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reads)
}

// Strings is a table of STRING columns and no rows.
func Strings(names ...string) *Table {
	t := &Table{}
	for _, n := range names {
		t.cols = append(t.cols, bqCol{name: n, typ: "STRING"})
	}
	return t
}

// serveREST answers tables.list and tables.get.
func (f *Fake) serveREST(w http.ResponseWriter, req *http.Request) {
	prefix := "/bigquery/v2/projects/" + f.project + "/datasets/" + f.dataset + "/tables"
	path := req.URL.Path
	if req.Method != http.MethodGet || !strings.HasPrefix(path, prefix) {
		restError(w, http.StatusNotFound, "notFound", "Not found: "+path)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if path == prefix {
		var list []map[string]any
		for _, name := range f.order {
			list = append(list, map[string]any{
				"kind": "bigquery#table", "id": f.project + ":" + f.dataset + "." + name, "type": "TABLE",
				"tableReference": map[string]string{"projectId": f.project, "datasetId": f.dataset, "tableId": name},
			})
		}
		json.NewEncoder(w).Encode(map[string]any{"kind": "bigquery#tableList", "tables": list, "totalItems": len(list)})
		return
	}
	name := strings.TrimPrefix(path, prefix+"/")
	if slices.Contains(f.DeniedSchema, name) {
		restError(w, http.StatusForbidden, "accessDenied", "Access Denied: Table "+f.project+":"+f.dataset+"."+name+": Permission bigquery.tables.get denied")
		return
	}
	t, ok := f.tables[name]
	if !ok {
		restError(w, http.StatusNotFound, "notFound", "Not found: Table "+name)
		return
	}
	fields := make([]any, len(t.cols))
	for i, c := range t.cols {
		fields[i] = c.rest()
	}
	json.NewEncoder(w).Encode(map[string]any{
		"kind": "bigquery#table", "id": f.project + ":" + f.dataset + "." + name, "type": "TABLE",
		"tableReference": map[string]string{"projectId": f.project, "datasetId": f.dataset, "tableId": name},
		"schema":         map[string]any{"fields": fields},
		"numRows":        strconv.Itoa(len(t.rows)),
	})
}

func restError(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": msg, "errors": []any{map[string]any{"reason": reason, "message": msg}},
	}})
}

// rest is the column as tables.get describes it.
func (c bqCol) rest() map[string]any {
	m := map[string]any{"name": c.name, "type": c.typ, "mode": "NULLABLE"}
	if c.repeated {
		m["mode"] = "REPEATED"
	}
	if c.typ == "RECORD" {
		var sub []any
		for _, s := range c.fields {
			sub = append(sub, s.rest())
		}
		m["fields"] = sub
	}
	return m
}

// arrowType is the column's type as the Storage Read API sends it.
func (c bqCol) arrowType() arrow.DataType {
	var dt arrow.DataType
	switch c.typ {
	case "STRING":
		dt = arrow.BinaryTypes.String
	case "INTEGER":
		dt = arrow.PrimitiveTypes.Int64
	case "FLOAT":
		dt = arrow.PrimitiveTypes.Float64
	case "BOOLEAN":
		dt = arrow.FixedWidthTypes.Boolean
	case "TIMESTAMP":
		dt = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case "RECORD":
		fs := make([]arrow.Field, len(c.fields))
		for i, s := range c.fields {
			fs[i] = arrow.Field{Name: s.name, Type: s.arrowType(), Nullable: true}
		}
		dt = arrow.StructOf(fs...)
	default:
		panic("fake: no Arrow type for " + c.typ)
	}
	if c.repeated {
		return arrow.ListOf(dt)
	}
	return dt
}

// appendValue appends v, of the column's type, to b.
func (c bqCol) appendValue(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	if c.repeated {
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		elem := c
		elem.repeated = false
		for _, e := range v.([]any) {
			elem.appendValue(lb.ValueBuilder(), e)
		}
		return
	}
	switch c.typ {
	case "STRING":
		b.(*array.StringBuilder).Append(v.(string))
	case "INTEGER":
		b.(*array.Int64Builder).Append(v.(int64))
	case "FLOAT":
		b.(*array.Float64Builder).Append(v.(float64))
	case "BOOLEAN":
		b.(*array.BooleanBuilder).Append(v.(bool))
	case "TIMESTAMP":
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
	case "RECORD":
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		m := v.(map[string]any)
		for i, s := range c.fields {
			s.appendValue(sb.FieldBuilder(i), m[s.name])
		}
	}
}

// project keeps the selected fields of cols ("col" or "col.sub"), in the
// table's order; an unknown field is an error.
func project(cols []bqCol, selected []string) ([]bqCol, error) {
	if len(selected) == 0 {
		return cols, nil
	}
	want := map[string][]string{} // column → subfields (nil: whole)
	for _, s := range selected {
		top, sub, nested := strings.Cut(s, ".")
		i := slices.IndexFunc(cols, func(c bqCol) bool { return c.name == top })
		if i < 0 {
			return nil, fmt.Errorf("selected field %q is not in the table", s)
		}
		if !nested {
			want[top] = nil
			continue
		}
		c := cols[i]
		if c.typ != "RECORD" || !slices.ContainsFunc(c.fields, func(f bqCol) bool { return f.name == sub }) {
			return nil, fmt.Errorf("selected field %q is not in the table", s)
		}
		if subs, ok := want[top]; !ok || subs != nil {
			want[top] = append(subs, sub)
		}
	}
	var out []bqCol
	for _, c := range cols {
		subs, ok := want[c.name]
		if !ok {
			continue
		}
		if subs != nil {
			c.fields = slices.DeleteFunc(slices.Clone(c.fields), func(f bqCol) bool { return !slices.Contains(subs, f.name) })
		}
		out = append(out, c)
	}
	return out, nil
}

var (
	parentRE   = regexp.MustCompile(`^projects/[a-z][a-z0-9.:-]*$`)
	inClauseRE = regexp.MustCompile(`^(\w+) IN \(('[^']*'(?:, '[^']*')*)\)$`)
	tsClauseRE = regexp.MustCompile(`^readTime (=|<=) TIMESTAMP '(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) UTC'$`)
)

// restriction parses the row restrictions runlens sends: clauses joined by
// AND, each "COL IN ('a', ...)" or "readTime = (or <=) TIMESTAMP '... UTC'".
func restriction(s string) (func(map[string]any) bool, error) {
	if s == "" {
		return func(map[string]any) bool { return true }, nil
	}
	var keep []func(map[string]any) bool
	for _, clause := range strings.Split(s, " AND ") {
		if m := inClauseRE.FindStringSubmatch(clause); m != nil {
			col, values := m[1], strings.Split(m[2], ", ")
			for i, v := range values {
				values[i] = strings.Trim(v, "'")
			}
			keep = append(keep, func(row map[string]any) bool {
				v, _ := row[col].(string)
				return slices.Contains(values, v)
			})
			continue
		}
		if m := tsClauseRE.FindStringSubmatch(clause); m != nil {
			at, err := time.Parse("2006-01-02 15:04:05.999999", m[2])
			if err != nil {
				return nil, err
			}
			op := m[1]
			keep = append(keep, func(row map[string]any) bool {
				t, ok := row["readTime"].(time.Time)
				return ok && (t.Equal(at) || op == "<=" && t.Before(at))
			})
			continue
		}
		return nil, fmt.Errorf("row restriction clause %q not understood by the fake", clause)
	}
	return func(row map[string]any) bool {
		for _, k := range keep {
			if !k(row) {
				return false
			}
		}
		return true
	}, nil
}

// CreateReadSession applies the session's selected fields and row
// restriction (INVALID_ARGUMENT for any the fake does not understand) and
// splits the rows into up to three streams of BatchRows-row Arrow batches.
func (f *Fake) CreateReadSession(ctx context.Context, req *storagepb.CreateReadSessionRequest) (*storagepb.ReadSession, error) {
	f.mu.Lock()
	f.creates = append(f.creates, req)
	f.mu.Unlock()
	rs := req.GetReadSession()
	prefix := "projects/" + f.project + "/datasets/" + f.dataset + "/tables/"
	name, ok := strings.CutPrefix(rs.GetTable(), prefix)
	if !ok || !parentRE.MatchString(req.GetParent()) || req.GetMaxStreamCount() < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "bad table %q or parent %q", rs.GetTable(), req.GetParent())
	}
	if f.Fail != nil {
		if err := f.Fail(ctx, "CreateReadSession", name, -1); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	t, ok := f.tables[name]
	f.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Not found: Table %s", rs.GetTable())
	}
	if rs.GetDataFormat() != storagepb.DataFormat_ARROW {
		return nil, status.Errorf(codes.InvalidArgument, "the fake serves ARROW only")
	}
	cols, err := project(t.cols, rs.GetReadOptions().GetSelectedFields())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	keep, err := restriction(rs.GetReadOptions().GetRowRestriction())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	var opts []ipc.Option
	if rs.GetReadOptions().GetArrowSerializationOptions().GetBufferCompression() == storagepb.ArrowSerializationOptions_LZ4_FRAME {
		opts = append(opts, ipc.WithLZ4())
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.arrowType(), Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	var rows []map[string]any
	for _, row := range t.rows {
		if keep(row) {
			rows = append(rows, row)
		}
	}
	n := max(1, min(int(req.GetMaxStreamCount()), 3, len(rows)))
	sess := &fakeSession{table: name, schema: schemaBytes(schema), streams: make([][][]byte, n), sizes: make([][]int64, n)}
	for s := range n {
		var mine []map[string]any
		for i := s; i < len(rows); i += n {
			mine = append(mine, rows[i])
		}
		for start := 0; start < len(mine); start += BatchRows {
			part := mine[start:min(start+BatchRows, len(mine))]
			sess.streams[s] = append(sess.streams[s], arrowBatch(schema, cols, part, opts))
			sess.sizes[s] = append(sess.sizes[s], int64(len(part)))
		}
	}
	f.mu.Lock()
	id := fmt.Sprintf("%s/locations/us/sessions/s%d", req.GetParent(), len(f.sessions))
	f.sessions[id] = sess
	f.mu.Unlock()
	out := &storagepb.ReadSession{
		Name: id, Table: rs.GetTable(), DataFormat: storagepb.DataFormat_ARROW,
		ReadOptions: rs.GetReadOptions(),
		Schema:      &storagepb.ReadSession_ArrowSchema{ArrowSchema: &storagepb.ArrowSchema{SerializedSchema: sess.schema}},
	}
	if len(rows) > 0 {
		for s := range n {
			out.Streams = append(out.Streams, &storagepb.ReadStream{Name: fmt.Sprintf("%s/streams/%d", id, s)})
		}
	}
	return out, nil
}

// ReadRows serves a stream's batches from the request's offset (a batch
// boundary).
func (f *Fake) ReadRows(req *storagepb.ReadRowsRequest, srv storagepb.BigQueryRead_ReadRowsServer) error {
	f.mu.Lock()
	f.reads = append(f.reads, req)
	id, num, _ := strings.Cut(req.GetReadStream(), "/streams/")
	sess := f.sessions[id]
	f.mu.Unlock()
	s, err := strconv.Atoi(num)
	if sess == nil || err != nil || s >= len(sess.streams) {
		return status.Errorf(codes.NotFound, "no stream %q", req.GetReadStream())
	}
	var at int64
	for b, batch := range sess.streams[s] {
		size := sess.sizes[s][b]
		if at < req.GetOffset() {
			if at+size <= req.GetOffset() {
				at += size
				continue
			}
			return status.Errorf(codes.InvalidArgument, "offset %d is inside a batch (the fake resumes only between batches)", req.GetOffset())
		}
		if f.Fail != nil {
			if err := f.Fail(srv.Context(), "ReadRows", sess.table, at); err != nil {
				return err
			}
		}
		if err := srv.Send(&storagepb.ReadRowsResponse{
			RowCount: size,
			Rows:     &storagepb.ReadRowsResponse_ArrowRecordBatch{ArrowRecordBatch: &storagepb.ArrowRecordBatch{SerializedRecordBatch: batch, RowCount: size}},
		}); err != nil {
			return err
		}
		f.mu.Lock()
		f.served += int(size)
		f.mu.Unlock()
		at += size
	}
	return nil
}

// schemaBytes is the serialized schema message, as ArrowSchema holds it.
func schemaBytes(schema *arrow.Schema) []byte {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()[:buf.Len()-8] // less the end-of-stream marker
}

// arrowBatch is one serialized record batch message of rows.
func arrowBatch(schema *arrow.Schema, cols []bqCol, rows []map[string]any, opts []ipc.Option) []byte {
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for _, row := range rows {
		for i, c := range cols {
			c.appendValue(rb.Field(i), row[c.name])
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, append([]ipc.Option{ipc.WithSchema(schema)}, opts...)...)
	if err := w.Write(rec); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	head := len(schemaBytes(schema))
	return bytes.Clone(buf.Bytes()[head : buf.Len()-8])
}

// Line is one line of a gcloud asset export file.
type Line struct {
	Name      string `json:"name"`
	AssetType string `json:"asset_type"`
	Resource  *struct {
		Version              string          `json:"version"`
		DiscoveryDocumentURI string          `json:"discovery_document_uri"`
		DiscoveryName        string          `json:"discovery_name"`
		Parent               string          `json:"parent"`
		Location             string          `json:"location"`
		Data                 json.RawMessage `json:"data"`
	} `json:"resource"`
	IAMPolicy  map[string]any `json:"iam_policy"`
	OrgPolicy  []any          `json:"org_policy"`
	Ancestors  []any          `json:"ancestors"`
	UpdateTime string         `json:"update_time"`
	Raw        string         `json:"-"`
}

func ts(s string) any {
	if s == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(fmt.Sprintf("bqfake: update_time %q: %v", s, err))
	}
	return v
}

var (
	str        = bqCol{typ: "STRING"}
	conditionC = bqCol{name: "condition", typ: "RECORD", fields: []bqCol{{name: "title", typ: "STRING"}, {name: "description", typ: "STRING"}, {name: "expression", typ: "STRING"}}}
	iamPolicyC = bqCol{name: "iam_policy", typ: "RECORD", fields: []bqCol{
		{name: "etag", typ: "STRING"},
		{name: "bindings", typ: "RECORD", repeated: true, fields: []bqCol{{name: "role", typ: "STRING"}, {name: "members", typ: "STRING", repeated: true}, conditionC}},
		{name: "audit_configs", typ: "RECORD", repeated: true, fields: []bqCol{{name: "service", typ: "STRING"}, {name: "audit_log_configs", typ: "RECORD", repeated: true, fields: []bqCol{{name: "log_type", typ: "STRING"}, {name: "exempted_members", typ: "STRING", repeated: true}}}}},
	}}
)

func named(c bqCol, name string) bqCol { c.name = name; return c }

// tail is the columns every export table ends with; partitioned tables add
// readTime and requestTime.
func tail(camel, partitioned bool) []bqCol {
	cols := []bqCol{{name: "ancestors", typ: "STRING", repeated: true}, {name: "update_time", typ: "TIMESTAMP"}}
	if camel {
		cols[1].name = "updateTime"
	}
	if partitioned {
		cols = append(cols, bqCol{name: "readTime", typ: "TIMESTAMP"}, bqCol{name: "requestTime", typ: "TIMESTAMP"})
	}
	return cols
}

// ResourceTable is the single RESOURCE table of an export: resource.data a
// STRING holding JSON.
func ResourceTable(lines []Line, readTimes ...time.Time) *Table {
	tb := &Table{cols: slices.Concat([]bqCol{named(str, "name"), named(str, "asset_type"), {name: "resource", typ: "RECORD", fields: []bqCol{
		named(str, "version"), named(str, "discovery_document_uri"), named(str, "discovery_name"), named(str, "resource_url"),
		named(str, "parent"), named(str, "data"), named(str, "location"),
	}}}, tail(false, len(readTimes) > 0))}
	for _, at := range times(readTimes) {
		for _, l := range lines {
			rs := l.Resource
			row := map[string]any{"name": l.Name, "asset_type": l.AssetType, "ancestors": l.Ancestors, "update_time": ts(l.UpdateTime),
				"resource": map[string]any{"version": rs.Version, "discovery_document_uri": rs.DiscoveryDocumentURI, "discovery_name": rs.DiscoveryName,
					"parent": nilIfEmpty(rs.Parent), "location": nilIfEmpty(rs.Location), "data": string(rs.Data)}}
			stamp(row, at)
			tb.rows = append(tb.rows, row)
		}
	}
	return tb
}

// IAMTable is an IAM_POLICY table (single or per asset type: the same
// columns).
func IAMTable(lines []Line, readTimes ...time.Time) *Table {
	tb := &Table{cols: slices.Concat([]bqCol{named(str, "name"), named(str, "asset_type"), iamPolicyC}, tail(false, len(readTimes) > 0))}
	for _, at := range times(readTimes) {
		for _, l := range lines {
			row := map[string]any{"name": l.Name, "asset_type": l.AssetType, "iam_policy": l.IAMPolicy, "ancestors": l.Ancestors, "update_time": ts(l.UpdateTime)}
			stamp(row, at)
			tb.rows = append(tb.rows, row)
		}
	}
	return tb
}

// OrgTable is an ORG_POLICY table, its org_policy column inferred.
func OrgTable(lines []Line, readTimes ...time.Time) *Table {
	var vals []any
	for _, l := range lines {
		vals = append(vals, l.OrgPolicy)
	}
	col := infer("org_policy", vals, 1)
	tb := &Table{cols: slices.Concat([]bqCol{named(str, "name"), named(str, "asset_type"), col}, tail(false, len(readTimes) > 0))}
	for _, at := range times(readTimes) {
		for _, l := range lines {
			row := map[string]any{"name": l.Name, "asset_type": l.AssetType, "org_policy": conv(col, l.OrgPolicy), "ancestors": l.Ancestors, "update_time": ts(l.UpdateTime)}
			stamp(row, at)
			tb.rows = append(tb.rows, row)
		}
	}
	return tb
}

// PerTypeResourceTable is the RESOURCE table of one asset type in a
// per-asset-type export: camelCase top-level names, resource.data a RECORD
// of the type's fields.
func PerTypeResourceTable(lines []Line) *Table {
	var datas []any
	for _, l := range lines {
		var v any
		if err := json.Unmarshal(l.Resource.Data, &v); err != nil {
			panic("bqfake: " + err.Error())
		}
		datas = append(datas, v)
	}
	data := infer("data", datas, 2)
	tb := &Table{cols: slices.Concat([]bqCol{named(str, "name"), named(str, "assetType"), {name: "resource", typ: "RECORD", fields: []bqCol{
		named(str, "version"), named(str, "discoveryDocumentUri"), named(str, "discoveryName"), named(str, "resourceUrl"),
		named(str, "parent"), data, named(str, "location"),
	}}}, tail(true, false))}
	for i, l := range lines {
		rs := l.Resource
		tb.rows = append(tb.rows, map[string]any{"name": l.Name, "assetType": l.AssetType, "ancestors": l.Ancestors, "updateTime": ts(l.UpdateTime),
			"resource": map[string]any{"version": rs.Version, "discoveryDocumentUri": rs.DiscoveryDocumentURI, "discoveryName": rs.DiscoveryName,
				"parent": nilIfEmpty(rs.Parent), "location": nilIfEmpty(rs.Location), "data": conv(data, datas[i])}})
	}
	return tb
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func times(ts []time.Time) []time.Time {
	if len(ts) == 0 {
		return []time.Time{{}}
	}
	return ts
}

func stamp(row map[string]any, at time.Time) {
	if !at.IsZero() {
		row["readTime"], row["requestTime"] = at, at.Add(-time.Minute)
	}
}

var bqNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxDepth is how deep BigQuery nests RECORD columns.
const maxDepth = 15

// mapFields are field names whose objects are maps in the discovery
// documents of the types runlens reads (additionalProperties), whatever
// their keys: CAI writes them as key/value RECORDs even when every key
// would make a column name.
var mapFields = map[string]bool{"labels": true, "annotations": true, "userLabels": true, "limits": true,
	"requests": true, "nodeSelector": true, "attributes": true, "headers": true}

// infer is the column CAI would make of JSON values at RECORD level depth
// (resource is 1, its data 2): objects are RECORDs, maps (mapFields, or
// keys that are not column names) REPEATED RECORDs of key and value,
// arrays REPEATED, numbers FLOAT. What BigQuery cannot hold as columns
// (RECORDs deeper than 15 levels, mixed kinds, arrays of arrays, empty
// objects) is a STRING holding the JSON.
func infer(name string, vals []any, depth int) bqCol {
	kinds := map[string]bool{}
	for _, v := range vals {
		switch v.(type) {
		case nil:
		case string:
			kinds["string"] = true
		case float64:
			kinds["number"] = true
		case bool:
			kinds["bool"] = true
		case map[string]any:
			kinds["object"] = true
		case []any:
			kinds["array"] = true
		}
	}
	asJSON := bqCol{name: name, typ: "STRING", json: true}
	if len(kinds) != 1 {
		if len(kinds) == 0 {
			return bqCol{name: name, typ: "STRING"}
		}
		return asJSON
	}
	switch {
	case kinds["string"]:
		return bqCol{name: name, typ: "STRING"}
	case kinds["number"]:
		return bqCol{name: name, typ: "FLOAT"}
	case kinds["bool"]:
		return bqCol{name: name, typ: "BOOLEAN"}
	case kinds["array"]:
		var elems []any
		for _, v := range vals {
			a, _ := v.([]any)
			for _, e := range a {
				if _, nested := e.([]any); nested {
					return asJSON
				}
				elems = append(elems, e)
			}
		}
		c := infer(name, elems, depth)
		if c.json || c.kv {
			return asJSON
		}
		c.repeated = true
		return c
	}
	if depth > maxDepth {
		return asJSON
	}
	byKey := map[string][]any{}
	for _, v := range vals {
		m, _ := v.(map[string]any)
		for k, e := range m {
			byKey[k] = append(byKey[k], e)
		}
	}
	if len(byKey) == 0 {
		return asJSON
	}
	isMap := mapFields[name]
	for k := range byKey {
		isMap = isMap || !bqNameRE.MatchString(k)
	}
	if isMap {
		var all []any
		for _, k := range slices.Sorted(maps.Keys(byKey)) {
			all = append(all, byKey[k]...)
		}
		value := infer("value", all, depth+1)
		return bqCol{name: name, typ: "RECORD", repeated: true, kv: true, fields: []bqCol{{name: "key", typ: "STRING"}, value}}
	}
	c := bqCol{name: name, typ: "RECORD"}
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		c.fields = append(c.fields, infer(k, byKey[k], depth+1))
	}
	return c
}

// conv is v as a value of column c.
func conv(c bqCol, v any) any {
	if v == nil {
		return nil
	}
	if c.json {
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	if c.kv {
		m := v.(map[string]any)
		var out []any
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, map[string]any{"key": k, "value": conv(c.fields[1], m[k])})
		}
		return out
	}
	if c.repeated {
		elem := c
		elem.repeated = false
		var out []any
		for _, e := range v.([]any) {
			out = append(out, conv(elem, e))
		}
		return out
	}
	if c.typ == "RECORD" {
		m := v.(map[string]any)
		out := map[string]any{}
		for _, f := range c.fields {
			out[f.name] = conv(f, m[f.name])
		}
		return out
	}
	return v
}

// Append adds the rows of o, a table of the same columns, to t.
func (t *Table) Append(o *Table) { t.rows = append(t.rows, o.rows...) }

// ReadFile reads the lines of the export file name in fsys (ReadLines).
func ReadFile(fsys fs.FS, name string) ([]Line, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines, err := ReadLines(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return lines, nil
}

// ReadLines reads the lines of a gcloud asset export file (JSON lines,
// snake_case).
func ReadLines(r io.Reader) ([]Line, error) {
	var out []Line
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("bqfake: line %d: %w", n, err)
		}
		l.Raw = sc.Text()
		out = append(out, l)
	}
	return out, sc.Err()
}

// schemaField is a column as a BigQuery schema file describes it (the JSON
// `bq show --schema --format=prettyjson` prints).
type schemaField struct {
	Name   string        `json:"name"`
	Type   string        `json:"type"`
	Mode   string        `json:"mode"`
	Fields []schemaField `json:"fields"`
}

// col is the fake's column for f; an error for a type the fake cannot
// serve.
func (f schemaField) col() (bqCol, error) {
	c := bqCol{name: f.Name, repeated: f.Mode == "REPEATED"}
	switch f.Type {
	case "STRING", "INTEGER", "FLOAT", "BOOLEAN", "TIMESTAMP", "RECORD":
		c.typ = f.Type
	case "INT64":
		c.typ = "INTEGER"
	case "FLOAT64":
		c.typ = "FLOAT"
	case "BOOL":
		c.typ = "BOOLEAN"
	case "STRUCT":
		c.typ = "RECORD"
	default:
		return bqCol{}, fmt.Errorf("column %s: type %s not served by the fake", f.Name, f.Type)
	}
	if !bqNameRE.MatchString(f.Name) {
		return bqCol{}, fmt.Errorf("column %q: not a BigQuery column name", f.Name)
	}
	if (c.typ == "RECORD") != (len(f.Fields) > 0) {
		return bqCol{}, fmt.Errorf("column %s: a RECORD, and only a RECORD, has fields", f.Name)
	}
	for _, sub := range f.Fields {
		sc, err := sub.col()
		if err != nil {
			return bqCol{}, fmt.Errorf("%s.%w", f.Name, err)
		}
		c.fields = append(c.fields, sc)
	}
	return c, nil
}

// SchemaTable is a table with the columns of a BigQuery schema file and
// the rows of a JSON lines file, each row as BigQuery writes it as JSON
// (`bq query --format=json`, one row a line): a RECORD an object, a
// REPEATED column an array, an INTEGER a number or a string of digits, a
// TIMESTAMP RFC 3339 or "2006-01-02 15:04:05.999999 UTC". A row naming a
// column the schema lacks, or holding a value of the wrong kind, is an
// error, as BigQuery would refuse to load it.
func SchemaTable(schema, rows []byte) (*Table, error) {
	var fields []schemaField
	if err := json.Unmarshal(schema, &fields); err != nil {
		return nil, fmt.Errorf("bqfake: schema: %w", err)
	}
	t := &Table{}
	for _, f := range fields {
		c, err := f.col()
		if err != nil {
			return nil, fmt.Errorf("bqfake: schema: %w", err)
		}
		t.cols = append(t.cols, c)
	}
	record := bqCol{typ: "RECORD", fields: t.cols}
	sc := bufio.NewScanner(bytes.NewReader(rows))
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("bqfake: row %d: %w", n, err)
		}
		row, err := fromJSON(record, v)
		if err != nil {
			return nil, fmt.Errorf("bqfake: row %d: %w", n, err)
		}
		t.rows = append(t.rows, row.(map[string]any))
	}
	return t, sc.Err()
}

// fromJSON is v, a JSON value, as a value of column c.
func fromJSON(c bqCol, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if c.repeated {
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: REPEATED, not an array: %v", c.name, v)
		}
		elem := c
		elem.repeated = false
		out := []any{}
		for _, e := range a {
			if e == nil {
				return nil, fmt.Errorf("%s: an array element is null, which BigQuery does not store", c.name)
			}
			x, err := fromJSON(elem, e)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("%s: a %s, not %T %v", c.name, c.typ, v, v) }
	switch c.typ {
	case "STRING":
		if s, ok := v.(string); ok {
			return s, nil
		}
	case "INTEGER":
		var n json.Number
		switch x := v.(type) {
		case json.Number:
			n = x
		case string:
			n = json.Number(x)
		default:
			return bad()
		}
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
	case "FLOAT":
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f, nil
			}
		}
	case "BOOLEAN":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "TIMESTAMP":
		if s, ok := v.(string); ok {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999 UTC", "2006-01-02 15:04:05.999999"} {
				if at, err := time.Parse(layout, s); err == nil {
					return at.UTC(), nil
				}
			}
		}
	case "RECORD":
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		out := map[string]any{}
		for k, e := range m {
			i := slices.IndexFunc(c.fields, func(f bqCol) bool { return f.name == k })
			if i < 0 {
				return nil, fmt.Errorf("%s: no column %q", c.name, k)
			}
			x, err := fromJSON(c.fields[i], e)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	}
	return bad()
}
