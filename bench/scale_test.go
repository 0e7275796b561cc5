package bench_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gridmap/bench"
	"gridmap/store/storetest"
)

func TestScalePrintsEverySize(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := bench.Scale(context.Background(), &out, nil, bench.ScaleOptions{Sizes: []float64{0.02, 0.05}, Lookup: 20 * time.Millisecond, Tiles: 20}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "index MiB") || !strings.Contains(lines[1], "0.02x") || !strings.Contains(lines[2], "0.05x") {
		t.Errorf("want a header and one row per size:\n%s", out.String())
	}
}

// TestScaleWithScratchDatabase writes each size's synthetic city to a
// fresh database (measureDB checks that the snapshot loaded back holds
// every grid and area, and the changed grid after the reload) and prints
// the database figures.
func TestScaleWithScratchDatabase(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	var out bytes.Buffer
	if err := bench.Scale(context.Background(), &out, nil, bench.ScaleOptions{Sizes: []float64{0.02, 0.05}, Lookup: 20 * time.Millisecond, Tiles: 20, Scratch: st}); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	tables := strings.Split(strings.TrimSpace(out.String()), "\n\n")
	if len(tables) != 2 {
		t.Fatalf("want the in-memory and the database tables:\n%s", out.String())
	}
	lines := strings.Split(tables[1], "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "snapshot load") || !strings.Contains(lines[1], "0.02x") || !strings.Contains(lines[2], "0.05x") {
		t.Errorf("want a header and one row per size:\n%s", tables[1])
	}
	if n := storetest.Int(t, st, "SELECT count(*) FROM area"); n != 0 {
		t.Errorf("%d areas left in the scratch database, want none", n)
	}
}
