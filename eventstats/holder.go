package eventstats

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"gridmap/store"
)

// Channel is the NOTIFY channel the events package signals every change
// on (payload: the event id).
const Channel = "gridmap_events"

// Holder publishes the current Table and follows the database's changes.
//
// Changes are read by change_seq. A sequence value is taken when a row is
// written but seen only when its transaction commits, so a change with a
// lower seq can become visible after a higher one was read: every seq
// skipped over is kept as a gap and asked for again at each refresh,
// until it shows up or is older than GapTTL (then it was rolled back, or
// belonged to a row changed again since, whose newer seq is read
// anyway). A full reload every FullEvery catches anything else.
type Holder struct {
	st  *store.Store
	log *slog.Logger
	cur atomic.Pointer[Table]

	mu   sync.Mutex // serialises refreshes; guards b and gaps
	b    *Builder
	gaps map[int64]time.Time // skipped seqs, by when first missed

	wake    chan struct{}
	swapMu  sync.Mutex
	swapped chan struct{} // closed and replaced at every publish

	// PollEvery is the fallback refresh interval, in case a notification
	// is lost; FullEvery the interval of full reloads; GapTTL how long a
	// skipped seq is asked for.
	PollEvery, FullEvery, GapTTL time.Duration
}

// maxGaps bounds the gaps asked for: under a storm of updates the oldest
// are dropped (the next full reload covers them).
const maxGaps = 10000

// New loads every event from the store.
func New(ctx context.Context, st *store.Store, log *slog.Logger) (*Holder, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Holder{st: st, log: log, wake: make(chan struct{}, 1), swapped: make(chan struct{}),
		PollEvery: 10 * time.Second, FullEvery: 15 * time.Minute, GapTTL: 30 * time.Second}
	if err := h.reloadAll(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// Current returns the table readers must use for one whole answer.
func (h *Holder) Current() *Table { return h.cur.Load() }

func (h *Holder) publish(t *Table) {
	h.cur.Store(t)
	h.swapMu.Lock()
	close(h.swapped)
	h.swapped = make(chan struct{})
	h.swapMu.Unlock()
}

// WaitFor blocks until the published table holds change seq or a later
// one, or ctx ends.
func (h *Holder) WaitFor(ctx context.Context, seq int64) error {
	for {
		h.swapMu.Lock()
		ch := h.swapped
		h.swapMu.Unlock()
		if h.Current().Seq >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// reloadAll builds a fresh table from every event.
func (h *Holder) reloadAll(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	start := time.Now()
	evs, err := loadAll(ctx, h.st)
	if err != nil {
		return err
	}
	b := NewBuilder()
	t := b.Apply(evs, start)
	h.b, h.gaps = b, map[int64]time.Time{}
	h.publish(t)
	h.log.Info("events loaded", "events", t.Len(), "seq", t.Seq, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Refresh reads the changes since the published table and publishes a
// table with them (none when nothing changed).
func (h *Holder) Refresh(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	start := time.Now()
	old := h.b.Current()
	gaps := make([]int64, 0, len(h.gaps))
	for s, at := range h.gaps {
		if start.Sub(at) > h.GapTTL {
			delete(h.gaps, s)
			continue
		}
		gaps = append(gaps, s)
	}
	evs, err := loadChanged(ctx, h.st, old.Seq, gaps)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	// Seqs between the old high-water mark and the new one that did not
	// come are gaps; seqs that came fill theirs.
	next := old.Seq + 1
	for _, e := range evs {
		delete(h.gaps, e.Seq)
		for ; next < e.Seq && e.Seq > old.Seq; next++ {
			if len(h.gaps) < maxGaps {
				h.gaps[next] = start
			}
		}
		if e.Seq >= next {
			next = e.Seq + 1
		}
	}
	h.publish(h.b.Apply(evs, start))
	return nil
}

// Run follows the events until ctx ends: it listens on Channel
// (reconnecting while the database is down), refreshes on every burst of
// notifications, polls every PollEvery and reloads everything every
// FullEvery.
func (h *Holder) Run(ctx context.Context) {
	go h.refresher(ctx)
	for ctx.Err() == nil {
		err := h.st.Listen(ctx, Channel, h.poke, func(string) { h.poke() })
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("events listener stopped; reconnecting", "err", err)
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return
		}
	}
}

func (h *Holder) poke() {
	select {
	case h.wake <- struct{}{}:
	default: // a refresh is pending; it will read this change too
	}
}

// waiting reports whether skipped seqs are still asked for.
func (h *Holder) waiting() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.gaps) > 0
}

func (h *Holder) refresher(ctx context.Context) {
	poll := time.NewTicker(h.PollEvery)
	defer poll.Stop()
	full := time.NewTicker(h.FullEvery)
	defer full.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
			err = h.Refresh(ctx)
		case <-poll.C:
			err = h.Refresh(ctx)
		case <-full.C:
			err = h.reloadAll(ctx)
		}
		if err != nil && ctx.Err() == nil {
			h.log.Error("refreshing events failed; keeping the previous table", "err", err)
		}
		if h.waiting() {
			// Late commits show up soon after: look again shortly.
			time.AfterFunc(time.Second, h.poke)
		}
	}
}
