package main

// Tests of the CI recipes of docs/ci.md: the GitHub Actions workflow passes
// actionlint and asks for least privilege; the runlens command lines of the
// workflow, of the Cloud Build file and of the page itself run on a test
// plan with the output and exit status each recipe relies on; the
// pre-commit hook is declared as pre-commit wants, and its script, run for
// real, fails on a plan with high findings and passes a clean one.
//
// The test plans are in testdata/ci: shop/ is a copy of
// internal/tfplan/testdata/shop.plan.json (high and critical findings)
// beside a main.tf that declares its resources, and clean/ is one service
// with nothing above low. Each recipe runs in a copy of one of them, as if
// it were the checkout of a Terraform root module.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"

	"github.com/runlens/runlens/internal/demo"
)

const (
	ciDoc        = "../../docs/ci.md"
	ciWorkflow   = "../../docs/ci/github-actions.yml"
	ciCloudBuild = "../../docs/ci/cloudbuild.yaml"
	ciHooks      = "../../.pre-commit-hooks.yaml"
	ciScript     = "../../scripts/pre-commit-runlens.sh"
	ciFixtures   = "testdata/ci"
)

// --- shell command lines ----------------------------------------------------

// shellCommand is one simple command of a shell script, as far as these
// tests need it: its words, quotes removed and nothing expanded, and the
// file its standard output is redirected to.
type shellCommand struct {
	line   string
	words  []string
	stdout string // the target of > or >>; "" for none
}

// simpleCommands splits a script into simple commands: lines joined at a
// backslash-newline, comments dropped, split at ; && || | and &.
// Redirections are taken out of the words. Here documents, subshells and
// the like are not understood: the recipes have none.
func simpleCommands(script string) ([]shellCommand, error) {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var cmds []shellCommand
	for _, line := range strings.Split(script, "\n") {
		cur := shellCommand{line: strings.TrimSpace(line)}
		var word strings.Builder
		inWord := false
		redirect := ""
		flush := func() {
			if !inWord {
				return
			}
			w := word.String()
			word.Reset()
			inWord = false
			if redirect != "" {
				if r := strings.TrimPrefix(redirect, "1"); r == ">" || r == ">>" {
					cur.stdout = w
				}
				redirect = ""
				return
			}
			cur.words = append(cur.words, w)
		}
		end := func() {
			flush()
			if len(cur.words) > 0 {
				cmds = append(cmds, cur)
			}
			cur = shellCommand{line: strings.TrimSpace(line)}
		}
	scan:
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case c == '\'':
				j := strings.IndexByte(line[i+1:], '\'')
				if j < 0 {
					return nil, fmt.Errorf("unterminated ' in %q", line)
				}
				word.WriteString(line[i+1 : i+1+j])
				inWord = true
				i += j + 1
			case c == '"':
				i++
				for ; i < len(line) && line[i] != '"'; i++ {
					if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
						i++
					}
					word.WriteByte(line[i])
				}
				if i == len(line) {
					return nil, fmt.Errorf("unterminated \" in %q", line)
				}
				inWord = true
			case c == '\\' && i+1 < len(line):
				i++
				word.WriteByte(line[i])
				inWord = true
			case c == ' ' || c == '\t':
				flush()
			case c == '#' && !inWord:
				break scan
			case c == ';' || c == '|' || c == '&':
				end()
				if i+1 < len(line) && line[i+1] == c {
					i++
				}
			case c == '>' || c == '<':
				op := ""
				if w := word.String(); inWord && w != "" && strings.Trim(w, "0123456789") == "" {
					op = w // a file descriptor: 2>
					word.Reset()
					inWord = false
				} else {
					flush()
				}
				op += string(c)
				if c == '>' && i+1 < len(line) && line[i+1] == '>' {
					op += ">"
					i++
				}
				if i+1 < len(line) && line[i+1] == '&' {
					op += "&"
					i++
				}
				redirect = op
			default:
				word.WriteByte(c)
				inWord = true
			}
		}
		if redirect != "" && !inWord {
			return nil, fmt.Errorf("redirection without a target in %q", line)
		}
		end()
	}
	return cmds, nil
}

var shellAssignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// commandsOf returns the commands of script whose first words are prefix,
// after the variable assignments that may come first (CGO_ENABLED=0 go
// build ...), which it drops.
func commandsOf(t *testing.T, script string, prefix ...string) []shellCommand {
	t.Helper()
	cmds, err := simpleCommands(script)
	if err != nil {
		t.Fatal(err)
	}
	var out []shellCommand
	for _, c := range cmds {
		for len(c.words) > 1 && shellAssignment.MatchString(c.words[0]) {
			c.words = c.words[1:]
		}
		if len(c.words) >= len(prefix) && slices.Equal(c.words[:len(prefix)], prefix) {
			out = append(out, c)
		}
	}
	return out
}

// flagValue returns the value of --name (or -name) in args: the next
// argument, or what follows "=".
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

func hasFlag(args []string, name string) bool {
	return slices.Contains(args, "--"+name) || slices.Contains(args, "-"+name)
}

