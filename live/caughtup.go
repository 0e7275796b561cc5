package live

import (
	"context"
	"log/slog"
	"time"
)

// Following is what follows the dataset's versions: a *Holder, or Static.
type Following interface {
	Current() *State
	WaitFor(ctx context.Context, version int64) error
}

// FreshWait bounds how long CaughtUp waits for a state to reach the
// database's dataset version (a reload takes well under a second).
const FreshWait = 2 * time.Second

// CaughtUp returns f's current state, first waiting up to FreshWait for it
// to reach the database's dataset version when it is behind, so that an
// answer written just after a boundary change (a report tied to its grid,
// a worker's board) follows the change at once, not at the next reload.
// After the wait, or when the version cannot be read, it answers with the
// state it has.
func CaughtUp(ctx context.Context, f Following, dbVersion func(context.Context) (int64, error), log *slog.Logger) *State {
	state := f.Current()
	v, err := dbVersion(ctx)
	if err != nil || v <= state.Version() {
		return state
	}
	wctx, cancel := context.WithTimeout(ctx, FreshWait)
	defer cancel()
	if err := f.WaitFor(wctx, v); err != nil {
		log.Warn("live state behind the database", "live", state.Version(), "database", v, "err", err)
	}
	return f.Current()
}
