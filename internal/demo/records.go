package demo

import (
	"bufio"
	"encoding/base64"
	"hash/fnv"
	"io"
	"strconv"

	"github.com/runlens/runlens/internal/jsonw"
)

// This file writes Cloud Asset Inventory export lines: one JSON object per
// line, snake_case at the top level, camelCase inside resource.data, a
// resource and its IAM policy as separate lines. It is shared by Generate and
// by the test that rebuilds the embedded demo organization, so both emit the
// same shapes.

// Discovery documents, as CAI reports them in resource.discovery_document_uri.
const (
	discCRMv1     = "https://cloudresourcemanager.googleapis.com/$discovery/rest?version=v1"
	discCRMv2     = "https://cloudresourcemanager.googleapis.com/$discovery/rest?version=v2"
	discIAM       = "https://iam.googleapis.com/$discovery/rest"
	discRunV1     = "https://www.googleapis.com/discovery/v1/apis/run/v1/rest"
	discRunV2     = "https://www.googleapis.com/discovery/v1/apis/run/v2/rest"
	discPubSub    = "https://pubsub.googleapis.com/$discovery/rest"
	discStorage   = "https://www.googleapis.com/discovery/v1/apis/storage/v1/rest"
	discSQL       = "https://www.googleapis.com/discovery/v1/apis/sqladmin/v1beta4/rest"
	discKMS       = "https://cloudkms.googleapis.com/$discovery/rest"
	discSecret    = "https://secretmanager.googleapis.com/$discovery/rest"
	discEventarc  = "https://eventarc.googleapis.com/$discovery/rest"
	discScheduler = "https://cloudscheduler.googleapis.com/$discovery/rest"
	discCompute   = "https://www.googleapis.com/discovery/v1/apis/compute/v1/rest"
	discBinAuthz  = "https://binaryauthorization.googleapis.com/$discovery/rest"

	discServiceUsage     = "https://serviceusage.googleapis.com/$discovery/rest"
	discArtifactRegistry = "https://artifactregistry.googleapis.com/$discovery/rest"
)

// enc appends one JSON value to b. Containers are opened with o/a and closed
// with end; k writes an object key, after which exactly one value follows.
type enc struct {
	b        []byte
	open     []byte // closing byte of each open container
	nonEmpty []bool // whether each open container already holds an element
	afterKey bool
}

func (e *enc) reset() {
	e.b = e.b[:0]
	e.open = e.open[:0]
	e.nonEmpty = e.nonEmpty[:0]
	e.afterKey = false
}

// pre writes the separator a new element needs.
func (e *enc) pre() {
	if e.afterKey {
		e.afterKey = false
		return
	}
	if n := len(e.nonEmpty); n > 0 {
		if e.nonEmpty[n-1] {
			e.b = append(e.b, ',')
		}
		e.nonEmpty[n-1] = true
	}
}

// k writes an object key. Keys are this package's literals and are written
// unescaped; keys from data (labels, annotations) go through pairs.
func (e *enc) k(key string) *enc {
	e.pre()
	e.b = append(e.b, '"')
	e.b = append(e.b, key...)
	e.b = append(e.b, '"', ':')
	e.afterKey = true
	return e
}

// kq writes an object key that may need escaping.
func (e *enc) kq(key string) *enc {
	e.pre()
	e.b = jsonw.AppendStringNoHTML(e.b, key)
	e.b = append(e.b, ':')
	e.afterKey = true
	return e
}

func (e *enc) s(v string) *enc { e.pre(); e.b = jsonw.AppendStringNoHTML(e.b, v); return e }
func (e *enc) i(v int64) *enc  { e.pre(); e.b = strconv.AppendInt(e.b, v, 10); return e }
func (e *enc) t(v bool) *enc   { e.pre(); e.b = strconv.AppendBool(e.b, v); return e }

func (e *enc) o() *enc { return e.push('{', '}') }
func (e *enc) a() *enc { return e.push('[', ']') }

func (e *enc) push(openB, closeB byte) *enc {
	e.pre()
	e.b = append(e.b, openB)
	e.open = append(e.open, closeB)
	e.nonEmpty = append(e.nonEmpty, false)
	return e
}

func (e *enc) end() *enc {
	n := len(e.open) - 1
	e.b = append(e.b, e.open[n])
	e.open = e.open[:n]
	e.nonEmpty = e.nonEmpty[:n]
	return e
}

// ks writes "key": "value".
func (e *enc) ks(key, v string) *enc { return e.k(key).s(v) }

// ksOpt writes "key": "value" unless v is empty.
func (e *enc) ksOpt(key, v string) *enc {
	if v != "" {
		e.k(key).s(v)
	}
	return e
}

// strs writes "key": [values...].
func (e *enc) strs(key string, vs ...string) *enc {
	e.k(key).a()
	for _, v := range vs {
		e.s(v)
	}
	return e.end()
}

// pairs writes "key": {p[0]: p[1], ...} in the given order; nothing if empty.
func (e *enc) pairs(key string, ps [][2]string) *enc {
	if len(ps) == 0 {
		return e
	}
	e.k(key).o()
	for _, p := range ps {
		e.kq(p[0]).s(p[1])
	}
	return e.end()
}

// writer streams export lines to an io.Writer, one line per asset record.
type writer struct {
	bw    *bufio.Writer
	e     enc
	lines int
	err   error

	// edit, when set, sees each project, Cloud Run workload and IAM policy
	// before it is written. A *run or *policyRecord it gets is a copy that
	// it may change; a *project is passed for reference only. The demo's
	// history (history_gen_test.go) uses it to write earlier states of the
	// demo organization.
	edit func(v any)
}

