package inventory

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Recommendation is one IAM recommender recommendation, reduced to the
// binding it would change (google.iam.policy.Recommender: REMOVE_ROLE,
// REPLACE_ROLE, ...).
type Recommendation struct {
	Name               string   `json:"name"`
	Subtype            string   `json:"subtype"`
	Description        string   `json:"description"`
	State              string   `json:"state"`
	Resource           string   `json:"resource"`   // full name of the resource whose policy changes
	Member             string   `json:"member"`     // the principal whose binding changes
	RemoveRole         string   `json:"removeRole"` // the role it removes, if any
	AddRoles           []string `json:"addRoles"`   // the roles it grants instead, if any
	Condition          string   `json:"condition,omitempty"`
	RevokedPermissions int      `json:"revokedPermissions"` // primaryImpact.securityProjection.details.revokedIamPermissionsCount
	Insights           []string `json:"insights,omitempty"` // names of the associated insights
	Source             Source   `json:"-"`
}

// Insight is one IAM insight: a policy insight (google.iam.policy.Insight,
// which permissions of a binding were used) or a service account insight
// (google.iam.serviceAccount.Insight, when it last authenticated).
type Insight struct {
	Name              string   `json:"name"`
	Type              string   `json:"type"`    // google.iam.policy.Insight, ...
	Subtype           string   `json:"subtype"` // PERMISSIONS_USAGE, SERVICE_ACCOUNT_USAGE, ...
	Description       string   `json:"description"`
	State             string   `json:"state"`
	Resource          string   `json:"resource"` // targetResources[0]
	Member            string   `json:"member,omitempty"`
	Role              string   `json:"role,omitempty"`
	Exercised         []string `json:"exercised,omitempty"`
	Inferred          []string `json:"inferred,omitempty"`
	TotalPermissions  int      `json:"totalPermissions,omitempty"` // currentTotalPermissionsCount (a string in the API)
	Email             string   `json:"email,omitempty"`            // service account insights
	LastAuthenticated string   `json:"lastAuthenticated,omitempty"`
	Source            Source   `json:"-"`
}

// recommenderRecord is a recommendation or insight in gcloud or REST JSON.
type recommenderRecord struct {
	Name               string `json:"name"`
	Description        string `json:"description"`
	RecommenderSubtype string `json:"recommenderSubtype"`
	InsightSubtype     string `json:"insightSubtype"`
	StateInfo          struct {
		State string `json:"state"`
	} `json:"stateInfo"`
	PrimaryImpact struct {
		SecurityProjection struct {
			Details struct {
				RevokedIAMPermissionsCount json.Number `json:"revokedIamPermissionsCount"`
			} `json:"details"`
		} `json:"securityProjection"`
	} `json:"primaryImpact"`
	AssociatedInsights []struct {
		Insight string `json:"insight"`
	} `json:"associatedInsights"`
	TargetResources []string `json:"targetResources"`
	Content         struct {
		// Recommendations.
		OperationGroups []struct {
			Operations []struct {
				Action      string            `json:"action"`
				Resource    string            `json:"resource"`
				Path        string            `json:"path"`
				Value       json.RawMessage   `json:"value"`
				PathFilters map[string]string `json:"pathFilters"`
				PathFilter  map[string]string `json:"pathFilter"` // singular, as some published docs spell it
			} `json:"operations"`
		} `json:"operationGroups"`
		Overview struct {
			Member      string   `json:"member"`
			RemovedRole string   `json:"removedRole"`
			AddedRoles  []string `json:"addedRoles"`
			Resource    string   `json:"resource"`
		} `json:"overview"`
		// Policy insights.
		Role      string `json:"role"`
		Member    string `json:"member"`
		Condition *struct {
			Expression string `json:"expression"`
		} `json:"condition"`
		ExercisedPermissions []struct {
			Permission string `json:"permission"`
		} `json:"exercisedPermissions"`
		InferredPermissions []struct {
			Permission string `json:"permission"`
		} `json:"inferredPermissions"`
		CurrentTotalPermissionsCount json.Number `json:"currentTotalPermissionsCount"`
		// Service account insights.
		Email                 string `json:"email"`
		LastAuthenticatedTime string `json:"lastAuthenticatedTime"`
	} `json:"content"`
}

