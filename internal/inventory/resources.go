package inventory

import (
	"fmt"
	"strings"
)

// The typed views below decode only the fields runlens needs from an asset's
// resource.data. Each keeps nothing secret.

// Project is a cloudresourcemanager.googleapis.com/Project.
type Project struct {
	ProjectID     string            `json:"projectId"`
	ProjectNumber string            `json:"projectNumber"`
	DisplayName   string            `json:"name"`
	Labels        map[string]string `json:"labels"`
	Parent        struct {
		Type string `json:"type"` // "folder" or "organization"
		ID   string `json:"id"`
	} `json:"parent"`
	LifecycleState string `json:"lifecycleState"`

	// BinAuthz is the project's Binary Authorization policy, joined in when
	// the graph is built; nil when the inventory has none.
	BinAuthz *BinAuthzPolicy `json:"-"`
}

// Folder is a cloudresourcemanager.googleapis.com/Folder.
type Folder struct {
	Name        string `json:"name"`   // "folders/N"
	Parent      string `json:"parent"` // "folders/N" or "organizations/N"
	DisplayName string `json:"displayName"`
}

// Organization is a cloudresourcemanager.googleapis.com/Organization.
type Organization struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

// ServiceAccount is an iam.googleapis.com/ServiceAccount.
type ServiceAccount struct {
	Email       string `json:"email"`
	UniqueID    string `json:"uniqueId"`
	ProjectID   string `json:"projectId"`
	DisplayName string `json:"displayName"`
	Disabled    bool   `json:"disabled"`

	// Keys are the account's keys, joined in when the graph is built.
	Keys []ServiceAccountKey `json:"-"`
}

// ServiceAccountKey is an iam.googleapis.com/ServiceAccountKey. Key material
// is never in CAI and never read.
type ServiceAccountKey struct {
	Name            string `json:"-"`       // CAI name of the key
	KeyType         string `json:"keyType"` // USER_MANAGED or SYSTEM_MANAGED
	Disabled        bool   `json:"disabled"`
	ValidAfterTime  string `json:"validAfterTime"`
	ValidBeforeTime string `json:"validBeforeTime"`
}

// Subscription is a pubsub.googleapis.com/Subscription.
type Subscription struct {
	Topic      string `json:"topic"`
	PushConfig *struct {
		PushEndpoint string `json:"pushEndpoint"`
		OIDCToken    *struct {
			ServiceAccountEmail string `json:"serviceAccountEmail"`
			Audience            string `json:"audience"`
		} `json:"oidcToken"`
	} `json:"pushConfig"`
}

// Trigger is an eventarc.googleapis.com/Trigger.
type Trigger struct {
	ServiceAccount string `json:"serviceAccount"`
	Destination    struct {
		CloudRun *struct {
			Service string `json:"service"`
			Region  string `json:"region"`
			Path    string `json:"path"`
		} `json:"cloudRun"`
	} `json:"destination"`
	EventFilters []struct {
		Attribute string `json:"attribute"`
		Value     string `json:"value"`
	} `json:"eventFilters"`
}

// SchedulerJob is a cloudscheduler.googleapis.com/Job.
type SchedulerJob struct {
	Schedule   string `json:"schedule"`
	HTTPTarget *struct {
		URI        string `json:"uri"`
		HTTPMethod string `json:"httpMethod"`
		OIDCToken  *struct {
			ServiceAccountEmail string `json:"serviceAccountEmail"`
			Audience            string `json:"audience"`
		} `json:"oidcToken"`
		OAuthToken *struct {
			ServiceAccountEmail string `json:"serviceAccountEmail"`
		} `json:"oauthToken"`
	} `json:"httpTarget"`
}

// Bucket is a storage.googleapis.com/Bucket.
type Bucket struct {
	Name             string `json:"name"`
	IAMConfiguration struct {
		UniformBucketLevelAccess struct {
			Enabled bool `json:"enabled"`
		} `json:"uniformBucketLevelAccess"`
		BucketPolicyOnly struct {
			Enabled bool `json:"enabled"`
		} `json:"bucketPolicyOnly"`
		PublicAccessPrevention string `json:"publicAccessPrevention"`
	} `json:"iamConfiguration"`
}

// Uniform reports whether uniform bucket-level access is on (under its
// current name or the older bucketPolicyOnly).
func (b *Bucket) Uniform() bool {
	return b.IAMConfiguration.UniformBucketLevelAccess.Enabled || b.IAMConfiguration.BucketPolicyOnly.Enabled
}

// SQLInstance is a sqladmin.googleapis.com/Instance.
type SQLInstance struct {
	Name           string `json:"name"`
	Project        string `json:"project"`
	ConnectionName string `json:"connectionName"`
	Settings       struct {
		IPConfiguration struct {
			IPv4Enabled        bool `json:"ipv4Enabled"`
			AuthorizedNetworks []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"authorizedNetworks"`
		} `json:"ipConfiguration"`
	} `json:"settings"`
}

// BackendService is a compute.googleapis.com/BackendService.
type BackendService struct {
	Name string `json:"name"`
	IAP  *struct {
		Enabled bool `json:"enabled"`
	} `json:"iap"`
	Backends []struct {
		Group string `json:"group"` // NEG URL
	} `json:"backends"`
}

// NEG is a compute.googleapis.com/NetworkEndpointGroup.
type NEG struct {
	Name     string `json:"name"`
	SelfLink string `json:"selfLink"`
	Region   string `json:"region"`
	CloudRun *struct {
		Service string `json:"service"`
		Tag     string `json:"tag"`
	} `json:"cloudRun"`
}

// BinAuthzPolicy is a binaryauthorization.googleapis.com/Policy.
type BinAuthzPolicy struct {
	GlobalPolicyEvaluationMode string `json:"globalPolicyEvaluationMode"`
	DefaultAdmissionRule       struct {
		EvaluationMode  string `json:"evaluationMode"`  // ALWAYS_ALLOW, REQUIRE_ATTESTATION, ALWAYS_DENY
		EnforcementMode string `json:"enforcementMode"` // ENFORCED_BLOCK_AND_AUDIT_LOG, DRYRUN_AUDIT_LOG_ONLY
	} `json:"defaultAdmissionRule"`
}

// CustomRole is an iam.googleapis.com/Role.
type CustomRole struct {
	Name                string   `json:"name"`
	Title               string   `json:"title"`
	IncludedPermissions []string `json:"includedPermissions"`
}

// Decode decodes the asset's resource.data into v (one of the views above).
func (a *Asset) Decode(v any) error {
	if len(a.Data) == 0 {
		return fmt.Errorf("inventory: %s has no resource record", a.Name)
	}
	if err := unmarshal(a.Data, v); err != nil {
		return fmt.Errorf("inventory: %s (%s) at %s: %w", a.Name, a.Type, a.Source, err)
	}
	return nil
}

// NameSegment returns the value after key in a resource name
// ("projects" in //run.googleapis.com/projects/p/... gives "p").
func NameSegment(name, key string) string {
	parts := strings.Split(name, "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == key {
			return parts[i+1]
		}
	}
	return ""
}
