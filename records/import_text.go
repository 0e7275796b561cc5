package records

import (
	"fmt"
	"io"
	"time"
)

// WriteText prints the result for a person at a terminal: each row error
// on its line (the first MaxRowErrors), then, when the import was
// written, what it wrote in how long.
func (r ImportResult) WriteText(w io.Writer, elapsed time.Duration) {
	for _, re := range r.Errors {
		fmt.Fprintln(w, re.String())
	}
	if r.Truncated {
		fmt.Fprintf(w, "(only the first %d errors are listed)\n", MaxRowErrors)
	}
	if r.Written {
		fmt.Fprintf(w, "imported %d %s of %d rows (%d rejected) in %s\n", r.Accepted, r.Kind, r.Rows, r.Rejected, elapsed.Round(time.Millisecond))
	}
}
