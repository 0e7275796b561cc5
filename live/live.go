// Package live keeps the service's current view of the data: an immutable
// snapshot of the current grids and everything derived from it (the lookup
// index), swapped atomically when a new dataset version commits.
//
// Readers call Current once per request and use that State throughout, so
// one answer never mixes two versions. Rebuilds run in the background while
// readers keep using the previous State. It must never block a reader.
package live

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"gridmap/adjust"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/tiles"
)

// State is one dataset version and what is derived from it: the lookup
// index and the prepared tile data, built together before the version is
// published, so lookups and tiles switch to it at the same moment. It is never
// modified after it is published.
type State struct {
	Snap    *geo.Snapshot
	Index   *geo.Index
	Tiles   *tiles.Prepared
	BuiltAt time.Time
	// BuildTime is how long loading and indexing took.
	BuildTime time.Duration
}

// Version is the dataset version of the state.
func (s *State) Version() int64 { return s.Snap.Version }

// Holder publishes the current State.
type Holder struct {
	st   *store.Store // the primary: versions are announced and switches run here
	read *store.Store // where snapshots load from: st, or a hot standby of it
	log  *slog.Logger
	cur  atomic.Pointer[State]
	// want is the newest version the primary announced; while the standby
	// has not replayed it yet, the holder polls the standby every lagPoll.
	want atomic.Int64

	mu      sync.Mutex // serialises reloads
	wake    chan struct{}
	swapped chan struct{} // closed and replaced at every swap
	swapMu  sync.Mutex
	// PollEvery is the fallback reload interval, in case a notification is
	// lost while the listening connection is down.
	PollEvery time.Duration
}

// FromSnapshot builds a State from a snapshot (for commands and tests that
// do not follow versions).
func FromSnapshot(snap *geo.Snapshot) *State { return build(snap, nil) }

// New loads the current state from the store.
func New(ctx context.Context, st *store.Store, log *slog.Logger) (*Holder, error) {
	return NewReplica(ctx, st, st, log)
}

