package main

// Tests of deploy/: the Terraform module and example parse and are
// terraform-fmt clean; every variable and output is documented; the
// self-check fixture (the CAI records the deployment produces) agrees with
// what main.tf declares, and runlens finds nothing above low in it; the
// Dockerfile runs runlens under Litestream; and a database replicated by
// Litestream with deploy/litestream.yml restores, by hand and on start.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/store"
)

const (
	deployDir     = "../../deploy"
	moduleDir     = deployDir + "/terraform/modules/runlens"
	exampleDir    = deployDir + "/terraform/examples/basic"
	selfCheckDir  = deployDir + "/selfcheck"
	selfCheckFile = selfCheckDir + "/runlens-deployment.jsonl"
)

// --- Terraform: syntax, formatting, documentation ---------------------------

func terraformFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(deployDir+"/terraform", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tfvars.example")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("found %d Terraform files under deploy/terraform, want the module's four and the example's", len(files))
	}
	return files
}

// TestTerraformParsesAndIsFormatted parses every .tf file with the HCL native
// syntax parser and checks that hclwrite.Format, the formatter terraform fmt
// uses, leaves it unchanged.
func TestTerraformParsesAndIsFormatted(t *testing.T) {
	for _, p := range terraformFiles(t) {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos); diags.HasErrors() {
			t.Errorf("%s: %s", p, diags.Error())
			continue
		}
		if got := hclwrite.Format(src); !bytes.Equal(got, src) {
			t.Errorf("%s is not terraform fmt clean (-file +formatted):\n%s", p, cmp.Diff(string(src), string(got)))
		}
	}
}

// tfModule is a directory of .tf files, parsed.
type tfModule struct {
	dir       string
	blocks    []*hclsyntax.Block
	variables map[string]*hclsyntax.Block
	outputs   map[string]*hclsyntax.Block
	locals    map[string]hcl.Expression
	resources map[string]*hclsyntax.Block // "TYPE.NAME"
}

func loadTFModule(t *testing.T, dir string) *tfModule {
	t.Helper()
	m := &tfModule{dir: dir, variables: map[string]*hclsyntax.Block{}, outputs: map[string]*hclsyntax.Block{},
		locals: map[string]hcl.Expression{}, resources: map[string]*hclsyntax.Block{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s (%v)", dir, err)
	}
	for _, p := range files {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", p, diags.Error())
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			m.blocks = append(m.blocks, b)
			switch b.Type {
			case "variable":
				m.variables[b.Labels[0]] = b
			case "output":
				m.outputs[b.Labels[0]] = b
			case "locals":
				for name, a := range b.Body.Attributes {
					m.locals[name] = a.Expr
				}
			case "resource", "data":
				key := b.Labels[0] + "." + b.Labels[1]
				if b.Type == "data" {
					key = "data." + key
				}
				m.resources[key] = b
			}
		}
	}
	return m
}

func (m *tfModule) resource(t *testing.T, key string) *hclsyntax.Block {
	t.Helper()
	b, ok := m.resources[key]
	if !ok {
		t.Fatalf("%s declares no %s", m.dir, key)
	}
	return b
}

// tfLiteral returns the value of an attribute that needs no context (a
// literal, or a template without references).
func tfLiteral(t *testing.T, b *hclsyntax.Block, path ...string) cty.Value {
	t.Helper()
	a := tfAttr(t, b, path...)
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("%s: not a literal: %s", strings.Join(path, "."), diags.Error())
	}
	return v
}

// tfAttr finds the attribute at path: block types then the attribute name. A
// "dynamic" block is entered through its content block.
func tfAttr(t *testing.T, b *hclsyntax.Block, path ...string) *hclsyntax.Attribute {
	t.Helper()
	body := b.Body
	for _, name := range path[:len(path)-1] {
		next := tfChild(body, name)
		if next == nil {
			t.Fatalf("%s %v: no block %q on the way to %s", b.Type, b.Labels, name, strings.Join(path, "."))
		}
		body = next.Body
	}
	a, ok := body.Attributes[path[len(path)-1]]
	if !ok {
		t.Fatalf("%s %v: no attribute %s", b.Type, b.Labels, strings.Join(path, "."))
	}
	return a
}

// tfChild returns the first child block of the type; a "dynamic" block of
// that type counts, through its content block.
func tfChild(body *hclsyntax.Body, name string) *hclsyntax.Block {
	for _, c := range body.Blocks {
		if c.Type == name {
			return c
		}
		if c.Type == "dynamic" && len(c.Labels) == 1 && c.Labels[0] == name {
			for _, cc := range c.Body.Blocks {
				if cc.Type == "content" {
					return cc
				}
			}
		}
	}
	return nil
}

// tfChildren returns every (non-dynamic) child block of the type.
func tfChildren(body *hclsyntax.Body, name string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, c := range body.Blocks {
		if c.Type == name {
			out = append(out, c)
		}
	}
	return out
}

// TestTerraformDocumented requires a description on every variable and
// output of the module and the example, and a type on every variable.
func TestTerraformDocumented(t *testing.T) {
	for _, dir := range []string{moduleDir, exampleDir} {
		m := loadTFModule(t, dir)
		if len(m.variables) == 0 || len(m.outputs) == 0 {
			t.Errorf("%s: %d variables, %d outputs", dir, len(m.variables), len(m.outputs))
		}
		for kind, set := range map[string]map[string]*hclsyntax.Block{"variable": m.variables, "output": m.outputs} {
			for name, b := range set {
				a, ok := b.Body.Attributes["description"]
				if !ok {
					t.Errorf("%s: %s %q has no description", dir, kind, name)
					continue
				}
				if v, diags := a.Expr.Value(nil); diags.HasErrors() || v.Type() != cty.String || len(strings.TrimSpace(v.AsString())) < 10 {
					t.Errorf("%s: %s %q: description is not a real sentence", dir, kind, name)
				}
				if _, ok := b.Body.Attributes["type"]; kind == "variable" && !ok {
					t.Errorf("%s: variable %q has no type", dir, name)
				}
			}
		}
	}
}

// TestTerraformExampleUsesModule checks the example against the module: the
// source exists, every argument is a module variable, every required
// variable is given.
func TestTerraformExampleUsesModule(t *testing.T) {
	mod := loadTFModule(t, moduleDir)
	ex := loadTFModule(t, exampleDir)
	var found bool
	for _, b := range ex.blocks {
		if b.Type != "module" {
			continue
		}
		found = true
		src := tfLiteral(t, b, "source").AsString()
		if _, err := os.Stat(filepath.Join(exampleDir, src, "main.tf")); err != nil {
			t.Errorf("module %q: source %s: %v", b.Labels[0], src, err)
		}
		for name := range b.Body.Attributes {
			if _, ok := mod.variables[name]; !ok && name != "source" {
				t.Errorf("module %q passes %s, which the module does not declare", b.Labels[0], name)
			}
		}
		for name, v := range mod.variables {
			if _, hasDefault := v.Body.Attributes["default"]; !hasDefault {
				if _, given := b.Body.Attributes[name]; !given {
					t.Errorf("module %q does not pass the required variable %s", b.Labels[0], name)
				}
			}
		}
	}
	if !found {
		t.Fatal("the example has no module block")
	}
}

// --- The self-check fixture --------------------------------------------------

// selfCheckRecord is one gcloud asset export line, decoded loosely.
type selfCheckRecord struct {
	Name      string `json:"name"`
	AssetType string `json:"asset_type"`
	Resource  *struct {
		Version string         `json:"version"`
		Data    map[string]any `json:"data"`
	} `json:"resource"`
	IAMPolicy *struct {
		Bindings []struct {
			Role    string   `json:"role"`
			Members []string `json:"members"`
		} `json:"bindings"`
	} `json:"iam_policy"`
	Ancestors []string `json:"ancestors"`
}

