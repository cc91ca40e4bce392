package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	recommender "cloud.google.com/go/recommender/apiv1"
	"cloud.google.com/go/recommender/apiv1/recommenderpb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/iterator"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The IAM recommender and insight types ReadRecommender reads (DESIGN §2.3).
const (
	RecommenderIAMPolicy      = "google.iam.policy.Recommender"
	InsightTypeIAMPolicy      = "google.iam.policy.Insight"
	InsightTypeServiceAccount = "google.iam.serviceAccount.Insight"
)

// recommenderLocation is the only location read: the IAM recommendations and
// insights of projects, folders and organizations are global.
const recommenderLocation = "global"

// recommenderList is one List request ReadRecommender makes per parent.
type recommenderList struct {
	collection string // "recommenders" or "insightTypes"
	id         string // RecommenderIAMPolicy, ...
}

// recommenderLists are read for every parent, in this order.
var recommenderLists = []recommenderList{
	{"recommenders", RecommenderIAMPolicy},
	{"insightTypes", InsightTypeIAMPolicy},
	{"insightTypes", InsightTypeServiceAccount},
}

// path is the List parent under a resource: for example
// "projects/p/locations/global/recommenders/google.iam.policy.Recommender".
func (l recommenderList) path(parent string) string {
	return parent + "/locations/" + recommenderLocation + "/" + l.collection + "/" + l.id
}

// what names the list in problems: "google.iam.policy.Recommender
// recommendations" or "google.iam.policy.Insight insights".
func (l recommenderList) what() string {
	if l.collection == "recommenders" {
		return l.id + " recommendations"
	}
	return l.id + " insights"
}

// ReadRecommender reads, through the Recommender API, the recommendations of
// google.iam.policy.Recommender and the insights of google.iam.policy.Insight
// and google.iam.serviceAccount.Insight under every parent
// ("projects/PROJECT", "folders/NUMBER" or "organizations/NUMBER"; location
// global only), and adds them to r's Recommendations and Insights. Each
// record is turned into its JSON form (protojson, camelCase, as the REST API
// and gcloud print it) and decoded by the same code as recommender files, so
// a live record and the same record in a file read alike.
//
// The three lists of a parent are read page by page (opts.PageSize a page)
// with the retry, deadline and progress rules of ReadLive: a page that fails
// with UNAVAILABLE, RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED is fetched again
// after a jittered exponential pause, up to opts.Retry.Attempts times in all,
// each attempt under opts.PageTimeout; opts.Progress is called after every
// page with the parent and the records read from it so far.
//
// A list that cannot be read is a Problem naming the parent and carrying the
// server's message, and the other lists are still read: PERMISSION_DENIED
// (and UNAUTHENTICATED) is ProblemPermissionDenied, giving up after the
// retries is ProblemUnavailable, any other refusal is ProblemAPIError.
// Records already read from a list that fails later are kept.
//
// ReadRecommender returns an error when a parent is malformed (before reading
// anything), when ctx ends, or when not one list could be read.
func (r *Reader) ReadRecommender(ctx context.Context, client *recommender.Client, parents []string, opts LiveOptions) error {
	if len(parents) == 0 {
		return errors.New("inventory: recommender: no parent to read")
	}
	for _, p := range parents {
		if !ValidScope(p) {
			return fmt.Errorf("inventory: recommender: invalid parent %q: want organizations/NUMBER, folders/NUMBER or projects/PROJECT", p)
		}
	}
	opts = opts.withDefaults()
	var (
		succeeded int
		failures  []string
	)
	for _, parent := range parents {
		var read pageCount
		for _, l := range recommenderLists {
			src := Source{File: "live " + l.path(parent)}
			err := r.listRecommender(ctx, client, parent, l, src, opts, &read)
			if err == nil {
				succeeded++
				continue
			}
			if ctx.Err() != nil {
				return fmt.Errorf("inventory: recommender: read %s: %w", parent, context.Cause(ctx))
			}
			ge := classifyRPC(l.what()+" of "+parent, opts.Retry.Attempts, err)
			r.liveProblem(src, ge.kind, ge.msg)
			failures = append(failures, ge.msg)
		}
	}
	if succeeded == 0 {
		return fmt.Errorf("inventory: recommender: nothing could be read: %s", strings.Join(failures, "; "))
	}
	return nil
}

