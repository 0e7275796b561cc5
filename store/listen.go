package store

import (
	"context"
	"fmt"
	"strconv"
)

// VersionChannel is the NOTIFY channel bump_dataset_version() signals on;
// the payload is the new dataset version.
const VersionChannel = "gridmap_version"

// ListenVersions holds one connection listening for new dataset versions and
// calls fn with each version number as it is committed. It returns when ctx
// ends or the connection fails; the caller reconnects (and should reload
// once, since notifications sent while nobody listened are lost).
// ready, if not nil, is called once the LISTEN is in place.
func (s *Store) ListenVersions(ctx context.Context, ready func(), fn func(version int64)) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("listen for versions: %w", err)
	}
	// The connection carries a LISTEN: take it out of the pool for good.
	conn := pc.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+VersionChannel); err != nil {
		return fmt.Errorf("listen for versions: %w", err)
	}
	if ready != nil {
		ready()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for version notification: %w", err)
		}
		v, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			s.log.Warn("ignoring malformed version notification", "payload", n.Payload)
			continue
		}
		fn(v)
	}
}