// bashSyntax checks script with bash -n.
func bashSyntax(t *testing.T, what, script string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	cmd := exec.Command(bash, "-n")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: bash -n: %v\n%s\n%s", what, err, out, script)
	}
}

// --- the recipes as YAML ----------------------------------------------------

type ghWorkflow struct {
	On          map[string]any     `yaml:"on"`
	Permissions *map[string]string `yaml:"permissions"`
	Env         map[string]string  `yaml:"env"`
	Jobs        map[string]ghJob   `yaml:"jobs"`
}

type ghJob struct {
	Needs       any                `yaml:"needs"`
	If          string             `yaml:"if"`
	Permissions *map[string]string `yaml:"permissions"`
	Outputs     map[string]string  `yaml:"outputs"`
	Steps       []ghStep           `yaml:"steps"`
}

type ghStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

func readWorkflow(t *testing.T) ([]byte, ghWorkflow) {
	t.Helper()
	src, err := os.ReadFile(ciWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	var w ghWorkflow
	if err := yaml.Unmarshal(src, &w); err != nil {
		t.Fatalf("%s: %v", ciWorkflow, err)
	}
	return src, w
}

// jobUsing returns the ID of the one job with a step that uses action
// (owner/repo[/path], any version).
func (w ghWorkflow) jobUsing(t *testing.T, action string) (string, ghJob, int) {
	t.Helper()
	var found []string
	var job ghJob
	step := -1
	for id, j := range w.Jobs {
		for i, s := range j.Steps {
			if name, _, _ := strings.Cut(s.Uses, "@"); name == action {
				found = append(found, id)
				job, step = j, i
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d steps use %s (%v), want 1", ciWorkflow, len(found), action, found)
	}
	return found[0], job, step
}

type cbStep struct {
	ID         string   `yaml:"id"`
	Name       string   `yaml:"name"`
	Entrypoint string   `yaml:"entrypoint"`
	Args       []string `yaml:"args"`
	Env        []string `yaml:"env"`
}

type cbBuild struct {
	Steps         []cbStep          `yaml:"steps"`
	Substitutions map[string]string `yaml:"substitutions"`
	Options       map[string]any    `yaml:"options"`
}

func readCloudBuild(t *testing.T) cbBuild {
	t.Helper()
	src, err := os.ReadFile(ciCloudBuild)
	if err != nil {
		t.Fatal(err)
	}
	var b cbBuild
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true) // a misspelt step field is an error in Cloud Build too
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("%s: %v", ciCloudBuild, err)
	}
	return b
}

// script is the shell script a step runs (sh or bash -c), with Cloud
// Build's substitutions made: $$ is $, ${_X} and $_X their values. It is ""
// for a step that runs its image's entrypoint.
func (b cbBuild) script(s cbStep) string {
	if (s.Entrypoint != "sh" && s.Entrypoint != "bash") || len(s.Args) < 2 || s.Args[0] != "-c" {
		return ""
	}
	out := cbSubstitution.ReplaceAllStringFunc(s.Args[1], func(m string) string {
		if m == "$$" {
			return "$"
		}
		if v, ok := b.Substitutions[strings.Trim(m, "${}")]; ok {
			return v
		}
		return m
	})
	return out
}

var cbSubstitution = regexp.MustCompile(`\$\$|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*`)

// cbBuiltins are Cloud Build's default substitutions.
var cbBuiltins = []string{"PROJECT_ID", "PROJECT_NUMBER", "LOCATION", "BUILD_ID", "TRIGGER_NAME",
	"COMMIT_SHA", "REVISION_ID", "SHORT_SHA", "REPO_NAME", "REPO_FULL_NAME", "BRANCH_NAME", "TAG_NAME",
	"REF_NAME", "TRIGGER_BUILD_CONFIG_PATH", "SERVICE_ACCOUNT_EMAIL", "SERVICE_ACCOUNT"}

// fencedBlocks returns the code blocks of a Markdown text whose info
// string is lang, in order.
func fencedBlocks(md, lang string) []string {
	var blocks []string
	var cur []string
	in, indent := false, ""
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case !in && trimmed == "```"+lang:
			in, indent, cur = true, line[:len(line)-len(trimmed)], nil
		case in && trimmed == "```":
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
			in = false
		case in:
			cur = append(cur, strings.TrimPrefix(line, indent))
		}
	}
	return blocks
}

// --- GitHub Actions ---------------------------------------------------------