// policyRecord is an IAM policy as writer.edit sees it.
type policyRecord struct {
	Name       string
	UpdateTime string
	Bindings   []binding
}

func newWriter(w io.Writer) *writer {
	return &writer{bw: bufio.NewWriterSize(w, 256<<10)}
}

// flushLine writes the record built in w.e and a newline.
func (w *writer) flushLine() {
	w.e.b = append(w.e.b, '\n')
	if w.err == nil {
		_, w.err = w.bw.Write(w.e.b)
	}
	w.lines++
	w.e.reset()
}

func (w *writer) flush() error {
	if w.err != nil {
		return w.err
	}
	return w.bw.Flush()
}

// resource starts a RESOURCE line and leaves resource.data open; finish it
// with endResource.
func (w *writer) resource(name, assetType, version, discURI, discName, parent string) *enc {
	e := &w.e
	e.o().ks("name", name).ks("asset_type", assetType)
	e.k("resource").o().
		ks("version", version).
		ks("discovery_document_uri", discURI).
		ks("discovery_name", discName).
		ksOpt("parent", parent)
	e.k("data").o()
	return e
}

// endResource closes resource.data, writes resource.location (if any),
// ancestors and update_time, and emits the line.
func (w *writer) endResource(location string, ancestors []string, updateTime string) {
	e := &w.e
	e.end() // data
	e.ksOpt("location", location)
	e.end() // resource
	e.strs("ancestors", ancestors...)
	e.ks("update_time", updateTime)
	e.end()
	w.flushLine()
}

// binding is one IAM binding; a non-empty CondExpr adds a condition.
type binding struct {
	Role      string
	Members   []string
	CondTitle string
	CondExpr  string
}

// policy emits an IAM_POLICY line for the asset name. The policy version is 3
// when a binding carries a condition, 1 otherwise, as the IAM API reports it.
func (w *writer) policy(name, assetType string, ancestors []string, updateTime string, bs ...binding) {
	if w.edit != nil {
		p := &policyRecord{Name: name, UpdateTime: updateTime, Bindings: bs}
		w.edit(p)
		updateTime, bs = p.UpdateTime, p.Bindings
	}
	e := &w.e
	version := int64(1)
	for _, b := range bs {
		if b.CondExpr != "" {
			version = 3
		}
	}
	e.o().ks("name", name).ks("asset_type", assetType)
	e.k("iam_policy").o().k("version").i(version).ks("etag", etag(name, updateTime))
	e.k("bindings").a()
	for _, b := range bs {
		e.o().ks("role", b.Role).strs("members", b.Members...)
		if b.CondExpr != "" {
			e.k("condition").o().ks("title", b.CondTitle).ks("expression", b.CondExpr).end()
		}
		e.end()
	}
	e.end().end()
	e.strs("ancestors", ancestors...)
	e.ks("update_time", updateTime)
	e.end()
	w.flushLine()
}

// orgPolicy is one organization policy constraint in an ORG_POLICY record:
// a boolean constraint (Enforced) or a list constraint (Allowed values).
type orgPolicy struct {
	Constraint string
	Enforced   bool
	Allowed    []string
}

// orgPolicies emits an ORG_POLICY line for a project, folder or organization.
func (w *writer) orgPolicies(name, assetType string, ancestors []string, updateTime string, ps ...orgPolicy) {
	e := &w.e
	e.o().ks("name", name).ks("asset_type", assetType)
	e.k("org_policy").a()
	for _, p := range ps {
		e.o().k("version").i(1).ks("constraint", p.Constraint).ks("etag", etag(name+p.Constraint, updateTime))
		if len(p.Allowed) > 0 {
			e.k("list_policy").o().strs("allowed_values", p.Allowed...).end()
		} else {
			e.k("boolean_policy").o().k("enforced").t(p.Enforced).end()
		}
		e.ks("update_time", updateTime).end()
	}
	e.end()
	e.strs("ancestors", ancestors...)
	e.ks("update_time", updateTime)
	e.end()
	w.flushLine()
}

// etag returns a stable, IAM-looking etag: base64 of 8 bytes starting
// 0x07 0x06, like the "BwY..." etags the IAM API returns.
func etag(name, salt string) string {
	v := hash64(name + "\x00" + salt)
	var b [8]byte
	b[0], b[1] = 0x07, 0x06
	for i := 2; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

// hash64 is FNV-1a followed by the splitmix64 finalizer, so that nearby
// inputs give unrelated outputs.
func hash64(s string) uint64 {
	h := fnv.New64a()
	_, _ = io.WriteString(h, s)
	return mix64(h.Sum64())
}

func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// shortHash returns n lowercase base-36 characters derived from s.
func shortHash(s string, n int) string {
	const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
	return string(derive(s, n, digits))
}

// hexHash returns n lowercase hex characters derived from s.
func hexHash(s string, n int) string {
	return string(derive(s, n, "0123456789abcdef"))
}

// numID returns a decimal ID of n digits starting with 1, derived from s, in
// the style of service account unique IDs and compute resource IDs.
func numID(s string, n int) string {
	out := derive(s, n, "0123456789")
	out[0] = '1'
	return string(out)
}

// derive returns n characters of alphabet chosen by a hash stream seeded
// from s.
func derive(s string, n int, alphabet string) []byte {
	out := make([]byte, n)
	v := hash64(s)
	base := uint64(len(alphabet))
	left := 0
	for i := range out {
		if left == 0 {
			v = mix64(v + uint64(i))
			left = 8
		}
		out[i] = alphabet[v%base]
		v /= base
		left--
	}
	return out
}