// selfCheckFixture is deploy/selfcheck/runlens-deployment.jsonl.
type selfCheckFixture struct {
	records []selfCheckRecord
}

func loadSelfCheck(t *testing.T) *selfCheckFixture {
	t.Helper()
	f, err := os.Open(selfCheckFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fx selfCheckFixture
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var r selfCheckRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s:%d: %v", selfCheckFile, n, err)
		}
		if r.Name == "" || r.AssetType == "" || len(r.Ancestors) == 0 || (r.Resource == nil) == (r.IAMPolicy == nil) {
			t.Fatalf("%s:%d: not a gcloud asset export line (name, asset_type, ancestors, and resource or iam_policy)", selfCheckFile, n)
		}
		fx.records = append(fx.records, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return &fx
}

// resource returns the data of the one RESOURCE record of the asset type.
func (fx *selfCheckFixture) resource(t *testing.T, assetType string) (string, map[string]any) {
	t.Helper()
	var name string
	var data map[string]any
	for _, r := range fx.records {
		if r.AssetType == assetType && r.Resource != nil {
			if data != nil {
				t.Fatalf("fixture: more than one %s resource", assetType)
			}
			name, data = r.Name, r.Resource.Data
		}
	}
	if data == nil {
		t.Fatalf("fixture: no %s resource", assetType)
	}
	return name, data
}

// resourceNamed returns the data of the RESOURCE record of the asset.
func (fx *selfCheckFixture) resourceNamed(t *testing.T, name string) map[string]any {
	t.Helper()
	for _, r := range fx.records {
		if r.Name == name && r.Resource != nil {
			return r.Resource.Data
		}
	}
	t.Fatalf("fixture: no resource %s", name)
	return nil
}

// policies returns asset name -> role -> members of every IAM policy
// record of the asset type.
func (fx *selfCheckFixture) policies(assetType string) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, r := range fx.records {
		if r.AssetType != assetType || r.IAMPolicy == nil {
			continue
		}
		p := map[string][]string{}
		for _, b := range r.IAMPolicy.Bindings {
			p[b.Role] = append(p[b.Role], b.Members...)
			sort.Strings(p[b.Role])
		}
		out[r.Name] = p
	}
	return out
}

// policy returns role -> members of the IAM policy record of the asset.
func (fx *selfCheckFixture) policy(t *testing.T, name string) map[string][]string {
	t.Helper()
	for _, r := range fx.records {
		if r.Name == name && r.IAMPolicy != nil {
			out := map[string][]string{}
			for _, b := range r.IAMPolicy.Bindings {
				out[b.Role] = append(out[b.Role], b.Members...)
			}
			return out
		}
	}
	t.Fatalf("fixture: no IAM policy for %s", name)
	return nil
}

// rolesOf lists every "ROLE on RESOURCE" the fixture grants member.
func (fx *selfCheckFixture) rolesOf(member string) []string {
	var out []string
	for _, r := range fx.records {
		if r.IAMPolicy == nil {
			continue
		}
		for _, b := range r.IAMPolicy.Bindings {
			if slices.Contains(b.Members, member) {
				out = append(out, b.Role+" on "+r.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// jsonAt walks a decoded JSON value: keys for objects, "0" for the first
// element of an array.
func jsonAt(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			if p != "0" || len(x) == 0 {
				return nil
			}
			v = x[0]
		default:
			return nil
		}
	}
	return v
}

func jsonString(v any) string {
	s, _ := v.(string)
	return s
}

// tfReplace is Terraform's replace: a substring wrapped in slashes is a
// regular expression.
var tfReplace = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "substr", Type: cty.String}, {Name: "replace", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		s, sub, rep := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/") {
			re, err := regexp.Compile(sub[1 : len(sub)-1])
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(re.ReplaceAllString(s, rep)), nil
		}
		return cty.StringVal(strings.ReplaceAll(s, sub, rep)), nil
	},
})

var tfAllTrue = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		for it := args[0].ElementIterator(); it.Next(); {
			if _, v := it.Element(); v.IsNull() || v.False() {
				return cty.False, nil
			}
		}
		return cty.True, nil
	},
})

// tfToSet is Terraform's toset for the lists of strings the module passes.
var tfToSet = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.Set(cty.String)),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var elems []cty.Value
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.Type() != cty.String {
				return cty.NilVal, fmt.Errorf("toset: %s, want strings", v.Type().FriendlyName())
			}
			elems = append(elems, v)
		}
		if len(elems) == 0 {
			return cty.SetValEmpty(cty.String), nil
		}
		return cty.SetVal(elems), nil
	},
})

var tfFunctions = map[string]function.Function{
	"alltrue":  tfAllTrue,
	"can":      tryfunc.CanFunc,
	"coalesce": stdlib.CoalesceFunc,
	"contains": stdlib.ContainsFunc,
	"length":   stdlib.LengthFunc,
	"regex":    stdlib.RegexFunc,
	"replace":  tfReplace,
	"split":    stdlib.SplitFunc,
	"toset":    tfToSet,
}

// tfEvaluator evaluates the module's expressions for one set of inputs.
type tfEvaluator struct {
	t   *testing.T
	m   *tfModule
	ctx *hcl.EvalContext
}

// newTFEvaluator binds var.* (defaults, overridden by vars), the given
// resource and data attributes, and every local that can be computed from
// them.
func newTFEvaluator(t *testing.T, m *tfModule, vars map[string]cty.Value, refs map[string]cty.Value) *tfEvaluator {
	t.Helper()
	v := map[string]cty.Value{}
	for name, b := range m.variables {
		v[name] = cty.NullVal(cty.DynamicPseudoType)
		if d, ok := b.Body.Attributes["default"]; ok {
			val, diags := d.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatalf("variable %s: default: %s", name, diags.Error())
			}
			v[name] = val
		}
	}
	for name, val := range vars {
		if _, ok := m.variables[name]; !ok {
			t.Fatalf("the module has no variable %s", name)
		}
		v[name] = val
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(v)}, Functions: tfFunctions}
	for k, val := range refs {
		ctx.Variables[k] = val
	}
	// Locals may refer to locals: compute in passes until nothing changes.
	locals := map[string]cty.Value{}
	for pass := 0; pass < len(m.locals)+1; pass++ {
		ctx.Variables["local"] = cty.ObjectVal(locals)
		progress := false
		for name, expr := range m.locals {
			if _, done := locals[name]; done {
				continue
			}
			if val, diags := expr.Value(ctx); !diags.HasErrors() {
				locals[name] = val
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(locals)
	return &tfEvaluator{t: t, m: m, ctx: ctx}
}

func (e *tfEvaluator) eval(expr hcl.Expression) cty.Value {
	e.t.Helper()
	v, diags := expr.Value(e.ctx)
	if diags.HasErrors() {
		e.t.Fatalf("evaluating %s: %s", exprRange(expr), diags.Error())
	}
	return v
}

func (e *tfEvaluator) local(name string) cty.Value {
	e.t.Helper()
	expr, ok := e.m.locals[name]
	if !ok {
		e.t.Fatalf("the module has no local %s", name)
	}
	return e.eval(expr)
}

func (e *tfEvaluator) attrValue(b *hclsyntax.Block, path ...string) cty.Value {
	e.t.Helper()
	return e.eval(tfAttr(e.t, b, path...).Expr)
}

func exprRange(expr hcl.Expression) string { return expr.Range().String() }

// instances returns an evaluation context per instance of a resource: one
// for a plain resource, count.index bound for count, each.key and
// each.value for for_each. None when count is 0 or for_each is empty.
func (e *tfEvaluator) instances(b *hclsyntax.Block) []*hcl.EvalContext {
	e.t.Helper()
	child := func(name string, v cty.Value) *hcl.EvalContext {
		ctx := e.ctx.NewChild()
		ctx.Variables = map[string]cty.Value{name: v}
		return ctx
	}
	if a, ok := b.Body.Attributes["count"]; ok {
		n, _ := e.eval(a.Expr).AsBigFloat().Int64()
		var out []*hcl.EvalContext
		for i := int64(0); i < n; i++ {
			out = append(out, child("count", cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(i)})))
		}
		return out
	}
	if a, ok := b.Body.Attributes["for_each"]; ok {
		var out []*hcl.EvalContext
		for it := e.eval(a.Expr).ElementIterator(); it.Next(); {
			k, v := it.Element()
			out = append(out, child("each", cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})))
		}
		return out
	}
	return []*hcl.EvalContext{e.ctx}
}

