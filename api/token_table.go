package api

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"gridmap/store"
)

// WriteTokenTable prints tokens as a table for a terminal (gridd token
// list): id, role, area ("city" for the whole city), name, and the UTC
// times of creation and revocation ("-" while in use). Never a secret.
func WriteTokenTable(w io.Writer, ts []store.Token) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tAREA\tNAME\tCREATED\tREVOKED")
	for _, t := range ts {
		area, revoked := "city", "-"
		if t.Area != "" {
			area = t.Area.Short()
		}
		if t.Revoked() {
			revoked = t.RevokedAt.UTC().Format(time.RFC3339)
		}
		role := t.Role
		if t.Department != "" {
			role += ":" + t.Department
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, role, area, t.Name, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}