// TestCIWorkflowLints runs actionlint on the workflow (without shellcheck
// and pyflakes, which this machine lacks): no error. Broken copies of it
// must fail, or the linter would be checking nothing.
func TestCIWorkflowLints(t *testing.T) {
	src, _ := readWorkflow(t)
	for _, tc := range []struct {
		name, old, new string
		wantErrors     bool
	}{
		{name: "as written"},
		{name: "an output the plan job lacks", old: "needs.plan.outputs.scanned", new: "needs.plan.outputs.scaned", wantErrors: true},
		{name: "an unknown permission", old: "security-events: write", new: "security-event: write", wantErrors: true},
		{name: "an input auth lacks", old: "workload_identity_provider:", new: "workload_identity_pool:", wantErrors: true},
		{name: "an undefined step", old: "steps.scan.outputs", new: "steps.scna.outputs", wantErrors: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := src
			if tc.old != "" {
				if !bytes.Contains(src, []byte(tc.old)) {
					t.Fatalf("the workflow lacks %q", tc.old)
				}
				content = bytes.ReplaceAll(src, []byte(tc.old), []byte(tc.new))
			}
			var out bytes.Buffer
			l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Color: actionlint.ColorOptionKindNever, LogWriter: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			// The path is where docs/ci.md says to copy it; it does not
			// exist here, so no project configuration is looked for.
			errs, err := l.Lint(".github/workflows/runlens.yml", content, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(errs) > 0; got != tc.wantErrors {
				t.Errorf("actionlint: %d errors, want errors: %v\n%s", len(errs), tc.wantErrors, out.String())
			}
		})
	}
}

// TestCIWorkflowPermissions: the workflow grants nothing by default; the
// job that authenticates to Google Cloud may read the repository and get an
// OIDC token, nothing else; the job that uploads to code scanning may read
// the repository and write security events, nothing else.
func TestCIWorkflowPermissions(t *testing.T) {
	_, w := readWorkflow(t)
	if w.Permissions == nil || len(*w.Permissions) != 0 {
		t.Errorf("top-level permissions = %v, want {} (each job asks for its own)", w.Permissions)
	}
	for _, tc := range []struct {
		action string
		want   map[string]string
	}{
		{"github/codeql-action/upload-sarif", map[string]string{"contents": "read", "security-events": "write"}},
		{"google-github-actions/auth", map[string]string{"contents": "read", "id-token": "write"}},
	} {
		id, job, _ := w.jobUsing(t, tc.action)
		if job.Permissions == nil {
			t.Errorf("job %s (%s) sets no permissions", id, tc.action)
			continue
		}
		if diff := cmp.Diff(tc.want, *job.Permissions); diff != "" {
			t.Errorf("permissions of job %s (%s) (-want +got):\n%s", id, tc.action, diff)
		}
	}
	for id, job := range w.Jobs {
		if job.Permissions == nil {
			t.Errorf("job %s sets no permissions", id)
			continue
		}
		p := *job.Permissions
		if p["id-token"] != "" && p["security-events"] != "" {
			t.Errorf("job %s holds both id-token and security-events", id)
		}
	}
}

