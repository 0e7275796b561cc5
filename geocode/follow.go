package geocode

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/store"
)

// Live is the service's live state that the address index follows
// (live.Holder).
type Live interface {
	Current() *live.State
	WaitFor(ctx context.Context, v int64) error
}

// Holder publishes the current address index, rebuilt off the request
// path each time the live state moves to a new dataset version (an
// import or an adjustment bumps it), and only re-tagged when the
// addresses did not change. Readers call Current once per request or
// batch, so one answer or batch never mixes two versions.
type Holder struct {
	st       *store.Store
	live     Live
	province string
	log      *slog.Logger
	cur      atomic.Pointer[Index]
	mu       sync.Mutex // serialises rebuilds
	fp       fingerprint
	swapped  chan struct{}
	swapMu   sync.Mutex
}

// NewHolder builds the first index from the store's live addresses and
// the live state's areas. province (江苏省) is stripped from queries; ""
// takes it from the city's code.
func NewHolder(ctx context.Context, st *store.Store, lv Live, province string, log *slog.Logger) (*Holder, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Holder{st: st, live: lv, province: province, log: log, swapped: make(chan struct{})}
	if err := h.Refresh(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// Current is the index readers must use for one whole answer or batch.
func (h *Holder) Current() *Index { return h.cur.Load() }

// Refresh reads the addresses and publishes an index of them: a new one
// when they changed, else the current one re-tagged with the version and
// areas of the live state.
func (h *Holder) Refresh(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	start := time.Now()
	snap := h.live.Current().Snap
	cur := h.cur.Load()
	var same *fingerprint
	if cur != nil {
		same = &h.fp
	}
	l, err := loadAddresses(ctx, h.st, same)
	if err != nil {
		return err
	}
	if cur != nil && l.version == cur.version && snap == cur.snap {
		return nil
	}
	var ix *Index
	if l.entries == nil {
		ix = cur.retag(l.version, snap, h.province)
	} else {
		ix, err = NewIndex(snap, h.province, l.entries)
		if err != nil {
			return fmt.Errorf("geocode: %w", err)
		}
		ix.version = l.version
		ix.stats.Version = l.version
	}
	h.fp = l.fp
	h.cur.Store(ix)
	h.swapMu.Lock()
	close(h.swapped)
	h.swapped = make(chan struct{})
	h.swapMu.Unlock()
	st := ix.Stats()
	h.log.Info("address index", "version", l.version, "addresses", st.Addresses, "rebuilt", l.entries != nil,
		"index_mib", st.Bytes>>20, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// WaitFor blocks until the index answers for version v or later.
func (h *Holder) WaitFor(ctx context.Context, v int64) error {
	for {
		h.swapMu.Lock()
		ch := h.swapped
		h.swapMu.Unlock()
		if h.Current().Version() >= v {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Run follows the live state until ctx ends: after every swap to a newer
// version it refreshes the index (in this goroutine, never a reader's).
func (h *Holder) Run(ctx context.Context) {
	for ctx.Err() == nil {
		seen := h.live.Current().Version()
		if seen > h.Current().Version() || h.live.Current().Snap != h.Current().snap {
			if err := h.Refresh(ctx); err != nil && ctx.Err() == nil {
				h.log.Error("address index refresh failed; keeping the previous one", "err", err, "version", h.Current().Version())
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
			continue
		}
		if err := h.live.WaitFor(ctx, seen+1); err != nil {
			return
		}
	}
}

// retag is the index with the addresses of ix for another version (its
// addresses unchanged) and the areas of snap.
func (ix *Index) retag(version int64, snap *geo.Snapshot, province string) *Index {
	x := *ix
	x.version, x.snap = version, snap
	if province == "" {
		province = ProvinceOf(snap)
	}
	x.gaz = newGazetteer(snap, province, ix.norm)
	x.stats.Version = version
	x.stats.Reused = true
	return &x
}
