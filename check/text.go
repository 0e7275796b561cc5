package check

import (
	"fmt"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/planar"
)

// WriteText writes the report for people (gridd check without --json): one line per check, then the
// findings shown of each check that found any.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "gridd check: dataset version %d at %s, %.1fs\n\n", r.Version,
		r.CheckedAt.UTC().Format(time.RFC3339), r.DurationMS/1000)
	for _, c := range r.Checks {
		status := "ok"
		if c.Count > 0 {
			status = fmt.Sprintf("%d %s(s)", c.Count, c.Severity)
		}
		fmt.Fprintf(w, "  %-26s %-14s %7.2fs  %s\n", c.Check, status, c.DurationMS/1000, c.Description)
	}
	for _, c := range r.Checks {
		if c.Count == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%s): %d found", c.Check, c.Severity, c.Count)
		if c.Shown < c.Count {
			fmt.Fprintf(w, ", first %d shown", c.Shown)
		}
		fmt.Fprintln(w)
		for _, f := range r.Findings {
			if f.Check != c.Check {
				continue
			}
			fmt.Fprintf(w, "  - %s\n", f.Message)
			if loc := locationText(f.Location); loc != "" {
				fmt.Fprintf(w, "    location: %s\n", loc)
			}
		}
	}
	fmt.Fprintf(w, "\n%d error(s), %d warning(s)\n", r.Errors(), r.Warnings())
}

// locationText gives a finding's location as WKT when it is short, and as
// a lon,lat point otherwise.
func locationText(g orb.Geometry) string {
	if g == nil {
		return ""
	}
	if s := wkt.MarshalString(g); len(s) <= 200 {
		return s
	}
	c, _ := planar.CentroidArea(g)
	return fmt.Sprintf("around %.6f,%.6f (%s, bounds %.6f,%.6f %.6f,%.6f)", c[0], c[1], g.GeoJSONType(),
		g.Bound().Min[0], g.Bound().Min[1], g.Bound().Max[0], g.Bound().Max[1])
}
