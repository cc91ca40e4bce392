package inventory

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// recommenderDir holds verbatim copies of the published recommender samples
// (see its README).
var recommenderDir = filepath.Join("testdata", "recommender")

// recProblem is the part of a Problem a recommender file test checks.
type recProblem struct {
	Kind ProblemKind
	Line int
}

// TestReadRecommenderFiles reads every published recommender sample on its
// own and checks each recommendation and insight it yields, with the line
// it came from.
func TestReadRecommenderFiles(t *testing.T) {
	const (
		removeRole = "recommendation_REMOVE_ROLE_gcloud-list__docs-review-apply-role-recommendations.json"
		bigQuery   = "recommendation_REMOVE_ROLE_BIGQUERY_DATASET_gcloud-list__docs-review-apply-role-recommendations-datasets.json"
		replace    = "recommendation_REPLACE_ROLE_applied-result__docs-secops-google-cloud-recommender.json"
		policy     = "insight_google.iam.policy.Insight_PERMISSIONS_USAGE_rest-list__docs-policy-insights.json"
		buckets    = "insight_google.iam.policy.Insight_PERMISSIONS_USAGE_STORAGE_BUCKET_rest-list__docs-policy-insights-buckets.json"
		saUsage    = "insight_google.iam.serviceAccount.Insight_SERVICE_ACCOUNT_USAGE_rest-list__docs-service-account-insights.json"
		lateral    = "insight_google.iam.policy.LateralMovementInsight_CROSS_PROJECT_IMPERSONATION_rest-list__docs-lateral-movement-insights.INVALID-JSON-AS-PUBLISHED.txt"

		unused    = "This role has not been used during the observation window."
		replaceBy = "Replace the current role with a smaller role to cover the permissions needed."
		project   = "//cloudresourcemanager.googleapis.com/projects/123456789012"
		dataset   = "//bigquery.googleapis.com/projects/my-project/datasets/dataset-1"
		placehold = "//cloudresourcemanager.googleapis.com/projects/ PROJECT_ID "
	)
	type recCase struct {
		file            string
		readAs          string // the name Read is given; the file name if empty
		recommendations []Recommendation
		insights        []Insight
		problems        []recProblem
		records         int
	}
	tests := []recCase{
		{
			// The docs spell the filters "pathFilter", singular.
			file: removeRole,
			recommendations: []Recommendation{{
				Name:        "projects/123456789012/locations/global/recommenders/google.iam.policy.Recommender/recommendations/fb927dc1-9695-4436-0000-f0f285007c0f",
				Subtype:     "REMOVE_ROLE",
				Description: unused, State: "ACTIVE",
				Resource:   "//cloudresourcemanager.googleapis.com/projects/example-project",
				Member:     "serviceAccount:id-1234567890@example-project.iam.gserviceaccount.com",
				RemoveRole: "roles/compute.admin", RevokedPermissions: 708,
				Insights: []string{"projects/123456789012/locations/global/insightTypes/google.iam.policy.Insight/insights/279ef748-408f-44db-9a4a-1ff8865b9839"},
				Source:   Source{Line: 2},
			}},
			records: 1,
		},
		{
			file: bigQuery,
			recommendations: []Recommendation{
				{
					Name:        "projects/1069248613794/locations/us/recommenders/google.iam.policy.Recommender/recommendations/0e9831fe-6810-476b-b14d-2b64bda17288",
					Subtype:     "REMOVE_ROLE_BIGQUERY_DATASET",
					Description: unused, State: "ACTIVE", Resource: dataset,
					Member: "projectEditor:my-project", RemoveRole: "roles/bigquery.dataEditor", RevokedPermissions: 37,
					Insights: []string{"projects/1069248613794/locations/us/insightTypes/google.iam.policy.Insight/insights/984eccca-0241-472f-baab-2557dd0d7282"},
					Source:   Source{Line: 2},
				},
				{
					Name:        "projects/1069248613794/locations/us/recommenders/google.iam.policy.Recommender/recommendations/56013294-cf81-402a-8cde-25489545777c",
					Subtype:     "REMOVE_ROLE_BIGQUERY_DATASET",
					Description: unused, State: "ACTIVE", Resource: dataset,
					Member: "user:alicexz@google.com", RemoveRole: "roles/bigquery.dataOwner", RevokedPermissions: 64,
					Insights: []string{"projects/1069248613794/locations/us/insightTypes/google.iam.policy.Insight/insights/9d11057e-9c71-410f-ad55-fc82d87761d0"},
					Source:   Source{Line: 55},
				},
			},
			records: 2,
		},
		{
			// An applied-result wrapper; the overview's member (with its
			// "user:" prefix) wins over the operations' bare value.
			file: replace,
			recommendations: []Recommendation{
				{
					Name:        "projects/ PROJECT_ID /locations/global/recommenders/google.iam.policy.Recommender/recommendations/217d3019-bae5-4a52-9968-787fdd546a53",
					Subtype:     "REPLACE_ROLE",
					Description: replaceBy, State: "SUCCEEDED", Resource: placehold,
					Member: "user: USER_ID @example.com", RemoveRole: "roles/compute.admin", AddRoles: []string{"roles/compute.instanceAdmin"},
					RevokedPermissions: 610,
					Insights:           []string{"projects/ PROJECT_ID /locations/global/insightTypes/google.iam.policy.Insight/insights/ INSIGHT_ID "},
					Source:             Source{Line: 1},
				},
				{
					Name:        "projects/ PROJECT_ID /locations/global/recommenders/google.iam.policy.Recommender/recommendations/ RECOMMENDATION_ID ",
					Subtype:     "REPLACE_ROLE",
					Description: replaceBy, State: "SUCCEEDED", Resource: placehold,
					Member: "user: USER_ID @example.com", RemoveRole: "roles/storage.admin", AddRoles: []string{"roles/storage.objectAdmin"},
					RevokedPermissions: 19,
					Insights:           []string{"projects/ PROJECT_ID /locations/global/insightTypes/google.iam.policy.Insight/insights/ INSIGHT_ID "},
					Source:             Source{Line: 1},
				},
			},
			records: 2,
		},
		{
			file: policy,
			insights: []Insight{
				{
					Name: "projects/123456789012/locations/global/insightTypes/google.iam.policy.Insight/insights/07841f74-02ce-4de8-bbe6-fc4eabb68568",
					Type: InsightTypeIAMPolicy, Subtype: "PERMISSIONS_USAGE",
					Description: "0 of the permissions in this role binding were used in the past 90 days.", State: "ACTIVE", Resource: project,
					Member: "serviceAccount:my-service-account@my-project.iam.gserviceaccount.com", Role: "roles/viewer",
					Source: Source{Line: 1},
				},
				{
					Name: "projects/123456789012/locations/global/insightTypes/google.iam.policy.Insight/insights/f4292f55-105b-4744-9dc3-fcacf59685bb",
					Type: InsightTypeIAMPolicy, Subtype: "PERMISSIONS_USAGE",
					Description: "4 of the permissions in this role binding were used in the past 90 days.", State: "ACTIVE", Resource: project,
					Member: "serviceAccount:my-service-account2@my-project.iam.gserviceaccount.com", Role: "roles/owner",
					Exercised: []string{"iam.roles.create", "iam.roles.delete", "iam.roles.list", "iam.roles.update"},
					Source:    Source{Line: 1},
				},
			},
			records: 2,
		},
		{
			file: buckets,
			insights: []Insight{
				{
					Name: "projects/123456789012/locations/us/insightTypes/google.iam.policy.Insight/insights/00dd7eb5-15c2-4fb3-a9b2-1a85f842462b",
					Type: InsightTypeIAMPolicy, Subtype: "PERMISSIONS_USAGE_STORAGE_BUCKET",
					Description: "2 of the permissions in this role binding were used in the past 90 days.", State: "ACTIVE",
					Resource: "//storage.googleapis.com/bucket-1", Member: "allUsers", Role: "roles/storage.legacyBucketReader",
					Exercised: []string{"storage.buckets.get", "storage.objects.list"}, TotalPermissions: 3,
					Source: Source{Line: 1},
				},
				{
					Name: "projects/123456789012/locations/us/insightTypes/google.iam.policy.Insight/insights/04307297-f57c-416d-9323-38abac450db0",
					Type: InsightTypeIAMPolicy, Subtype: "PERMISSIONS_USAGE_STORAGE_BUCKET",
					Description: "2 of the permissions in this role binding were used in the past 90 days.", State: "ACTIVE",
					Resource: "//storage.googleapis.com/bucket-2", Member: "projectViewer:my-project", Role: "roles/storage.legacyBucketReader",
					Exercised: []string{"storage.buckets.get", "storage.objects.list"}, TotalPermissions: 3,
					Source: Source{Line: 1},
				},
			},
			records: 2,
		},
		{
			file: saUsage,
			insights: []Insight{
				{
					Name: "projects/123456789012/locations/global/insightTypes/google.iam.serviceAccount.Insight/insights/446303ba-2a14-49cc-b9fa-e2d2499d4f82",
					Type: InsightTypeServiceAccount, Subtype: "SERVICE_ACCOUNT_USAGE",
					Description: "Service account sa-1@my-project.iam.gserviceaccount.com was inactive.", State: "ACTIVE", Resource: project,
					Email: "sa-1@my-project.iam.gserviceaccount.com", LastAuthenticated: "2020-09-11T07:00:00Z",
					Source: Source{Line: 1},
				},
				{
					// Never authenticated in the observation period.
					Name: "projects/123456789012/locations/global/insightTypes/google.iam.serviceAccount.Insight/insights/4cfd82c3-7320-4dc6-9b67-ca0756bbd54c",
					Type: InsightTypeServiceAccount, Subtype: "SERVICE_ACCOUNT_USAGE",
					Description: "Service account sa-2@my-project.iam.gserviceaccount.com was inactive.", State: "ACTIVE", Resource: project,
					Email:  "sa-2@my-project.iam.gserviceaccount.com",
					Source: Source{Line: 1},
				},
			},
			records: 2,
		},
		{
			// Published without the comma after "iam.serviceAccounts.actAs"
			// (line 29): the error is at the next key, on line 30, and
			// nothing of the list can be used.
			file:     lateral,
			readAs:   "lateral-movement-insights.json",
			problems: []recProblem{{ProblemMalformed, 30}},
		},
	}

	// Every sample in the directory is covered.
	entries, err := os.ReadDir(recommenderDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "README.md" && !slices.ContainsFunc(tests, func(tc recCase) bool { return tc.file == e.Name() }) {
			t.Errorf("%s is not covered by this test", e.Name())
		}
	}

	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			name := tc.readAs
			if name == "" {
				name = filepath.Join(recommenderDir, tc.file)
			}
			f, err := os.Open(filepath.Join(recommenderDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r := NewReader()
			if err := r.Read(name, f); err != nil {
				t.Fatalf("Read(%s) = %v, want nil", name, err)
			}
			inv := r.Inventory()

			for i := range tc.recommendations {
				tc.recommendations[i].Source.File = name
			}
			for i := range tc.insights {
				tc.insights[i].Source.File = name
			}
			// A REMOVE_ROLE's overview says "addedRoles": [].
			if diff := cmp.Diff(tc.recommendations, inv.Recommendations, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Read(%s) Recommendations mismatch (-want +got):\n%s", name, diff)
			}
			if diff := cmp.Diff(tc.insights, inv.Insights, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Read(%s) Insights mismatch (-want +got):\n%s", name, diff)
			}
			var problems []recProblem
			for _, p := range inv.Problems {
				problems = append(problems, recProblem{p.Kind, p.Source.Line})
				if p.Source.File != name || p.Msg == "" {
					t.Errorf("problem %q does not name %s or says nothing", p, name)
				}
			}
			if diff := cmp.Diff(tc.problems, problems); diff != "" {
				t.Errorf("Read(%s) problems mismatch (-want +got):\n%s\nproblems: %q", name, diff, inv.Problems)
			}
			if inv.Records != tc.records || len(inv.Assets) != 0 {
				t.Errorf("Read(%s) Records = %d, assets = %d, want %d, 0", name, inv.Records, len(inv.Assets), tc.records)
			}
		})
	}
}

