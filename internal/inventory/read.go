package inventory

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/runlens/runlens/internal/iam"
)

// maxRecord bounds one JSON-lines record; CAI records are far smaller.
const maxRecord = 64 << 20

// record is one CAI record in either spelling: gcloud export lines use
// snake_case at the top level, ListAssets output camelCase. Inside
// resource.data both use the API's camelCase, kept raw for the graph.
type record struct {
	Name        string         `json:"name"`
	AssetType   string         `json:"asset_type"`
	AssetTypeCC string         `json:"assetType"`
	Resource    *resource      `json:"resource"`
	IAMPolicy   *policyValue   `json:"iam_policy"`
	IAMPolicyCC *policyValue   `json:"iamPolicy"`
	Ancestors   []string       `json:"ancestors"`
	UpdateTime  string         `json:"update_time"`
	UpdateTimCC string         `json:"updateTime"`
	OrgPolicy   jsontext.Value `json:"org_policy"`
	OrgPolicyCC jsontext.Value `json:"orgPolicy"`

	// Recommender records share the reader: a recommendation or insight, or
	// a REST list / applied-result wrapper holding them.
	RecommenderSubtype     string           `json:"recommenderSubtype"`
	InsightSubtype         string           `json:"insightSubtype"`
	Recommendations        []jsontext.Value `json:"recommendations"`
	Insights               []jsontext.Value `json:"insights"`
	AppliedRecommendations []jsontext.Value `json:"applied_recommendations"`

	// A ListAssets REST response holds records: one page of them, or none
	// ({"readTime": ...} alone).
	Assets        []jsontext.Value `json:"assets"`
	NextPageToken string           `json:"nextPageToken"`
	ReadTime      string           `json:"readTime"`
	// A SearchAllResources or SearchAllIamPolicies response holds search
	// results: not records.
	Results jsontext.Value `json:"results"`
	// Other Google API output that is no inventory: an IAM policy
	// (getIamPolicy), Cloud Run Admin API lists and objects.
	Bindings   jsontext.Value `json:"bindings"`
	Services   jsontext.Value `json:"services"`
	Jobs       jsontext.Value `json:"jobs"`
	Kind       string         `json:"kind"`
	APIVersion string         `json:"apiVersion"`
}

// otherAPIOutput names the Google API output rec is, when it is a known
// kind that holds no asset record, or "".
func (rec *record) otherAPIOutput() string {
	switch {
	case rec.Bindings != nil && rec.AssetType == "" && rec.AssetTypeCC == "":
		return "an IAM policy (getIamPolicy or gcloud ... get-iam-policy output); export policies with gcloud asset export --content-type=iam-policy"
	case rec.Services != nil || rec.Jobs != nil ||
		strings.HasPrefix(rec.APIVersion, "serving.knative.dev/") || strings.HasPrefix(rec.APIVersion, "run.googleapis.com/") ||
		(rec.AssetType == "" && rec.AssetTypeCC == "" && (strings.Contains(rec.Name, "/services/") || strings.Contains(rec.Name, "/jobs/")) && strings.HasPrefix(rec.Name, "projects/")):
		return "Cloud Run Admin API output (gcloud run services describe or list), not asset records; export with gcloud asset export --asset-types=run.googleapis.com/Service,run.googleapis.com/Job"
	}
	return ""
}

// policyValue is an IAM policy field: a JSON object, or a JSON string
// holding one, as CAI's BigQuery export written out as JSON may have it.
type policyValue iam.Policy

// UnmarshalJSONFrom decodes the policy, or the policy a string holds.
func (p *policyValue) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '"' {
		return jsonv2.UnmarshalDecode(dec, (*iam.Policy)(p))
	}
	var s string
	if err := jsonv2.UnmarshalDecode(dec, &s); err != nil {
		return err
	}
	if s == "" || s == "null" {
		*p = policyValue{}
		return nil
	}
	if err := unmarshal([]byte(s), (*iam.Policy)(p)); err != nil {
		return errPolicyString
	}
	return nil
}

// errPolicyString is an iam_policy string that holds no IAM policy.
var errPolicyString = errors.New("a string that holds no IAM policy")

