package build

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/runlens/runlens/internal/inventory"
	"github.com/runlens/runlens/internal/par"
)

// view is an asset's typed view of its resource data, or why it has none.
type view struct {
	v   any // *inventory.Workload, *inventory.Project, ...; nil if the type has no view or the asset no data
	err error
}

// viewSet is the typed view of every asset, index for index, decoded in
// the background on every CPU a scan may use (par.Workers): decoding
// resource data is the largest part of a build, and each asset's is
// independent of the others. The views of everything but Cloud Run
// workloads (small documents) are decoded first; the workloads' (most of
// the work) then in runs of assets in order, so that the build, on its one
// goroutine, places each asset as soon as its run is decoded instead of
// after all of them.
type viewSet struct {
	out      []view
	others   chan struct{}   // closed when every view but the workloads' is decoded
	runs     []chan struct{} // runs[i/viewRun] closed when asset i's view is decoded
	all      sync.WaitGroup
	pristine []view // with a cache, what it keeps: the views before the build fills them in
}

const viewRun = 512

// decodeViews starts decoding the typed view of every asset of assets,
// reusing those in cache (nil: none).
func decodeViews(assets []*inventory.Asset, cache *Views) *viewSet {
	vs := &viewSet{out: make([]view, len(assets)), others: make(chan struct{})}
	runs := (len(assets) + viewRun - 1) / viewRun
	vs.runs = make([]chan struct{}, runs)
	for i := range vs.runs {
		vs.runs[i] = make(chan struct{})
	}
	var kept map[*inventory.Asset]view
	if cache != nil {
		cache.mu.Lock()
		kept = cache.m
		vs.pristine = make([]view, len(assets))
	}
	decode := func(i int) {
		if cache == nil {
			vs.out[i] = decodeView(assets[i])
			return
		}
		v, ok := kept[assets[i]]
		if !ok {
			v = decodeView(assets[i])
		}
		vs.pristine[i], vs.out[i] = v, v.fresh()
	}
	isWorkload := func(a *inventory.Asset) bool {
		return a.Type == inventory.TypeRunService || a.Type == inventory.TypeRunJob
	}
	// Tasks 0..runs-1 decode each run's other assets, runs..2*runs-1 each
	// run's workloads.
	var next, othersLeft atomic.Int64
	othersLeft.Store(int64(runs))
	if runs == 0 {
		close(vs.others)
	}
	for range par.Workers() {
		vs.all.Go(func() {
			for t := int(next.Add(1)) - 1; t < 2*runs; t = int(next.Add(1)) - 1 {
				r := t % runs
				for i := r * viewRun; i < min((r+1)*viewRun, len(assets)); i++ {
					if isWorkload(assets[i]) == (t >= runs) {
						decode(i)
					}
				}
				if t >= runs {
					close(vs.runs[r])
				} else if othersLeft.Add(-1) == 0 {
					close(vs.others)
				}
			}
		})
	}
	if cache != nil {
		go func() {
			defer cache.mu.Unlock()
			vs.all.Wait()
			m := make(map[*inventory.Asset]view, len(assets))
			for i, a := range assets {
				m[a] = vs.pristine[i]
			}
			cache.m = m
		}()
	}
	return vs
}

// at returns asset i's view, once it is decoded, adding the time it
// waited to *waited.
func (vs *viewSet) at(i int, waited *time.Duration) view {
	wait(vs.runs[i/viewRun], waited)
	return vs.out[i]
}

// wait waits for ch to be closed, adding the time it took to *waited.
func wait(ch chan struct{}, waited *time.Duration) {
	select {
	case <-ch:
	default:
		t := time.Now()
		<-ch
		*waited += time.Since(t)
	}
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