// TestCIWorkflowWiring checks what makes the workflow work beyond what
// actionlint knows: the plan runlens reads is the one terraform wrote, the
// binary built is the one on PATH, the SARIF uploaded is the one runlens
// wrote, the gate cannot skip the upload, and the actions are pinned.
func TestCIWorkflowWiring(t *testing.T) {
	_, w := readWorkflow(t)
	planID, plan, authStep := w.jobUsing(t, "google-github-actions/auth")
	uploadID, upload, sarifStep := w.jobUsing(t, "github/codeql-action/upload-sarif")
	_, _, artifactStep := w.jobUsing(t, "actions/upload-artifact")

	if _, ok := w.On["pull_request"]; !ok {
		t.Errorf("on = %v, want pull_request", w.On)
	}
	var runlensCmds []struct {
		step int
		cmd  shellCommand
	}
	var planFile, tfplan, shown string
	for i, s := range plan.Steps {
		for _, c := range commandsOf(t, s.Run, "runlens") {
			runlensCmds = append(runlensCmds, struct {
				step int
				cmd  shellCommand
			}{i, c})
		}
		for _, c := range commandsOf(t, s.Run, "terraform", "plan") {
			for _, a := range c.words {
				if v, ok := strings.CutPrefix(a, "-out="); ok {
					tfplan = v
				}
			}
			if i < authStep {
				t.Errorf("terraform plan runs before google-github-actions/auth")
			}
		}
		for _, c := range commandsOf(t, s.Run, "terraform", "show", "-json") {
			shown, planFile = c.words[len(c.words)-1], c.stdout
		}
		if name, _, _ := strings.Cut(s.Uses, "@"); name == "hashicorp/setup-terraform" && s.With["terraform_wrapper"] != "false" {
			t.Errorf("setup-terraform without terraform_wrapper: false: the wrapper writes into terraform show's output")
		}
	}
	if tfplan == "" || shown != tfplan || planFile == "" {
		t.Errorf("terraform plan -out=%q, then terraform show -json %q > %q", tfplan, shown, planFile)
	}

	var sarifFile string
	gates := 0
	for _, rc := range runlensCmds {
		args := rc.cmd.words
		if p, _ := flagValue(args, "plan"); p != planFile {
			t.Errorf("%q reads --plan %q, terraform wrote %q", rc.cmd.line, p, planFile)
		}
		if f, _ := flagValue(args, "format"); f == "sarif" {
			sarifFile = rc.cmd.stdout
			if hasFlag(args, "fail-on") {
				t.Errorf("%q: --fail-on on the SARIF step: a failing gate would skip saving the SARIF", rc.cmd.line)
			}
			if rc.step > artifactStep {
				t.Errorf("the SARIF is written after upload-artifact saves it")
			}
		}
		if hasFlag(args, "fail-on") {
			gates++
			if rc.step < artifactStep {
				t.Errorf("the gate (%q) runs before the SARIF is saved: its failure would skip the upload", rc.cmd.line)
			}
		}
	}
	if sarifFile == "" || gates == 0 {
		t.Fatalf("plan job: SARIF written to %q, %d gates; want a runlens scan --format sarif > FILE and a --fail-on gate", sarifFile, gates)
	}
	art := plan.Steps[artifactStep].With
	if art["path"] != sarifFile {
		t.Errorf("upload-artifact path %q, runlens wrote %q", art["path"], sarifFile)
	}
	var downloaded string
	for _, s := range upload.Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact@") {
			downloaded = s.With["name"]
		}
	}
	if downloaded == "" || downloaded != art["name"] {
		t.Errorf("upload job downloads artifact %q, the plan job saves %q", downloaded, art["name"])
	}
	up := upload.Steps[sarifStep]
	if up.Uses != "github/codeql-action/upload-sarif@v3" || up.With["sarif_file"] != sarifFile || up.With["category"] != "runlens" {
		t.Errorf("upload step = %s with %v; want upload-sarif@v3, sarif_file %s, category runlens", up.Uses, up.With, sarifFile)
	}
	if needs := fmt.Sprint(upload.Needs); needs != planID && needs != "["+planID+"]" {
		t.Errorf("job %s needs %v, want %s", uploadID, upload.Needs, planID)
	}
	if !strings.Contains(upload.If, "!cancelled()") && !strings.Contains(upload.If, "always()") {
		t.Errorf("job %s if: %q: skipped when the gate fails", uploadID, upload.If)
	}

	// The binary: built from the runlens checkout, onto PATH.
	var checkout, output, onPath string
	for _, s := range plan.Steps {
		if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["repository"] == "runlens/runlens" {
			checkout = s.With["path"]
			if s.With["ref"] != "${{ env.RUNLENS_VERSION }}" {
				t.Errorf("runlens checked out at %q, want ${{ env.RUNLENS_VERSION }}", s.With["ref"])
			}
		}
		if strings.HasPrefix(s.Uses, "actions/setup-go@") && checkout != "" && s.With["go-version-file"] != checkout+"/go.mod" {
			t.Errorf("setup-go go-version-file %q, want %s/go.mod", s.With["go-version-file"], checkout)
		}
		for _, c := range commandsOf(t, s.Run, "go", "build") {
			dir, _ := flagValue(c.words, "C")
			output, _ = flagValue(c.words, "o")
			if dir != checkout || c.words[len(c.words)-1] != "./cmd/server" || path.Base(output) != "runlens" {
				t.Errorf("%q: want go build -C %s ... -o DIR/runlens ./cmd/server", c.line, checkout)
			}
		}
		for _, c := range commandsOf(t, s.Run, "echo") {
			if c.stdout == "$GITHUB_PATH" {
				onPath = c.words[1]
			}
		}
	}
	if checkout == "" || output == "" || path.Dir(output) != onPath {
		t.Errorf("runlens checked out in %q, built to %q, %q put on PATH", checkout, output, onPath)
	}

	for id, job := range w.Jobs {
		for _, s := range job.Steps {
			if s.Uses == "" {
				continue
			}
			_, ref, _ := strings.Cut(s.Uses, "@")
			if !regexp.MustCompile(`^(v[0-9]+(\.[0-9]+)*|[0-9a-f]{40})$`).MatchString(ref) {
				t.Errorf("job %s: %s is not pinned to a version", id, s.Uses)
			}
			if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["persist-credentials"] != "false" {
				t.Errorf("job %s: %s leaves the token in .git (persist-credentials)", id, s.Uses)
			}
		}
		for _, s := range job.Steps {
			if s.Run != "" {
				bashSyntax(t, "job "+id+" step "+s.Name, s.Run)
			}
		}
	}
}

// TestCIPinnedRunlens: the recipes build one runlens, pinned to a release
// tag or a full commit SHA; where this repository has that commit, it has
// scan --plan and --tf-dir.
func TestCIPinnedRunlens(t *testing.T) {
	_, w := readWorkflow(t)
	b := readCloudBuild(t)
	pin := w.Env["RUNLENS_VERSION"]
	if b.Substitutions["_RUNLENS_VERSION"] != pin {
		t.Errorf("cloudbuild.yaml pins %q, the workflow %q", b.Substitutions["_RUNLENS_VERSION"], pin)
	}
	tag := regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(pin)
	sha := regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(pin)
	if !tag && !sha {
		t.Fatalf("RUNLENS_VERSION %q is neither a release tag nor a full commit SHA", pin)
	}
	git, err := exec.LookPath("git")
	if err != nil || !sha {
		t.Skip("no git, or a tag: the pinned commit is not checked")
	}
	if err := exec.Command(git, "-C", "../..", "cat-file", "-e", pin+"^{commit}").Run(); err != nil {
		t.Skipf("commit %s is not in this clone", pin)
	}
	out, err := exec.Command(git, "-C", "../..", "show", pin+":cmd/server/inputs.go").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{`"plan"`, `"tf-dir"`} {
		if !bytes.Contains(out, []byte(flag)) {
			t.Errorf("runlens at %s has no %s flag", pin, flag)
		}
	}
}