type resource struct {
	Version  string         `json:"version"`
	Parent   string         `json:"parent"`
	Location string         `json:"location"`
	Data     jsontext.Value `json:"data"`
}

// unquoteData turns resource.data written as a JSON string (CAI's
// BigQuery export: the column is a STRING) into the object it holds, and a
// null into none.
func (rs *resource) unquoteData() error {
	d := rs.Data
	switch {
	case len(d) == 0:
		return nil
	case string(d) == "null":
		rs.Data = nil
		return nil
	case d[0] != '"':
		return nil
	}
	var s string
	if err := unmarshal(d, &s); err != nil {
		return err
	}
	v := jsontext.Value(s)
	if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '{' || !v.IsValid() {
		return errors.New("resource.data is a string that holds no JSON object")
	}
	rs.Data = v
	return nil
}

// joined is an asset being joined from its records, with what was kept of
// its RESOURCE and IAM_POLICY records (to choose between duplicates).
type joined struct {
	asset    Asset
	res, pol kept
}

// kept is the record of one content type kept for an asset.
type kept struct {
	src       Source // zero: none yet
	time      string // its update_time, RFC 3339
	ancestors []string
}

// Reader accumulates CAI records from any number of inputs and joins them
// into assets. The zero value is not usable; call NewReader.
type Reader struct {
	progress func(records int)
	byName   map[string]*joined
	inv      Inventory
	fileOK   int // good records in the file being read
	fileBad  int // not-CAI records in the file being read
	// fileAssets counts the asset records of the file being read, and
	// fileLooks says what the file looks like if it holds none.
	fileAssets int
	fileLooks  string
}

// NewReader returns an empty Reader.
func NewReader() *Reader {
	return &Reader{
		byName: make(map[string]*joined),
		inv:    Inventory{Unknown: make(map[string]int)},
	}
}

// SetProgress makes the reader call fn with the number of records read so
// far, every few thousand records and at the end of each input. fn may run
// on a goroutine of the reader's (records are joined off the calling
// goroutine), never two calls at once.
func (r *Reader) SetProgress(fn func(records int)) { r.progress = fn }

// progressEvery is how often (in records) progress is reported.
const progressEvery = 2000

// ReadPaths is ReadPathsContext without a deadline.
func ReadPaths(paths ...string) (*Inventory, error) {
	return ReadPathsContext(context.Background(), paths...)
}

// ReadPathsContext reads every file and directory in paths (see
// ReadPathContext) and returns the joined inventory. Only I/O errors, inputs
// that are not regular files and the end of ctx are errors; bad records are
// Problems in the inventory.
func ReadPathsContext(ctx context.Context, paths ...string) (*Inventory, error) {
	r := NewReader()
	for _, p := range paths {
		if err := r.ReadPathContext(ctx, p); err != nil {
			return nil, err
		}
	}
	return r.Inventory(), nil
}

// ReadPath is ReadPathContext without a deadline.
func (r *Reader) ReadPath(p string) error { return r.ReadPathContext(context.Background(), p) }

// ReadPathContext reads one file, or every input file under a directory
// (*.json, *.jsonl and *.ndjson, gzip-compressed or not: *.json.gz, ...), in
// lexical order. Only regular files are read: a named pipe, socket or
// device named by p is refused with an error (opening a pipe would wait for
// a writer, reading a device may never end); one found in a directory is a
// problem, not read. A directory with no input file is noted in
// Inventory.Refused. Reading stops with an error as soon as ctx ends.
func (r *Reader) ReadPathContext(ctx context.Context, p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	r.inv.Coverage.Scopes = append(r.inv.Coverage.Scopes, p)
	if !st.IsDir() {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("inventory: %s is %s, not a regular file: runlens reads only regular files and directories", p, fileKind(st.Mode()))
		}
		return r.readOSFile(ctx, p)
	}
	inputs := 0
	err = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("inventory: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("inventory: read %s: %w", p, err)
		}
		if d.IsDir() || !isInputName(fp) {
			return nil
		}
		inputs++
		if t := d.Type(); !t.IsRegular() && t&fs.ModeSymlink == 0 {
			r.notRegular(fp, t)
			return nil
		}
		return r.readOSFile(ctx, fp)
	})
	if err == nil && inputs == 0 {
		r.refuse(p, "a directory with no *.json, *.jsonl or *.ndjson file (gzip-compressed or not)")
	}
	return err
}