// attrIn evaluates the attribute at path in the context of one instance.
func (e *tfEvaluator) attrIn(ctx *hcl.EvalContext, b *hclsyntax.Block, path ...string) cty.Value {
	e.t.Helper()
	expr := tfAttr(e.t, b, path...).Expr
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		e.t.Fatalf("evaluating %s: %s", exprRange(expr), diags.Error())
	}
	return v
}

// containerEnv is the environment of the service's container: its env
// blocks, and the dynamic ones expanded.
func (e *tfEvaluator) containerEnv(run *hclsyntax.Block) map[string]string {
	e.t.Helper()
	tfEnv := map[string]string{}
	for _, b := range tfChild(tfChild(run.Body, "template").Body, "containers").Body.Blocks {
		switch {
		case b.Type == "env":
			tfEnv[e.attrValue(b, "name").AsString()] = e.attrValue(b, "value").AsString()
		case b.Type == "dynamic" && b.Labels[0] == "env":
			content := tfChild(b.Body, "content")
			for it := e.eval(b.Body.Attributes["for_each"].Expr).ElementIterator(); it.Next(); {
				k, v := it.Element()
				ctx := e.ctx.NewChild()
				ctx.Variables = map[string]cty.Value{"env": cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
				name, d1 := content.Body.Attributes["name"].Expr.Value(ctx)
				value, d2 := content.Body.Attributes["value"].Expr.Value(ctx)
				if d := append(d1, d2...); d.HasErrors() {
					e.t.Fatalf("dynamic env: %s", d.Error())
				}
				tfEnv[name.AsString()] = value.AsString()
			}
		}
	}
	return tfEnv
}

// forEachKeys lists the instance keys of a for_each resource, sorted.
func (e *tfEvaluator) forEachKeys(b *hclsyntax.Block) []string {
	e.t.Helper()
	var keys []string
	for _, ctx := range e.instances(b) {
		keys = append(keys, ctx.Variables["each"].GetAttr("key").AsString())
	}
	sort.Strings(keys)
	return keys
}

// tfGrant is one role granted to one member by an IAM resource of the
// module. On is the topic or subscription a Pub/Sub IAM resource names,
// projects/P/topics/T or projects/P/subscriptions/S.
type tfGrant struct {
	Resource, On, Role, Member string
}

// grants expands every IAM member and binding resource of the module for
// the evaluator's inputs, instance by instance.
func (e *tfEvaluator) grants() []tfGrant {
	e.t.Helper()
	var out []tfGrant
	for key, b := range e.m.resources {
		typ := b.Labels[0]
		if strings.HasPrefix(key, "data.") || !(strings.HasSuffix(typ, "_iam_member") || strings.HasSuffix(typ, "_iam_binding")) {
			continue
		}
		for _, ctx := range e.instances(b) {
			g := tfGrant{Resource: key, Role: e.attrIn(ctx, b, "role").AsString()}
			switch typ {
			case "google_pubsub_topic_iam_member", "google_pubsub_topic_iam_binding":
				g.On = "projects/" + e.attrIn(ctx, b, "project").AsString() + "/topics/" + e.attrIn(ctx, b, "topic").AsString()
			case "google_pubsub_subscription_iam_member", "google_pubsub_subscription_iam_binding":
				g.On = "projects/" + e.attrIn(ctx, b, "project").AsString() + "/subscriptions/" + e.attrIn(ctx, b, "subscription").AsString()
			}
			if _, ok := b.Body.Attributes["members"]; ok {
				for _, m := range ctyStrings(e.attrIn(ctx, b, "members")) {
					g.Member = m
					out = append(out, g)
				}
				continue
			}
			g.Member = e.attrIn(ctx, b, "member").AsString()
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Resource+a.On+a.Role+a.Member < b.Resource+b.On+b.Role+b.Member
	})
	return out
}

// ctyStrings returns the strings of a list, set or tuple value, sorted.
func ctyStrings(v cty.Value) []string {
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e.AsString())
	}
	sort.Strings(out)
	return out
}

// validates runs every validation block of the variable for value.
func (e *tfEvaluator) validates(name string, value cty.Value) bool {
	e.t.Helper()
	b := e.m.variables[name]
	ctx := e.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{name: value})}
	blocks := tfChildren(b.Body, "validation")
	if len(blocks) == 0 {
		e.t.Fatalf("variable %s has no validation", name)
	}
	for _, vb := range blocks {
		v, diags := vb.Body.Attributes["condition"].Expr.Value(ctx)
		if diags.HasErrors() {
			e.t.Fatalf("variable %s: condition: %s", name, diags.Error())
		}
		if v.False() {
			return false
		}
	}
	return true
}

