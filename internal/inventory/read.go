package inventory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
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
	IAMPolicy   *iam.Policy    `json:"iam_policy"`
	IAMPolicyCC *iam.Policy    `json:"iamPolicy"`
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
}

type resource struct {
	Version  string         `json:"version"`
	Parent   string         `json:"parent"`
	Location string         `json:"location"`
	Data     jsontext.Value `json:"data"`
}

// joined is an asset being joined from its records, with where they came
// from (for duplicate reports).
type joined struct {
	asset          Asset
	resSrc, iamSrc Source // where its RESOURCE and IAM_POLICY records came from
}

// Reader accumulates CAI records from any number of inputs and joins them
// into assets. The zero value is not usable; call NewReader.
type Reader struct {
	progress func(records int)
	byName   map[string]*joined
	inv      Inventory
	fileOK   int // good records in the file being read
	fileBad  int // not-CAI records in the file being read
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

// ReadPaths reads every file and directory in paths (see ReadPath) and
// returns the joined inventory. Only I/O errors are returned; bad records are
// Problems in the inventory.
func ReadPaths(paths ...string) (*Inventory, error) {
	r := NewReader()
	for _, p := range paths {
		if err := r.ReadPath(p); err != nil {
			return nil, err
		}
	}
	return r.Inventory(), nil
}

// ReadPath reads one file, or every *.json, *.jsonl and *.ndjson file under a
// directory, in lexical order.
func (r *Reader) ReadPath(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	r.inv.Coverage.Scopes = append(r.inv.Coverage.Scopes, p)
	if !st.IsDir() {
		return r.readOSFile(p)
	}
	return filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("inventory: %w", err)
		}
		if d.IsDir() || !isInputName(fp) {
			return nil
		}
		return r.readOSFile(fp)
	})
}

// ReadFS reads every *.json, *.jsonl and *.ndjson file in fsys (the embedded
// demo organization, for one).
func (r *Reader) ReadFS(fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("inventory: %w", err)
		}
		if d.IsDir() || !isInputName(fp) {
			return nil
		}
		f, err := fsys.Open(fp)
		if err != nil {
			return fmt.Errorf("inventory: %w", err)
		}
		defer f.Close()
		return r.Read(fp, f)
	})
}

func isInputName(p string) bool {
	switch path.Ext(strings.ToLower(p)) {
	case ".json", ".jsonl", ".ndjson":
		return true
	}
	return false
}

func (r *Reader) readOSFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	defer f.Close()
	return r.Read(p, f)
}

// Read reads one input called name: JSON lines (one record per line, as
// `gcloud asset export` writes) or a JSON array of records (as ListAssets and
// `gcloud asset list --format=json` print). A malformed record is reported
// with its line and the rest of the input is still read.
func (r *Reader) Read(name string, rd io.Reader) error {
	br := bufio.NewReaderSize(rd, 64<<10)
	first, line, err := firstByte(br)
	if errors.Is(err, io.EOF) {
		r.problem(Source{File: name}, ProblemNotCAI, "empty input: not a Cloud Asset Inventory export")
		return nil
	}
	if err != nil {
		return fmt.Errorf("inventory: read %s: %w", name, err)
	}
	r.fileOK, r.fileBad = 0, 0
	switch first {
	case '[':
		err = r.readArray(name, br, line)
	case '{':
		err = r.readLines(name, br, line)
	default:
		r.problem(Source{File: name, Line: line}, ProblemNotCAI,
			fmt.Sprintf("not a Cloud Asset Inventory export: expected JSON lines or a JSON array, found %q", first))
		return nil
	}
	if err != nil {
		return err
	}
	if r.fileOK == 0 && r.fileBad > 0 {
		// A verdict on records already counted as skipped: not counted again.
		r.inv.Problems = append(r.inv.Problems, Problem{Source: Source{File: name}, Kind: ProblemNotCAI,
			Msg: fmt.Sprintf("not a Cloud Asset Inventory export: none of its %d records has a name and an asset type", r.fileBad)})
	}
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
			r.problem(src, ProblemMalformed, "record longer than 64 MiB")
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
				return r.readStream(name, io.MultiReader(bytes.NewReader(append(slices.Clone(buf.Bytes()), '\n')), rest), line)
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

// readArray reads a JSON array of records, or several arrays one after
// another (listings concatenated into one file). It streams: only the
// record being decoded is held (see window), never the file.
func (r *Reader) readArray(name string, br *bufio.Reader, line int) error {
	win := &window{r: br, line: line}
	dec := json.NewDecoder(win)
	for {
		start := dec.InputOffset()
		win.release(start)
		tok, err := dec.Token() // '['
		if errors.Is(err, io.EOF) {
			return win.readErr(name)
		}
		if err != nil {
			return r.streamProblem(name, win, start, err)
		}
		if tok != json.Delim('[') {
			r.problem(Source{File: name, Line: win.lineAt(start) + leadingNewlines(win.from(start))}, ProblemMalformed,
				"unexpected content after the JSON array; the rest of this file cannot be read")
			return win.readErr(name)
		}
		for dec.More() {
			start := dec.InputOffset()
			win.release(start)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return r.streamProblem(name, win, start, err)
			}
			r.addJSON(raw, Source{File: name, Line: win.lineAt(start) + leadingNewlines(win.from(start))})
		}
		start = dec.InputOffset()
		win.release(start)
		if _, err := dec.Token(); err != nil { // ']'
			return r.streamProblem(name, win, start, err)
		}
	}
}

