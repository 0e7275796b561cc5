package bench_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gridmap/bench"
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