// ReadFS is ReadFSContext without a deadline.
func (r *Reader) ReadFS(fsys fs.FS) error { return r.ReadFSContext(context.Background(), fsys) }

// ReadFSContext reads every input file in fsys (the embedded demo
// organization, for one), as ReadPathContext reads a directory.
func (r *Reader) ReadFSContext(ctx context.Context, fsys fs.FS) error {
	r.inv.Coverage.Scopes = append(r.inv.Coverage.Scopes, "(embedded files)")
	return fs.WalkDir(fsys, ".", func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("inventory: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("inventory: read %s: %w", fp, err)
		}
		if d.IsDir() || !isInputName(fp) {
			return nil
		}
		f, err := fsys.Open(fp)
		if err != nil {
			return fmt.Errorf("inventory: %w", err)
		}
		defer f.Close()
		return r.ReadContext(ctx, fp, f)
	})
}

// isInputName reports whether a file in a directory is read: *.json,
// *.jsonl and *.ndjson, each also with .gz after it.
func isInputName(p string) bool {
	p = strings.ToLower(p)
	switch path.Ext(strings.TrimSuffix(p, ".gz")) {
	case ".json", ".jsonl", ".ndjson":
		return true
	}
	return false
}

// readOSFile reads the file at p if it is a regular file. It is opened
// without waiting (O_NONBLOCK: a named pipe would wait for a writer) and
// checked once open, since it may have been replaced after it was listed.
func (r *Reader) readOSFile(ctx context.Context, p string) error {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	if !st.Mode().IsRegular() {
		r.notRegular(p, st.Mode())
		return nil
	}
	return r.ReadContext(ctx, p, f)
}

// notRegular records an input found in a directory that is not a regular
// file: it is not read.
func (r *Reader) notRegular(p string, mode fs.FileMode) {
	kind := fileKind(mode)
	r.problem(Source{File: p}, ProblemNotCAI, fmt.Sprintf("%s, not a regular file: not read", kind))
	r.refuse(p, kind+", not a regular file")
}

// Read is ReadContext without a deadline.
func (r *Reader) Read(name string, rd io.Reader) error {
	return r.ReadContext(context.Background(), name, rd)
}

// ReadContext reads one input called name: JSON lines (one record per line,
// as `gcloud asset export` writes), JSON arrays of records (as ListAssets
// and `gcloud asset list --format=json` print), pretty-printed records,
// ListAssets REST responses ({"assets": [...], "nextPageToken": ...}, one
// page or several), and CAI's BigQuery export written out as JSON (rows
// whose resource.data and iam_policy may be JSON strings). Any of them may be
// gzip-compressed: that is told by the first bytes, whatever the name. A
// malformed record is reported with its line and the rest of the input is
// still read; an input holding no asset record is noted, with what it looks
// like instead, in Inventory.Refused. Reading stops with an error as soon
// as ctx ends.
func (r *Reader) ReadContext(ctx context.Context, name string, rd io.Reader) error {
	br := bufio.NewReaderSize(ctxReader{ctx: ctx, r: rd}, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if !isGzipFormatError(err) {
				return fmt.Errorf("inventory: read %s: %w", name, err)
			}
			r.problem(Source{File: name}, ProblemMalformed, fmt.Sprintf("gzip-compressed input that cannot be read: %v", err))
			r.refuse(name, "a gzip file that cannot be read")
			return nil
		}
		gz := &gzipInput{zr: zr}
		err = r.read(name, bufio.NewReaderSize(ctxReader{ctx: ctx, r: gz}, 64<<10))
		if err == nil && gz.err != nil {
			r.problem(Source{File: name}, ProblemTruncated, fmt.Sprintf("the gzip-compressed input is corrupt or cut short (%v): what it held after that is lost", gz.err))
		}
		return err
	}
	return r.read(name, br)
}

