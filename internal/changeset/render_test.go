package changeset_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runlens/runlens/internal/changeset"
	"github.com/runlens/runlens/internal/iam"
)

// hostile are strings an inventory could carry to break out of a script.
var hostile = []string{
	"",
	"plain",
	"a'b",
	"'",
	"''",
	`a'\''b`,
	`"double" quotes`,
	"$(touch PWNED)",
	"`touch PWNED`",
	"${HOME}",
	"$HOME",
	"; rm -rf /",
	"x && touch PWNED || touch PWNED",
	"a\nb",
	"a\rb",
	"line1\n$(touch PWNED)\nline3",
	"tab\there",
	"back\\slash\\",
	"bell\a\x1b[31mred",
	"\x7f",
	"'$(touch PWNED)'",
	"-n",
	"--project=other",
	"*",
	"~root",
	"!!",
	"日本語 ünïcödé",
	"\xff\xfe invalid utf-8",
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"abc", "'abc'"},
		{"a'b", `'a'\''b'`},
		{"'", `''\'''`},
		{"$(x) `y` ;z", "'$(x) `y` ;z'"},
		{"a\nb", `'a'$'\x0a''b'`},
		{"\r", `''$'\x0d'''`},
	}
	for _, tc := range tests {
		if got := changeset.ShellQuote(tc.in); got != tc.want {
			t.Errorf("ShellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, s := range hostile {
		q := changeset.ShellQuote(s)
		if strings.ContainsAny(q, "\n\r") {
			t.Errorf("ShellQuote(%q) = %q spans lines", s, q)
		}
	}
}

func bashPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	return p
}

