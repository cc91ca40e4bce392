package scan_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/runlens/runlens/internal/iam"
	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/rules"
	"github.com/runlens/runlens/internal/scan"
)

// hostileInventory is a project whose public Cloud Run service, its env var,
// its runtime identity (an editor of the project) and its labels carry
// terminal control sequences in their names, plus a record that is only a
// name, which the reader reports as a problem quoting it.
const hostileInventory = `{"name":"//cloudresourcemanager.googleapis.com/projects/111","asset_type":"cloudresourcemanager.googleapis.com/Project","resource":{"version":"v1","parent":"//cloudresourcemanager.googleapis.com/organizations/1","data":{"projectNumber":"111","projectId":"acme-prod","lifecycleState":"ACTIVE","name":"Acme\u001b]0;pwned\u0007","labels":{"team":"web\u001b[8m"}}},"ancestors":["projects/111","organizations/1"]}
{"name":"//cloudresourcemanager.googleapis.com/projects/111","asset_type":"cloudresourcemanager.googleapis.com/Project","iam_policy":{"bindings":[{"role":"roles/editor","members":["serviceAccount:run\u001b[2K@acme-prod.iam.gserviceaccount.com"]}]},"ancestors":["projects/111","organizations/1"]}
{"name":"//run.googleapis.com/projects/acme-prod/locations/us-central1/services/web\u001b[2J\u001b[H","asset_type":"run.googleapis.com/Service","resource":{"version":"v2","parent":"//cloudresourcemanager.googleapis.com/projects/111","data":{"name":"projects/acme-prod/locations/us-central1/services/web\u001b[2J\u001b[H","labels":{"team":"web\u001b[8m"},"ingress":"INGRESS_TRAFFIC_ALL","template":{"serviceAccount":"run\u001b[2K@acme-prod.iam.gserviceaccount.com","containers":[{"image":"us-docker.pkg.dev/acme-prod/web/web:latest","env":[{"name":"API_KEY\r\n[critical] forged","value":"sk_live_0123456789abcdefghijklmnopqrstuvwx"}]}]}},"location":"us-central1"},"ancestors":["projects/111","organizations/1"]}
{"name":"//run.googleapis.com/projects/acme-prod/locations/us-central1/services/web\u001b[2J\u001b[H","asset_type":"run.googleapis.com/Service","iam_policy":{"bindings":[{"role":"roles/run.invoker","members":["allUsers","user:eve\u009b2J@example.com"]}]},"ancestors":["projects/111","organizations/1"]}
{"name":"//run.googleapis.com/projects/acme-prod/locations/us-central1/services/only-a-name\u001b[1A","asset_type":"run.googleapis.com/Service","ancestors":["projects/111","organizations/1"]}
`

// The text report escapes every control character of a name: none reaches
// the terminal, so a crafted name cannot clear the screen, move the cursor,
// retitle the window or forge a line.
func TestTextReportEscapesControls(t *testing.T) {
	r := inventory.NewReader()
	if err := r.Read("hostile.jsonl", strings.NewReader(hostileInventory)); err != nil {
		t.Fatal(err)
	}
	rep := scan.Run(r.Inventory(), iam.MustPredefined(), rules.All(), time.Now(), nil)
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for i, r := range text {
		if r != '\n' && (r < 0x20 || 0x7f <= r && r <= 0x9f) {
			t.Fatalf("text report holds control %U at byte %d: %q", r, i, text[max(0, i-60):min(len(text), i+60)])
		}
	}
	for _, want := range []string{`web\x1b[2J\x1b[H`, `run\x1b[2`, `only-a-name\x1b[1A`} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks the escaped name %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\n[critical] forged") {
		t.Errorf("a name forged a line of the report:\n%s", text)
	}
}