// read reads one uncompressed input.
func (r *Reader) read(name string, br *bufio.Reader) error {
	r.fileOK, r.fileBad, r.fileAssets, r.fileLooks = 0, 0, 0, ""
	first, line, err := firstByte(br)
	if errors.Is(err, io.EOF) {
		r.problem(Source{File: name}, ProblemNotCAI, "empty input: not a Cloud Asset Inventory export")
		r.refuse(name, "empty")
		return nil
	}
	if err != nil {
		return fmt.Errorf("inventory: read %s: %w", name, err)
	}
	switch first {
	case '[':
		err = r.readStream(name, br, line, true)
	case '{':
		err = r.readLines(name, br, line)
	default:
		looks := looksLike(br)
		r.problem(Source{File: name, Line: line}, ProblemNotCAI,
			fmt.Sprintf("not a Cloud Asset Inventory export: %s (expected JSON lines or a JSON array, found %q)", looks, first))
		r.refuse(name, looks)
		return nil
	}
	if err != nil {
		return err
	}
	if r.fileAssets > 0 {
		return nil
	}
	looks := r.fileLooks
	if r.fileOK == 0 && r.fileBad > 0 {
		// A verdict on records already counted as skipped: not counted again.
		msg := fmt.Sprintf("not a Cloud Asset Inventory export: none of its %d records has a name and an asset type", r.fileBad)
		if looks != looksNoName {
			msg += "; it holds " + looks
		}
		r.addProblem(Problem{Source: Source{File: name}, Kind: ProblemNotCAI, Msg: msg})
	}
	switch {
	case looks != "":
	case r.fileOK > 0:
		looks = "IAM recommender output, no asset record"
	case first == '[':
		looks = "an empty JSON array"
	default:
		looks = "no record that could be read"
	}
	r.refuse(name, looks)
	return nil
}

// firstByte peeks at the first non-space byte and the line it is on.
func firstByte(br *bufio.Reader) (byte, int, error) {
	line := 1
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, line, err
		}
		switch b {
		case '\n':
			line++
		case ' ', '\t', '\r', 0xEF, 0xBB, 0xBF: // whitespace and a UTF-8 BOM
		default:
			return b, line, br.UnreadByte()
		}
	}
}

