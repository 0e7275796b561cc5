package importer

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// WriteText writes the report for people (gridd import without --json):
// the problems, the counts by check, and a verdict line for the file name.
func (rep *Report) WriteText(w io.Writer, name string, took time.Duration) {
	for _, p := range rep.Problems {
		fmt.Fprintln(w, p)
	}
	if rep.Omitted > 0 {
		fmt.Fprintf(w, "... and %d more problems (raise --max-problems to list them)\n", rep.Omitted)
	}
	if len(rep.Checks) > 0 {
		fmt.Fprint(w, "problems by check:")
		for _, c := range slices.Sorted(maps.Keys(rep.Checks)) {
			fmt.Fprintf(w, " %s=%d", c, rep.Checks[c])
		}
		fmt.Fprintln(w)
	}
	verdict := "rejected, nothing written"
	switch {
	case rep.Accepted && rep.DryRun:
		verdict = "would be accepted (dry run, nothing written)"
	case rep.Accepted:
		verdict = fmt.Sprintf("accepted, dataset version %d", rep.Version)
	}
	fmt.Fprintf(w, "%s: %d features (%d areas, %d grids), %d errors, %d warnings, %d repaired in %s: %s\n",
		name, rep.Features, rep.Areas, rep.Grids, rep.Errors, rep.Warnings, rep.Repaired, took.Round(time.Millisecond), verdict)
}
