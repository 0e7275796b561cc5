package demo

import (
	"fmt"
	"io"
	"time"
)

// WriteText writes what a run made, and how fast, as `gridd demo` prints it.
func (s Stats) WriteText(w io.Writer) {
	secs := s.Elapsed.Seconds()
	fmt.Fprintf(w, "demo: dataset version %d: %d counties, %d towns, %d villages, %d grids (%d exclusive), %d sub-grids, %d households, %d units in %.1fs (%.0f grids/s, %.0f households/s)\n",
		s.Version, s.Counties, s.Towns, s.Villages, s.Grids, s.Exclusive, s.SubGrids,
		s.Households, s.Units, secs, float64(s.Grids+s.SubGrids)/secs, float64(s.Households)/secs)
	fmt.Fprintf(w, "demo: %d standard addresses, %d houses, %d residents\n", s.Addresses, s.Houses, s.Residents)
	if s.Events > 0 {
		fmt.Fprintf(w, "demo: %d events over the year before %s\n", s.Events, s.EventsUntil.Format(time.DateOnly))
	}
	for _, r := range s.Repaired {
		fmt.Fprintln(w, "demo: repaired invalid outline", r)
	}
}

// ProgressLog returns a progress callback for Generate that writes a line
// per stage to w, with the seconds since it was made; the record stages
// report per county, so a stage's lines come at most every few seconds
// (its last always).
func ProgressLog(w io.Writer) func(stage string, done, total int) {
	start := time.Now()
	last, lastAt := "", time.Time{}
	return func(stage string, done, total int) {
		if stage == last && done != total && time.Since(lastAt) < 3*time.Second {
			return
		}
		last, lastAt = stage, time.Now()
		fmt.Fprintf(w, "demo: %-10s %9d/%-9d %6.1fs\n", stage, done, total, time.Since(start).Seconds())
	}
}
