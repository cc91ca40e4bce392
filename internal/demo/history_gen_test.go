package demo

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The demo organization's history: the changes that took it from a worse
// state six weeks ago to the current one (org/), as data. writeHistory
// rebuilds the organization as it was at a snapshot by running writeDemoOrg
// with every fix landed after that snapshot undone, and keeps only the
// records that differ from the current ones, plus the records of assets
// deleted since. The files under history/ are its output;
// TestEmbeddedHistoryUpToDate keeps them in sync (go test -update rewrites
// them) and history/README.md tells the story.

// historyAsOf is when the current state was exported: after the newest
// update_time in org/. Snapshot W is historyAsOf minus W weeks.
var historyAsOf = time.Date(2025, 12, 5, 18, 0, 0, 0, time.UTC)

// historyWeeks are the snapshots written to history/, oldest first.
var historyWeeks = []int{6, 4, 2}

// snapshotTime is when the snapshot weeksAgo weeks before the current state
// was taken.
func snapshotTime(weeksAgo int) time.Time { return historyAsOf.AddDate(0, 0, -7*weeksAgo) }

// fix is one change that moved the demo organization towards its current
// state. Before Landed, the records it names looked as its changes make
// them, and the assets Deleted writes still existed.
type fix struct {
	Landed  string // RFC 3339, in the style of the records' update_time
	Story   string
	Changes []change
	// Deleted writes the records, as they were, of assets the fix
	// deleted: resources to res, IAM policies to iam; projects by ID.
	Deleted func(res, iam *writer, projects map[string]*project)
}

// change undoes a fix on one record: the resource of the Cloud Run
// workload (Run) or the IAM policy (Policy) of the asset Name. Was is the
// record's update_time before the oldest fix that touches it, and is set on
// that fix's change only; later states take their update_time from the fix
// that last changed the record, and a workload loses one generation for
// each fix undone.
type change struct {
	Name   string
	Was    string
	Run    func(r *run)
	Policy func(bs []binding) []binding
}

func (c *change) key() string {
	if c.Run != nil {
		return "RESOURCE " + c.Name
	}
	return "IAM_POLICY " + c.Name
}

func runAsset(project, region, kind, name string) string {
	return "//run.googleapis.com/projects/" + project + "/locations/" + region + "/" + kind + "/" + name
}

var (
	ledgerAPI       = runAsset("ledger-prod", "us-central1", "services", "ledger-api")
	ledgerReconcile = runAsset("ledger-prod", "us-central1", "jobs", "ledger-reconcile")
	fleetAuth       = runAsset("fleet-web-prod", "us-central1", "services", "fleet-auth")
	fleetCart       = runAsset("fleet-web-prod", "us-central1", "services", "fleet-cart")
	fleetCheckout   = runAsset("fleet-web-prod", "us-central1", "services", "fleet-checkout")

	ledgerProject   = crmPrefix + "projects/860524179836"
	fleetDataProj   = crmPrefix + "projects/648302957614"
	fleetDevProject = crmPrefix + "projects/759413068725"
)

const (
	ledgerDefaultSA   = "serviceAccount:860524179836-compute@developer.gserviceaccount.com"
	ledgerAPISA       = "serviceAccount:ledger-api@ledger-prod.iam.gserviceaccount.com"
	fleetDataDefault  = "serviceAccount:648302957614-compute@developer.gserviceaccount.com"
	fleetMLSA         = "serviceAccount:fleet-ml@fleet-data-prod.iam.gserviceaccount.com"
	fleetDevRuntimeSA = "serviceAccount:fleet-dev-runtime@fleet-dev.iam.gserviceaccount.com"
	ledgerMigrationDB = "ledger-prod:us-central1:ledger-db-migration"
)

