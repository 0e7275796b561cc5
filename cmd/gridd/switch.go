package main

import (
	"context"
	"fmt"
	"gridmap/adjust"
)

// cmdSwitch carries out the adjustments whose effective time has come
// (record moves, assignment history, one dataset version bump). Every
// running gridd serve does this by itself at the effective time; the
// command is for deployments where none runs then, and for cron.
func cmdSwitch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "switch", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	n, version, err := adjust.SwitchDue(ctx, st)
	if err != nil {
		return fmt.Errorf("switch: %w", err)
	}
	if n == 0 {
		fmt.Fprintln(e.stdout, "no adjustment is due")
		return nil
	}
	fmt.Fprintf(e.stdout, "%d adjustment(s) took effect: dataset version %d\n", n, version)
	if t, ok, err := adjust.NextSwitch(ctx, st); err == nil && ok {
		fmt.Fprintf(e.stdout, "next effective time: %s\n", t.Format("2006-01-02T15:04:05Z07:00"))
	}
	return nil
}
