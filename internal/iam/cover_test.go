package iam

import (
	"slices"
	"testing"
)

// TestCover: the smallest predefined roles of the permissions' own service
// that grant what a workload used, as a person would pick them from the
// real catalog.
func TestCover(t *testing.T) {
	c := MustPredefined()
	tests := []struct {
		name      string
		perms     []string
		want      []string
		uncovered []string
	}{
		{"read objects", []string{"storage.objects.get", "storage.objects.list"}, []string{"roles/storage.objectViewer"}, nil},
		// Viewer and creator (18 permissions) grant less than objectUser (27).
		{"read and write objects", []string{"storage.objects.get", "storage.objects.list", "storage.objects.create"},
			[]string{"roles/storage.objectCreator", "roles/storage.objectViewer"}, nil},
		{"read, write and delete", []string{"storage.objects.get", "storage.objects.list", "storage.objects.create", "storage.objects.delete"},
			[]string{"roles/storage.objectUser"}, nil},
		{"publish", []string{"pubsub.topics.publish"}, []string{"roles/pubsub.publisher"}, nil},
		{"read a secret", []string{"secretmanager.versions.access"}, []string{"roles/secretmanager.secretAccessor"}, nil},
		{"connect to Cloud SQL", []string{"cloudsql.instances.connect", "cloudsql.instances.get"}, []string{"roles/cloudsql.client"}, nil},
		{"encrypt and decrypt", []string{"cloudkms.cryptoKeyVersions.useToEncrypt", "cloudkms.cryptoKeyVersions.useToDecrypt"},
			[]string{"roles/cloudkms.cryptoKeyEncrypterDecrypter"}, nil},
		{"a permission no role grants", []string{"storage.objects.get", "storage.no.such"}, []string{"roles/storage.objectViewer"}, []string{"storage.no.such"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			family := Service(tt.perms[0])
			roles, uncovered, exact := c.Cover(tt.perms, func(r Role) bool { return Family(r.Name) == family })
			var got []string
			for _, r := range roles {
				got = append(got, r.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) || !slices.Equal(uncovered, tt.uncovered) || !exact {
				t.Errorf("Cover(%v) = %v, uncovered %v, exact %v; want %v, uncovered %v", tt.perms, got, uncovered, exact, tt.want, tt.uncovered)
			}
			for _, p := range tt.perms {
				if !slices.Contains(uncovered, p) && !slices.ContainsFunc(roles, func(r Role) bool { return r.Has(p) }) {
					t.Errorf("%s is neither granted nor reported uncovered", p)
				}
			}
		})
	}
}

// TestCoverIsMinimal compares Cover with every pair of candidate roles on
// sets where two roles are needed: none grants fewer permissions in all.
func TestCoverIsMinimal(t *testing.T) {
	c := MustPredefined()
	for _, perms := range [][]string{
		{"storage.objects.get", "pubsub.topics.publish"},
		{"secretmanager.versions.access", "cloudsql.instances.connect"},
		{"logging.logEntries.create", "monitoring.timeSeries.create", "cloudtrace.traces.patch"},
	} {
		roles, uncovered, _ := c.Cover(perms, nil)
		if len(uncovered) > 0 {
			t.Fatalf("Cover(%v) left %v", perms, uncovered)
		}
		cost := 0
		for _, r := range roles {
			cost += len(r.Permissions)
		}
		// Brute force over the GA candidates of the first two permissions.
		idx := c.permIndex()
		for _, a := range idx[perms[0]] {
			for _, b := range idx[perms[1]] {
				ra, rb := c.roles[a], c.roles[b]
				if ra.Stage != "GA" || rb.Stage != "GA" {
					continue
				}
				set := []Role{ra, rb}
				if a == b {
					set = set[:1]
				}
				covers := true
				total := 0
				for _, r := range set {
					total += len(r.Permissions)
				}
				for _, p := range perms {
					if !slices.ContainsFunc(set, func(r Role) bool { return r.Has(p) }) {
						covers = false
					}
				}
				if covers && total < cost {
					t.Errorf("Cover(%v) costs %d permissions, but %s+%s cost %d", perms, cost, a, b, total)
				}
			}
		}
	}
}