// TestReadRecommenderDirectory reads the samples as a directory: the six
// JSON files give their records and the .txt (and README) are not read.
func TestReadRecommenderDirectory(t *testing.T) {
	inv, err := ReadPaths(recommenderDir)
	if err != nil {
		t.Fatalf("ReadPaths(%s) = %v", recommenderDir, err)
	}
	if len(inv.Problems) != 0 {
		t.Errorf("ReadPaths(%s) problems = %q, want none", recommenderDir, inv.Problems)
	}
	if got, want := len(inv.Recommendations), 5; got != want {
		t.Errorf("ReadPaths(%s) = %d recommendations, want %d", recommenderDir, got, want)
	}
	if got, want := len(inv.Insights), 6; got != want {
		t.Errorf("ReadPaths(%s) = %d insights, want %d", recommenderDir, got, want)
	}
	if inv.Records != 11 || inv.Skipped != 0 {
		t.Errorf("ReadPaths(%s) Records, Skipped = %d, %d, want 11, 0", recommenderDir, inv.Records, inv.Skipped)
	}
}

// TestReadRecommenderRecords covers record shapes the samples do not: a
// conditional binding, a total permission count written as a number, a
// recommendation that changes no binding, and a record of the wrong shape.
func TestReadRecommenderRecords(t *testing.T) {
	tests := []struct {
		name            string
		input           string
		recommendations []Recommendation
		insights        []Insight
		problems        []recProblem
	}{
		{
			name: "conditional binding, plural pathFilters, one line",
			input: `{"name":"projects/1/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r1","recommenderSubtype":"REMOVE_ROLE","stateInfo":{"state":"ACTIVE"},` +
				`"content":{"operationGroups":[{"operations":[{"action":"remove","resource":"//cloudresourcemanager.googleapis.com/projects/p","path":"/iamPolicy/bindings/*/members/*",` +
				`"pathFilters":{"/iamPolicy/bindings/*/condition/expression":"request.time < timestamp(\"2030-01-01T00:00:00Z\")","/iamPolicy/bindings/*/members/*":"group:eng@example.com","/iamPolicy/bindings/*/role":"roles/run.invoker"}}]}]}}`,
			recommendations: []Recommendation{{
				Name: "projects/1/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r1", Subtype: "REMOVE_ROLE", State: "ACTIVE",
				Resource: "//cloudresourcemanager.googleapis.com/projects/p", Member: "group:eng@example.com", RemoveRole: "roles/run.invoker",
				Condition: `request.time < timestamp("2030-01-01T00:00:00Z")`, Source: Source{File: "in.jsonl", Line: 1},
			}},
		},
		{
			name: "count as a number",
			input: `{"name":"projects/1/locations/global/insightTypes/google.iam.policy.Insight/insights/i1","insightSubtype":"PERMISSIONS_USAGE",` +
				`"content":{"role":"roles/run.admin","member":"user:a@example.com","currentTotalPermissionsCount":43}}`,
			insights: []Insight{{
				Name: "projects/1/locations/global/insightTypes/google.iam.policy.Insight/insights/i1", Type: InsightTypeIAMPolicy, Subtype: "PERMISSIONS_USAGE",
				Role: "roles/run.admin", Member: "user:a@example.com", TotalPermissions: 43, Source: Source{File: "in.jsonl", Line: 1},
			}},
		},
		{
			name: "changes no binding",
			input: `{"name":"projects/1/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r2","recommenderSubtype":"REMOVE_ROLE",` +
				`"content":{"operationGroups":[{"operations":[{"action":"test","path":"/etag","value":"BwX"}]}]}}`,
			problems: []recProblem{{ProblemNotCAI, 1}},
		},
		{
			name:     "wrong shape",
			input:    `{"name":"projects/1/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r3","recommenderSubtype":"REMOVE_ROLE","content":{"operationGroups":"none"}}`,
			problems: []recProblem{{ProblemNotCAI, 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader()
			if err := r.Read("in.jsonl", strings.NewReader(tc.input)); err != nil {
				t.Fatalf("Read(%s) = %v, want nil", tc.input, err)
			}
			inv := r.Inventory()
			if diff := cmp.Diff(tc.recommendations, inv.Recommendations, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Recommendations mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.insights, inv.Insights, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Insights mismatch (-want +got):\n%s", diff)
			}
			var problems []recProblem
			for _, p := range inv.Problems {
				problems = append(problems, recProblem{p.Kind, p.Source.Line})
			}
			if diff := cmp.Diff(tc.problems, problems); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s\nproblems: %q", diff, inv.Problems)
			}
		})
	}
}
