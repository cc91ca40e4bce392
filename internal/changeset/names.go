package changeset

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/runlens/runlens/internal/inventory"
)

// Resource types of the resources whose IAM policies steps change (CAI asset
// types).
const (
	typeRunService     = inventory.TypeRunService
	typeRunJob         = inventory.TypeRunJob
	typeProject        = inventory.TypeProject
	typeFolder         = inventory.TypeFolder
	typeOrganization   = inventory.TypeOrganization
	typeBucket         = inventory.TypeBucket
	typeSecret         = inventory.TypeSecret
	typeTopic          = inventory.TypeTopic
	typeSubscription   = inventory.TypeSubscription
	typeCryptoKey      = inventory.TypeCryptoKey
	typeKeyRing        = inventory.TypeKeyRing
	typeServiceAccount = inventory.TypeServiceAccount
)

const crm = "//cloudresourcemanager.googleapis.com/"

// ResourceType returns the CAI asset type of a full resource name, or "" when
// the name is not of a type whose IAM policy runlens changes.
func ResourceType(name string) string {
	switch {
	case strings.HasPrefix(name, "//run.googleapis.com/"):
		if seg(name, "services") != "" {
			return typeRunService
		}
		if seg(name, "jobs") != "" {
			return typeRunJob
		}
	case strings.HasPrefix(name, crm+"projects/"):
		return typeProject
	case strings.HasPrefix(name, crm+"folders/"):
		return typeFolder
	case strings.HasPrefix(name, crm+"organizations/"):
		return typeOrganization
	case strings.HasPrefix(name, "//storage.googleapis.com/"):
		return typeBucket
	case strings.HasPrefix(name, "//secretmanager.googleapis.com/") && seg(name, "secrets") != "":
		return typeSecret
	case strings.HasPrefix(name, "//pubsub.googleapis.com/"):
		if seg(name, "topics") != "" {
			return typeTopic
		}
		if seg(name, "subscriptions") != "" {
			return typeSubscription
		}
	case strings.HasPrefix(name, "//cloudkms.googleapis.com/"):
		if seg(name, "cryptoKeys") != "" {
			return typeCryptoKey
		}
		if seg(name, "keyRings") != "" {
			return typeKeyRing
		}
	case strings.HasPrefix(name, "//iam.googleapis.com/") && seg(name, "serviceAccounts") != "":
		return typeServiceAccount
	}
	return ""
}

// seg returns the path segment after key in a resource name.
func seg(name, key string) string { return inventory.NameSegment(name, key) }

// last returns the last path segment of a name.
func last(name string) string { return name[strings.LastIndex(name, "/")+1:] }

// bucketName returns the bucket of //storage.googleapis.com/B (or
// //storage.googleapis.com/projects/_/buckets/B).
func bucketName(name string) string {
	if b := seg(name, "buckets"); b != "" {
		return b
	}
	return strings.TrimPrefix(name, "//storage.googleapis.com/")
}

// runName is a parsed Cloud Run service or job name.
type runName struct {
	Project, Region, Name string
	Job                   bool
}

// parseRunName splits //run.googleapis.com/projects/P/locations/R/{services,jobs}/N.
func parseRunName(name string) (runName, bool) {
	rest, ok := strings.CutPrefix(name, "//run.googleapis.com/")
	if !ok {
		return runName{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 6 || parts[0] != "projects" || parts[2] != "locations" || (parts[4] != "services" && parts[4] != "jobs") {
		return runName{}, false
	}
	r := runName{Project: parts[1], Region: parts[3], Name: parts[5], Job: parts[4] == "jobs"}
	if r.Project == "" || r.Region == "" || r.Name == "" {
		return runName{}, false
	}
	return r, true
}

// serviceAccountResource is the resource name runlens uses for the IAM policy
// of the service account email: //iam.googleapis.com/projects/P/serviceAccounts/EMAIL.
func serviceAccountResource(project, email string) string {
	if project == "" {
		project = "-"
	}
	return "//iam.googleapis.com/projects/" + project + "/serviceAccounts/" + email
}

// emailProject returns the project ID an SA email names
// (NAME@PROJECT.iam.gserviceaccount.com), or "".
func emailProject(email string) string {
	_, domain, ok := strings.Cut(email, "@")
	if !ok || !strings.HasSuffix(domain, ".iam.gserviceaccount.com") || strings.HasPrefix(domain, "gcp-sa-") {
		return ""
	}
	return strings.TrimSuffix(domain, ".iam.gserviceaccount.com")
}

// AccountID derives a valid service account ID from a resource name and a
// suffix ("orders" + "sa" -> "orders-sa"): lowercased, characters other than
// letters, digits and hyphens replaced by hyphens, a letter first, at most 30
// characters (a long base is cut and given a short hash of the full base so
// that distinct names stay distinct), at least 6 ("api" -> "api-run-sa").
func AccountID(base, suffix string) string {
	s := idChars(strings.ToLower(base), false)
	suffix = idChars(strings.ToLower(suffix), false)
	if suffix == "" {
		suffix = "sa"
	}
	if len(suffix) > 10 {
		suffix = strings.Trim(suffix[:10], "-")
	}
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		s = strings.TrimSuffix("run-"+s, "-")
	}
	max := 30 - len(suffix) - 1
	if len(s) > max {
		s = strings.TrimRight(s[:max-5], "-") + "-" + shortHash(base)
	}
	id := s + "-" + suffix
	if len(id) < 6 {
		id = s + "-run-" + suffix
	}
	return id
}

// SecretID derives a valid Secret Manager secret ID (letters, digits, hyphens
// and underscores, at most 255) from a service and an env var name:
// "orders" + "DB_PASSWORD" -> "orders-db_password".
func SecretID(service, env string) string {
	s := idChars(service, true) + "-" + idChars(strings.ToLower(env), true)
	s = strings.Trim(s, "-")
	if s == "" {
		s = "runlens-secret"
	}
	if len(s) > 255 {
		s = s[:240] + "-" + shortHash(service+"\x00"+env)
	}
	return s
}

// idChars keeps [a-z0-9-] (and A-Z, _ when secret), turns runs of anything
// else into one hyphen and trims hyphens at both ends.
func idChars(s string, secret bool) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || secret && (c >= 'A' && c <= 'Z' || c == '_')
		if ok {
			b.WriteByte(c)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:2])
}

// isNumber reports whether s is all digits.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