// TestShellQuoteBash has bash itself read every quoted hostile string back:
// it must come out byte for byte, and run nothing.
func TestShellQuoteBash(t *testing.T) {
	bash := bashPath(t)
	dir := t.TempDir()
	for _, s := range hostile {
		cmd := exec.Command(bash, "-c", "printf '%s' "+changeset.ShellQuote(s))
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("bash on ShellQuote(%q): %v", s, err)
			continue
		}
		if string(out) != s {
			t.Errorf("bash read ShellQuote(%q) back as %q", s, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
		t.Fatal("a quoted string ran a command")
	}
}

var (
	secretLine = regexp.MustCompile(`^printf '%s' "\$\{RUNLENS_SECRET_VALUE_[0-9]+:\?set RUNLENS_SECRET_VALUE_[0-9]+ to the value to store\}" \| (gcloud .*)$`)
	// What may remain of a command line once its quoted values are taken
	// out: a known gcloud command, then only quoted values, flag names, and
	// the fixed "describe || create" glue. A bare word (an unquoted value)
	// does not match.
	gcloudCmd = `gcloud (run services|run jobs|projects|resource-manager folders|organizations|storage buckets|secrets|secrets versions|pubsub topics|pubsub subscriptions|kms keys|kms keyrings|iam service-accounts|iam service-accounts keys|scheduler jobs) [a-z-]+( http)?( ''| --[a-z-]+( ''|=-)?)*`
	bareWords = regexp.MustCompile(`^` + gcloudCmd + `( >/dev/null 2>&1 \|\| ` + gcloudCmd + `)?$`)
)

// stripQuoted replaces every quoted word ('...' and $'\xHH') of a line made by
// ShellQuote with ”, and reports whether the quoting was well formed.
func stripQuoted(l string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(l); {
		switch {
		case l[i] == '\'':
			j := strings.IndexByte(l[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			i += j + 2
			// A quoted word is a run of '...', \' and $'\xHH' pieces.
			for i < len(l) {
				switch {
				case strings.HasPrefix(l[i:], `\'`):
					i += 2
				case strings.HasPrefix(l[i:], `$'\x`) && i+7 <= len(l) && l[i+6] == '\'':
					i += 7
				case l[i] == '\'':
					j := strings.IndexByte(l[i+1:], '\'')
					if j < 0 {
						return "", false
					}
					i += j + 2
				default:
					goto done
				}
			}
		done:
			b.WriteString("''")
		default:
			b.WriteByte(l[i])
			i++
		}
	}
	return b.String(), true
}

// allowedLine reports whether a line of a gcloud script is one the renderer
// may emit: the shebang, a comment, a preamble line, or a gcloud command (or
// the secret-version pipe into one) whose every value is quoted.
func allowedLine(l string) bool {
	switch {
	case l == "", l == "#!/usr/bin/env bash", strings.HasPrefix(l, "#"), slices.Contains(changeset.GcloudPreamble, l):
		return true
	}
	if m := secretLine.FindStringSubmatch(l); m != nil {
		l = m[1]
	}
	l = strings.TrimPrefix(l, "retry ")
	if !strings.HasPrefix(l, "gcloud ") {
		return false
	}
	bare, ok := stripQuoted(l)
	return ok && bareWords.MatchString(bare)
}

func TestAllowedLine(t *testing.T) {
	good := []string{
		"gcloud run services update 'x' --region 'r' --project 'p' --invoker-iam-check",
		"retry gcloud projects add-iam-policy-binding '1' --member 'a'\\''b' --role 'r'",
		"gcloud iam service-accounts describe 'e' --project 'p' >/dev/null 2>&1 || gcloud iam service-accounts create 'i' --project 'p' --display-name 'd'",
		"gcloud secrets versions add 's' --project 'p' --data-file=-",
		"gcloud projects add-iam-policy-binding 'a'$'\\x0a''b' --member 'm' --role 'r'",
	}
	bad := []string{
		"gcloud run services update x",
		"gcloud x 'a' ; rm -rf /",
		"gcloud x $(touch PWNED)",
		"gcloud x 'unterminated",
		"rm -rf /",
		"x",
	}
	for _, l := range good {
		if !allowedLine(l) {
			t.Errorf("allowedLine(%q) = false", l)
		}
	}
	for _, l := range bad {
		if allowedLine(l) {
			t.Errorf("allowedLine(%q) = true", l)
		}
	}
}

// fakeGcloud installs a gcloud that records its arguments (NUL-separated,
// one record per call ending in a record separator) and fails "describe" so
// that the "create" after it runs too.
func fakeGcloud(t *testing.T, dir string) (path, log string) {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	log = filepath.Join(dir, "gcloud.log")
	script := "#!/usr/bin/env bash\nfor a in \"$@\"; do printf '%s\\0' \"$a\" >> \"$GCLOUD_LOG\"; done\nprintf '\\036' >> \"$GCLOUD_LOG\"\nfor a in \"$@\"; do if [ \"$a\" = describe ]; then exit 1; fi; done\ncat >/dev/null\nexit 0\n"
	if err := os.WriteFile(filepath.Join(bin, "gcloud"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, log
}

func readCalls(t *testing.T, log string) [][]string {
	t.Helper()
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil // gcloud never ran: a manual-only plan
	}
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	for _, rec := range strings.Split(string(b), "\x1e") {
		if rec == "" {
			continue
		}
		calls = append(calls, strings.Split(strings.TrimSuffix(rec, "\x00"), "\x00"))
	}
	return calls
}

// TestGcloudHostile plans every finding of an inventory whose names carry
// quotes, command substitutions, backticks, newlines and "; rm -rf /", runs
// each script under bash with a fake gcloud, and checks that nothing ran but
// gcloud, and that gcloud got every hostile value whole, as one argument.
func TestGcloudHostile(t *testing.T) {
	bash := bashPath(t)
	s := load(t, "hostile.jsonl")
	if len(s.findings) < 8 {
		t.Fatalf("hostile fixture gives %d findings, want at least 8", len(s.findings))
	}
	for i, f := range s.findings {
		t.Run(strconv.Itoa(i)+"-"+f.Check, func(t *testing.T) {
			cs, err := changeset.Plan(s.in, f)
			if err != nil {
				t.Fatal(err)
			}
			script := render(t, "gcloud", cs)
			for _, l := range strings.Split(script, "\n") {
				if !allowedLine(l) {
					t.Errorf("line not allowed: %q", l)
				}
			}
			dir := t.TempDir()
			bin, log := fakeGcloud(t, dir)
			path := filepath.Join(dir, "change.sh")
			if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bash, path)
			cmd.Dir = dir
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "GCLOUD_LOG=" + log}
			for n := 1; n <= len(cs.Steps); n++ {
				cmd.Env = append(cmd.Env, "RUNLENS_SECRET_VALUE_"+strconv.Itoa(n)+"=s3cret")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("script failed: %v\n%s\n%s", err, stderr.String(), script)
			}
			if stderr.Len() > 0 {
				t.Errorf("script wrote to stderr (a broken-out line?):\n%s", stderr.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
				t.Fatalf("the script ran an injected command:\n%s", script)
			}
			calls := readCalls(t, log)
			args := map[string]bool{}
			for _, c := range calls {
				for _, a := range c {
					args[a] = true
				}
			}
			// Every value of every step reached gcloud whole.
			for _, st := range cs.Steps {
				for _, v := range expectedArgs(st) {
					if !args[v] {
						t.Errorf("no gcloud argument is exactly %q (step %s)", v, st.Kind)
					}
				}
			}
		})
	}
}

// expectedArgs lists values of a step that must reach gcloud unchanged.
func expectedArgs(s changeset.Step) []string {
	switch s.Kind {
	case changeset.KindAddBinding, changeset.KindRemoveBinding:
		return []string{s.Member, s.Role}
	case changeset.KindUpdateService:
		name := s.Service[strings.LastIndex(s.Service, "/")+1:]
		if s.Field == changeset.FieldEnv {
			return []string{name, s.EnvName}
		}
		return []string{name}
	case changeset.KindSetPushAuth:
		return []string{s.Subscription[strings.LastIndex(s.Subscription, "/")+1:], s.Endpoint, s.ServiceAccount}
	case changeset.KindSetSchedulerOIDC:
		return []string{s.Job[strings.LastIndex(s.Job, "/")+1:], s.ServiceAccount}
	case changeset.KindDeleteKey:
		return []string{s.Key[strings.LastIndex(s.Key, "/")+1:], s.ServiceAccount}
	case changeset.KindCreateServiceAccount:
		return []string{s.AccountID, s.DisplayName}
	case changeset.KindCreateSecretFromEnv:
		return []string{s.Secret}
	}
	return nil
}

func TestRendererFor(t *testing.T) {
	if diff := cmp.Diff([]string{"gcloud", "terraform", "diff", "rollback"}, changeset.Formats()); diff != "" {
		t.Errorf("Formats() (-want +got):\n%s", diff)
	}
	for _, f := range changeset.Formats() {
		if _, err := changeset.RendererFor(f); err != nil {
			t.Errorf("RendererFor(%q) = %v", f, err)
		}
	}
	if _, err := changeset.RendererFor("yaml"); err == nil {
		t.Error(`RendererFor("yaml") = nil error`)
	}
}

// handmade is a change set with one step of every kind, built by hand.
func handmade() changeset.ChangeSet {
	svc := runA + "api"
	cond := &iam.Condition{Title: "until 2030, maybe", Expression: `request.time < timestamp("2030-01-01T00:00:00Z")`}
	return changeset.ChangeSet{
		Title: "Every kind of step", Rationale: "test", Fixes: []string{"f1"},
		Risk: []string{"nothing"},
		Steps: []changeset.Step{
			{Kind: changeset.KindCreateServiceAccount, Project: "proj-a", AccountID: "api-sa", DisplayName: "API"},
			{Kind: changeset.KindAddBinding, Resource: "//iam.googleapis.com/projects/proj-a/serviceAccounts/api-sa@proj-a.iam.gserviceaccount.com", ResourceType: saTypeR,
				Role: "roles/iam.serviceAccountUser", Member: "group:deployers@example.com", Project: "proj-a"},
			{Kind: changeset.KindAddBinding, Resource: projA, ResourceType: "cloudresourcemanager.googleapis.com/Project", Role: "roles/cloudsql.client",
				Member: "serviceAccount:api-sa@proj-a.iam.gserviceaccount.com", Project: "proj-a"},
			{Kind: changeset.KindRemoveBinding, Resource: projA, ResourceType: "cloudresourcemanager.googleapis.com/Project", Role: "roles/editor",
				Member: "serviceAccount:old@proj-a.iam.gserviceaccount.com", Project: "proj-a", Condition: cond},
			{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldServiceAccount, From: "old@proj-a.iam.gserviceaccount.com", To: "api-sa@proj-a.iam.gserviceaccount.com"},
			{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldIngress, From: "all", To: "internal"},
			{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldInvokerIAMDisabled, From: "true", To: "false"},
			{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldBinaryAuthorization, To: "default"},
			{Kind: changeset.KindCreateSecretFromEnv, Project: "proj-a", Secret: "api-token", Service: svc, EnvName: "TOKEN", Container: "app"},
			{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldEnv, EnvName: "TOKEN", Secret: "api-token", Container: "app", From: "literal value (not shown)", To: "api-token:latest"},
			{Kind: changeset.KindSetPushAuth, Subscription: "//pubsub.googleapis.com/projects/proj-a/subscriptions/s", Endpoint: "https://api-x.a.run.app/push",
				ServiceAccount: "api-sa@proj-a.iam.gserviceaccount.com", Audience: "https://api-x.a.run.app"},
			{Kind: changeset.KindSetSchedulerOIDC, Job: "//cloudscheduler.googleapis.com/projects/proj-a/locations/us-central1/jobs/j", Endpoint: "https://api-x.a.run.app/tick",
				ServiceAccount: "api-sa@proj-a.iam.gserviceaccount.com", Audience: "https://api-x.a.run.app", From: "old@proj-a.iam.gserviceaccount.com"},
			{Kind: changeset.KindDeleteKey, Key: "//iam.googleapis.com/projects/proj-a/serviceAccounts/1/keys/abc", ServiceAccount: "old@proj-a.iam.gserviceaccount.com"},
			{Kind: changeset.KindManual, Text: "Do the thing.\nThen the other."},
		},
		Etags: map[string]string{projA: "BwX1", "//iam.googleapis.com/projects/proj-a/serviceAccounts/api-sa@proj-a.iam.gserviceaccount.com": ""},
		Before: map[string]iam.Policy{
			projA: iamPolicy("BwX1",
				iam.Binding{Role: "roles/editor", Members: []string{"serviceAccount:old@proj-a.iam.gserviceaccount.com"}, Condition: cond},
				iam.Binding{Role: "roles/owner", Members: []string{"user:b@example.com", "user:a@example.com"}}),
			"//iam.googleapis.com/projects/proj-a/serviceAccounts/api-sa@proj-a.iam.gserviceaccount.com": {},
		},
		Manual: true,
	}
}

func TestRenderEveryStepKind(t *testing.T) {
	cs := handmade()
	script := render(t, "gcloud", cs)
	golden(t, "handmade.sh", script)
	for _, want := range []string{
		"gcloud projects remove-iam-policy-binding '111' --member 'serviceAccount:old@proj-a.iam.gserviceaccount.com' --role 'roles/editor' --condition '^;^expression=request.time < timestamp(\"2030-01-01T00:00:00Z\");title=until 2030, maybe'",
		"retry gcloud projects add-iam-policy-binding '111' --member 'serviceAccount:api-sa@proj-a.iam.gserviceaccount.com' --role 'roles/cloudsql.client' --condition 'None'",
		"gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --ingress 'internal'",
		"gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --invoker-iam-check",
		"gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --binary-authorization 'default'",
		"gcloud run services update 'api' --region 'us-central1' --project 'proj-a' --container 'app' --remove-env-vars 'TOKEN' --update-secrets 'TOKEN=api-token:latest'",
		"retry gcloud iam service-accounts add-iam-policy-binding 'api-sa@proj-a.iam.gserviceaccount.com' --project 'proj-a' --member 'group:deployers@example.com' --role 'roles/iam.serviceAccountUser'",
		"gcloud iam service-accounts keys delete 'abc' --iam-account 'old@proj-a.iam.gserviceaccount.com' --quiet",
		"retry gcloud scheduler jobs update http 'j' --location 'us-central1' --project 'proj-a' --oidc-service-account-email 'api-sa@proj-a.iam.gserviceaccount.com' --oidc-token-audience 'https://api-x.a.run.app'",
	} {
		if !containsLine(commandLines(script), want) {
			t.Errorf("gcloud script lacks\n%s\nscript:\n%s", want, script)
		}
	}
	if !strings.Contains(script, "#   MANUAL, not run by this script:\n#   Do the thing.\n#   Then the other.\n") {
		t.Errorf("manual step is not a comment block:\n%s", script)
	}
	for _, l := range strings.Split(script, "\n") {
		if !allowedLine(l) {
			t.Errorf("line not allowed: %q", l)
		}
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command(bash, "-n", "-c", script).CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v\n%s", err, out)
		}
	}

	tf := render(t, "terraform", cs)
	golden(t, "handmade.tf", tf)
	checkTerraform(t, cs, tf)
	for _, want := range []string{
		`resource "google_service_account" "api_sa"`,
		`service_account_id = google_service_account.api_sa.name`,
		`member  = google_service_account.api_sa.member`,
		`resource "google_cloud_run_v2_service" "api"`,
		`ingress              = "INGRESS_TRAFFIC_INTERNAL_ONLY"`,
		`invoker_iam_disabled = false`,
		`use_default = true`,
		`service_account = google_service_account.api_sa.email`,
		`secret  = google_secret_manager_secret.api_token.secret_id`,
		`resource "google_secret_manager_secret" "api_token"`,
		`resource "google_pubsub_subscription" "s"`,
		`resource "google_cloud_scheduler_job" "j"`,
		"Terraform cannot remove one member from a binding it does not manage",
	} {
		if !strings.Contains(tf, want) {
			t.Errorf("Terraform rendering lacks %q:\n%s", want, tf)
		}
	}
	if n := strings.Count(tf, `resource "google_cloud_run_v2_service"`); n != 1 {
		t.Errorf("Terraform rendering has %d google_cloud_run_v2_service blocks for one service, want 1 (merged)", n)
	}

	d := render(t, "diff", cs)
	golden(t, "handmade.diff", d)
	checkDiff(t, cs, d)
	for _, want := range []string{
		"--- " + projA + "\n+++ " + projA + "\n",
		`-  "ingress": "all"` + "\n" + `+  "ingress": "internal"`,
		`-  "invokerIamDisabled": "true"`,
		`+  "env.TOKEN": "secret api-token:latest"`,
		`"serviceAccountEmail": "old@proj-a.iam.gserviceaccount.com"`,
	} {
		if !strings.Contains(d, want) {
			t.Errorf("diff rendering lacks %q:\n%s", want, d)
		}
	}
}

// TestRenderHostileText checks that text fields (title, risk, notes,
// manual text, display names) cannot leave their comments or strings in any
// rendering.
func TestRenderHostileText(t *testing.T) {
	evil := "x\n$(touch PWNED)\r\n`touch PWNED`; rm -rf / #'\"${x}%{y}\u2028z"
	cs := handmade()
	cs.Title, cs.Rationale, cs.Risk = evil, evil, []string{evil}
	for i := range cs.Steps {
		cs.Steps[i].Note = evil
	}
	cs.Steps[0].DisplayName = evil
	cs.Steps[len(cs.Steps)-1].Text = evil
	script := render(t, "gcloud", cs)
	for _, l := range strings.Split(script, "\n") {
		if !allowedLine(l) {
			t.Errorf("gcloud line not allowed: %q", l)
		}
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		dir := t.TempDir()
		bin, log := fakeGcloud(t, dir)
		cmd := exec.Command(bash, "-c", script)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "GCLOUD_LOG=" + log, "RUNLENS_SECRET_VALUE_9=v"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("script failed: %v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
			t.Fatal("the script ran an injected command")
		}
		found := false
		for _, c := range readCalls(t, log) {
			found = found || slices.Contains(c, evil)
		}
		if !found {
			t.Error("the hostile display name did not reach gcloud whole")
		}
	}
	tf := render(t, "terraform", cs)
	checkTerraform(t, cs, tf)
	for _, l := range strings.Split(tf, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if strings.Contains(strings.ReplaceAll(l, "$${", ""), "${") || strings.Contains(strings.ReplaceAll(l, "%%{", ""), "%{") {
			t.Errorf("Terraform line has an unescaped template sequence: %q", l)
		}
	}
	d := render(t, "diff", cs)
	for _, l := range strings.Split(d, "\n") {
		if strings.Contains(l, "touch PWNED") && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "-") && !strings.HasPrefix(l, " ") {
			t.Errorf("diff line carries hostile text outside a comment or JSON: %q", l)
		}
	}
}

func TestConditionDelimiter(t *testing.T) {
	cs := handmade()
	cs.Steps = []changeset.Step{{Kind: changeset.KindRemoveBinding, Resource: projA, ResourceType: "cloudresourcemanager.googleapis.com/Project",
		Role: "roles/viewer", Member: "user:a@example.com",
		Condition: &iam.Condition{Title: "t,;|~@#!%+:&*", Expression: "a"}}}
	if err := (changeset.Gcloud{}).Render(&bytes.Buffer{}, cs); err == nil {
		t.Error("a condition using every delimiter rendered; want an error")
	}
	cs.Steps[0].Condition.Title = "a,b;c"
	script := render(t, "gcloud", cs)
	if !strings.Contains(script, `--condition '^|^expression=a|title=a,b;c'`) {
		t.Errorf("condition not written with a free delimiter:\n%s", script)
	}
}

func TestRenderRefusesInvalid(t *testing.T) {
	bad := []changeset.ChangeSet{
		{Title: "no steps"},
		{Title: "unknown kind", Steps: []changeset.Step{{Kind: "frobnicate"}}},
		{Title: "bad account", Steps: []changeset.Step{{Kind: changeset.KindCreateServiceAccount, Project: "p", AccountID: "Bad_ID"}}},
		{Title: "bad service", Steps: []changeset.Step{{Kind: changeset.KindUpdateService, Service: "//run.googleapis.com/x", Field: changeset.FieldIngress, To: "internal"}}},
		{Title: "bad field", Steps: []changeset.Step{{Kind: changeset.KindUpdateService, Service: runA + "x", Field: "image", To: "x"}}},
		{Title: "bad ingress", Steps: []changeset.Step{{Kind: changeset.KindUpdateService, Service: runA + "x", Field: changeset.FieldIngress, To: "internal; rm -rf /"}}},
		{Title: "env with =", Steps: []changeset.Step{{Kind: changeset.KindUpdateService, Service: runA + "x", Field: changeset.FieldEnv, EnvName: "A=B", Secret: "s"}}},
		{Title: "NUL", Steps: []changeset.Step{{Kind: changeset.KindDeleteKey, Key: "k\x00", ServiceAccount: "a"}}},
		{Title: "unknown resource type", Steps: []changeset.Step{{Kind: changeset.KindAddBinding, Resource: "//x.googleapis.com/y", ResourceType: "x.googleapis.com/Y", Role: "r", Member: "m"}}},
	}
	for _, cs := range bad {
		if err := (changeset.Gcloud{}).Render(&bytes.Buffer{}, cs); err == nil {
			t.Errorf("gcloud rendering of %q = nil error", cs.Title)
		}
	}
}

// FuzzRenderGcloud renders change sets whose every value is fuzzed: the
// renderer must not panic, and every line it writes must be a comment, the
// shebang, a preamble line, or a gcloud command whose values are all quoted.
func FuzzRenderGcloud(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, "proj-a", "us-central1", "svc")
	}
	f.Add("a'b", "p$(x)", "r`y`", "n\nm")
	f.Fuzz(func(t *testing.T, v, project, region, name string) {
		svc := "//run.googleapis.com/projects/" + project + "/locations/" + region + "/services/" + name
		steps := []changeset.Step{
			{Kind: changeset.KindCreateServiceAccount, Project: "p" + project, AccountID: changeset.AccountID(name, "sa"), DisplayName: v},
			{Kind: changeset.KindAddBinding, Resource: svc, ResourceType: "run.googleapis.com/Service", Role: "roles/" + v, Member: "user:" + v},
			{Kind: changeset.KindRemoveBinding, Resource: "//storage.googleapis.com/" + name, ResourceType: "storage.googleapis.com/Bucket", Role: "r" + v, Member: "m" + v,
				Condition: &iam.Condition{Title: v, Expression: "e" + v, Description: name}},
			{Kind: changeset.KindRemoveBinding, Resource: "//cloudkms.googleapis.com/projects/p" + project + "/locations/l" + region + "/keyRings/r" + v + "/cryptoKeys/k" + name, ResourceType: "cloudkms.googleapis.com/CryptoKey", Role: "r", Member: "m"},
			{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldServiceAccount, To: "x" + v},
			{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldEnv, EnvName: "E" + v, Secret: changeset.SecretID(name, v), To: changeset.SecretID(name, v) + ":latest"},
			{Kind: changeset.KindCreateSecretFromEnv, Project: "p" + project, Secret: changeset.SecretID(name, v), Service: svc, EnvName: "E" + v},
			{Kind: changeset.KindSetPushAuth, Subscription: "//pubsub.googleapis.com/projects/p" + project + "/subscriptions/s" + name, Endpoint: "e" + v, ServiceAccount: "a" + v, Audience: v},
			{Kind: changeset.KindSetSchedulerOIDC, Job: "//cloudscheduler.googleapis.com/projects/p" + project + "/locations/l" + region + "/jobs/j" + name, ServiceAccount: "a" + v, Audience: v},
			{Kind: changeset.KindDeleteKey, Key: "//iam.googleapis.com/projects/p/serviceAccounts/1/keys/k" + v, ServiceAccount: "a" + name},
			{Kind: changeset.KindManual, Text: "t" + v},
		}
		cs := changeset.ChangeSet{Title: v, Rationale: name, Risk: []string{project, region}, Fixes: []string{v},
			Etags: map[string]string{svc: v}, Steps: steps}
		// Each step alone, so that one invalid value does not hide the others.
		for i := range steps {
			one := cs
			one.Steps = []changeset.Step{steps[i]}
			one.Steps[0].Note = v
			var buf bytes.Buffer
			if err := (changeset.Gcloud{}).Render(&buf, one); err != nil {
				continue
			}
			for _, l := range strings.Split(buf.String(), "\n") {
				if !allowedLine(l) {
					t.Fatalf("step %s: line not allowed: %q", steps[i].Kind, l)
				}
			}
			// The other renderings must not panic either.
			_ = (changeset.Terraform{}).Render(&bytes.Buffer{}, one)
			_ = (changeset.Diff{}).Render(&bytes.Buffer{}, one)
		}
	})
}

