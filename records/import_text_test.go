package records_test

import (
	"bytes"
	"testing"
	"time"

	"gridmap/records"
)

func TestImportResultWriteText(t *testing.T) {
	t.Parallel()
	bad := []records.RowError{{Row: 3, Column: "身份证号", Letter: "C", Detail: "not an identity number"}}
	for _, tc := range []struct {
		name string
		res  records.ImportResult
		want string
	}{
		{"written", records.ImportResult{Kind: records.KindAddresses, Rows: 5, Accepted: 5, Written: true},
			"imported 5 addresses of 5 rows (0 rejected) in 1.235s\n"},
		{"partial", records.ImportResult{Kind: records.KindResidents, Rows: 5, Accepted: 4, Rejected: 1, Written: true, Errors: bad},
			bad[0].String() + "\nimported 4 residents of 5 rows (1 rejected) in 1.235s\n"},
		{"rejected, truncated", records.ImportResult{Kind: records.KindUnits, Rows: 5, Accepted: 4, Rejected: 1, Errors: bad, Truncated: true},
			bad[0].String() + "\n(only the first 1000 errors are listed)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			tc.res.WriteText(&b, 1234567*time.Microsecond)
			if b.String() != tc.want {
				t.Errorf("WriteText wrote\n%q\nwant\n%q", b.String(), tc.want)
			}
		})
	}
}
