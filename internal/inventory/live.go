package inventory

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	asset "cloud.google.com/go/asset/apiv1"
	"cloud.google.com/go/asset/apiv1/assetpb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
)

// ProblemAPIError is a live request the API refused for a reason other than
// permissions or availability (an invalid argument, a scope that does not
// exist): the part of the scope it covers was not read.
const ProblemAPIError ProblemKind = "api-error"

// Defaults for the zero values of LiveOptions and RetryPolicy.
const (
	defaultPageSize     int32 = 500
	defaultPageTimeout        = 60 * time.Second
	defaultAttempts           = 5
	defaultRetryInitial       = time.Second
	defaultRetryMax           = 30 * time.Second
)

// liveContentTypes are read for every scope, one ListAssets request each:
// ListAssets takes one content type per request.
var liveContentTypes = []assetpb.ContentType{
	assetpb.ContentType_RESOURCE,
	assetpb.ContentType_IAM_POLICY,
	assetpb.ContentType_ORG_POLICY,
}

// LiveOptions tunes ReadLive. The zero value reads with the defaults.
type LiveOptions struct {
	// PageSize is the number of assets asked for per page; 0 means 500.
	// The server may return fewer.
	PageSize int32
	// PageTimeout bounds each attempt at fetching one page; 0 means 60s.
	// An attempt that runs out of time is retried.
	PageTimeout time.Duration
	// Progress, if set, is called after every page with the scope and the
	// numbers of records and pages read from that scope so far (all content
	// types).
	Progress func(scope string, records, pages int)
	// Retry says how often and how patiently a page is fetched again after
	// UNAVAILABLE, RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED.
	Retry RetryPolicy
}

// RetryPolicy bounds the retries of one page fetch. The pause before retry n
// is drawn at random from (0, min(Initial*2^(n-1), Max)]. Zero fields take
// the defaults.
type RetryPolicy struct {
	Attempts int           // tries per page, the first included; 0 means 5
	Initial  time.Duration // bound on the first pause; 0 means 1s
	Max      time.Duration // bound on any pause; 0 means 30s (or Initial, if larger)
}

func (o LiveOptions) withDefaults() LiveOptions {
	if o.PageSize <= 0 {
		o.PageSize = defaultPageSize
	}
	if o.PageTimeout <= 0 {
		o.PageTimeout = defaultPageTimeout
	}
	if o.Retry.Attempts <= 0 {
		o.Retry.Attempts = defaultAttempts
	}
	if o.Retry.Initial <= 0 {
		o.Retry.Initial = defaultRetryInitial
	}
	if o.Retry.Max <= 0 {
		o.Retry.Max = max(defaultRetryMax, o.Retry.Initial)
	}
	return o
}

// scopeRE matches organizations/NUMBER, folders/NUMBER and projects/ID or
// projects/NUMBER (project IDs may carry a legacy "domain:" prefix).
var scopeRE = regexp.MustCompile(`^(?:(?:organizations|folders)/[0-9]+|projects/(?:[0-9]+|(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]))$`)

// ValidScope reports whether scope is a ListAssets parent runlens accepts:
// "organizations/NUMBER", "folders/NUMBER" or "projects/PROJECT" (an ID or a
// number).
func ValidScope(scope string) bool { return scopeRE.MatchString(scope) }

// ReadLive reads the assets of KnownTypes under every scope through the Cloud
// Asset Inventory ListAssets API and joins them with whatever r has read
// before. Each scope is read three times, once per content type (RESOURCE,
// IAM_POLICY, ORG_POLICY), page by page; every attempt at a page has its own
// deadline, opts.PageTimeout. A page that fails with UNAVAILABLE,
// RESOURCE_EXHAUSTED or DEADLINE_EXCEEDED is fetched again after an
// exponential, jittered pause, up to opts.Retry.Attempts times in all.
//
// Failures that concern part of the read are Problems in the inventory, and
// the rest is still read: PERMISSION_DENIED (and UNAUTHENTICATED) is
// ProblemPermissionDenied, giving up after the retries is ProblemUnavailable,
// any other refusal is ProblemAPIError; each names the scope and carries the
// server's message. Records already read from a request that fails later are
// kept.
//
// ReadLive returns an error when a scope is malformed (before reading
// anything), when ctx ends, or when not one request succeeded. Overlapping
// scopes (an organization and one of its projects) read the same records
// twice; the reader keeps one of each without a problem.
func (r *Reader) ReadLive(ctx context.Context, client *asset.Client, scopes []string, opts LiveOptions) error {
	if len(scopes) == 0 {
		return errors.New("inventory: live: no scope to read")
	}
	for _, s := range scopes {
		if !ValidScope(s) {
			return fmt.Errorf("inventory: live: invalid scope %q: want organizations/NUMBER, folders/NUMBER or projects/PROJECT", s)
		}
	}
	opts = opts.withDefaults()
	var (
		succeeded int
		failures  []string
	)
	for _, scope := range scopes {
		r.inv.Coverage.Scopes = append(r.inv.Coverage.Scopes, scope)
		var read pageCount
		for _, ct := range liveContentTypes {
			src := Source{File: "live " + scope + " (" + ct.String() + ")"}
			err := r.listAssets(ctx, client, scope, ct, src, opts, &read)
			if err == nil {
				succeeded++
				continue
			}
			if ctx.Err() != nil {
				return fmt.Errorf("inventory: live: read %s: %w", scope, context.Cause(ctx))
			}
			var ge *giveUpError
			errors.As(err, &ge)
			r.liveProblem(src, ge.kind, ge.msg)
			if ge.kind == ProblemPermissionDenied {
				r.inv.Coverage.Denied = append(r.inv.Coverage.Denied, scope+" ("+ct.String()+")")
			}
			failures = append(failures, ge.msg)
		}
	}
	if succeeded == 0 {
		return fmt.Errorf("inventory: live: nothing could be read: %s", strings.Join(failures, "; "))
	}
	return nil
}

