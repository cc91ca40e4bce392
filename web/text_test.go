package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIDParts(t *testing.T) {
	svc := "//run.googleapis.com/projects/p/locations/us-central1/services/s"
	got := idParts("runtime-basic-role on " + svc + ": Remove serviceAccount:a@p.iam.gserviceaccount.com from roles/editor (hash ab)")
	want := []textPart{{Text: "runtime-basic-role on "}, {Text: svc, ID: true}, {Text: ": Remove "},
		{Text: "serviceAccount:a@p.iam.gserviceaccount.com", ID: true}, {Text: " from roles/editor (hash ab)"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("idParts (-want +got):\n%s", diff)
	}
	if got := idParts("no IDs here;  just words"); len(got) != 1 || got[0].Text != "no IDs here;  just words" {
		t.Errorf("plain text = %#v", got)
	}
	if got := idParts("(allUsers)"); len(got) != 3 || !got[1].ID || got[1].Text != "allUsers" {
		t.Errorf("(allUsers) = %#v", got)
	}
}
