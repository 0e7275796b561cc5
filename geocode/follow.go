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

// Holder publishes the current address index and keeps it fresh off the
// request path. Each time the live state moves to a new dataset version
// (an import or an adjustment bumps it and notifies), it reads only what
// changed: the standard addresses written by the transactions its last
// read could not see (change_xid; an insert, a retirement, a move by an
// adjustment or any change of text, parts or point writes it), so a read
// is proportional to the change, whatever the size of the city, and sees
// an address retired and another added in one grid as well as anything
// else. The index then gets a new overlay on its base (Index.Apply),
// keeping the base's normaliser and name dictionaries unless a rune or a
// name came or went. When the overlay grows past MergeAt entries, a new
// base is built from every address in the background and swapped in with
// the changes since caught up. Readers call Current once per request or
// batch, so one answer or batch never mixes two versions.
type Holder struct {
	st       *store.Store
	live     Live
	province string
	log      *slog.Logger
	cur      atomic.Pointer[Index]
	mu       sync.Mutex // serialises refreshes
	merging  bool       // a new base is being built (under mu)
	swapped  chan struct{}
	swapMu   sync.Mutex
	// announced is the newest version the store announced; heard when
	// (unix nanoseconds).
	announced atomic.Int64
	heard     atomic.Int64
	// MergeAt is the overlay size (entries added or replaced) from which
	// a new base is built; 0 takes max(20,000, 2% of the base).
	MergeAt int
}

// NewHolder builds the first index from the store's live addresses and
// the live state's areas. province (江苏省) is stripped from queries; ""
// takes it from the city's code.
func NewHolder(ctx context.Context, st *store.Store, lv Live, province string, log *slog.Logger) (*Holder, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Holder{st: st, live: lv, province: province, log: log, swapped: make(chan struct{})}
	ix, err := h.base(ctx)
	if err != nil {
		return nil, err
	}
	h.publish(ix, time.Now(), true)
	return h, nil
}

// Current is the index readers must use for one whole answer or batch.
func (h *Holder) Current() *Index { return h.cur.Load() }

// base builds an index of every live address.
func (h *Holder) base(ctx context.Context) (*Index, error) {
	snap := h.live.Current().Snap
	version, at, entries, err := loadAll(ctx, h.st)
	if err != nil {
		return nil, err
	}
	ix, err := NewIndex(snap, h.province, entries)
	if err != nil {
		return nil, fmt.Errorf("geocode: %w", err)
	}
	ix.version, ix.stats.Version, ix.seen = version, version, at
	return ix, nil
}

// Refresh reads what changed since the current index and publishes an
// index with it: an overlay when addresses changed, else the current
// one re-tagged with the version and areas of the live state.
func (h *Holder) Refresh(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.catchUp(ctx, h.cur.Load()); err != nil {
		return err
	}
	h.maybeMerge(ctx)
	return nil
}

// catchUp publishes from with what changed since it (under mu).
func (h *Holder) catchUp(ctx context.Context, from *Index) error {
	start := time.Now()
	snap := h.live.Current().Snap
	version, at, entries, retired, err := changes(ctx, h.st, from.seen)
	if err != nil {
		return err
	}
	read := time.Since(start)
	changed := len(entries) > 0 || len(retired) > 0
	if !changed && from == h.cur.Load() && version == from.version && snap == from.snap {
		return nil
	}
	var ix *Index
	if !changed {
		ix, err = from.retag(version, snap)
	} else {
		ix, err = from.Apply(version, snap, nil, entries, retired)
	}
	if err != nil {
		return fmt.Errorf("geocode: %w", err)
	}
	ix.seen = at
	if from != h.cur.Load() {
		ix.stats.Reused = false // a new base
	}
	h.publish(ix, start, changed)
	// The stages of a refresh, at Warn when it took longer than the
	// second an address may wait to be geocoded.
	took := time.Since(start)
	level := slog.LevelDebug
	if took > time.Second {
		level = slog.LevelWarn
	}
	var since time.Duration
	if at := h.heard.Load(); at != 0 {
		since = time.Since(time.Unix(0, at))
	}
	h.log.Log(ctx, level, "address index refresh", "version", version, "entries", len(entries), "retired", len(retired),
		"overlay", ix.stats.Overlay, "read", read.Round(time.Millisecond), "apply", ix.stats.BuildTime.Round(time.Millisecond),
		"stages", ix.stages, "took", took.Round(time.Millisecond), "since_heard", since.Round(time.Millisecond), "merging", h.merging)
	return nil
}