// --- Cloud Build ------------------------------------------------------------

// TestCICloudBuild: every step names a pinned image and has args; a $ in a
// step is $$ (a shell's) or a substitution Cloud Build knows; the scripts
// parse; the plan runlens reads is the one terraform wrote; the binary is
// the runlens module's, renamed from server.
func TestCICloudBuild(t *testing.T) {
	b := readCloudBuild(t)
	if len(b.Steps) == 0 {
		t.Fatal("no steps")
	}
	if b.Options["logging"] == nil {
		t.Error("options.logging is not set: a build as a chosen service account needs it")
	}
	modulePath := goModulePath(t)
	var tfplan, shown, planFile string
	var gates int
	for i, s := range b.Steps {
		name := fmt.Sprintf("step %d (%s)", i, s.ID)
		image, tag, _ := strings.Cut(s.Name, ":")
		if image == "" || (tag == "" && !strings.Contains(s.Name, "@sha256:")) || tag == "latest" {
			t.Errorf("%s: image %q is not pinned to a tag or digest", name, s.Name)
		}
		if len(s.Args) == 0 {
			t.Errorf("%s: no args", name)
		}
		for _, a := range append(slices.Clone(s.Args), s.Env...) {
			for _, m := range cbSubstitution.FindAllString(a, -1) {
				key := strings.Trim(m, "${}")
				switch {
				case m == "$$":
				case strings.HasPrefix(key, "_"):
					if _, ok := b.Substitutions[key]; !ok {
						t.Errorf("%s: %s is not among the substitutions", name, m)
					}
				case !slices.Contains(cbBuiltins, key):
					t.Errorf("%s: %s is no substitution: Cloud Build refuses it (write $$ for a shell variable)", name, m)
				}
			}
		}
		script := b.script(s)
		if script != "" {
			bashSyntax(t, name, script)
		}
		words := s.Args
		if script == "" && strings.HasPrefix(s.Name, "hashicorp/terraform:") {
			words = append([]string{"terraform"}, s.Args...)
			script = strings.Join(words, " ")
		}
		for _, c := range commandsOf(t, script, "terraform", "plan") {
			for _, a := range c.words {
				if v, ok := strings.CutPrefix(a, "-out="); ok {
					tfplan = v
				}
			}
		}
		for _, c := range commandsOf(t, script, "terraform", "show", "-json") {
			shown, planFile = c.words[len(c.words)-1], c.stdout
		}
		var installed string
		for _, c := range commandsOf(t, script, "go", "install") {
			pkg, version, _ := strings.Cut(c.words[len(c.words)-1], "@")
			installed = path.Base(pkg)
			if pkg != modulePath+"/cmd/server" || version != b.Substitutions["_RUNLENS_VERSION"] {
				t.Errorf("%s: go install %s@%s, want %s/cmd/server@%s", name, pkg, version, modulePath, b.Substitutions["_RUNLENS_VERSION"])
			}
		}
		for _, c := range commandsOf(t, script, "mv") {
			if installed != "" && (path.Base(c.words[1]) != installed || path.Base(c.words[2]) != "runlens") {
				t.Errorf("%s: %q does not rename the installed %s to runlens", name, c.line, installed)
			}
		}
		for _, c := range commandsOf(t, script, "runlens") {
			if p, _ := flagValue(c.words, "plan"); p != planFile {
				t.Errorf("%s: %q reads --plan %q, terraform wrote %q", name, c.line, p, planFile)
			}
			if !strings.HasPrefix(s.Name, "golang:") {
				t.Errorf("%s: runlens runs in %s, not a golang image", name, s.Name)
			}
			if hasFlag(c.words, "fail-on") {
				gates++
			}
		}
	}
	if tfplan == "" || shown != tfplan || planFile == "" {
		t.Errorf("terraform plan -out=%q, then terraform show -json %q > %q", tfplan, shown, planFile)
	}
	if gates == 0 {
		t.Error("no runlens scan --fail-on step")
	}
}

