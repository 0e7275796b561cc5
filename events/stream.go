package events

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/store"
)

// Channel is the NOTIFY channel of event changes: every insert and update
// of an event sends its id, in the same transaction (trigger
// event_notify, migration 007).
const Channel = "gridmap_events"

// Change is a change of an event as the town's stream sends it: no
// description (the stream says what changed; GET /events/{id} has the
// rest).
type Change struct {
	ID         int64     `json:"id"`
	ChangeSeq  int64     `json:"change_seq"`
	Action     string    `json:"action"` // the last step: report, accept, …, or move
	Status     string    `json:"status"`
	Urgent     bool      `json:"urgent"`
	Type       string    `json:"type"`
	TypeName   string    `json:"type_name"`
	GridCode   string    `json:"grid_code"`
	Department *string   `json:"department"`
	ReportedAt time.Time `json:"reported_at"`
	DueAt      time.Time `json:"due_at"`
	At         time.Time `json:"at"`
}

// sent reports whether the town's stream carries the change: an urgent
// report at once (Art. 35), and every later step of the town's events.
func (c Change) sent() bool { return c.Action != "report" || c.Urgent }

// town is the 9-digit town of the change's grid.
func (c Change) town() string { return c.GridCode[:9] }

// subscriber is one open stream: the changes of a town.
type subscriber struct {
	town string
	ch   chan Change
}

// hub fans the changes out to the open streams of this process: one
// LISTEN connection while any stream is open, which reads the changes
// past the last one it saw (by change_seq) at each notification, so a
// notification lost while it reconnected is caught up at the next.
type hub struct {
	s       *Service
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	stop    context.CancelFunc
	ready   chan struct{} // closed once the LISTEN is in place
	last    int64         // the change_seq read up to
	catchMu sync.Mutex    // one catch-up at a time
}

func newHub(s *Service) *hub { return &hub{s: s, subs: map[*subscriber]struct{}{}} }

// subscribe opens a stream of town's changes; it returns once the hub
// listens, so a change committed after it is delivered.
func (h *hub) subscribe(ctx context.Context, town string) (*subscriber, error) {
	sub := &subscriber{town: town, ch: make(chan Change, 256)}
	h.mu.Lock()
	h.subs[sub] = struct{}{}
	if h.stop == nil {
		lctx, stop := context.WithCancel(context.Background())
		h.stop, h.ready = stop, make(chan struct{})
		go h.run(lctx, h.ready)
	}
	ready := h.ready
	h.mu.Unlock()
	wait := time.NewTimer(ListenWait)
	defer wait.Stop()
	select {
	case <-ready:
		return sub, nil
	case <-wait.C:
		h.unsubscribe(sub)
		return nil, errNotListening
	case <-ctx.Done():
		h.unsubscribe(sub)
		return nil, ctx.Err()
	}
}

// ListenWait bounds how long opening a stream waits for the hub's LISTEN
// (a new connection: milliseconds, unless the database is unreachable).
const ListenWait = 10 * time.Second

// errNotListening is the error of a stream opened while the hub cannot
// listen: the database is unreachable (503).
var errNotListening = fmt.Errorf("event stream: not listening on %s after %s", Channel, ListenWait)

// unsubscribe closes a stream; the last one stops the listening.
func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, sub)
	if len(h.subs) == 0 && h.stop != nil {
		h.stop()
		h.stop = nil
	}
}

// run listens until ctx ends, reconnecting after a second when the
// connection fails.
func (h *hub) run(ctx context.Context, ready chan struct{}) {
	var once sync.Once
	first := true
	for ctx.Err() == nil {
		err := h.s.st.Listen(ctx, Channel, func() {
			if err := h.start(ctx, first); err != nil {
				h.s.log.Warn("event stream: catch up", "err", err)
			}
			first = false
			once.Do(func() { close(ready) })
		}, func(string) {
			if err := h.catchUp(ctx); err != nil && ctx.Err() == nil {
				h.s.log.Warn("event stream: read changes", "err", err)
			}
		})
		if ctx.Err() != nil {
			return
		}
		h.s.log.Warn("event stream: listening failed; retrying in 1s", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// start sets where the reading starts: at the first connection, the
// newest change now (a stream carries what happens after it opens); at a
// reconnection, it catches up with what happened meanwhile.
func (h *hub) start(ctx context.Context, first bool) error {
	if !first {
		return h.catchUp(ctx)
	}
	var last int64
	if err := h.s.st.Pool().QueryRow(ctx, `SELECT coalesce(max(change_seq), 0) FROM event`).Scan(&last); err != nil {
		return fmt.Errorf("newest event change: %w", err)
	}
	h.catchMu.Lock()
	h.last = last
	h.catchMu.Unlock()
	return nil
}

// maxCatchUp bounds one read of changes: a bulk load (with notifications
// off) is skipped over rather than streamed.
const maxCatchUp = 2000

// catchUp reads the changes past the last one read and hands them to the
// streams of their towns.
func (h *hub) catchUp(ctx context.Context) error {
	h.catchMu.Lock()
	defer h.catchMu.Unlock()
	changes, err := readChanges(ctx, h.s.st, h.last, "", maxCatchUp+1)
	if err != nil {
		return err
	}
	if len(changes) > maxCatchUp {
		var newest int64
		if err := h.s.st.Pool().QueryRow(ctx, `SELECT coalesce(max(change_seq), 0) FROM event`).Scan(&newest); err != nil {
			return err
		}
		h.s.log.Warn("event stream: more changes than a stream carries at once; skipped", "from", h.last, "to", newest)
		h.last = newest
		return nil
	}
	for _, c := range changes {
		h.last = c.ChangeSeq
		if !c.sent() {
			continue
		}
		h.mu.Lock()
		for sub := range h.subs {
			if sub.town != c.town() {
				continue
			}
			select {
			case sub.ch <- c:
			default: // a stream that does not read: it is closed
				close(sub.ch)
				delete(h.subs, sub)
			}
		}
		h.mu.Unlock()
	}
	return nil
}

// readChanges reads up to limit changes past change_seq after, of town
// (9 digits) or of every town when town is "", oldest first.
func readChanges(ctx context.Context, st *store.Store, after int64, town string, limit int) ([]Change, error) {
	rows, err := st.Pool().Query(ctx, `SELECT e.id, e.change_seq, coalesce(h.action, 'report'), e.status, e.urgent, e.type_code, t.name,
			e.grid_code, e.department, e.reported_at, e.due_at, e.updated_at
		FROM event e JOIN event_type t ON t.county = e.county AND t.code = e.type_code
		LEFT JOIN LATERAL (SELECT action FROM event_history x WHERE x.event_id = e.id ORDER BY seq DESC LIMIT 1) h ON true
		WHERE e.change_seq > $1 AND ($2 = '' OR e.grid_code LIKE $2 || '%')
		ORDER BY e.change_seq LIMIT $3`, after, town, limit)
	if err != nil {
		return nil, fmt.Errorf("read event changes: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Change])
	if err != nil && !errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("read event changes: %w", err)
	}
	return out, err
}