// readStream reads concatenated JSON values (pretty-printed objects),
// streaming as readArray does.
func (r *Reader) readStream(name string, rd io.Reader, line int) error {
	win := &window{r: rd, line: line}
	dec := json.NewDecoder(win)
	for {
		start := dec.InputOffset()
		win.release(start)
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return win.readErr(name)
		}
		if err != nil {
			return r.streamProblem(name, win, start, err)
		}
		r.addJSON(raw, Source{File: name, Line: win.lineAt(start) + leadingNewlines(win.from(start))})
	}
}

// streamProblem records why the value at offset start did not decode, on
// the line where it went wrong. An I/O error is returned as such.
func (r *Reader) streamProblem(name string, win *window, start int64, err error) error {
	if err := win.readErr(name); err != nil {
		return err
	}
	// The rest of the input is read (up to a record's bound) to find the
	// line of the error; this file is not read any further anyway.
	if _, cerr := io.Copy(io.Discard, io.LimitReader(win, maxRecord)); cerr != nil {
		return fmt.Errorf("inventory: read %s: %w", name, cerr)
	}
	r.decodeProblem(name, problemLine(win.from(start), win.lineAt(start), 0), err)
	return nil
}

// window reads from r and keeps what it has read from offset base on, so
// that the text of the value being decoded can be looked at (its line, and
// where it fails) while the decoder streams; release drops what precedes a
// value once the decoder has moved past it. It holds one record and the
// decoder's read-ahead, not the input.
type window struct {
	r    io.Reader
	buf  []byte // input bytes [base, base+len(buf))
	base int64
	line int   // line of offset base
	err  error // the first read error other than io.EOF
}

func (w *window) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.buf = append(w.buf, p[:n]...)
	if err != nil && !errors.Is(err, io.EOF) && w.err == nil {
		w.err = err
	}
	return n, err
}

// readErr is the read error that ended the input early, if any.
func (w *window) readErr(name string) error {
	if w.err != nil {
		return fmt.Errorf("inventory: read %s: %w", name, w.err)
	}
	return nil
}

// release drops the bytes before offset off (counting their lines).
func (w *window) release(off int64) {
	k := min(max(int(off-w.base), 0), len(w.buf))
	w.line += bytes.Count(w.buf[:k], []byte("\n"))
	w.buf = w.buf[k:]
	w.base += int64(k)
	if cap(w.buf) > 1<<20 && len(w.buf) < cap(w.buf)/4 {
		w.buf = slices.Clone(w.buf) // let a large record's buffer go
	}
}

// from returns the kept bytes from offset off on.
func (w *window) from(off int64) []byte {
	return w.buf[min(max(int(off-w.base), 0), len(w.buf)):]
}

// lineAt returns the line of offset off (not before base).
func (w *window) lineAt(off int64) int {
	k := min(max(int(off-w.base), 0), len(w.buf))
	return w.line + bytes.Count(w.buf[:k], []byte("\n"))
}

func leadingNewlines(b []byte) int {
	n := 0
	for _, c := range b {
		switch c {
		case '\n':
			n++
		case ' ', '\t', '\r', ',':
		default:
			return n
		}
	}
	return n
}