// readLines reads JSON lines. A record that is not valid JSON on its own
// line may be a pretty-printed object; then the rest is read as a stream of
// JSON values.
func (r *Reader) readLines(name string, br *bufio.Reader, line int) error {
	var buf bytes.Buffer
	// The first record is read here, on its own: whether it fails to parse
	// decides how the rest is read (JSON lines, or pretty-printed objects).
	// Once one record has been counted, the rest go through the pipeline.
	var p *pipeline
	defer func() {
		if p != nil {
			p.finish()
		}
	}()
	for ; ; line++ {
		buf.Reset()
		full, err := readLine(br, &buf)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("inventory: read %s: %w", name, err)
		}
		b := bytes.TrimSpace(buf.Bytes())
		atEOF := errors.Is(err, io.EOF)
		src := Source{File: name, Line: line}
		switch {
		case len(b) == 0:
		case p != nil:
			p.add(b, src, !full, atEOF)
		case !full:
			r.problem(src, ProblemMalformed, "record longer than 64 MiB; skipped")
		case r.addJSON(b, src):
			if r.fileOK+r.fileBad > 0 && !atEOF {
				p = newPipeline(r)
			}
		case r.fileOK+r.fileBad == 0 && !atEOF && !bytes.HasSuffix(b, []byte("}")):
			// A pretty-printed object, or a broken first line of JSON lines.
			// In a pretty-printed object the next line is a key, never an
			// object of its own; in JSON lines it is the next record.
			next, err := nextLines(br)
			if err != nil {
				return fmt.Errorf("inventory: read %s: %w", name, err)
			}
			rest := io.MultiReader(bytes.NewReader(next), br)
			if !startsWithObject(next) {
				return r.readStream(name, io.MultiReader(bytes.NewReader(append(slices.Clone(buf.Bytes()), '\n')), rest), line, false)
			}
			r.problem(src, ProblemMalformed, "invalid JSON: "+jsonError(b))
			br = bufio.NewReaderSize(rest, 64<<10)
			continue
		case atEOF:
			r.problem(src, ProblemTruncated, "input ends inside a record (truncated file?): "+jsonError(b))
		default:
			r.problem(src, ProblemMalformed, "invalid JSON: "+jsonError(b))
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// nextLines reads up to and including the next line that is not blank (or
// to the end of the input), and returns what it read.
func nextLines(br *bufio.Reader) ([]byte, error) {
	var out bytes.Buffer
	for {
		var l bytes.Buffer
		_, err := readLine(br, &l)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		out.Write(l.Bytes())
		if !errors.Is(err, io.EOF) {
			out.WriteByte('\n')
		}
		if len(bytes.TrimSpace(l.Bytes())) > 0 || err != nil {
			return out.Bytes(), nil
		}
	}
}

// startsWithObject reports whether the first non-blank line of b is a JSON
// object on its own.
func startsWithObject(b []byte) bool {
	for len(b) > 0 {
		var l []byte
		l, b, _ = bytes.Cut(b, []byte("\n"))
		if l = bytes.TrimSpace(l); len(l) > 0 {
			return l[0] == '{' && json.Valid(l)
		}
	}
	return false
}

// readLine appends one line without its newline to buf. full is false when
// the line was cut at maxRecord.
func readLine(br *bufio.Reader, buf *bytes.Buffer) (full bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if buf.Len() < maxRecord {
			buf.Write(bytes.TrimSuffix(chunk, []byte("\n")))
		}
		switch {
		case err == nil:
			return buf.Len() < maxRecord, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return buf.Len() < maxRecord, err
		}
	}
}

// readStream reads JSON values one after another: pretty-printed records
// (`jq . export.jsonl`), JSON arrays of records (ListAssets and `gcloud asset
// list --format=json` output, BigQuery rows), one or several, and ListAssets
// REST responses ({"assets": [...], "nextPageToken": ...}), one page or
// many. arrays says the input starts with an array: then only arrays may
// follow it. It streams (see framer): one record is held at a time, at most
// maxRecord bytes of it, and the records are decoded on every CPU and
// joined in order.
func (r *Reader) readStream(name string, rd io.Reader, line int, arrays bool) error {
	p := newPipeline(r)
	f := &framer{name: name, p: p, arrays: arrays, line: line}
	err := f.frame(rd)
	p.finish()
	if err != nil {
		return fmt.Errorf("inventory: read %s: %w", name, err)
	}
	return nil
}

func jsonError(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err.Error()
	}
	return "invalid JSON"
}

func (r *Reader) problem(src Source, kind ProblemKind, msg string) {
	r.addProblem(Problem{Source: src, Kind: kind, Msg: msg})
	if kind != ProblemPermissionDenied && kind != ProblemUnavailable {
		r.inv.Skipped++
	}
}

// addJSON decodes one record and joins it into its asset. It returns false,
// having recorded nothing, when b is not valid JSON, so that the caller can
// say why (malformed, truncated, pretty-printed) without parsing b twice.
func (r *Reader) addJSON(b []byte, src Source) bool {
	d := decodeRecord(b)
	return r.join(&d, b, src)
}

// decoded is a record decoded by decodeRecord, not yet joined.
type decoded struct {
	rec       record
	err       error // from decoding
	redactErr error // resource data that could not be redacted (and is dropped)
}

// decodeRecord is the half of reading a record that needs no Reader state:
// decoding, and redacting a Cloud Run record's env values. It runs on
// several goroutines at once (see pipeline); join is the ordered half.
func decodeRecord(b []byte) decoded {
	var d decoded
	if d.err = unmarshal(b, &d.rec); d.err != nil {
		return d
	}
	rec := &d.rec
	if rec.Resource != nil {
		if err := rec.Resource.unquoteData(); err != nil {
			d.redactErr, rec.Resource = err, nil
			return d
		}
	}
	if rec.Resource != nil && (rec.AssetType == TypeRunService || rec.AssetType == TypeRunJob || rec.AssetTypeCC == TypeRunService || rec.AssetTypeCC == TypeRunJob) {
		// Env values never enter runlens's memory past this point.
		data, err := redactEnv(rec.Resource.Data)
		if err != nil {
			d.redactErr, rec.Resource = err, nil
		} else {
			rec.Resource.Data = data
		}
	}
	return d
}