func goModulePath(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module (\S+)$`).FindSubmatch(src)
	if m == nil {
		t.Fatal("go.mod has no module line")
	}
	return string(m[1])
}

// --- the runlens command lines, run ------------------------------------------

// ciRecipeCommands returns the runlens command lines of each recipe, in
// the order they run.
func ciRecipeCommands(t *testing.T) map[string][]shellCommand {
	t.Helper()
	recipes := map[string][]shellCommand{}
	_, w := readWorkflow(t)
	for _, id := range slices.Sorted(maps.Keys(w.Jobs)) {
		for _, s := range w.Jobs[id].Steps {
			recipes["github-actions.yml"] = append(recipes["github-actions.yml"], commandsOf(t, s.Run, "runlens")...)
		}
	}
	b := readCloudBuild(t)
	for _, s := range b.Steps {
		recipes["cloudbuild.yaml"] = append(recipes["cloudbuild.yaml"], commandsOf(t, b.script(s), "runlens")...)
	}
	doc, err := os.ReadFile(ciDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range fencedBlocks(string(doc), "sh") {
		recipes["ci.md"] = append(recipes["ci.md"], commandsOf(t, block, "runlens")...)
	}
	return recipes
}

// ciCheckout copies the test plan fixture (shop or clean) into a new
// directory, as the checkout of a root module after terraform show, with
// cai/ holding the demo organization's export (what the page's gcloud asset
// list lines would have written).
func ciCheckout(t *testing.T, fixture string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(ciFixtures, fixture))); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "cai"), demo.FS()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCIRecipesRunOnFixture runs the runlens command lines of the workflow,
// the Cloud Build file and docs/ci.md, in order, in a checkout of each test
// plan, through the CLI's run: on the shop plan a gate (--fail-on) exits
// with status 3 (0 with --only-new against a baseline of the same plan) and
// prints the findings that fail it; on the clean plan every gate passes.
// A command writes its output where the recipe redirects it; SARIF parses,
// has results, and points at the .tf lines that declare them.
func TestCIRecipesRunOnFixture(t *testing.T) {
	recipes := ciRecipeCommands(t)
	for _, tc := range []struct {
		recipe string
		want   []string // the kinds of command the recipe must have
	}{
		{"github-actions.yml", []string{"sarif", "gate"}},
		{"cloudbuild.yaml", []string{"gate"}},
		{"ci.md", []string{"sarif", "gate", "baseline", "input"}},
	} {
		cmds := recipes[tc.recipe]
		kinds := map[string]bool{}
		for _, c := range cmds {
			f, _ := flagValue(c.words, "format")
			kinds["sarif"] = kinds["sarif"] || f == "sarif"
			kinds["gate"] = kinds["gate"] || hasFlag(c.words, "fail-on")
			kinds["baseline"] = kinds["baseline"] || hasFlag(c.words, "baseline")
			kinds["input"] = kinds["input"] || hasFlag(c.words, "input")
		}
		for _, k := range tc.want {
			if !kinds[k] {
				t.Errorf("%s: no %s command among %d runlens lines", tc.recipe, k, len(cmds))
			}
		}
		for _, fixture := range []string{"shop", "clean"} {
			t.Run(tc.recipe+"/"+fixture, func(t *testing.T) {
				dir := ciCheckout(t, fixture)
				t.Chdir(dir)
				for _, c := range cmds {
					runRecipeCommand(t, c, dir, fixture)
				}
			})
		}
	}
}

func runRecipeCommand(t *testing.T, c shellCommand, dir, fixture string) {
	t.Helper()
	args := c.words[1:]
	for _, a := range args {
		if strings.ContainsAny(a, "$`*?") {
			t.Fatalf("%q: %q would be expanded by the shell; the test cannot run it", c.line, a)
		}
	}
	failOn := hasFlag(args, "fail-on")
	onlyNew := hasFlag(args, "only-new")
	if fixture == "clean" && hasFlag(args, "input") {
		return // the demo organization under it has findings of its own
	}
	out, stderr, err := runCmd(t, args...)
	if c.stdout != "" {
		if err := os.WriteFile(filepath.Join(dir, c.stdout), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantStatus := 0
	if fixture == "shop" && failOn && !onlyNew {
		wantStatus = 3
	}
	status := 0
	if err != nil {
		status = exitStatus(err)
	}
	t.Logf("%s: exit status %d", c.line, status)
	if status != wantStatus {
		t.Fatalf("%q on the %s plan: exit status %d (%v), want %d\nstderr:\n%s", c.line, fixture, status, err, wantStatus, stderr)
	}
	format, _ := flagValue(args, "format")
	switch format {
	case "sarif":
		checkRecipeSARIF(t, c.line, out, dir, fixture)
	case "json":
		var d scanDoc
		if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.Findings) == 0 {
			t.Errorf("%q: JSON with %d findings (%v)", c.line, len(d.Findings), err)
		}
	case "", "text":
		if wantStatus == 3 && !strings.Contains(out, "[high] ") {
			t.Errorf("%q: the gate failed without printing the high findings:\n%s", c.line, out)
		}
	}
}