// TestBodyRendererFor checks that the renderings a review page shows lack the
// header the page shows once (title, why, risk, hash), and that the rest is
// the downloaded file's: the body is the file with the header lines left out.
func TestBodyRendererFor(t *testing.T) {
	cs := handmade()
	cs.Title = "Title-7f3a"
	cs.Rationale = "Why-7f3a"
	cs.Risk = []string{"Risk-7f3a"}
	for _, f := range changeset.Formats() {
		t.Run(f, func(t *testing.T) {
			full, body := render(t, f, cs), ""
			r, err := changeset.BodyRendererFor(f)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := r.Render(&buf, cs); err != nil {
				t.Fatal(err)
			}
			body = buf.String()
			header := []string{"Title-7f3a", "Why-7f3a", "Risk-7f3a", changeset.Hash(cs)}
			if f == "rollback" { // the header of the reverse
				header = []string{"Roll back: Title-7f3a", changeset.Hash(changeset.Rollback(cs))}
			}
			for _, s := range header {
				if !strings.Contains(full, s) {
					t.Errorf("the file lacks %q", s)
				}
				if strings.Contains(body, s) {
					t.Errorf("the body repeats %q:\n%s", s, body)
				}
			}
			// Every body line is in the file, in order.
			rest := full
			for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
				i := strings.Index(rest, l)
				if i < 0 {
					t.Fatalf("body line %q is not in the file (in order)", l)
				}
				rest = rest[i+len(l):]
			}
		})
	}
	if _, err := changeset.BodyRendererFor("yaml"); err == nil {
		t.Error(`BodyRendererFor("yaml") = nil error`)
	}
}

