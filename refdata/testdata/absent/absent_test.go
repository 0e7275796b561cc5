// Package absent is run by refdata's own test with `go test` in
// package-list mode: its test asks for a reference file that the calling
// test makes absent, present, or present with the wrong content (then it
// fails, which shows it ran).
package absent

import (
	"os"
	"testing"

	"gridmap/refdata"
)

func TestMain(m *testing.M) { os.Exit(refdata.Run(m)) }

func TestNeedsOutlines(t *testing.T) {
	t.Parallel()
	p, ok := refdata.Path(t, "outlines.geojson")
	if !ok {
		return
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "outlines" {
		t.Fatalf("%s holds %q; want %q", p, b, "outlines")
	}
}