func checkRecipeSARIF(t *testing.T, line, out, dir, fixture string) {
	t.Helper()
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("%q: not JSON: %v", line, err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
		t.Fatalf("%q: SARIF %q with %d runs, want 2.1.0 with one run with results", line, log.Version, len(log.Runs))
	}
	located, errorLevel := 0, 0
	for _, r := range log.Runs[0].Results {
		if r.Level == "error" {
			errorLevel++
		}
		for _, l := range r.Locations {
			p := l.PhysicalLocation
			if p == nil {
				continue
			}
			uri := p.ArtifactLocation.URI
			if path.IsAbs(uri) || strings.HasPrefix(uri, "../") || strings.Contains(uri, ":") {
				t.Errorf("%q: %s: location %q is not relative to the checkout", line, r.RuleID, uri)
				continue
			}
			src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(uri)))
			if err != nil {
				t.Errorf("%q: %s: location %q: %v", line, r.RuleID, uri, err)
				continue
			}
			lines := strings.Split(string(src), "\n")
			if p.Region == nil || p.Region.StartLine < 1 || p.Region.StartLine > len(lines) ||
				!strings.HasPrefix(lines[p.Region.StartLine-1], "resource ") {
				t.Errorf("%q: %s: %s:%v is not the line of a resource block", line, r.RuleID, uri, p.Region)
				continue
			}
			located++
		}
	}
	if located == 0 {
		t.Errorf("%q: no result has a file and line", line)
	}
	if fixture == "shop" && errorLevel == 0 {
		t.Errorf("%q: no result of level error on the shop plan", line)
	}
}

// --- pre-commit ---------------------------------------------------------------

// TestCIPreCommitHooks: .pre-commit-hooks.yaml declares runlens-plan with
// the fields pre-commit requires and only fields it knows; its entry is an
// executable script of this repository; its files pattern takes plan files
// and nothing else; docs/ci.md's .pre-commit-config.yaml uses it.
func TestCIPreCommitHooks(t *testing.T) {
	src, err := os.ReadFile(ciHooks)
	if err != nil {
		t.Fatal(err)
	}
	var hooks []map[string]any
	if err := yaml.Unmarshal(src, &hooks); err != nil {
		t.Fatal(err)
	}
	known := []string{"id", "name", "entry", "language", "files", "exclude", "types", "types_or", "exclude_types",
		"always_run", "fail_fast", "verbose", "pass_filenames", "require_serial", "description",
		"language_version", "minimum_pre_commit_version", "args", "stages", "additional_dependencies", "log_file"}
	var hook map[string]any
	for _, h := range hooks {
		for k := range h {
			if !slices.Contains(known, k) {
				t.Errorf("hook %v: unknown field %q", h["id"], k)
			}
		}
		for _, k := range []string{"id", "name", "entry", "language"} {
			if s, _ := h[k].(string); s == "" {
				t.Errorf("hook %v: no %s", h["id"], k)
			}
		}
		if h["id"] == "runlens-plan" {
			hook = h
		}
	}
	if hook == nil {
		t.Fatal("no hook runlens-plan")
	}
	if hook["language"] != "script" {
		t.Errorf("language %v, want script", hook["language"])
	}
	if hook["pass_filenames"] != true {
		t.Errorf("pass_filenames %v, want true: the script scans the files it is given", hook["pass_filenames"])
	}
	entry, _ := hook["entry"].(string)
	if fi, err := os.Stat(filepath.Join("../..", entry)); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("entry %q: %v, mode %v: want an executable file of this repository", entry, err, fi)
	}
	files, err := regexp.Compile(hook["files"].(string))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"plan.json", true},
		{"tfplan.json", true},
		{"infra/plan.json", true},
		{"env/prod/tfplan.json", true},
		{"main.tf", false},
		{"myplan.json", false},
		{"plan.json.bak", false},
		{"plan.jsonl", false},
		{"plans/a.json", false},
		{"package.json", false},
	} {
		if got := files.MatchString(tc.path); got != tc.want {
			t.Errorf("files %q matches %s: %v, want %v", files, tc.path, got, tc.want)
		}
	}

	doc, err := os.ReadFile(ciDoc)
	if err != nil {
		t.Fatal(err)
	}
	var configs int
	for _, block := range fencedBlocks(string(doc), "yaml") {
		var cfg struct {
			Repos []struct {
				Repo  string           `yaml:"repo"`
				Rev   string           `yaml:"rev"`
				Hooks []map[string]any `yaml:"hooks"`
			} `yaml:"repos"`
		}
		if yaml.Unmarshal([]byte(block), &cfg) != nil || len(cfg.Repos) == 0 {
			continue
		}
		configs++
		r := cfg.Repos[0]
		if r.Repo != "https://"+goModulePath(t) || r.Rev == "" || len(r.Hooks) != 1 || r.Hooks[0]["id"] != "runlens-plan" {
			t.Errorf("docs/ci.md's .pre-commit-config.yaml: %+v", cfg)
		}
	}
	if configs != 1 {
		t.Errorf("docs/ci.md has %d .pre-commit-config.yaml snippets, want 1", configs)
	}
}