// TestTerraformLocated: steps located on a Terraform plan (Locate) name the
// resources that declare them: a grant from an _iam_member is a resource
// to delete, one from a binding or a policy a member to take out, and a
// service's change is a block labelled like the declaring resource.
func TestTerraformLocated(t *testing.T) {
	svc := "//run.googleapis.com/projects/p/locations/r/services/api"
	v1 := "//run.googleapis.com/projects/p/locations/r/services/old"
	sub := "//pubsub.googleapis.com/projects/p/subscriptions/s"
	cs := changeset.ChangeSet{Title: "t", Rationale: "r", Fixes: []string{"f"}, Steps: []changeset.Step{
		{Kind: changeset.KindRemoveBinding, Resource: svc, ResourceType: changeset.ResourceType(svc), Role: "roles/run.invoker", Member: "allUsers"},
		{Kind: changeset.KindRemoveBinding, Resource: svc, ResourceType: changeset.ResourceType(svc), Role: "roles/run.admin", Member: "user:a@example.com"},
		{Kind: changeset.KindRemoveBinding, Resource: svc, ResourceType: changeset.ResourceType(svc), Role: "roles/run.developer", Member: "user:b@example.com"},
		{Kind: changeset.KindUpdateService, Service: svc, Field: changeset.FieldIngress, From: "all", To: "internal"},
		{Kind: changeset.KindUpdateService, Service: v1, Field: changeset.FieldIngress, From: "all", To: "internal"},
		{Kind: changeset.KindSetPushAuth, Subscription: sub, Endpoint: "https://api-p.r.run.app", ServiceAccount: "push@p.iam.gserviceaccount.com"},
		{Kind: changeset.KindRemoveBinding, Resource: sub, ResourceType: changeset.ResourceType(sub), Role: "roles/pubsub.subscriber", Member: "user:c@example.com"},
	}}
	declared := map[string]string{
		svc + "|roles/run.invoker|allUsers": "google_cloud_run_v2_service_iam_member.public",
		svc + "|roles/run.admin|":           "module.app.google_cloud_run_v2_service_iam_binding.admins[0]",
		svc + "||":                          "module.app.google_cloud_run_v2_service.api",
		v1 + "||":                           "google_cloud_run_service.old",
		sub + "||":                          "google_pubsub_subscription.s",
	}
	cs.Locate(func(resource, role, member string) string {
		if role == "" {
			return declared[resource+"||"]
		}
		if a, ok := declared[resource+"|"+role+"|"+member]; ok {
			return a
		}
		if a, ok := declared[resource+"|"+role+"|"]; ok {
			return a
		}
		return ""
	})
	var buf bytes.Buffer
	if err := (changeset.Terraform{}).Render(&buf, cs); err != nil {
		t.Fatal(err)
	}
	tf := buf.String()
	checkTerraform(t, cs, tf)
	for _, want := range []string{
		"Delete resource google_cloud_run_v2_service_iam_member.public from your configuration",
		"In module.app.google_cloud_run_v2_service_iam_binding.admins[0] (role roles/run.admin), take user:a@example.com out of members.",
		// Not declared by the plan: the general advice.
		"If your configuration grants it with a google_cloud_run_v2_service_iam_member resource, delete that resource",
		"Set the attributes below in module.app.google_cloud_run_v2_service.api (this plan declares it)",
		`resource "google_cloud_run_v2_service" "api" {`,
		"In google_cloud_run_service.old, change ingress from all to internal.",
		"Set push_config in google_pubsub_subscription.s (this plan declares it)",
		`resource "google_pubsub_subscription" "s" {`,
	} {
		if !strings.Contains(tf, want) {
			t.Errorf("the rendering lacks %q:\n%s", want, tf)
		}
	}
	if strings.Contains(tf, "terraform import google_cloud_run_v2_service") {
		t.Errorf("a service the plan declares is told to be imported:\n%s", tf)
	}
	if got := cs.Steps[2].Address; got != "" {
		t.Errorf("an undeclared grant is located at %q", got)
	}
}