// fixes, in the order they landed.
var fixes = []fix{
	// Between six and four weeks ago.
	{Landed: "2025-10-29T16:20:00.000Z",
		Story: "ledger-api moves off the default compute service account onto its own ledger-api@ " +
			"(which also takes over the project's cloudsql.client and logging.logWriter grants) and reads " +
			"its database password from Secret Manager instead of a literal DB_PASSWORD",
		Changes: []change{
			{Name: ledgerAPI, Was: "2025-09-16T14:03:00.000Z", Run: func(r *run) {
				r.SA = ""
				setEnv(r, "LEDGER_DB_PASSWORD", envVar{Name: "DB_PASSWORD", Value: "demo-only-not-a-real-password"})
			}},
			{Name: ledgerProject, Was: "2025-09-16T13:50:00.000Z", Policy: func(bs []binding) []binding {
				bs = replaceMember(bs, "roles/cloudsql.client", ledgerAPISA, ledgerDefaultSA)
				return replaceMember(bs, "roles/logging.logWriter", ledgerAPISA, ledgerDefaultSA)
			}},
		}},
	{Landed: "2025-10-30T10:00:00.000Z",
		Story: "fleet-auth deploys by digest (was the tag :2.3.0)",
		Changes: []change{
			{Name: fleetAuth, Was: "2025-09-24T15:30:00.000Z", Run: func(r *run) {
				setImage(r, "us-central1-docker.pkg.dev/fleet-web-prod/fleet/auth:2.3.0")
			}},
		}},
	{Landed: "2025-11-01T10:00:00.000Z",
		Story: "ledger-reconcile deploys by digest (was the tag :2025.08) and opts into Binary Authorization",
		Changes: []change{
			{Name: ledgerReconcile, Was: "2025-08-19T09:00:00.000Z", Run: func(r *run) {
				setImage(r, "us-docker.pkg.dev/ledger-prod/ledger/reconcile:2025.08")
				r.BinAuthz = ""
			}},
		}},
	{Landed: "2025-11-04T09:30:00.000Z",
		Story: "the user-managed key of fleet-ml@, made for a notebook, is deleted",
		Deleted: func(res, _ *writer, ps map[string]*project) {
			res.saKey(&saKey{SA: sa(ps["fleet-data-prod"], "fleet-ml", "", ""), ID: hexHash("fleet-ml-user-key", 40),
				UserManaged: true, ValidAfter: "2025-09-02T14:10:00Z", ValidBefore: "9999-12-31T23:59:59Z"})
		}},
	{Landed: "2025-11-05T15:00:00.000Z",
		Story: "fleet-data-prod: Editor, granted by hand to the default compute service account for the " +
			"2024 backfill, is removed",
		Changes: []change{
			{Name: fleetDataProj, Was: "2024-09-01T08:45:00.000Z", Policy: func(bs []binding) []binding {
				return addMember(bs, "roles/editor", fleetDataDefault)
			}},
		}},

	// Between four and two weeks ago.
	{Landed: "2025-11-11T11:11:00.000Z",
		Story: "fleet-cart drops a literal STRIPE_API_KEY (payments moved to fleet-checkout)",
		Changes: []change{
			{Name: fleetCart, Was: "2025-10-02T12:00:00.000Z", Run: func(r *run) {
				addEnv(r, envVar{Name: "STRIPE_API_KEY", Value: "demo-only-fake-stripe-key"})
			}},
		}},
	{Landed: "2025-11-12T14:00:00.000Z",
		Story: "ledger finishes its database migration: ledger-api stops connecting to the migration " +
			"instance ledger-db-migration (public IP, authorized network 0.0.0.0/0) and stops naming the " +
			"public bucket ledger-prod-statements; both are deleted",
		Changes: []change{
			{Name: ledgerAPI, Run: func(r *run) {
				r.CloudSQL = append(slices.Clone(r.CloudSQL), ledgerMigrationDB)
				addEnv(r, envVar{Name: "STATEMENTS_BUCKET", Value: "ledger-prod-statements"})
			}},
		},
		Deleted: func(res, iam *writer, ps map[string]*project) {
			p := ps["ledger-prod"]
			res.sqlInstance(&sqlInstance{P: p, Name: "ledger-db-migration", Region: "us-central1", DatabaseVersion: "POSTGRES_16",
				PublicIP: true, AuthorizedNetworks: [][2]string{{"migration", "0.0.0.0/0"}}, Updated: "2025-09-10T08:00:00.000Z"})
			b := &bucket{P: p, Name: "ledger-prod-statements", Location: "us-central1", Uniform: true,
				Created: "2024-02-20T10:00:00.000Z", Updated: "2025-03-10T09:00:00.000Z"}
			res.bucket(b)
			iam.bucketPolicy(b, bind("roles/storage.objectViewer", "allUsers"))
		}},
	{Landed: "2025-11-14T10:30:00.000Z",
		Story: "fleet-dev: Editor is removed from the runtime service account fleet-dev-runtime@",
		Changes: []change{
			{Name: fleetDevProject, Was: "2025-06-12T09:00:00.000Z", Policy: func(bs []binding) []binding {
				return addMember(bs, "roles/editor", fleetDevRuntimeSA)
			}},
		}},
	{Landed: "2025-11-18T16:45:00.000Z",
		Story: "ledger-api stops allowing allUsers to invoke it: only its Pub/Sub push identity can",
		Changes: []change{
			{Name: ledgerAPI, Was: "2025-09-16T14:03:00.000Z", Policy: func(bs []binding) []binding {
				return addMember(bs, "roles/run.invoker", "allUsers")
			}},
		}},
	{Landed: "2025-11-20T20:20:00.000Z",
		Story: "fleet-checkout reads its signing secret from Secret Manager (was a literal CHECKOUT_SIGNING_SECRET)",
		Changes: []change{
			{Name: fleetCheckout, Was: "2025-10-15T09:00:00.000Z", Run: func(r *run) {
				setEnv(r, "CHECKOUT_SIGNING_SECRET", envVar{Name: "CHECKOUT_SIGNING_SECRET", Value: "demo-only-not-a-real-signing-secret"})
			}},
		}},

	// In the last two weeks.
	{Landed: "2025-11-28T10:00:00.000Z",
		Story: "fleet-data-prod: the project-wide storage.admin of fleet-ml@ is removed (its objectViewer on " +
			"the lake bucket is all it needs)",
		Changes: []change{
			{Name: fleetDataProj, Policy: func(bs []binding) []binding {
				return addMember(bs, "roles/storage.admin", fleetMLSA)
			}},
		}},
	{Landed: "2025-12-05T10:00:00.000Z",
		Story: "ledger-api deploys by digest (was the tag :1.14.2)",
		Changes: []change{
			{Name: ledgerAPI, Run: func(r *run) {
				setImage(r, "us-docker.pkg.dev/ledger-prod/ledger/ledger-api:1.14.2")
			}},
		}},
}