// listRecommender reads every page of one list of one parent into r, adding
// what it reads to *read.
func (r *Reader) listRecommender(ctx context.Context, client *recommender.Client, parent string, l recommenderList, src Source, opts LiveOptions, read *pageCount) error {
	var fetch recommenderPageFunc = recommendationPage
	if l.collection == "insightTypes" {
		fetch = insightPage
	}
	token := ""
	for {
		var (
			msgs []proto.Message
			next string
		)
		err := withRetry(ctx, opts.PageTimeout, opts.Retry, func(ctx context.Context) error {
			var err error
			msgs, next, err = fetch(ctx, client, l.path(parent), token, opts.PageSize)
			return err
		})
		if err != nil {
			return err
		}
		for _, m := range msgs {
			r.inv.Records++
			b, err := protojson.Marshal(m)
			if err != nil {
				r.problem(src, ProblemMalformed, fmt.Sprintf("%s: %v", recommenderRecordName(m), err))
				continue
			}
			r.addRecommender(b, src)
		}
		read.records += len(msgs)
		read.pages++
		if opts.Progress != nil {
			opts.Progress(parent, read.records, read.pages)
		}
		if next == "" {
			return nil
		}
		token = next
	}
}

// recommenderPageFunc makes one attempt at one page of a list: its records
// and the token of the next page, "" at the end.
type recommenderPageFunc func(ctx context.Context, client *recommender.Client, list, token string, size int32) ([]proto.Message, string, error)

// recommendationPage fetches one page of ListRecommendations. As in
// fetchPage, the iterator is used for one page only and its Response is the
// page; the client's own retries are off.
func recommendationPage(ctx context.Context, client *recommender.Client, list, token string, size int32) ([]proto.Message, string, error) {
	it := client.ListRecommendations(ctx, &recommenderpb.ListRecommendationsRequest{Parent: list, PageToken: token, PageSize: size}, noRetry)
	if _, err := it.Next(); err != nil && !errors.Is(err, iterator.Done) {
		return nil, "", err
	}
	resp, _ := it.Response.(*recommenderpb.ListRecommendationsResponse)
	msgs := make([]proto.Message, 0, len(resp.GetRecommendations()))
	for _, m := range resp.GetRecommendations() {
		msgs = append(msgs, m)
	}
	return msgs, resp.GetNextPageToken(), nil
}

// insightPage fetches one page of ListInsights, like recommendationPage.
func insightPage(ctx context.Context, client *recommender.Client, list, token string, size int32) ([]proto.Message, string, error) {
	it := client.ListInsights(ctx, &recommenderpb.ListInsightsRequest{Parent: list, PageToken: token, PageSize: size}, noRetry)
	if _, err := it.Next(); err != nil && !errors.Is(err, iterator.Done) {
		return nil, "", err
	}
	resp, _ := it.Response.(*recommenderpb.ListInsightsResponse)
	msgs := make([]proto.Message, 0, len(resp.GetInsights()))
	for _, m := range resp.GetInsights() {
		msgs = append(msgs, m)
	}
	return msgs, resp.GetNextPageToken(), nil
}

// withRetry calls attempt, each time under a deadline of timeout, until it
// succeeds, fails for good (see retryable), or has been tried
// retry.Attempts times, with an exponential, jittered pause between
// attempts (retry's bounds). Every live read and the BigQuery read sessions
// retry this way.
func withRetry(ctx context.Context, timeout time.Duration, retry RetryPolicy, attempt func(context.Context) error) error {
	bo := gax.Backoff{Initial: retry.Initial, Max: retry.Max, Multiplier: 2}
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		err := attempt(actx)
		cancel()
		if err == nil || n >= retry.Attempts || ctx.Err() != nil || !retryable(err) {
			return err
		}
		if err := gax.Sleep(ctx, bo.Pause()); err != nil {
			return err
		}
	}
}

// recommenderRecordName names a recommendation or insight in problems.
func recommenderRecordName(m proto.Message) string {
	switch m := m.(type) {
	case *recommenderpb.Recommendation:
		return "recommendation " + m.GetName()
	case *recommenderpb.Insight:
		return "insight " + m.GetName()
	}
	return "record"
}