// problemLine is the line (data starts on line first) of what stops the
// value after data[off:] from decoding: its syntax error, or where the value
// starts when the input ends inside it.
func problemLine(data []byte, first int, off int64) int {
	at := min(int(off), len(data))
	for at < len(data) && bytes.IndexByte([]byte(" \t\r\n,"), data[at]) >= 0 {
		at++
	}
	var raw json.RawMessage
	var se *json.SyntaxError
	if err := json.NewDecoder(bytes.NewReader(data[at:])).Decode(&raw); errors.As(err, &se) && se.Offset > 0 {
		at = min(at+int(se.Offset)-1, len(data)) // Offset counts the offending byte
	}
	return first + bytes.Count(data[:at], []byte("\n"))
}

func (r *Reader) decodeProblem(name string, line int, err error) {
	src := Source{File: name, Line: line}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		r.problem(src, ProblemTruncated, "input ends inside a record (truncated file?); records after this point are lost")
		return
	}
	r.problem(src, ProblemMalformed, "invalid JSON: "+err.Error()+"; the rest of this file cannot be read")
}

func jsonError(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err.Error()
	}
	return "invalid JSON"
}

func (r *Reader) problem(src Source, kind ProblemKind, msg string) {
	r.inv.Problems = append(r.inv.Problems, Problem{Source: src, Kind: kind, Msg: msg})
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
		if errors.As(err, &sem) && sem.JSONKind != 0 {
			r.fileBad++
			if sem.JSONPointer == "" {
				r.problem(src, ProblemNotCAI, fmt.Sprintf("not an asset record: a JSON %s, not an object", kindName(sem.JSONKind)))
			} else {
				r.problem(src, ProblemNotCAI, fmt.Sprintf("not an asset record: field %q has the wrong type (%s)", strings.TrimPrefix(string(sem.JSONPointer), "/"), kindName(sem.JSONKind)))
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
	if rec.Name == "" || rec.AssetType == "" {
		r.fileBad++
		missing := "name"
		if rec.Name != "" {
			missing = "asset_type"
		}
		r.problem(src, ProblemNotCAI, "not an asset record: no "+missing)
		return true
	}
	if rec.Resource == nil && rec.IAMPolicy == nil && rec.OrgPolicy == nil && rec.OrgPolicyCC == nil {
		r.fileBad++
		r.problem(src, ProblemNotCAI, fmt.Sprintf("asset %s has neither resource nor iam_policy", rec.Name))
		return true
	}
	r.fileOK++
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
	if rec.Resource != nil {
		if first := j.resSrc; first != (Source{}) {
			if compareTime(rec.UpdateTime, a.UpdateTime) < 0 {
				r.problem(src, ProblemDuplicate, fmt.Sprintf("duplicate resource record for %s (also at %s); keeping the newer one", rec.Name, first))
				return true
			}
			r.problem(first, ProblemDuplicate, fmt.Sprintf("duplicate resource record for %s (also at %s); keeping the newer one", rec.Name, src))
		}
		j.resSrc = src
		a.Version, a.Parent, a.Location, a.Data = rec.Resource.Version, rec.Resource.Parent, rec.Resource.Location, json.RawMessage(rec.Resource.Data)
		if compareTime(rec.UpdateTime, a.UpdateTime) > 0 {
			a.UpdateTime = rec.UpdateTime
		}
	}
	if len(rec.Ancestors) > 0 { // after the check above: an older duplicate keeps none of its fields
		a.Ancestors = rec.Ancestors
	}
	if rec.IAMPolicy != nil {
		if first := j.iamSrc; first != (Source{}) {
			r.problem(first, ProblemDuplicate, fmt.Sprintf("duplicate IAM policy record for %s (also at %s); keeping the later one", rec.Name, src))
		}
		j.iamSrc = src
		a.IAMPolicy = rec.IAMPolicy
	}
	return true
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
	inv := r.inv
	inv.Assets = make([]*Asset, 0, len(r.byName))
	for _, j := range r.byName {
		inv.Assets = append(inv.Assets, &j.asset)
	}
	slices.SortFunc(inv.Assets, func(a, b *Asset) int { return strings.Compare(a.Name, b.Name) })
	inv.Problems = slices.Clone(inv.Problems)
	return &inv
}