// giveUpError ends one ListAssets request: the part of the scope it covers
// becomes a Problem of kind.
type giveUpError struct {
	kind ProblemKind
	msg  string
}

func (e *giveUpError) Error() string { return e.msg }

// pageCount is what has been read of one scope: records and pages.
type pageCount struct{ records, pages int }

// listAssets reads every page of one content type of one scope into r,
// adding what it reads to *read.
func (r *Reader) listAssets(ctx context.Context, client *asset.Client, scope string, ct assetpb.ContentType, src Source, opts LiveOptions, read *pageCount) error {
	req := &assetpb.ListAssetsRequest{
		Parent:      scope,
		AssetTypes:  KnownTypes(),
		ContentType: ct,
		PageSize:    opts.PageSize,
	}
	for {
		assets, next, err := fetchPageWithRetry(ctx, client, req, opts)
		if err != nil {
			return classifyRPC(ct.String()+" of "+scope, opts.Retry.Attempts, err)
		}
		for _, a := range assets {
			b, err := protojson.Marshal(a)
			if err != nil {
				r.inv.Records++
				r.problem(src, ProblemMalformed, fmt.Sprintf("asset %s: %v", a.GetName(), err))
				continue
			}
			r.addJSON(b, src)
		}
		read.records += len(assets)
		read.pages++
		if opts.Progress != nil {
			opts.Progress(scope, read.records, read.pages)
		}
		if next == "" {
			return nil
		}
		req.PageToken = next
	}
}

// fetchPageWithRetry fetches the page req names, each attempt under its own
// deadline, retrying transient failures with exponential backoff.
func fetchPageWithRetry(ctx context.Context, client *asset.Client, req *assetpb.ListAssetsRequest, opts LiveOptions) (assets []*assetpb.Asset, next string, err error) {
	err = withRetry(ctx, opts.PageTimeout, opts.Retry, func(ctx context.Context) error {
		var err error
		assets, next, err = fetchPage(ctx, client, req)
		return err
	})
	return assets, next, err
}

// noRetry turns off the client's own retries, so that attempts are counted
// and timed here, one deadline each.
var noRetry = gax.WithRetry(func() gax.Retryer { return nil })

// fetchPage makes one attempt at the page req names: the assets on it and
// the token of the next page, "" at the end. The iterator is used for one
// page only, under ctx, which lives as long as the attempt; its Response is
// the page. (Should the server send an empty page that is not the last, the
// iterator fetches on under the same deadline.)
func fetchPage(ctx context.Context, client *asset.Client, req *assetpb.ListAssetsRequest) ([]*assetpb.Asset, string, error) {
	it := client.ListAssets(ctx, req, noRetry)
	if _, err := it.Next(); err != nil && !errors.Is(err, iterator.Done) {
		return nil, "", err
	}
	resp, _ := it.Response.(*assetpb.ListAssetsResponse)
	return resp.GetAssets(), resp.GetNextPageToken(), nil
}

// retryable reports whether a failed page is worth fetching again.
func retryable(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// classifyRPC turns the final error of a gRPC call into a giveUpError;
// what says what it did not read ("RESOURCE of organizations/1"). An error
// that is a giveUpError already is returned as it is. (The caller checks
// first whether its own context has ended.)
func classifyRPC(what string, attempts int, err error) *giveUpError {
	var ge *giveUpError
	if errors.As(err, &ge) {
		return ge
	}
	st, _ := status.FromError(err)
	code, msg := st.Code(), st.Message()
	if code == codes.Unknown && errors.Is(err, context.DeadlineExceeded) {
		code = codes.DeadlineExceeded
	}
	switch code {
	case codes.PermissionDenied, codes.Unauthenticated:
		return &giveUpError{ProblemPermissionDenied, fmt.Sprintf("%s: %s not read: %s", code, what, msg)}
	case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded:
		return &giveUpError{ProblemUnavailable, fmt.Sprintf("%s: %s not read, gave up after %d attempts: %s", code, what, attempts, msg)}
	}
	return &giveUpError{ProblemAPIError, fmt.Sprintf("%s: %s not read: %s", code, what, msg)}
}

// liveProblem records a part of a live scope that could not be read. No
// record was read, so none is counted as skipped.
func (r *Reader) liveProblem(src Source, kind ProblemKind, msg string) {
	r.addProblem(Problem{Source: src, Kind: kind, Msg: msg})
}