// TestDeploySelfCheckMatchesTerraform keeps deploy/selfcheck in step with the
// module: the deployment's inputs are read off the fixture, the module's
// expressions are evaluated with them, and what they produce (roles, members,
// audience, bucket, flags) must be what the fixture records.
func TestDeploySelfCheckMatchesTerraform(t *testing.T) {
	m := loadTFModule(t, moduleDir)
	fx := loadSelfCheck(t)

	// The deployment's inputs, as the fixture shows them.
	orgName, _ := fx.resource(t, "cloudresourcemanager.googleapis.com/Organization")
	_, project := fx.resource(t, "cloudresourcemanager.googleapis.com/Project")
	svcName, svc := fx.resource(t, "run.googleapis.com/Service")
	_, bucket := fx.resource(t, "storage.googleapis.com/Bucket")
	_, binauthz := fx.resource(t, "binaryauthorization.googleapis.com/Policy")
	roleName, role := fx.resource(t, "iam.googleapis.com/Role")
	projectID, projectNumber := jsonString(project["projectId"]), jsonString(project["projectNumber"])
	region := jsonString(jsonAt(svc, "name"))
	if parts := strings.Split(region, "/"); len(parts) == 6 {
		region = parts[3]
	}
	name := svcName[strings.LastIndex(svcName, "/")+1:]
	container := jsonAt(svc, "template", "containers", "0")
	env := map[string]string{}
	for _, e := range jsonAt(container, "env").([]any) {
		env[jsonString(jsonAt(e, "name"))] = jsonString(jsonAt(e, "value"))
	}
	image := jsonString(jsonAt(container, "image"))
	runtimeEmail := jsonString(jsonAt(svc, "template", "serviceAccount"))
	applierEmail := name + "-applier@" + projectID + ".iam.gserviceaccount.com"
	scope := strings.TrimPrefix(orgName, "//cloudresourcemanager.googleapis.com/")

	// The feed: the subscription the service is told to pull, its topic,
	// the dead-letter topic and the subscription that keeps what reaches it.
	feedSub := env["RUNLENS_FEED_SUBSCRIPTION"]
	if feedSub == "" {
		t.Fatal("fixture: the service has no RUNLENS_FEED_SUBSCRIPTION, but the fixture models enable_feed = true")
	}
	subData := fx.resourceNamed(t, "//pubsub.googleapis.com/"+feedSub)
	feedTopic := jsonString(subData["topic"])
	deadLetterTopic := jsonString(jsonAt(subData, "deadLetterPolicy", "deadLetterTopic"))
	var deadLetterSub string
	for _, r := range fx.records {
		if r.AssetType == inventory.TypeSubscription && r.Resource != nil && jsonString(r.Resource.Data["topic"]) == deadLetterTopic && deadLetterTopic != "" {
			if deadLetterSub != "" {
				t.Fatalf("fixture: more than one subscription on the dead-letter topic %s", deadLetterTopic)
			}
			deadLetterSub = jsonString(r.Resource.Data["name"])
		}
	}
	if deadLetterSub == "" {
		t.Fatalf("fixture: no subscription on the dead-letter topic %q; messages published to a topic without one are lost", deadLetterTopic)
	}
	pubsubRef := func(id string) cty.Value {
		return cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{
			"id": cty.StringVal(id), "name": cty.StringVal(id[strings.LastIndex(id, "/")+1:])})})
	}

	vars := map[string]cty.Value{
		"project_id":   cty.StringVal(projectID),
		"region":       cty.StringVal(region),
		"name":         cty.StringVal(name),
		"image":        cty.StringVal(image),
		"scope":        cty.StringVal(scope),
		"first_admin":  cty.StringVal(env["RUNLENS_FIRST_ADMIN"]),
		"iap_members":  cty.ListVal([]cty.Value{cty.StringVal("group:security-reviewers@example.com")}),
		"enable_apply": cty.True,
		"enable_feed":  cty.True,
	}
	withVar := func(name string, v cty.Value) map[string]cty.Value {
		out := maps.Clone(vars)
		out[name] = v
		return out
	}
	refs := map[string]cty.Value{
		"data": cty.ObjectVal(map[string]cty.Value{"google_project": cty.ObjectVal(map[string]cty.Value{
			"this": cty.ObjectVal(map[string]cty.Value{"number": cty.StringVal(projectNumber)})})}),
		"google_service_account": cty.ObjectVal(map[string]cty.Value{
			"runtime": cty.ObjectVal(map[string]cty.Value{"email": cty.StringVal(runtimeEmail)}),
			"applier": cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"email": cty.StringVal(applierEmail)})}),
		}),
		"google_storage_bucket": cty.ObjectVal(map[string]cty.Value{
			"state": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(jsonString(bucket["name"]))})}),
		"google_organization_iam_custom_role": cty.ObjectVal(map[string]cty.Value{
			"applier": cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(jsonString(role["name"]))})})}),
		"google_pubsub_topic": cty.ObjectVal(map[string]cty.Value{
			"feed": pubsubRef(feedTopic), "feed_dead_letter": pubsubRef(deadLetterTopic)}),
		"google_pubsub_subscription": cty.ObjectVal(map[string]cty.Value{
			"feed": pubsubRef(feedSub), "feed_dead_letter": pubsubRef(deadLetterSub)}),
	}
	e := newTFEvaluator(t, m, vars, refs)
	check := func(what string, got, want any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: fixture and main.tf disagree (-main.tf +fixture):\n%s", what, diff)
		}
	}

	// Inputs the module validates.
	if !e.validates("image", cty.StringVal(image)) {
		t.Errorf("the fixture's image %s fails the module's image validation", image)
	}
	for _, bad := range []string{"europe-west1-docker.pkg.dev/p/r/runlens:latest", "runlens@sha256:abc", image + "x"} {
		if e.validates("image", cty.StringVal(bad)) {
			t.Errorf("the image validation accepts %q, which is not pinned by a full digest", bad)
		}
	}
	if !strings.Contains(strings.SplitN(image, "/", 2)[0], "-docker.pkg.dev") {
		t.Errorf("fixture image %s is not from Artifact Registry", image)
	}
	if !e.validates("scope", cty.StringVal(scope)) || e.validates("scope", cty.StringVal("projects/p")) {
		t.Errorf("scope validation: %s must pass and projects/p must not", scope)
	}
	if e.validates("iap_members", cty.ListVal([]cty.Value{cty.StringVal("allUsers")})) {
		t.Error("iap_members validation accepts allUsers")
	}

	// The runtime identity.
	sa := m.resource(t, "google_service_account.runtime")
	check("runtime service account", runtimeEmail, e.attrValue(sa, "account_id").AsString()+"@"+projectID+".iam.gserviceaccount.com")

	// The service.
	run := m.resource(t, "google_cloud_run_v2_service.runlens")
	check("iapEnabled", jsonAt(svc, "iapEnabled"), tfLiteral(t, run, "iap_enabled").True())
	if tfLiteral(t, run, "invoker_iam_disabled").True() || jsonAt(svc, "invokerIamDisabled") == true {
		t.Error("the invoker IAM check must stay on (invoker_iam_disabled = false)")
	}
	check("ingress", jsonAt(svc, "ingress"), e.attrValue(run, "ingress").AsString())
	check("binaryAuthorization.useDefault", jsonAt(svc, "binaryAuthorization", "useDefault"), tfLiteral(t, run, "binary_authorization", "use_default").True())
	maxInst, _ := tfLiteral(t, run, "template", "scaling", "max_instance_count").AsBigFloat().Int64()
	check("template.scaling.maxInstanceCount", jsonAt(svc, "template", "scaling", "maxInstanceCount"), float64(maxInst))
	if maxInst != 1 {
		t.Errorf("max_instance_count = %d: SQLite has one writer", maxInst)
	}
	minInst, _ := e.attrValue(run, "template", "scaling", "min_instance_count").AsBigFloat().Int64()
	check("template.scaling.minInstanceCount", jsonAt(svc, "template", "scaling", "minInstanceCount"), float64(minInst))
	if minInst != 1 {
		t.Errorf("min_instance_count = %d with enable_feed: scaled to zero, nobody pulls the feed", minInst)
	}
	check("template.serviceAccount", runtimeEmail, e.attrValue(run, "template", "service_account").AsString())
	check("image", image, e.attrValue(run, "template", "containers", "image").AsString())
	check("container args", jsonAt(container, "args"), []any{"-exec", e.local("serve_command").AsString()})
	egress := tfLiteral(t, run, "template", "vpc_access", "egress").AsString()
	if egress != "ALL_TRAFFIC" {
		t.Errorf("VPC egress is %s, want ALL_TRAFFIC when a network is given", egress)
	}
	if v := jsonAt(svc, "template", "vpcAccess"); v != nil {
		check("template.vpcAccess.egress", jsonAt(v, "egress"), egress)
	}
	tfEnv := e.containerEnv(run)
	check("container env", env, tfEnv)
	check("RUNLENS_IAP_AUDIENCE", env["RUNLENS_IAP_AUDIENCE"], "/projects/"+projectNumber+"/locations/"+region+"/services/"+name)
	for k := range env {
		if regexp.MustCompile(`(?i)PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL`).MatchString(k) {
			t.Errorf("env %s looks like a secret; secrets never go into the environment", k)
		}
	}

	// run.invoker on the service: the IAP service agent, nobody else.
	inv := m.resource(t, "google_cloud_run_v2_service_iam_binding.invoker")
	check("service policy", fx.policy(t, svcName), map[string][]string{
		tfLiteral(t, inv, "role").AsString(): ctyStrings(e.attrValue(inv, "members")),
	})
	check("IAP service agent", e.attrValue(inv, "members").Index(cty.NumberIntVal(0)).AsString(),
		"serviceAccount:service-"+projectNumber+"@gcp-sa-iap.iam.gserviceaccount.com")

	// The state bucket and its one grant.
	bk := m.resource(t, "google_storage_bucket.state")
	check("bucket name", jsonString(bucket["name"]), e.attrValue(bk, "name").AsString())
	check("uniformBucketLevelAccess", jsonAt(bucket, "iamConfiguration", "uniformBucketLevelAccess", "enabled"), tfLiteral(t, bk, "uniform_bucket_level_access").True())
	check("publicAccessPrevention", jsonAt(bucket, "iamConfiguration", "publicAccessPrevention"), tfLiteral(t, bk, "public_access_prevention").AsString())
	check("RUNLENS_REPLICA_URL", env["RUNLENS_REPLICA_URL"], "gs://"+jsonString(bucket["name"])+"/runlens")
	bkIAM := m.resource(t, "google_storage_bucket_iam_member.state")
	bucketRole := tfLiteral(t, bkIAM, "role").AsString()

	// Binary Authorization: deny by default, only runlens's repository.
	ba := m.resource(t, "google_binary_authorization_policy.this")
	check("binauthz evaluationMode", jsonAt(binauthz, "defaultAdmissionRule", "evaluationMode"), tfLiteral(t, ba, "default_admission_rule", "evaluation_mode").AsString())
	check("binauthz enforcementMode", jsonAt(binauthz, "defaultAdmissionRule", "enforcementMode"), tfLiteral(t, ba, "default_admission_rule", "enforcement_mode").AsString())
	check("binauthz allowlist", jsonAt(binauthz, "admissionWhitelistPatterns", "0", "namePattern"), e.attrValue(ba, "admission_whitelist_patterns", "name_pattern").AsString())

	// The applier's custom role.
	cr := m.resource(t, "google_organization_iam_custom_role.applier")
	check("custom role name", jsonString(role["name"]), scope+"/roles/"+tfLiteral(t, cr, "role_id").AsString())
	check("custom role", roleName, "//iam.googleapis.com/"+jsonString(role["name"]))
	var fxPerms []string
	for _, p := range role["includedPermissions"].([]any) {
		fxPerms = append(fxPerms, p.(string))
	}
	sort.Strings(fxPerms)
	check("custom role permissions", fxPerms, ctyStrings(e.local("applier_permissions")))
	// Each permission must exist: the broad predefined roles hold them all.
	catalog, err := iam.Predefined()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, name := range []string{"roles/owner", "roles/iam.securityAdmin", "roles/run.admin", "roles/pubsub.admin",
		"roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountKeyAdmin", "roles/resourcemanager.organizationAdmin",
		"roles/resourcemanager.folderAdmin", "roles/secretmanager.admin"} {
		r, ok := catalog.Lookup(name)
		if !ok {
			t.Fatalf("role catalog lacks %s", name)
		}
		for _, p := range r.Permissions {
			known[p] = true
		}
	}
	for _, p := range fxPerms {
		if !known[p] {
			t.Errorf("the applier role's permission %s is in no predefined role: misspelt?", p)
		}
	}
	for _, p := range fxPerms {
		if strings.Contains(p, ".invoke") || strings.Contains(p, "actAs") || strings.Contains(p, "getAccessToken") || strings.Contains(p, "Keys.create") {
			t.Errorf("the applier role holds %s", p)
		}
	}
	tc := m.resource(t, "google_service_account_iam_member.runtime_impersonates_applier")

	// The feed's topics and subscriptions: names, and the subscription's
	// delivery settings.
	feedResources := []struct {
		key, kind, fixture string
	}{
		{"google_pubsub_topic.feed", "topics", feedTopic},
		{"google_pubsub_topic.feed_dead_letter", "topics", deadLetterTopic},
		{"google_pubsub_subscription.feed", "subscriptions", feedSub},
		{"google_pubsub_subscription.feed_dead_letter", "subscriptions", deadLetterSub},
	}
	for _, r := range feedResources {
		b := m.resource(t, r.key)
		insts := e.instances(b)
		if len(insts) != 1 {
			t.Errorf("%s: %d instances with enable_feed = true, want 1", r.key, len(insts))
			continue
		}
		check(r.key+" name", r.fixture, "projects/"+e.attrIn(insts[0], b, "project").AsString()+"/"+r.kind+"/"+e.attrIn(insts[0], b, "name").AsString())
	}
	subRes := m.resource(t, "google_pubsub_subscription.feed")
	dlSubRes := m.resource(t, "google_pubsub_subscription.feed_dead_letter")
	tfNumber := func(b *hclsyntax.Block, path ...string) float64 {
		f, _ := tfLiteral(t, b, path...).AsBigFloat().Float64()
		return f
	}
	check("feed subscription topic", feedTopic, e.attrValue(subRes, "topic").AsString())
	check("feed subscription deadLetterPolicy.deadLetterTopic", deadLetterTopic, e.attrValue(subRes, "dead_letter_policy", "dead_letter_topic").AsString())
	check("feed subscription deadLetterPolicy.maxDeliveryAttempts", jsonAt(subData, "deadLetterPolicy", "maxDeliveryAttempts"), tfNumber(subRes, "dead_letter_policy", "max_delivery_attempts"))
	if n := tfNumber(subRes, "dead_letter_policy", "max_delivery_attempts"); n < 5 || n > 100 {
		t.Errorf("max_delivery_attempts = %v: Pub/Sub takes 5 to 100", n)
	}
	check("feed subscription ackDeadlineSeconds", subData["ackDeadlineSeconds"], tfNumber(subRes, "ack_deadline_seconds"))
	check("feed subscription retryPolicy", subData["retryPolicy"], map[string]any{
		"minimumBackoff": tfLiteral(t, subRes, "retry_policy", "minimum_backoff").AsString(),
		"maximumBackoff": tfLiteral(t, subRes, "retry_policy", "maximum_backoff").AsString(),
	})
	dlData := fx.resourceNamed(t, "//pubsub.googleapis.com/"+deadLetterSub)
	check("dead-letter subscription topic", deadLetterTopic, e.attrValue(dlSubRes, "topic").AsString())
	for _, c := range []struct {
		what string
		b    *hclsyntax.Block
		data map[string]any
	}{{"feed subscription", subRes, subData}, {"dead-letter subscription", dlSubRes, dlData}} {
		check(c.what+" messageRetentionDuration", c.data["messageRetentionDuration"], tfLiteral(t, c.b, "message_retention_duration").AsString())
		// Never expires: ttl "" in Terraform, an empty expirationPolicy in
		// the API (a subscription nobody pulls for 31 days is deleted by
		// default).
		if ttl := tfLiteral(t, c.b, "expiration_policy", "ttl").AsString(); ttl != "" {
			t.Errorf("%s: expiration_policy.ttl = %q; it must never expire (\"\")", c.what, ttl)
		}
		check(c.what+" expirationPolicy", c.data["expirationPolicy"], map[string]any{})
		// Pull: a push could not get through IAP to runlens.
		if tfChild(c.b.Body, "push_config") != nil || c.data["pushConfig"] != nil {
			t.Errorf("%s has a push config; it must be a pull subscription", c.what)
		}
	}

	// The service is told to pull that subscription, with the variable serve
	// reads (and the subscription's name passes serve's check).
	var feedEnv string
	for k, v := range tfEnv {
		if v == feedSub {
			feedEnv = k
		}
	}
	if feedEnv == "" {
		t.Errorf("main.tf passes the service no env var whose value is the feed subscription %s", feedSub)
	} else {
		if !feedSubscriptionRE.MatchString(feedSub) {
			t.Errorf("the feed subscription %s fails serve's --feed-subscription pattern", feedSub)
		}
		err := runWithEnv([]string{"serve", "--db", filepath.Join(t.TempDir(), "runlens.db"), "--dev-user", "dev@example.com", "--addr", "127.0.0.1:0"},
			func(k string) string {
				if k == feedEnv {
					return "not-a-subscription"
				}
				return ""
			})
		if err == nil || !strings.Contains(err.Error(), `--feed-subscription "not-a-subscription"`) {
			t.Errorf("serve does not read --feed-subscription from %s, the variable main.tf sets: %v", feedEnv, err)
		}
	}
	if apis := ctyStrings(e.local("apis")); !slices.Contains(apis, "pubsub.googleapis.com") || !slices.Contains(apis, "cloudasset.googleapis.com") {
		t.Errorf("APIs %v: the feed needs pubsub.googleapis.com and cloudasset.googleapis.com", apis)
	}

	// Pub/Sub IAM: every topic and subscription policy in the fixture is
	// what main.tf grants there, and the other way round.
	grants := e.grants()
	tfPolicies := map[string]map[string][]string{}
	for _, g := range grants {
		if g.On == "" {
			continue
		}
		name := "//pubsub.googleapis.com/" + g.On
		if tfPolicies[name] == nil {
			tfPolicies[name] = map[string][]string{}
		}
		tfPolicies[name][g.Role] = append(tfPolicies[name][g.Role], g.Member)
		sort.Strings(tfPolicies[name][g.Role])
	}
	fxPolicies := fx.policies(inventory.TypeTopic)
	maps.Copy(fxPolicies, fx.policies(inventory.TypeSubscription))
	check("Pub/Sub IAM policies", fxPolicies, tfPolicies)

	// The agents, each with what it needs on one topic or subscription.
	cloudassetAgent := "serviceAccount:service-" + projectNumber + "@gcp-sa-cloudasset.iam.gserviceaccount.com"
	pubsubAgent := "serviceAccount:service-" + projectNumber + "@gcp-sa-pubsub.iam.gserviceaccount.com"
	check("Cloud Asset service agent", cloudassetAgent, e.local("cloudasset_service_agent").AsString())
	check("Pub/Sub service agent", pubsubAgent, e.local("pubsub_service_agent").AsString())
	agentGrants := map[string][]string{
		cloudassetAgent: {"roles/pubsub.publisher on //pubsub.googleapis.com/" + feedTopic},
		pubsubAgent: {
			"roles/pubsub.publisher on //pubsub.googleapis.com/" + deadLetterTopic,
			"roles/pubsub.subscriber on //pubsub.googleapis.com/" + feedSub,
		},
	}
	for agent, want := range agentGrants {
		var tfGot []string
		for _, g := range grants {
			if g.Member == agent {
				tfGot = append(tfGot, g.Role+" on //pubsub.googleapis.com/"+g.On)
			}
		}
		sort.Strings(tfGot)
		check("main.tf: grants to "+agent, tfGot, want)
		check("fixture: grants to "+agent, fx.rolesOf(agent), want)
	}

	// The runtime identity holds a Pub/Sub role on the feed subscription and
	// nowhere else: not on a topic, not on the project or above.
	runtimeMember := "serviceAccount:" + runtimeEmail
	var runtimePubSub []string
	for _, g := range grants {
		if g.Member == runtimeMember && strings.HasPrefix(g.Role, "roles/pubsub.") {
			runtimePubSub = append(runtimePubSub, g.Role+" on "+g.On+" ("+g.Resource+")")
		}
	}
	check("main.tf: the runtime identity's Pub/Sub roles", runtimePubSub,
		[]string{"roles/pubsub.subscriber on " + feedSub + " (google_pubsub_subscription_iam_member.runtime_pulls_feed)"})
	var fxRuntimePubSub []string
	for _, r := range fx.rolesOf(runtimeMember) {
		if strings.HasPrefix(r, "roles/pubsub.") {
			fxRuntimePubSub = append(fxRuntimePubSub, r)
		}
	}
	check("fixture: the runtime identity's Pub/Sub roles", fxRuntimePubSub, []string{"roles/pubsub.subscriber on //pubsub.googleapis.com/" + feedSub})

	// The feeds: one per content type at the scope, organization or folder,
	// for exactly the asset types runlens reads, into the feed topic.
	feedTypes := e.local("feed_asset_types")
	if got := ctyStrings(feedTypes); !slices.Equal(got, inventory.KnownTypes()) {
		t.Errorf("local.feed_asset_types is not inventory.KnownTypes() (-KnownTypes +main.tf):\n%s", cmp.Diff(inventory.KnownTypes(), got))
	}
	orgNumber := strings.TrimPrefix(scope, "organizations/")
	for _, c := range []struct {
		scope, feed, other, parentAttr, parent string
	}{
		{scope, "google_cloud_asset_organization_feed.runlens", "google_cloud_asset_folder_feed.runlens", "org_id", orgNumber},
		{"folders/987654321098", "google_cloud_asset_folder_feed.runlens", "google_cloud_asset_organization_feed.runlens", "folder", "987654321098"},
	} {
		ev := newTFEvaluator(t, m, withVar("scope", cty.StringVal(c.scope)), refs)
		b := m.resource(t, c.feed)
		if keys := ev.forEachKeys(b); !slices.Equal(keys, []string{"IAM_POLICY", "RESOURCE"}) {
			t.Errorf("scope %s: %s instances %v, want one per content type, IAM_POLICY and RESOURCE", c.scope, c.feed, keys)
		}
		if n := len(ev.instances(m.resource(t, c.other))); n != 0 {
			t.Errorf("scope %s: %d instances of %s, want none", c.scope, n, c.other)
		}
		feedIDs := map[string]bool{}
		for _, ctx := range ev.instances(b) {
			key := ctx.Variables["each"].GetAttr("key").AsString()
			what := fmt.Sprintf("scope %s, %s[%q]", c.scope, c.feed, key)
			feedIDs[ev.attrIn(ctx, b, "feed_id").AsString()] = true
			check(what+" content_type", key, ev.attrIn(ctx, b, "content_type").AsString())
			check(what+" asset_types", inventory.KnownTypes(), ctyStrings(ev.attrIn(ctx, b, "asset_types")))
			check(what+" "+c.parentAttr, c.parent, ev.attrIn(ctx, b, c.parentAttr).AsString())
			check(what+" billing_project", projectID, ev.attrIn(ctx, b, "billing_project").AsString())
			check(what+" topic", feedTopic, ev.attrIn(ctx, b, "feed_output_config", "pubsub_destination", "topic").AsString())
		}
		if len(feedIDs) != 2 {
			t.Errorf("scope %s: feed IDs %v, want two distinct ones", c.scope, feedIDs)
		}
	}

	// enable_feed = false: nothing of the feed, and the service neither told
	// to pull nor kept running for it.
	off := newTFEvaluator(t, m, withVar("enable_feed", cty.False), refs)
	for key, b := range m.resources {
		if b.Type != "resource" || !(strings.HasPrefix(key, "google_pubsub_") || strings.HasPrefix(key, "google_cloud_asset_") ||
			key == "google_project_service_identity.cloudasset" || key == "google_project_service_identity.pubsub") {
			continue
		}
		if n := len(off.instances(b)); n != 0 {
			t.Errorf("enable_feed = false: %s has %d instances, want none", key, n)
		}
	}
	if v, ok := off.containerEnv(run)[feedEnv]; ok && feedEnv != "" {
		t.Errorf("enable_feed = false: the service still gets %s=%s", feedEnv, v)
	}
	if n, _ := off.attrValue(run, "template", "scaling", "min_instance_count").AsBigFloat().Int64(); n != 0 {
		t.Errorf("enable_feed = false: min_instance_count = %d, want 0", n)
	}

	// Every grant to the runtime and applier identities, and nothing else.
	var want []string
	for _, r := range ctyStrings(e.local("reader_roles")) {
		want = append(want, r+" on "+orgName)
	}
	want = append(want, bucketRole+" on //storage.googleapis.com/"+jsonString(bucket["name"]))
	want = append(want, "roles/pubsub.subscriber on //pubsub.googleapis.com/"+feedSub)
	_, applierSA := func() (string, map[string]any) {
		for _, r := range fx.records {
			if r.AssetType == "iam.googleapis.com/ServiceAccount" && r.Resource != nil && jsonString(r.Resource.Data["email"]) == applierEmail {
				return r.Name, r.Resource.Data
			}
		}
		t.Fatalf("fixture: no applier service account %s", applierEmail)
		return "", nil
	}()
	applierName := "//iam.googleapis.com/projects/" + projectID + "/serviceAccounts/" + jsonString(applierSA["uniqueId"])
	want = append(want, tfLiteral(t, tc, "role").AsString()+" on "+applierName)
	sort.Strings(want)
	check("runtime service account's grants", fx.rolesOf("serviceAccount:"+runtimeEmail), want)
	check("token creator member", "serviceAccount:"+runtimeEmail, e.attrValue(tc, "member").AsString())
	ap := m.resource(t, "google_organization_iam_member.applier")
	check("applier's grants", fx.rolesOf("serviceAccount:"+applierEmail), []string{e.attrValue(ap, "role").AsString() + " on " + orgName})
	if !slices.Equal(ctyStrings(e.local("reader_roles")), []string{"roles/cloudasset.viewer", "roles/recommender.iamViewer"}) {
		t.Errorf("reader roles %v: runlens reads CAI and the IAM recommender, nothing more (the role catalog is embedded)", ctyStrings(e.local("reader_roles")))
	}

	// A CAI export in BigQuery (bigquery_dataset): serve reads it instead of
	// the scope, and the runtime identity may read that dataset and create
	// read sessions in its own project, and nothing at the scope. Without
	// it, none of this exists (the fixture).
	for _, key := range []string{"google_bigquery_dataset_iam_member.export_reader", "google_project_iam_member.bigquery_read_sessions", "google_project_service.bigquery"} {
		if n := len(e.instances(m.resource(t, key))); n != 0 {
			t.Errorf("without bigquery_dataset: %s has %d instances, want none", key, n)
		}
	}
	const export = "acme-cai.cai_export.cai"
	if !e.validates("bigquery_dataset", cty.StringVal(export)) || !e.validates("bigquery_dataset", cty.StringVal("")) || e.validates("bigquery_dataset", cty.StringVal("acme-cai")) {
		t.Errorf("bigquery_dataset validation: %q and \"\" must pass, acme-cai must not", export)
	}
	bq := newTFEvaluator(t, m, withVar("bigquery_dataset", cty.StringVal(export)), refs)
	serve := bq.local("serve_command").AsString()
	if !strings.Contains(serve, " --bigquery "+export+" ") || strings.Contains(serve, "--scope") {
		t.Errorf("with bigquery_dataset, serve_command = %q: want --bigquery %s and no --scope", serve, export)
	}
	if _, err := inventory.ParseBigQueryRef(export); err != nil {
		t.Errorf("serve would refuse the module's bigquery_dataset: %v", err)
	}
	var bqGrants []string
	for _, g := range bq.grants() {
		if g.Member == runtimeMember && !strings.HasPrefix(g.Role, "roles/pubsub.") && !strings.HasPrefix(g.Role, "roles/storage.") && !strings.HasPrefix(g.Role, "roles/iam.serviceAccountTokenCreator") {
			bqGrants = append(bqGrants, g.Role+" ("+g.Resource+")")
		}
	}
	check("with bigquery_dataset: the runtime identity's read grants", bqGrants, []string{
		"roles/bigquery.dataViewer (google_bigquery_dataset_iam_member.export_reader)",
		"roles/bigquery.readSessionUser (google_project_iam_member.bigquery_read_sessions)",
	})
	ds := m.resource(t, "google_bigquery_dataset_iam_member.export_reader")
	for _, ctx := range bq.instances(ds) {
		check("export_reader dataset", bq.attrIn(ctx, ds, "project").AsString()+"."+bq.attrIn(ctx, ds, "dataset_id").AsString(), "acme-cai.cai_export")
	}
	rs := m.resource(t, "google_project_iam_member.bigquery_read_sessions")
	for _, ctx := range bq.instances(rs) {
		check("read sessions project", bq.attrIn(ctx, rs, "project").AsString(), projectID)
	}
	for role, perms := range map[string][]string{
		"roles/bigquery.dataViewer":      {"bigquery.tables.list", "bigquery.tables.get", "bigquery.tables.getData"},
		"roles/bigquery.readSessionUser": {"bigquery.readsessions.create", "bigquery.readsessions.getData"},
	} {
		r, ok := catalog.Lookup(role)
		if !ok {
			t.Fatalf("role catalog lacks %s", role)
		}
		for _, p := range perms {
			if !slices.Contains(r.Permissions, p) {
				t.Errorf("%s lacks %s, which a BigQuery read needs", role, p)
			}
		}
	}
	check("with bigquery_dataset: APIs enabled for it", bq.forEachKeys(m.resource(t, "google_project_service.bigquery")), []string{"bigquery.googleapis.com", "bigquerystorage.googleapis.com"})
}