// join adds a decoded record (b is its text) to the inventory. It returns
// false, having recorded nothing, when b is not valid JSON.
func (r *Reader) join(d *decoded, b []byte, src Source) bool {
	rec := &d.rec
	if err := d.err; err != nil {
		var syn *jsontext.SyntacticError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false
		}
		r.inv.Records++
		var sem *jsonv2.SemanticError
		if errors.As(err, &sem) && (sem.JSONKind != 0 || errors.Is(err, errPolicyString)) {
			r.fileBad++
			if sem.JSONPointer == "" {
				r.problem(src, ProblemNotCAI, fmt.Sprintf("not an asset record: a JSON %s, not an object", kindName(sem.JSONKind)))
				r.looksFor(fmt.Sprintf("JSON %ss, not asset records", kindName(sem.JSONKind)))
			} else if field := strings.TrimPrefix(string(sem.JSONPointer), "/"); errors.Is(err, errPolicyString) {
				r.problem(src, ProblemNotCAI, fmt.Sprintf("not an asset record: field %q is %v", field, errPolicyString))
				r.looksFor(fmt.Sprintf("JSON objects that are not asset records (their field %q is %v)", field, errPolicyString))
			} else {
				r.problem(src, ProblemNotCAI, fmt.Sprintf("not an asset record: field %q has the wrong type (%s)", field, kindName(sem.JSONKind)))
				r.looksFor(fmt.Sprintf("JSON objects that are not asset records (their field %q is a %s)", field, kindName(sem.JSONKind)))
			}
			return true
		}
		r.problem(src, ProblemMalformed, "invalid JSON: "+err.Error())
		return true
	}
	if d.redactErr != nil {
		r.problem(src, ProblemMalformed, fmt.Sprintf("resource data of %s cannot be read (%v); its resource record is not used", rec.Name, d.redactErr))
	}
	r.inv.Records++
	if r.progress != nil && r.inv.Records%progressEvery == 0 {
		r.progress(r.inv.Records)
	}
	if rec.AssetType == "" {
		rec.AssetType = rec.AssetTypeCC
	}
	if rec.Name == "" && rec.AssetType == "" && rec.Results == nil && (rec.Assets != nil || rec.NextPageToken != "" || rec.ReadTime != "") {
		// A ListAssets REST response on one line: its assets are the records.
		r.inv.Records--
		for _, el := range rec.Assets {
			d := decodeRecord(el)
			r.join(&d, el, src)
		}
		if len(rec.Assets) == 0 {
			r.looksFor("a ListAssets response without assets")
		}
		return true
	}
	if wrapped := slices.Concat(rec.Recommendations, rec.Insights, rec.AppliedRecommendations); rec.Name == "" && len(wrapped) > 0 {
		r.inv.Records--
		for _, w := range wrapped {
			r.inv.Records++
			r.addRecommender(w, src)
		}
		return true
	}
	if rec.AssetType == "" && (rec.RecommenderSubtype != "" || rec.InsightSubtype != "" || isRecommenderName(rec.Name)) {
		r.addRecommender(b, src)
		return true
	}
	if rec.IAMPolicy == nil {
		rec.IAMPolicy = rec.IAMPolicyCC
	}
	if rec.UpdateTime == "" {
		rec.UpdateTime = rec.UpdateTimCC
	}
	rec.UpdateTime = rfc3339(rec.UpdateTime)
	if isEmptyJSON(rec.OrgPolicy) {
		rec.OrgPolicy = nil // BigQuery rows write an empty repeated column as []
	}
	if isEmptyJSON(rec.OrgPolicyCC) {
		rec.OrgPolicyCC = nil
	}
	if rec.Name == "" || rec.AssetType == "" {
		r.fileBad++
		if rec.Results != nil {
			r.problem(src, ProblemNotCAI, `not an asset record: a search response ({"results": [...]}, as SearchAllResources and SearchAllIamPolicies return) holds search results, not assets; export with gcloud asset export or list with gcloud asset list`)
			r.looksFor(`a search response ({"results": [...]}, as SearchAllResources and SearchAllIamPolicies return), not an asset export`)
			return true
		}
		if other := rec.otherAPIOutput(); other != "" {
			r.problem(src, ProblemNotCAI, "not an asset record: "+other)
			r.looksFor(other)
			return true
		}
		missing := "name"
		if rec.Name != "" {
			missing = "asset_type"
		}
		r.problem(src, ProblemNotCAI, "not an asset record: no "+missing)
		r.looksFor(looksNoName)
		return true
	}
	if rec.Resource == nil && rec.IAMPolicy == nil && rec.OrgPolicy == nil && rec.OrgPolicyCC == nil {
		r.fileBad++
		r.problem(src, ProblemNotCAI, fmt.Sprintf("asset %s has neither resource nor iam_policy", rec.Name))
		r.looksFor("asset names without a resource or an IAM policy (search results, as gcloud asset search-all-resources prints?), not asset records")
		return true
	}
	r.fileOK++
	r.fileAssets++
	cov := &r.inv.Coverage
	if cov.AssetTypes == nil {
		cov.AssetTypes = map[string]int{}
	}
	cov.AssetTypes[rec.AssetType]++
	if rec.Resource != nil {
		cov.Resources++
	}
	if rec.IAMPolicy != nil {
		cov.IAMPolicies++
	}
	if rec.OrgPolicy != nil || rec.OrgPolicyCC != nil {
		cov.OrgPolicies++
	}
	if !IsKnownType(rec.AssetType) {
		r.inv.Unknown[rec.AssetType]++
	}
	j, ok := r.byName[rec.Name]
	if !ok {
		j = &joined{asset: Asset{Name: rec.Name, Type: rec.AssetType, Source: src}}
		r.byName[rec.Name] = j
	}
	a := &j.asset
	if rs := rec.Resource; rs != nil {
		data := json.RawMessage(rs.Data)
		same := func() bool {
			return a.Version == rs.Version && a.Parent == rs.Parent && a.Location == rs.Location &&
				sameJSON(a.Data, data) && slices.Equal(j.res.ancestors, rec.Ancestors)
		}
		if r.keepNewer("resource", rec.Name, &j.res, src, rec.UpdateTime, same) {
			j.res = kept{src: src, time: rec.UpdateTime, ancestors: rec.Ancestors}
			a.Version, a.Parent, a.Location, a.Data, a.UpdateTime = rs.Version, rs.Parent, rs.Location, data, rec.UpdateTime
		}
	}
	if pol := (*iam.Policy)(rec.IAMPolicy); pol != nil {
		same := func() bool {
			return reflect.DeepEqual(a.IAMPolicy, pol) && slices.Equal(j.pol.ancestors, rec.Ancestors)
		}
		if r.keepNewer("IAM policy", rec.Name, &j.pol, src, rec.UpdateTime, same) {
			j.pol = kept{src: src, time: rec.UpdateTime, ancestors: rec.Ancestors}
			a.IAMPolicy = pol
		}
	}
	// The ancestors come with the resource record kept, else with the IAM
	// policy record kept: never from a record that was not.
	a.Ancestors = j.res.ancestors
	if len(a.Ancestors) == 0 {
		a.Ancestors = j.pol.ancestors
	}
	return true
}