// writeHistory writes the overlay for the snapshot weeksAgo weeks before
// the current state: the RESOURCE records, then the IAM_POLICY records, of
// the assets that differed then, each complete as it was, with the records
// of assets deleted since after the changed ones of their kind.
func writeHistory(w io.Writer, weeksAgo int) error {
	at := snapshotTime(weeksAgo)
	var now [3]bytes.Buffer
	if err := writeDemoOrg(&now[0], &now[1], &now[2]); err != nil {
		return err
	}

	// The changes to undo, by record, newest first, and when each record
	// last changed before the snapshot.
	undo := map[string][]*change{}
	updated := map[string]string{}
	var pending []*fix
	for i := range fixes {
		f := &fixes[i]
		landed, err := time.Parse(time.RFC3339, f.Landed)
		if err != nil {
			return fmt.Errorf("fix %q: %v", f.Story, err)
		}
		for j := range f.Changes {
			c := &f.Changes[j]
			switch {
			case !landed.After(at):
				updated[c.key()] = f.Landed
			case len(undo[c.key()]) == 0 && updated[c.key()] == "":
				if c.Was == "" {
					return fmt.Errorf("fix %q: %s: the oldest change of a record needs Was", f.Story, c.key())
				}
				updated[c.key()] = c.Was
			}
			if landed.After(at) {
				undo[c.key()] = append([]*change{c}, undo[c.key()]...)
			}
		}
		if landed.After(at) {
			pending = append(pending, f)
		}
	}

	projects := map[string]*project{}
	applied := map[string]bool{}
	edit := func(v any) {
		switch v := v.(type) {
		case *project:
			projects[v.ID] = v
		case *run:
			cs := undo["RESOURCE "+v.name()]
			for _, c := range cs {
				c.Run(v)
			}
			if len(cs) > 0 {
				applied["RESOURCE "+v.name()] = true
				v.Generation -= int64(len(cs))
				v.Updated = updated["RESOURCE "+v.name()]
			}
		case *policyRecord:
			cs := undo["IAM_POLICY "+v.Name]
			for _, c := range cs {
				v.Bindings = c.Policy(v.Bindings)
			}
			if len(cs) > 0 {
				applied["IAM_POLICY "+v.Name] = true
				v.UpdateTime = updated["IAM_POLICY "+v.Name]
			}
		}
	}
	var then [3]bytes.Buffer
	if err := writeDemoOrgEdited(&then[0], &then[1], &then[2], edit); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(undo)) {
		if !applied[k] {
			return fmt.Errorf("%s: no such record in the demo organization", k)
		}
	}

	var deleted [2]bytes.Buffer
	res, iam := newWriter(&deleted[0]), newWriter(&deleted[1])
	for _, f := range pending {
		if f.Deleted != nil {
			f.Deleted(res, iam, projects)
		}
	}
	if err := res.flush(); err != nil {
		return err
	}
	if err := iam.flush(); err != nil {
		return err
	}

	var out bytes.Buffer
	for i, kind := range []string{"RESOURCE", "IAM_POLICY", "ORG_POLICY"} {
		changed, err := changedLines(now[i].Bytes(), then[i].Bytes())
		if err != nil {
			return fmt.Errorf("%s records: %v", kind, err)
		}
		out.Write(changed)
		if i < len(deleted) {
			out.Write(deleted[i].Bytes())
		}
	}
	_, err := w.Write(out.Bytes())
	return err
}