// runWithEnv runs runlens with args and the environment getenv gives, for
// at most 10 seconds (a serve that does not fail stops then).
func runWithEnv(args []string, getenv func(string) string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	return run(ctx, args, getenv, &out, &out)
}

// selfCheckScan is the part of the scan document this test reads.
type selfCheckScan struct {
	Summary struct {
		Services int      `json:"services"`
		Problems []string `json:"problems"`
	} `json:"summary"`
	Findings []struct {
		Check    string `json:"check"`
		Severity string `json:"severity"`
		Subject  string `json:"subject"`
	} `json:"findings"`
}

// TestSelfCheckScan scans the deployment's own CAI records with runlens: a
// least-privilege console must pass its own checks. Nothing above low may
// fire, and each low finding must be listed as accepted in deploy/README.md.
func TestSelfCheckScan(t *testing.T) {
	out, stderr, err := runCmd(t, "scan", "--input", selfCheckDir, "--format", "json")
	if err != nil {
		t.Fatalf("scan: %v\n%s", err, stderr)
	}
	var d selfCheckScan
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Summary.Services != 1 || len(d.Summary.Problems) > 0 {
		t.Errorf("services = %d, problems = %v; want runlens itself and no problems", d.Summary.Services, d.Summary.Problems)
	}
	readme, err := os.ReadFile(deployDir + "/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, accepted, _ := strings.Cut(string(readme), "## Accepted findings")
	for _, f := range d.Findings {
		switch f.Severity {
		case "low":
			t.Logf("accepted low finding: %s on %s", f.Check, f.Subject)
			if !strings.Contains(accepted, "`"+f.Check+"`") {
				t.Errorf("low finding %s is not listed under \"Accepted findings\" in deploy/README.md", f.Check)
			}
		default:
			t.Errorf("%s finding %s on %s: runlens's own deployment must have nothing above low", f.Severity, f.Check, f.Subject)
		}
	}
}

// --- The image ---------------------------------------------------------------

// dockerfileLitestreamVersion is the Litestream version the Dockerfile pins.
func dockerfileLitestreamVersion(t *testing.T) (string, string) {
	t.Helper()
	src, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ARG LITESTREAM_VERSION=(v[0-9]+\.[0-9]+\.[0-9]+)$`).FindStringSubmatch(string(src))
	if m == nil {
		t.Fatal("Dockerfile: no ARG LITESTREAM_VERSION=vX.Y.Z")
	}
	return m[1], string(src)
}

// TestDeployDockerfile checks the image's shape: both binaries built with
// CGO off, Litestream as the entrypoint with the shipped config, runlens
// serve as its child, distroless and non-root, no HEALTHCHECK.
func TestDeployDockerfile(t *testing.T) {
	_, src := dockerfileLitestreamVersion(t)
	for _, want := range []string{
		"CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/runlens ./cmd/server",
		"CGO_ENABLED=0 GOBIN=/out GOTOOLCHAIN=local go install",
		"github.com/benbjohnson/litestream/cmd/litestream@${LITESTREAM_VERSION}",
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"COPY deploy/litestream.yml /etc/litestream.yml",
		"USER nonroot:nonroot",
		"ENV RUNLENS_DB=/data/runlens.db",
		`ENTRYPOINT ["/litestream", "replicate", "-config", "/etc/litestream.yml"]`,
		`CMD ["-exec", "/runlens serve"]`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	if regexp.MustCompile(`(?m)^\s*HEALTHCHECK`).MatchString(src) {
		t.Error("Dockerfile has a HEALTHCHECK; Cloud Run probes /healthz itself")
	}
	cfg, err := os.ReadFile(deployDir + "/litestream.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"path: ${RUNLENS_DB}", "restore-if-db-not-exists: true", "url: ${RUNLENS_REPLICA_URL}"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("deploy/litestream.yml lacks %q", want)
		}
	}
}

// --- Litestream: replicate, restore, restore on start ------------------------

// buildLitestream builds the Dockerfile's Litestream version from the Go
// module proxy into dir, the same way the image does, or skips the test
// when it cannot be built here (no module proxy, no cache).
func buildLitestream(t *testing.T, dir string) string {
	t.Helper()
	version, _ := dockerfileLitestreamVersion(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "install", "-trimpath", "github.com/benbjohnson/litestream/cmd/litestream@"+version)
	cmd.Dir = dir // outside the module: go install pkg@version ignores go.mod anyway
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("cannot build litestream %s from the Go module proxy here, so the restore test does not run: %v\n%s", version, err, tailLines(out, 15))
	}
	t.Logf("built litestream %s in %s", version, time.Since(start).Round(time.Millisecond))
	return filepath.Join(dir, "litestream")
}

func tailLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestLitestreamHelperProcess is runlens itself when the restore test starts
// this test binary as Litestream's -exec child; otherwise it does nothing.
func TestLitestreamHelperProcess(t *testing.T) {
	if os.Getenv("RUNLENS_LITESTREAM_HELPER") != "1" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args := strings.Split(os.Getenv("RUNLENS_HELPER_ARGS"), "\x1f")
	if err := run(ctx, args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "runlens:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// deployOutput collects a child's output while the test reads it.
type deployOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *deployOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *deployOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// litestreamRun is `litestream replicate -config deploy/litestream.yml -exec
// RUNLENS ARGS...`, the image's entrypoint, with this test binary standing
// in for /runlens.
type litestreamRun struct {
	cmd    *exec.Cmd
	out    *deployOutput
	exited chan struct{}
	err    error
}

func startLitestream(t *testing.T, litestream, db, replicaURL string, runlensArgs ...string) *litestreamRun {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := filepath.Abs(deployDir + "/litestream.yml")
	if err != nil {
		t.Fatal(err)
	}
	child := "'" + self + "' -test.run=TestLitestreamHelperProcess"
	cmd := exec.Command(litestream, "replicate", "-config", cfg, "-exec", child)
	cmd.Env = append(os.Environ(),
		"RUNLENS_DB="+db, "RUNLENS_REPLICA_URL="+replicaURL,
		"RUNLENS_LITESTREAM_HELPER=1", "RUNLENS_HELPER_ARGS="+strings.Join(runlensArgs, "\x1f"))
	r := &litestreamRun{cmd: cmd, out: &deployOutput{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = r.out, r.out
	// Its own process group, so that cleanup also ends the child; and a
	// bound on waiting for the output pipes the child may hold open.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-r.exited
		}
	})
	return r
}

// stop sends SIGTERM, as Cloud Run does, and waits for Litestream to stop
// runlens and make its final sync.
func (r *litestreamRun) stop(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.exited:
		if r.err != nil {
			t.Fatalf("litestream: %v\n%s", r.err, r.out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("litestream still running 30s after SIGTERM:\n%s", r.out.String())
	}
}

func waitForOutput(t *testing.T, what string, within time.Duration, out func() string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s:\n%s", within, what, out())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func storedSnapshotIDs(t *testing.T, db string) []int64 {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.Snapshots(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, s := range list {
		if s.Status != "complete" {
			t.Errorf("snapshot %d: %s", s.ID, s.Status)
		}
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

func removeSQLite(t *testing.T, db string) {
	t.Helper()
	for _, p := range []string{db, db + "-wal", db + "-shm", filepath.Join(filepath.Dir(db), "."+filepath.Base(db)+"-litestream")} {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
}

// ltxFiles counts the LTX files in a file replica.
func ltxFiles(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".ltx") {
			n++
		}
		return nil
	})
	return n
}

// TestLitestreamRestore replicates a runlens database with the image's
// Litestream configuration to a file:// replica (standing in for gs://),
// loses the database, and gets it back: with `litestream restore`, and the
// way the container does on start (restore-if-db-not-exists), after which
// replication carries on.
//
// runlens runs as `serve`, as in the image, not as a one-shot `sync`:
// Litestream (v0.5.18) starts tracking a database on its first monitor tick,
// a second after start, and makes its final sync on exit only for a database
// it tracks, so the writes of a child that exits sooner are not replicated.
func TestLitestreamRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Litestream from the module proxy; skipped with -short")
	}
	start := time.Now()
	dir := t.TempDir()
	litestream := buildLitestream(t, dir)
	dataDir, replica := filepath.Join(dir, "data"), filepath.Join(dir, "replica")
	if err := os.Mkdir(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, replicaURL := filepath.Join(dataDir, "runlens.db"), "file://"+replica
	serve := []string{"serve", "--demo", "--db", db, "--dev-user", "dev@example.com", "--addr", "127.0.0.1:0"}
	restore := func(to string) []int64 {
		t.Helper()
		if out, err := exec.Command(litestream, "restore", "-o", to, replicaURL).CombinedOutput(); err != nil {
			t.Fatalf("litestream restore: %v\n%s", err, out)
		}
		return storedSnapshotIDs(t, to)
	}

	// 1. First start: no database, no replica. Litestream starts fresh and
	// runs runlens serve (the demo organization: its history and a first
	// sync), replicating what it writes; SIGTERM stops both after a final
	// sync.
	r := startLitestream(t, litestream, db, replicaURL, serve...)
	waitForOutput(t, "runlens serve to start", time.Minute, r.out.String, func() bool { return strings.Contains(r.out.String(), "serving http://127.0.0.1:") })
	waitForOutput(t, "the first replicated LTX file", time.Minute, r.out.String, func() bool { return ltxFiles(replica) > 0 })
	r.stop(t)
	if !strings.Contains(r.out.String(), "no backup found, starting fresh") {
		t.Errorf("first start did not report an empty replica:\n%s", r.out.String())
	}
	served := storedSnapshotIDs(t, db)
	if len(served) < 2 {
		t.Fatalf("runlens serve --demo stored snapshots %v, want its history and the current one", served)
	}

	// 2. The database is lost; `litestream restore` brings it back whole.
	removeSQLite(t, db)
	if got := restore(filepath.Join(dir, "restored.db")); !slices.Equal(got, served) {
		t.Errorf("restored snapshots %v, want %v", got, served)
	}

	// 3. Restore on start, as in the container: the database is missing, so
	// Litestream restores it before it starts runlens, whose start-up sync
	// adds a snapshot that is replicated in turn.
	before := ltxFiles(replica)
	r = startLitestream(t, litestream, db, replicaURL, serve...)
	waitForOutput(t, "runlens serve to start", time.Minute, r.out.String, func() bool { return strings.Contains(r.out.String(), "serving http://127.0.0.1:") })
	waitForOutput(t, "the new snapshot to be replicated", time.Minute, r.out.String, func() bool { return ltxFiles(replica) > before })
	r.stop(t)
	if !strings.Contains(r.out.String(), "restore completed") {
		t.Errorf("Litestream did not restore on start:\n%s", r.out.String())
	}
	want := append(slices.Clone(served), served[len(served)-1]+1)
	if got := storedSnapshotIDs(t, db); !slices.Equal(got, want) {
		t.Fatalf("after restore on start: snapshots %v, want %v (the restored ones and the start-up sync)", got, want)
	}
	if got := restore(filepath.Join(dir, "again.db")); !slices.Equal(got, want) {
		t.Errorf("the replica after restore on start holds snapshots %v, want %v", got, want)
	}
	t.Logf("replicate, restore and restore on start: %s in all", time.Since(start).Round(time.Millisecond))
}