// TestCIPreCommitScript runs scripts/pre-commit-runlens.sh for real with a
// runlens built from this package, as pre-commit would from a repository's
// root, on the test plans.
func TestCIPreCommitScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds runlens")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	script, err := filepath.Abs(ciScript)
	if err != nil {
		t.Fatal(err)
	}
	bin := faultBuild(t)
	// A PATH with neither runlens nor go, for the case without a binary.
	bare := t.TempDir()
	dirname, err := exec.LookPath("dirname")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dirname, filepath.Join(bare, "dirname")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		files      []string
		env        []string
		wantStatus int
		wantOut    string // in stdout
		wantErr    string // in stderr
	}{
		{name: "high findings", files: []string{"shop/plan.json"}, wantStatus: 3,
			wantOut: "[high] invoker-public", wantErr: "shop/plan.json plans findings at high or above"},
		{name: "clean plan", files: []string{"clean/plan.json"}, wantStatus: 0, wantOut: "[low] "},
		{name: "clean plan, RUNLENS_FAIL_ON=medium", files: []string{"clean/plan.json"}, env: []string{"RUNLENS_FAIL_ON=medium"}, wantStatus: 0},
		{name: "clean plan, RUNLENS_FAIL_ON=low", files: []string{"clean/plan.json"}, env: []string{"RUNLENS_FAIL_ON=low"}, wantStatus: 3,
			wantErr: "clean/plan.json plans findings at low or above"},
		{name: "a clean plan and a bad one", files: []string{"clean/plan.json", "shop/plan.json"}, wantStatus: 3},
		{name: "a bad plan and a clean one", files: []string{"shop/plan.json", "clean/plan.json"}, wantStatus: 3},
		{name: "a missing file", files: []string{"clean/plan.json", "gone/plan.json"}, wantStatus: 1,
			wantErr: "gone/plan.json could not be scanned"},
		{name: "an unknown level", files: []string{"clean/plan.json"}, env: []string{"RUNLENS_FAIL_ON=severe"}, wantStatus: 1},
		{name: "no files", wantStatus: 0},
		{name: "no runlens", files: []string{"clean/plan.json"}, env: []string{"RUNLENS_BIN=", "PATH=" + bare}, wantStatus: 1,
			wantErr: "no runlens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bash, append([]string{script}, tc.files...)...)
			cmd.Dir = ciFixtures
			cmd.Env = append(os.Environ(), "RUNLENS_BIN="+bin, "RUNLENS_FAIL_ON=", "XDG_CACHE_HOME="+t.TempDir())
			cmd.Env = append(cmd.Env, tc.env...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			status := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				status = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tc.wantStatus {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", status, tc.wantStatus, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantOut, stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantErr, stderr.String())
			}
		})
	}
}

// --- the page ------------------------------------------------------------------

// TestCIDoc: docs/ci.md stands on its own, shows the workflow and the Cloud
// Build file as they are, its links to files of the repository resolve, and
// the README points at it.
func TestCIDoc(t *testing.T) {
	doc, err := os.ReadFile(ciDoc)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte("DESIGN")) {
		t.Error("docs/ci.md refers to a design document: it must stand on its own")
	}
	yamlBlocks := fencedBlocks(string(doc), "yaml")
	for _, f := range []string{ciWorkflow, ciCloudBuild} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(yamlBlocks, string(src)) {
			t.Errorf("docs/ci.md does not show %s as it is", f)
		}
	}
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`).FindAllStringSubmatch(string(doc), -1) {
		if strings.Contains(m[1], "://") {
			continue
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(ciDoc), filepath.FromSlash(m[1]))); err != nil {
			t.Errorf("docs/ci.md links to %s: %v", m[1], err)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(readme, []byte("\n## In CI and before deploy\n"))
	if i < 0 {
		t.Fatal("README.md has no section \"In CI and before deploy\"")
	}
	section := readme[i+1:]
	if j := bytes.Index(section[3:], []byte("\n## ")); j >= 0 {
		section = section[:j+3]
	}
	if !bytes.Contains(section, []byte("(docs/ci.md)")) {
		t.Errorf("README.md's section does not link docs/ci.md:\n%s", section)
	}
}

// TestSimpleCommands pins the small shell reader the recipe tests use.
func TestSimpleCommands(t *testing.T) {
	got, err := simpleCommands(`set -euo pipefail # strict
runlens scan --plan "my plan.json" --tf-dir . \
  --format sarif > runlens.sarif || status=$?
echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"; x 2>&1 | y
terraform show -json tfplan >plan.json && echo 'a # b'
`)
	if err != nil {
		t.Fatal(err)
	}
	type cmd struct {
		Words  []string
		Stdout string
	}
	var gotCmds []cmd
	for _, c := range got {
		gotCmds = append(gotCmds, cmd{c.words, c.stdout})
	}
	want := []cmd{
		{[]string{"set", "-euo", "pipefail"}, ""},
		{[]string{"runlens", "scan", "--plan", "my plan.json", "--tf-dir", ".", "--format", "sarif"}, "runlens.sarif"},
		{[]string{"status=$?"}, ""},
		{[]string{"echo", "$RUNNER_TEMP/bin"}, "$GITHUB_PATH"},
		{[]string{"x"}, ""},
		{[]string{"y"}, ""},
		{[]string{"terraform", "show", "-json", "tfplan"}, "plan.json"},
		{[]string{"echo", "a # b"}, ""},
	}
	if diff := cmp.Diff(want, gotCmds); diff != "" {
		t.Errorf("simpleCommands (-want +got):\n%s", diff)
	}
	if _, err := simpleCommands(`runlens scan > `); err == nil {
		t.Error("a redirection without a target is not an error")
	}
}
