package build

import (
	"sync"
	"sync/atomic"

	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/par"
)

// view is an asset's typed view of its resource data, or why it has none.
type view struct {
	v   any // *inventory.Workload, *inventory.Project, ...; nil if the type has no view or the asset no data
	err error
}

// decodeViews decodes the typed view of every asset, index for index, on
// every CPU a scan may use (par.Workers): decoding resource data is the
// largest part of a build, each asset's is independent of the others, and
// the graph itself is then assembled on one goroutine from the results.
func decodeViews(assets []*inventory.Asset) []view {
	out := make([]view, len(assets))
	const chunk = 512
	var next atomic.Int64
	var wg sync.WaitGroup
	for range par.Workers() {
		wg.Go(func() {
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(assets) {
					return
				}
				for i := lo; i < min(lo+chunk, len(assets)); i++ {
					out[i] = decodeView(assets[i])
				}
			}
		})
	}
	wg.Wait()
	return out
}

func decodeView(a *inventory.Asset) view {
	if a.Type == inventory.TypeRunService || a.Type == inventory.TypeRunJob {
		w, err := inventory.DecodeWorkload(a) // w is set even with an error (names from the asset name)
		return view{v: w, err: err}
	}
	if a.Data == nil {
		return view{}
	}
	var v any
	switch a.Type {
	case inventory.TypeRole:
		v = &inventory.CustomRole{}
	case inventory.TypeProject:
		v = &inventory.Project{}
	case inventory.TypeFolder:
		v = &inventory.Folder{}
	case inventory.TypeOrganization:
		v = &inventory.Organization{}
	case inventory.TypeServiceAccount:
		v = &inventory.ServiceAccount{}
	case inventory.TypeServiceAccountKey:
		v = &inventory.ServiceAccountKey{}
	case inventory.TypeBinAuthzPolicy:
		v = &inventory.BinAuthzPolicy{}
	case inventory.TypeSubscription:
		v = &inventory.Subscription{}
	case inventory.TypeTrigger:
		v = &inventory.Trigger{}
	case inventory.TypeSchedulerJob:
		v = &inventory.SchedulerJob{}
	case inventory.TypeBucket:
		v = &inventory.Bucket{}
	case inventory.TypeSQLInstance:
		v = &inventory.SQLInstance{}
	case inventory.TypeBackendService:
		v = &inventory.BackendService{}
	case inventory.TypeNEG:
		v = &inventory.NEG{}
	default:
		return view{}
	}
	if err := a.Decode(v); err != nil {
		return view{err: err}
	}
	return view{v: v}
}

// viewAs returns the view as a *T: a new zero T when the asset has no data,
// and the decoding error (with a zero T) when its data did not decode.
func viewAs[T any](v view) (*T, error) {
	if t, ok := v.v.(*T); ok {
		return t, v.err
	}
	return new(T), v.err
}