// changedLines returns the lines of then that differ from the same line of
// now; both must list the same records in the same order.
func changedLines(now, then []byte) ([]byte, error) {
	a, b := bytes.SplitAfter(now, []byte("\n")), bytes.SplitAfter(then, []byte("\n"))
	if len(a) != len(b) {
		return nil, fmt.Errorf("%d records now, %d then", len(a), len(b))
	}
	var out []byte
	for i := range a {
		if bytes.Equal(a[i], b[i]) {
			continue
		}
		if recordName(a[i]) != recordName(b[i]) {
			return nil, fmt.Errorf("line %d: %s now, %s then", i+1, recordName(a[i]), recordName(b[i]))
		}
		out = append(out, b[i]...)
	}
	return out, nil
}

// recordName returns the name of an export line as this package writes it
// (the name is the first field).
func recordName(line []byte) string {
	s, ok := strings.CutPrefix(string(line), `{"name":"`)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(s, `"`)
	return name
}

// Helpers for undo functions. They replace slices rather than change them,
// since the run being written shares them with the one writeDemoOrg built.

// setImage sets the image of the workload's (only) container.
func setImage(r *run, image string) {
	r.Containers = slices.Clone(r.Containers)
	r.Containers[0].Image = image
}

// setEnv replaces the environment variable name of the first container with v.
func setEnv(r *run, name string, v envVar) {
	r.Containers = slices.Clone(r.Containers)
	env := slices.Clone(r.Containers[0].Env)
	i := slices.IndexFunc(env, func(e envVar) bool { return e.Name == name })
	if i < 0 {
		panic("demo history: " + r.name() + " has no env " + name)
	}
	env[i] = v
	r.Containers[0].Env = env
}

// addEnv appends v to the environment of the first container.
func addEnv(r *run, v envVar) {
	r.Containers = slices.Clone(r.Containers)
	r.Containers[0].Env = append(slices.Clone(r.Containers[0].Env), v)
}

// addMember adds member to the unconditional binding of role, creating it
// in role order if there is none.
func addMember(bs []binding, role, member string) []binding {
	out := slices.Clone(bs)
	for i, b := range out {
		if b.Role == role && b.CondExpr == "" {
			members := slices.Clone(b.Members)
			j, found := slices.BinarySearch(members, member)
			if !found {
				members = slices.Insert(members, j, member)
			}
			out[i].Members = members
			return out
		}
	}
	j := len(out)
	for i, b := range out {
		if b.Role > role {
			j = i
			break
		}
	}
	return slices.Insert(out, j, bind(role, member))
}

// replaceMember replaces member from by to in the unconditional binding of role.
func replaceMember(bs []binding, role, from, to string) []binding {
	out := slices.Clone(bs)
	for i, b := range out {
		if b.Role != role || b.CondExpr != "" {
			continue
		}
		j := slices.Index(b.Members, from)
		if j < 0 {
			break
		}
		members := slices.Clone(b.Members)
		members[j] = to
		slices.Sort(members)
		out[i].Members = members
		return out
	}
	panic("demo history: no " + from + " in " + role)
}

func historyFile(weeksAgo int) string { return fmt.Sprintf("w-%02d.jsonl", weeksAgo) }

