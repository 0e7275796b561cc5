package workers

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
)

// post describes a dated post (an appointment in a grid, a seat operator's
// post in a town centre) to endPost, the one way such a post ends: the
// rules are the same, only the table, the words and the town differ.
type post[P any] struct {
	// what names it in messages ("appointment", "seat operator post").
	what string
	// load reads posts by id with sql (selectSQL, locked with lock).
	load             func(ctx context.Context, q store.Querier, sql string, args ...any) ([]P, error)
	selectSQL, lock  string
	endSQL, action   string
	target           func(id int64) string
	town             func(P) geo.Code
	dates            func(P) (from string, to *string)
	forbidden, first string // the refusal for another town's token; the post's first day, in words
}

// endPost ends post id on day to (its last day) for a, audited: refused
// when it does not exist, lies in a town a may not manage, has ended
// already, or to comes before its first day.
func endPost[P any](ctx context.Context, s *Service, a Actor, id int64, to time.Time, k post[P]) (P, error) {
	var out P
	err := pgx.BeginFunc(ctx, s.st.Pool(), func(tx pgx.Tx) error {
		ps, err := k.load(ctx, tx, k.selectSQL+k.lock, id)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return refuse(KindNotFound, "%s %d does not exist", k.what, id)
		}
		before := ps[0]
		if town := k.town(before); !a.mayManage(town) {
			return refuse(KindForbidden, k.forbidden, town.Short())
		}
		from, ended := k.dates(before)
		if ended != nil {
			return refuse(KindConflict, "%s %d already ended on %s", k.what, id, *ended)
		}
		if to.Format(time.DateOnly) < from {
			return badField("to", "%s is before %s %s", to.Format(time.DateOnly), k.first, from)
		}
		if _, err := tx.Exec(ctx, k.endSQL, id, to); err != nil {
			return fmt.Errorf("end %s %d: %w", k.what, id, err)
		}
		if ps, err = k.load(ctx, tx, k.selectSQL, id); err != nil {
			return err
		}
		out = ps[0]
		return s.st.Audit(ctx, tx, store.AuditEntry{Actor: a.ID, Action: k.action, Target: k.target(id), Before: before, After: out, RequestID: a.RequestID})
	})
	return out, err
}
