package live

import "context"

// Static is one state that never moves: what a command that codes a file
// against one snapshot follows where a server follows a Holder.
type Static struct{ S *State }

// Current returns the one state.
func (l Static) Current() *State { return l.S }

// WaitFor returns at once when the state is at version v or later;
// otherwise it waits for ctx, as no newer version will come.
func (l Static) WaitFor(ctx context.Context, v int64) error {
	if l.S.Version() >= v {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}