// TestEmbeddedHistoryUpToDate checks that the embedded history files are
// exactly what writeHistory produces, one per snapshot of historyWeeks and
// nothing else; run `go test ./internal/demo -update` after changing fixes
// or the demo organization.
func TestEmbeddedHistoryUpToDate(t *testing.T) {
	want := map[string]bool{}
	for _, weeks := range historyWeeks {
		var b bytes.Buffer
		if err := writeHistory(&b, weeks); err != nil {
			t.Fatalf("writeHistory(%d): %v", weeks, err)
		}
		name := historyFile(weeks)
		want[name] = true
		if *update {
			if err := os.WriteFile(filepath.Join("history", name), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := history.ReadFile("history/" + name)
		if err != nil {
			t.Errorf("embedded %s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, b.Bytes()) {
			t.Errorf("history/%s is stale: run go test ./internal/demo -update", name)
		}
	}
	entries, err := os.ReadDir("history")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".jsonl") && !want[e.Name()] {
			t.Errorf("history/%s is not written by writeHistory (historyWeeks %v): delete it", e.Name(), historyWeeks)
		}
	}
}

// TestHistoryFixes checks the fixes against the current records: each fix
// lands after the oldest snapshot and by historyAsOf, in order; every record
// a fix changes exists now with an update_time no earlier than the fix; the
// update_time a record had before its first fix is before the oldest
// snapshot; and every overlay line is a valid export record that differs
// from the current one.
func TestHistoryFixes(t *testing.T) {
	_, ix := readOrg(t)
	oldest := snapshotTime(historyWeeks[0])
	prev := oldest
	seen := map[string]bool{}
	for _, f := range fixes {
		landed, err := time.Parse(time.RFC3339, f.Landed)
		if err != nil {
			t.Fatalf("fix %q: %v", f.Story, err)
		}
		if !landed.After(prev) || landed.After(historyAsOf) {
			t.Errorf("fix %q lands %s: want after %s (previous fix or oldest snapshot) and by %s", f.Story, f.Landed, prev, historyAsOf)
		}
		prev = landed
		if len(f.Changes) == 0 && f.Deleted == nil {
			t.Errorf("fix %q changes nothing", f.Story)
		}
		for _, c := range f.Changes {
			if (c.Run == nil) == (c.Policy == nil) {
				t.Errorf("fix %q: change of %s needs exactly one of Run and Policy", f.Story, c.Name)
				continue
			}
			kind, _, _ := strings.Cut(c.key(), " ")
			cur, ok := ix[kind][c.Name]
			if !ok {
				t.Errorf("fix %q: no current %s record for %s", f.Story, kind, c.Name)
				continue
			}
			if mustTime(t, cur.UpdateTime).Before(landed) {
				t.Errorf("fix %q: current %s record of %s has update_time %s, before the fix", f.Story, kind, c.Name, cur.UpdateTime)
			}
			first := !seen[c.key()]
			seen[c.key()] = true
			switch {
			case first && c.Was == "":
				t.Errorf("fix %q: %s: first change needs Was", f.Story, c.key())
			case !first && c.Was != "":
				t.Errorf("fix %q: %s: Was belongs on the first change only", f.Story, c.key())
			case first:
				was, err := time.Parse(time.RFC3339, c.Was)
				if err != nil || !was.Before(oldest) {
					t.Errorf("fix %q: %s: Was %s, want before the oldest snapshot %s", f.Story, c.key(), c.Was, oldest)
				}
			}
		}
	}
	for _, weeks := range historyWeeks {
		b, err := history.ReadFile("history/" + historyFile(weeks))
		if err != nil {
			t.Fatal(err)
		}
		at := snapshotTime(weeks)
		current := map[string]bool{}
		for _, name := range []string{"resources.jsonl", "iam_policies.jsonl"} {
			b, err := org.ReadFile("org/" + name)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range bytes.SplitAfter(b, []byte("\n")) {
				current[string(line)] = true
			}
		}
		for _, line := range bytes.SplitAfter(b, []byte("\n")) {
			if len(line) > 0 && current[string(line)] {
				t.Errorf("%s: %s is the same as now", historyFile(weeks), recordName(line))
			}
		}
		for _, r := range readRecords(t, historyFile(weeks), bytes.NewReader(b)) {
			if r.kind() == "ORG_POLICY" {
				t.Errorf("%s: ORG_POLICY record for %s: overlays carry resources and IAM policies only", historyFile(weeks), r.Name)
			}
			if mustTime(t, r.UpdateTime).After(at) {
				t.Errorf("%s: %s %s has update_time %s, after the snapshot (%s)", historyFile(weeks), r.kind(), r.Name, r.UpdateTime, at)
			}
			if cur, ok := ix[r.kind()][r.Name]; ok && !mustTime(t, cur.UpdateTime).After(mustTime(t, r.UpdateTime)) {
				t.Errorf("%s: %s %s has update_time %s, not before the current %s", historyFile(weeks), r.kind(), r.Name, r.UpdateTime, cur.UpdateTime)
			}
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}
