package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

	"cloud.google.com/go/bigquery"
	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
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
	// hold as columns (keys that are not column names, mixed types).
	json bool
}

// fakeTable is a table of the fake dataset: its columns and its rows, each
// a map from column name to a value of the column's type (string, int64,
// float64, bool, time.Time, []any, map[string]any; nil or absent is NULL).
type fakeTable struct {
	cols []bqCol
	rows []map[string]any
}

// bqFake is the fake BigQuery, for one dataset.
type bqFake struct {
	storagepb.UnimplementedBigQueryReadServer
	project, dataset string
	// fail, if set, may fail a call: CreateReadSession of table (offset
	// -1), or ReadRows of a stream of table before the batch at offset.
	// It may block on ctx.
	fail func(ctx context.Context, call, table string, offset int64) error
	// deniedSchema lists tables whose tables.get answers 403.
	deniedSchema []string

	mu       sync.Mutex
	tables   map[string]*fakeTable
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

const fakeBatchRows = 2

func newBQFake(project, dataset string) *bqFake {
	return &bqFake{project: project, dataset: dataset, tables: map[string]*fakeTable{}, sessions: map[string]*fakeSession{}}
}

func (f *bqFake) addTable(name string, t *fakeTable) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tables[name]; !ok {
		f.order = append(f.order, name)
	}
	f.tables[name] = t
}

// clients starts the fake's servers and returns the real clients connected
// to them; the billing project is "runlens-host".
func (f *bqFake) clients(t *testing.T) (*bigquery.Client, *bqstorage.BigQueryReadClient) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(f.serveREST))
	t.Cleanup(srv.Close)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	storagepb.RegisterBigQueryReadServer(gs, f)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	ctx := context.Background()
	tables, err := bigquery.NewClient(ctx, "runlens-host", option.WithEndpoint(srv.URL+"/bigquery/v2/"), option.WithoutAuthentication(), option.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tables.Close() })
	rows, err := bqstorage.NewBigQueryReadClient(ctx, option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rows.Close() })
	return tables, rows
}

// serveREST answers tables.list and tables.get.
func (f *bqFake) serveREST(w http.ResponseWriter, req *http.Request) {
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
	if slices.Contains(f.deniedSchema, name) {
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

func (f *bqFake) CreateReadSession(ctx context.Context, req *storagepb.CreateReadSessionRequest) (*storagepb.ReadSession, error) {
	f.mu.Lock()
	f.creates = append(f.creates, req)
	f.mu.Unlock()
	rs := req.GetReadSession()
	prefix := "projects/" + f.project + "/datasets/" + f.dataset + "/tables/"
	name, ok := strings.CutPrefix(rs.GetTable(), prefix)
	if !ok || req.GetParent() == "" {
		return nil, status.Errorf(codes.InvalidArgument, "bad table %q or parent %q", rs.GetTable(), req.GetParent())
	}
	if f.fail != nil {
		if err := f.fail(ctx, "CreateReadSession", name, -1); err != nil {
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
		for start := 0; start < len(mine); start += fakeBatchRows {
			part := mine[start:min(start+fakeBatchRows, len(mine))]
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

func (f *bqFake) ReadRows(req *storagepb.ReadRowsRequest, srv storagepb.BigQueryRead_ReadRowsServer) error {
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
		if f.fail != nil {
			if err := f.fail(srv.Context(), "ReadRows", sess.table, at); err != nil {
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