// isRecommenderName reports whether a record name is a recommender's.
func isRecommenderName(name string) bool {
	return strings.Contains(name, "/recommenders/") || strings.Contains(name, "/insightTypes/")
}

// addRecommender decodes a recommendation or insight record.
func (r *Reader) addRecommender(b []byte, src Source) {
	var rec recommenderRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		r.problem(src, ProblemNotCAI, "recommender record: "+err.Error())
		return
	}
	r.fileOK++
	if rec.InsightSubtype != "" || strings.Contains(rec.Name, "/insightTypes/") {
		r.inv.Insights = append(r.inv.Insights, insightOf(&rec, src))
		return
	}
	rc := Recommendation{Name: rec.Name, Subtype: rec.RecommenderSubtype, Description: rec.Description, State: rec.StateInfo.State, Source: src}
	if n, err := rec.PrimaryImpact.SecurityProjection.Details.RevokedIAMPermissionsCount.Int64(); err == nil {
		rc.RevokedPermissions = int(n)
	}
	for _, a := range rec.AssociatedInsights {
		rc.Insights = append(rc.Insights, a.Insight)
	}
	for _, g := range rec.Content.OperationGroups {
		for _, op := range g.Operations {
			filters := op.PathFilters
			if filters == nil {
				filters = op.PathFilter
			}
			role := filters["/iamPolicy/bindings/*/role"]
			switch op.Action {
			case "remove":
				rc.Resource = op.Resource
				rc.Member = filters["/iamPolicy/bindings/*/members/*"]
				rc.RemoveRole = role
				rc.Condition = filters["/iamPolicy/bindings/*/condition/expression"]
			case "add":
				if rc.Resource == "" {
					rc.Resource = op.Resource
				}
				if role != "" {
					rc.AddRoles = append(rc.AddRoles, role)
				}
				var member string
				if json.Unmarshal(op.Value, &member) == nil && rc.Member == "" {
					rc.Member = member
				}
			}
		}
	}
	// The overview (where present) names the member with its prefix.
	if o := rec.Content.Overview; o.Member != "" {
		rc.Member = o.Member
		if rc.RemoveRole == "" {
			rc.RemoveRole = o.RemovedRole
		}
		if len(rc.AddRoles) == 0 {
			rc.AddRoles = o.AddedRoles
		}
		if rc.Resource == "" {
			rc.Resource = o.Resource
		}
	}
	if rc.Member == "" && rc.RemoveRole == "" {
		r.problem(src, ProblemNotCAI, fmt.Sprintf("recommendation %s changes no IAM binding runlens can read", rec.Name))
		return
	}
	r.inv.Recommendations = append(r.inv.Recommendations, rc)
}

func insightOf(rec *recommenderRecord, src Source) Insight {
	in := Insight{Name: rec.Name, Subtype: rec.InsightSubtype, Description: rec.Description, State: rec.StateInfo.State,
		Member: rec.Content.Member, Role: rec.Content.Role, Email: rec.Content.Email, LastAuthenticated: rec.Content.LastAuthenticatedTime, Source: src}
	if i := strings.Index(rec.Name, "/insightTypes/"); i >= 0 {
		in.Type, _, _ = strings.Cut(rec.Name[i+len("/insightTypes/"):], "/")
	}
	if len(rec.TargetResources) > 0 {
		in.Resource = rec.TargetResources[0]
	}
	for _, p := range rec.Content.ExercisedPermissions {
		in.Exercised = append(in.Exercised, p.Permission)
	}
	for _, p := range rec.Content.InferredPermissions {
		in.Inferred = append(in.Inferred, p.Permission)
	}
	if n, err := strconv.Atoi(rec.Content.CurrentTotalPermissionsCount.String()); err == nil {
		in.TotalPermissions = n
	}
	return in
}