func (h *Holder) publish(ix *Index, start time.Time, changed bool) {
	if cur := h.cur.Load(); cur != nil && ix.version < cur.version {
		// never back: a base built from an older read waits for the next
		// refresh to catch up past the current one
		return
	}
	h.cur.Store(ix)
	h.swapMu.Lock()
	close(h.swapped)
	h.swapped = make(chan struct{})
	h.swapMu.Unlock()
	st := ix.Stats()
	h.log.Info("address index", "version", st.Version, "addresses", st.Addresses, "changed", changed,
		"overlay", st.Overlay, "index_mib", st.Bytes>>20, "took", time.Since(start).Round(time.Millisecond))
}

// mergeAt is the overlay size from which the index gets a new base.
func (h *Holder) mergeAt(ix *Index) int {
	if h.MergeAt > 0 {
		return h.MergeAt
	}
	return max(20_000, len(ix.entries)/50)
}

// maybeMerge starts building a new base in the background when the
// overlay is big (under mu).
func (h *Holder) maybeMerge(ctx context.Context) {
	ix := h.cur.Load()
	if h.merging || ix.d == nil || len(ix.d.entries)+ix.d.ndead < h.mergeAt(ix) {
		return
	}
	h.merging = true
	h.log.Info("address index merge start", "overlay", len(ix.d.entries), "dead", ix.d.ndead)
	go func() {
		start := time.Now()
		base, err := h.base(ctx)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.merging = false
		if err == nil {
			err = h.catchUp(ctx, base)
		}
		if err != nil {
			if ctx.Err() == nil {
				h.log.Error("address index merge failed; keeping the overlay", "err", err)
			}
			return
		}
		h.log.Info("address index merged", "addresses", base.Stats().Addresses, "took", time.Since(start).Round(time.Millisecond))
	}()
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

// Run keeps the index fresh until ctx ends: it refreshes (in this
// goroutine, never a reader's) at every version the store announces —
// without waiting for the live state to reload its grids, since an import
// places its addresses itself — and again when the live state swaps to a
// newer snapshot (an adjustment's grids).
func (h *Holder) Run(ctx context.Context) {
	wake := make(chan struct{}, 1)
	go h.listen(ctx, wake)
	for ctx.Err() == nil {
		cur := h.Current()
		if h.live.Current().Version() > cur.Version() || h.live.Current().Snap != cur.snap || h.announced.Load() > cur.Version() {
			if err := h.Refresh(ctx); err != nil && ctx.Err() == nil {
				h.log.Error("address index refresh failed; keeping the previous one", "err", err, "version", h.Current().Version())
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
			continue
		}
		// Wait for the live state to move past the index's snapshot, or
		// for an announced version.
		wctx, cancel := context.WithCancel(ctx)
		moved := make(chan struct{})
		go func() {
			h.live.WaitFor(wctx, cur.snap.Version+1)
			close(moved)
		}()
		select {
		case <-moved:
		case <-wake:
		case <-ctx.Done():
		}
		cancel()
		<-moved
	}
}

// listen notes every version the store announces and wakes Run,
// reconnecting while the database is down.
func (h *Holder) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		err := h.st.ListenVersions(ctx, func() { h.poke(wake) }, func(v int64) {
			if v > h.announced.Load() {
				h.announced.Store(v)
				h.heard.Store(time.Now().UnixNano())
			}
			h.poke(wake)
		})
		if ctx.Err() != nil {
			return
		}
		h.log.Debug("address index: version listener stopped; reconnecting", "err", err)
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

func (h *Holder) poke(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}

// retag is the index with the addresses of ix for another version (its
// addresses unchanged) and the areas of snap.
func (ix *Index) retag(version int64, snap *geo.Snapshot) (*Index, error) {
	x := *ix
	x.version, x.snap = version, snap
	x.stats.Version = version
	x.stats.Reused = true
	if snap != ix.snap {
		// The areas may have other names: the normaliser, gazetteer and
		// village names follow them.
		if err := x.prepare(); err != nil {
			return nil, err
		}
		x.buildNames()
	}
	return &x, nil
}