// keepNewer decides between the record of one content type (what) kept so
// far for the asset called name (k; none yet when k.src is zero) and
// another one, read at src and updated at t, and says whether the other
// one replaces it. The one with the later update_time wins, and the other
// is a duplicate problem. The same record read twice (overlapping live
// scopes, one export in two files) is no problem: same reports whether the
// other one holds what k holds. Two different records without two update
// times to tell them apart (none, only one, or equal ones) are a conflict
// problem naming both places, and the one read first is kept: which one
// is kept then depends only on the order of the inputs (files in the order
// given, a directory's files in lexical order).
func (r *Reader) keepNewer(what, name string, k *kept, src Source, t string, same func() bool) bool {
	if k.src == (Source{}) {
		return true
	}
	if t != "" && k.time != "" {
		switch c := compareTime(t, k.time); {
		case c > 0:
			r.problem(k.src, ProblemDuplicate, fmt.Sprintf("duplicate %s record for %s (also at %s); keeping the newer one", what, name, src))
			return true
		case c < 0:
			r.problem(src, ProblemDuplicate, fmt.Sprintf("duplicate %s record for %s (also at %s); keeping the newer one", what, name, k.src))
			return false
		}
	}
	if same() {
		return false
	}
	when := "neither has an update_time"
	switch {
	case t != "" && k.time != "":
		when = "both updated at " + t
	case t != "" || k.time != "":
		when = "only one has an update_time"
	}
	r.problem(src, ProblemConflict, fmt.Sprintf("conflicting %s records for %s, here and at %s, and %s to tell which is current: keeping the one at %s (read first), not this one", what, name, k.src, when, k.src))
	return false
}

