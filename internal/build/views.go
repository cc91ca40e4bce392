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
func decodeViews(assets []*inventory.Asset, cache *Views) []view {
	out := make([]view, len(assets))
	var kept map[*inventory.Asset]view
	if cache != nil {
		cache.mu.Lock()
		defer cache.mu.Unlock()
		kept = cache.m
	}
	var pristine []view // what the cache keeps: out before the build fills it in
	if cache != nil {
		pristine = make([]view, len(assets))
	}
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
					if cache == nil {
						out[i] = decodeView(assets[i])
						continue
					}
					v, ok := kept[assets[i]]
					if !ok {
						v = decodeView(assets[i])
					}
					pristine[i], out[i] = v, v.fresh()
				}
			}
		})
	}
	wg.Wait()
	if cache != nil {
		m := make(map[*inventory.Asset]view, len(assets))
		for i, a := range assets {
			m[a] = pristine[i]
		}
		cache.m = m
	}
	return out
}

// Views keeps the typed views of one build's assets for the next. The feed
// rebuilds the graph for a few changed assets among hundreds of thousands;
// an asset that did not change is the same *inventory.Asset (feed.Apply
// shares them, and assets are never modified once read), so its resource
// data is not decoded again. A Views is safe for one build at a time.
type Views struct {
	mu sync.Mutex
	m  map[*inventory.Asset]view
}

// fresh returns a copy of the view a build may fill in: the fields the
// build joins in (a workload's IAP load balancers, an account's keys, a
// project's Binary Authorization policy) start empty, the rest is shared
// (never modified).
func (v view) fresh() view {
	switch t := v.v.(type) {
	case *inventory.Workload:
		c := *t
		c.BehindIAPLoadBalancer = nil
		v.v = &c
	case *inventory.ServiceAccount:
		c := *t
		c.Keys = nil
		v.v = &c
	case *inventory.Project:
		c := *t
		c.BinAuthz = nil
		v.v = &c
	}
	return v
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