// NewReplica loads the current state from read, a hot standby of the
// primary st (DATABASE_READ_URL), and follows st's versions: a standby
// delivers no NOTIFY, so the holder listens on the primary, and loads an
// announced version once the standby has replayed it, polling the standby
// until then. Every snapshot is read from the standby in one transaction
// with the version it is published as, so no version is ever published
// with older content. read may be st.
func NewReplica(ctx context.Context, st, read *store.Store, log *slog.Logger) (*Holder, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Holder{st: st, read: read, log: log, wake: make(chan struct{}, 1), swapped: make(chan struct{}), PollEvery: 30 * time.Second}
	if err := h.Reload(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// Current returns the state readers must use for one whole answer.
func (h *Holder) Current() *State { return h.cur.Load() }

// Snapshot returns the current snapshot (tiles.Source).
func (h *Holder) Snapshot() *geo.Snapshot { return h.cur.Load().Snap }

// Index returns the lookup index of the current state (records.NewService
// takes it to place records in their grids).
func (h *Holder) Index() *geo.Index { return h.cur.Load().Index }

// SnapshotAndTiles returns the current snapshot and its prepared tile data,
// from one state (tiles.PreparedSource).
func (h *Holder) SnapshotAndTiles() (*geo.Snapshot, *tiles.Prepared) {
	s := h.cur.Load()
	return s.Snap, s.Tiles
}

// Reload loads the newest version and swaps it in, unless the published
// state is already that version. With a standby, the newest version is
// the standby's (never older than the one published: a standby that went
// back is not followed back), and the primary's is noted as the version
// to catch up with (Behind).
func (h *Holder) Reload(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.read != h.st {
		// Best effort: with the primary down, the standby's version is
		// the newest one can know.
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		if v, err := h.st.Version(pctx); err == nil {
			h.want.Store(v) // the primary's own word, newer than any NOTIFY read before it
		}
		cancel()
	}
	if cur := h.cur.Load(); cur != nil {
		v, err := h.read.Version(ctx)
		if err != nil {
			return err
		}
		if v == cur.Version() || h.read != h.st && v < cur.Version() {
			return nil
		}
	}
	start := time.Now()
	var prevSnap *geo.Snapshot
	if cur := h.cur.Load(); cur != nil {
		prevSnap = cur.Snap // unchanged grid versions keep their geometry
	}
	snap, err := h.read.LoadSnapshotFrom(ctx, prevSnap)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	loaded := time.Now()
	s := build(snap, h.cur.Load())
	s.BuildTime = time.Since(start)
	h.publish(s)
	st := s.Index.Stats()
	h.log.Info("dataset version loaded", "version", snap.Version, "grids", len(snap.Grids),
		"areas", len(snap.Areas), "index_mib", st.Bytes>>20, "load", loaded.Sub(start).Round(time.Millisecond),
		"index_build", st.BuildTime.Round(time.Millisecond), "took", s.BuildTime.Round(time.Millisecond))
	return nil
}

// announce notes that the primary has version v (with a standby only:
// without one, every reload reads the primary itself).
func (h *Holder) announce(v int64) {
	if h.read == h.st {
		return
	}
	for {
		w := h.want.Load()
		if v <= w || h.want.CompareAndSwap(w, v) {
			return
		}
	}
}

// Behind returns the published version and the newest one the primary
// announced, when the published one is older (a standby still replaying).
func (h *Holder) Behind() (published, announced int64, behind bool) {
	published, announced = h.Current().Version(), h.want.Load()
	return published, announced, announced > published
}

// build derives everything readers need from a snapshot. It runs on the
// reloading goroutine while readers keep the previous State.
func build(snap *geo.Snapshot, prev *State) *State {
	s := &State{Snap: snap}
	var prevTiles *tiles.Prepared
	var prevIndex *geo.Index
	if prev != nil {
		// Features and index rows whose geometry did not change are reused.
		prevTiles, prevIndex = prev.Tiles, prev.Index
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.Tiles = tiles.PrepareFrom(snap, prevTiles)
	}()
	s.Index = geo.NewIndexFrom(prevIndex, snap, geo.IndexOptions{})
	wg.Wait()
	s.BuiltAt = time.Now()
	return s
}

func (h *Holder) publish(s *State) {
	h.cur.Store(s)
	h.swapMu.Lock()
	close(h.swapped)
	h.swapped = make(chan struct{})
	h.swapMu.Unlock()
}

// WaitFor blocks until the published version is at least v or ctx ends.
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

// The listener's reconnect delays: it retries quickly while the database
// is down (a refused connection costs nothing), so the first change after
// the database comes back is served within a second: reconnecting pokes a
// reload, which picks up anything committed while nobody listened.
const (
	reconnectFirst = 100 * time.Millisecond
	reconnectMax   = 500 * time.Millisecond
)

// Run follows new dataset versions until ctx ends: it listens for the
// store's notifications (reconnecting every reconnectMax at most while
// the database is down), reloads in the background, coalesces bursts of
// versions into one reload, and polls as a fallback. It also wakes at the
// effective time of every proposal applied ahead of time, runs the switch
// (adjust.SwitchDue) and reloads.
func (h *Holder) Run(ctx context.Context) {
	go h.reloader(ctx)
	backoff := reconnectFirst
	var down time.Time // when the listener first failed; zero while it listens
	for ctx.Err() == nil {
		err := h.st.ListenVersions(ctx, func() {
			if !down.IsZero() {
				h.log.Info("version listener reconnected", "down", time.Since(down).Round(time.Millisecond))
			}
			down, backoff = time.Time{}, reconnectFirst
			h.poke() // catch up on anything committed while not listening
		}, func(v int64) {
			h.announce(v)
			if v > h.Current().Version() {
				h.poke()
			}
		})
		if ctx.Err() != nil {
			return
		}
		if down.IsZero() {
			// Logged once per outage, not at every retry.
			down = time.Now()
			h.log.Warn("version listener stopped; reconnecting", "err", err, "every", reconnectMax)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, reconnectMax)
	}
}

func (h *Holder) poke() {
	select {
	case h.wake <- struct{}{}:
	default: // a reload is already pending; it will see this version too
	}
}

// How soon the reloader tries again while the published version is behind
// the primary's (the standby has not replayed it yet), and after a reload
// from a standby failed (the standby is down: it catches up by itself once
// the standby is back).
const (
	lagPoll     = 20 * time.Millisecond
	reloadRetry = 500 * time.Millisecond
)

func (h *Holder) reloader(ctx context.Context) {
	t := time.NewTicker(h.PollEvery)
	defer t.Stop()
	sw := time.NewTimer(0) // check for due switches at once
	defer sw.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	failing := false // a reload failed and was logged; the next failures are not
	for {
		switches := true
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-t.C:
		case <-sw.C:
		case <-retry.C:
			switches = false // only catching up with the standby
		}
		if switches {
			// A proposal applied ahead of time takes effect here (in whichever
			// process gets there first; its version bump makes the others
			// reload), then the reload picks up its version.
			if n, v, err := adjust.SwitchDue(ctx, h.st); err != nil && ctx.Err() == nil {
				h.log.Error("switching to adjustments that took effect failed; retrying", "err", err)
			} else if n > 0 {
				h.log.Info("adjustments took effect", "proposals", n, "version", v)
			}
		}
		err := h.Reload(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			failing = true
			h.log.Error("reload failed; keeping the previous version", "err", err, "version", h.Current().Version())
		case err != nil:
			h.log.Debug("reload failed again", "err", err)
		case failing:
			failing = false
			h.log.Info("reloading works again", "version", h.Current().Version())
		}
		if switches {
			sw.Reset(h.untilNextSwitch(ctx))
		}
		switch _, _, behind := h.Behind(); {
		case err != nil && h.read != h.st:
			retry.Reset(reloadRetry)
		case err == nil && behind:
			retry.Reset(lagPoll)
		}
	}
}

// untilNextSwitch is how long to sleep before the next pending effective
// time (a little after it; soon again when one is already past, as when
// this clock runs ahead of the database's or a switch failed), or the
// poll interval when there is none.
func (h *Holder) untilNextSwitch(ctx context.Context) time.Duration {
	at, ok, err := adjust.NextSwitch(ctx, h.st)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Error("reading the next effective time failed", "err", err)
		}
		return time.Second
	}
	if !ok {
		return h.PollEvery
	}
	d := time.Until(at)
	if d <= 0 {
		return 200 * time.Millisecond
	}
	return min(d+10*time.Millisecond, h.PollEvery)
}