// sameJSON reports whether two JSON texts hold the same value as written
// (spacing aside).
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ca, cb := jsontext.Value(slices.Clone(a)), jsontext.Value(slices.Clone(b))
	if ca.Compact() != nil || cb.Compact() != nil {
		return false
	}
	return bytes.Equal(ca, cb)
}

// kindName names a JSON kind the way a user would.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "value"
}

// looksNoName is what a file of JSON objects that are not asset records
// looks like.
const looksNoName = "JSON objects without a name and an asset type, not asset records"

// rfc3339 returns a time as RFC 3339: the BigQuery form "2024-05-14
// 09:12:33.123456 UTC" is rewritten "2024-05-14T09:12:33.123456Z"; any other
// text is returned as it is.
func rfc3339(t string) string {
	if len(t) < len("2006-01-02 15:04:05 UTC") || t[10] != ' ' || !strings.HasSuffix(t, " UTC") {
		return t
	}
	return t[:10] + "T" + t[11:len(t)-len(" UTC")] + "Z"
}

// isEmptyJSON reports whether v is null or an empty array.
func isEmptyJSON(v jsontext.Value) bool {
	if v == nil {
		return false
	}
	t := bytes.TrimSpace(v)
	return string(t) == "null" || (len(t) >= 2 && t[0] == '[' && len(bytes.TrimSpace(t[1:len(t)-1])) == 0)
}

// compareTime compares RFC 3339 times as instants: "…:00Z" is before
// "…:00.250Z", though not as strings. Text that does not parse (and "")
// compares as a string.
func compareTime(a, b string) int {
	if len(a) == len(b) && strings.HasSuffix(a, "Z") && strings.HasSuffix(b, "Z") {
		return strings.Compare(a, b) // one layout, one precision, UTC: text order is time order
	}
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b)
	}
	return ta.Compare(tb)
}

// Inventory returns the joined assets, sorted by name, with the problems
// met so far.
func (r *Reader) Inventory() *Inventory {
	redactedMemo.reset() // the read is done: what it remembered of env values goes
	inv := r.inv
	sorted := make([]*Asset, 0, len(r.byName))
	for _, j := range r.byName {
		sorted = append(sorted, &j.asset)
	}
	slices.SortFunc(sorted, func(a, b *Asset) int { return strings.Compare(a.Name, b.Name) })
	// The assets are copied out of what joining them kept (which records
	// were kept, their times and ancestors): a third of their memory.
	assets := make([]Asset, len(sorted))
	inv.Assets = make([]*Asset, len(sorted))
	for i, a := range sorted {
		assets[i] = *a
		inv.Assets[i] = &assets[i]
	}
	inv.Problems = slices.Clone(inv.Problems)
	inv.ProblemCounts = maps.Clone(inv.ProblemCounts)
	return &inv
}
