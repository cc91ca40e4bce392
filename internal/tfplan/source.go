package tfplan

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	tfjson "github.com/hashicorp/terraform-json"
)

// Sources finds the .tf file and line that declare a resource address, for
// annotations on a pull request (SARIF physical locations). Module calls
// with a local source (./ or ../) are followed; resources of registry
// modules have no file here.
type Sources struct {
	root    string
	modules map[string]string              // module path -> directory
	cache   map[string]map[string]blockPos // directory -> "type.name" -> where
}

// Sources returns a locator of the plan's resources in the configuration
// whose root module is in directory root.
func (p *Plan) Sources(root string) *Sources {
	s := &Sources{root: root, modules: map[string]string{"": root}}
	var walk func(m *tfjson.ConfigModule, path, dir string)
	walk = func(m *tfjson.ConfigModule, path, dir string) {
		if m == nil {
			return
		}
		for name, mc := range m.ModuleCalls {
			if mc == nil || !(strings.HasPrefix(mc.Source, "./") || strings.HasPrefix(mc.Source, "../")) {
				continue
			}
			sub := strings.TrimPrefix(path+".module."+name, ".")
			d := filepath.Join(dir, filepath.FromSlash(mc.Source))
			s.modules[sub] = d
			walk(mc.Module, sub, d)
		}
	}
	if p.config != nil {
		walk(p.config.RootModule, "", root)
	}
	return s
}

// Find returns the file (root joined with its path) and the line of the
// block that declares address; ok is false when it is not found.
func (s *Sources) Find(address string) (file string, line int, ok bool) {
	addr := modulePath(address)
	i := strings.LastIndex(addr, ".")
	if i < 0 {
		return "", 0, false
	}
	j := strings.LastIndex(addr[:i], ".")
	mod, res := "", addr
	if j >= 0 {
		mod, res = addr[:j], addr[j+1:]
	}
	dir, ok := s.modules[mod]
	if !ok {
		return "", 0, false
	}
	pos, ok := s.blocks(dir)[res]
	if !ok {
		return "", 0, false
	}
	return pos.file, pos.Line, true
}

type blockPos struct {
	hcl.Pos
	file string
}

// blocks parses the .tf files of dir once; files that do not parse are
// passed over (terraform plan would have refused them anyway).
func (s *Sources) blocks(dir string) map[string]blockPos {
	if m, ok := s.cache[dir]; ok {
		return m
	}
	m := map[string]blockPos{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		file, diags := hclsyntax.ParseConfig(src, f, hcl.InitialPos)
		if diags.HasErrors() {
			continue
		}
		body, ok := file.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, b := range body.Blocks {
			if b.Type == "resource" && len(b.Labels) == 2 {
				m[b.Labels[0]+"."+b.Labels[1]] = blockPos{Pos: b.DefRange().Start, file: f}
			}
		}
	}
	if s.cache == nil {
		s.cache = map[string]map[string]blockPos{}
	}
	s.cache[dir] = m
	return m
}
