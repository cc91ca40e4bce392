package inventory

import (
	"strings"
	"testing"
)

func TestEnvValuesAreRedactedAtRead(t *testing.T) {
	in := `{"name":"//run.googleapis.com/projects/p/locations/r/services/s","asset_type":"run.googleapis.com/Service","resource":{"version":"v2","data":{"template":{"containers":[{"image":"x","env":[{"name":"DB_PASSWORD","value":"hunter2"},{"name":"OUT","value":"gs://reports-bucket/daily"},{"name":"TOPIC","value":"projects/p/topics/jobs"},{"name":"REF","valueSource":{"secretKeyRef":{"secret":"s","version":"1"}}}]}]}}}}
{"name":"//run.googleapis.com/projects/p/locations/r/services/v1","asset_type":"run.googleapis.com/Service","resource":{"version":"v1","data":{"apiVersion":"serving.knative.dev/v1","metadata":{"name":"v1","namespace":"1"},"spec":{"template":{"spec":{"containers":[{"image":"x","env":[{"name":"API_KEY","value":"sk-live-123"}]}]}}}}}}
{"name":"//run.googleapis.com/projects/p/locations/r/services/escaped","asset_type":"run.googleapis.com/Service","resource":{"version":"v2","data":{"template":{"containers":[{"image":"x","\u0065nv":[{"name":"A","\u0076alue":"escaped-secret"}]},{"image":"y","env":[{"name":"B","value":"dup-1","value":"dup-2"}]}]}}}}`
	r := NewReader()
	if err := r.Read("env.jsonl", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	for _, a := range inv.Assets {
		for _, secret := range []string{"hunter2", "sk-live-123", "daily", "escaped-secret", "dup-1", "dup-2"} {
			if strings.Contains(string(a.Data), secret) {
				t.Errorf("%s keeps %q in its data: %s", a.Name, secret, a.Data)
			}
		}
	}
	if len(inv.Assets) != 3 || len(inv.Problems) != 0 {
		t.Fatalf("read %s: %v", inv.Summary(), inv.Problems)
	}
	w, err := DecodeWorkload(inv.Assets[1])
	if err != nil {
		t.Fatal(err)
	}
	if b, tp := w.RefsOf(RefBucket), w.RefsOf(RefTopic); len(b) != 1 || b[0].Value != "reports-bucket" || len(tp) != 1 || tp[0].Value != "projects/p/topics/jobs" {
		t.Errorf("references lost: %v", w.Refs)
	}
	literal := map[string]bool{}
	for _, e := range w.Containers[0].Env {
		literal[e.Name] = e.Literal
	}
	if !literal["DB_PASSWORD"] || literal["REF"] {
		t.Errorf("literal flags = %v", literal)
	}
}

// TestArgsAreRedactedAtRead: a container's arguments are redacted like env
// values (they carry secrets as well: --password=…), keeping bare flags and
// flag names, and the references they name still reach the workload.
func TestArgsAreRedactedAtRead(t *testing.T) {
	in := `{"name":"//run.googleapis.com/projects/p/locations/r/services/s","asset_type":"run.googleapis.com/Service","resource":{"version":"v2","data":{"template":{"containers":[{"image":"x","args":["--password=hunter2secret","--bucket=media-in","serve","-v","gs://out-bucket/x",7]}]}}}}
{"name":"//run.googleapis.com/projects/p/locations/r/services/k","asset_type":"run.googleapis.com/Service","resource":{"version":"v1","data":{"apiVersion":"serving.knative.dev/v1","metadata":{"name":"k","namespace":"1"},"spec":{"template":{"spec":{"containers":[{"image":"x","\u0061rgs":["--token","ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]}]}}}}}}`
	r := NewReader()
	if err := r.Read("args.jsonl", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	inv := r.Inventory()
	if len(inv.Assets) != 2 || len(inv.Problems) != 0 {
		t.Fatalf("read %s: %v", inv.Summary(), inv.Problems)
	}
	for _, a := range inv.Assets {
		for _, secret := range []string{"hunter2secret", "media-in", "ghp_aaaa", "serve"} {
			if strings.Contains(string(a.Data), secret) {
				t.Errorf("%s keeps %q in its data: %s", a.Name, secret, a.Data)
			}
		}
	}
	var s *Asset
	for _, a := range inv.Assets {
		if strings.HasSuffix(a.Name, "/services/s") {
			s = a
		}
	}
	data := string(s.Data)
	for _, kept := range []string{`"--password=runlens:redacted"`, `"-v"`, `"--bucket=runlens:redacted #name=` + NameHash("media-in") + `"`, `gs://out-bucket`, `,7]`} {
		if !strings.Contains(data, kept) {
			t.Errorf("redacted args lack %s: %s", kept, data)
		}
	}
	w, err := DecodeWorkload(s)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ref := range w.Refs {
		got = append(got, string(ref.Kind)+" "+ref.Value+" ("+ref.Field+")")
	}
	want := []string{"bucket out-bucket (args)", "name " + NameHash("media-in") + " (args)", "name " + NameHash("serve") + " (args)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("refs from redacted args = %q, want %q", got, want)
	}
	// Redacting what was redacted changes nothing.
	again, err := redactEnv(s.Data)
	if err != nil || string(again) != data {
		t.Errorf("redacting again: %v\n%s\n%s", err, again, data)
	}
}
