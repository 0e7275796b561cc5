package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// TestBenchTiles runs Tiles on a small demo city and checks
// that each path, over HTTP and in process, printed a row of positive
// figures, with the same non-empty tiles on every path.
func TestBenchTiles(t *testing.T) {
	t.Parallel()
	st := storetest.NewDemo(t, demo.Options{Scale: 0.1, Seed: 1, County: geo.MustParseCode("320902")})
	// A connection for every PostGIS client and two for the services'
	// live states, as gridd bench tiles opens it.
	url, err := store.WithPoolSize(st.Pool().Config().ConnString(), 3+2)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var out strings.Builder
	o := TilesOptions{Tiles: 60, Seed: 3, Concurrency: 3, Warm: 300 * time.Millisecond, Runs: 2}
	if err := Tiles(context.Background(), &out, pool, service(pool), o); err != nil {
		t.Fatalf("bench tiles: %v\n%s", err, out.String())
	}
	rows := map[string][]float64{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) < 7 {
			continue
		}
		name := strings.Join(f[:len(f)-6], " ")
		var nums []float64
		for _, s := range f[len(f)-6:] {
			if s == "-" { // the zoom table's PostGIS columns above z10
				s = "-1"
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				nums = nil
				break
			}
			nums = append(nums, v)
		}
		if nums != nil {
			rows[name] = nums
		}
	}
	for _, name := range []string{"gridmap-cold", "gridmap-warm", "postgis-query",
		"gridmap-cold (in-process)", "gridmap-warm (in-process)", "postgis-query (in-process)"} {
		r, ok := rows[name]
		if !ok {
			t.Fatalf("row %q missing from:\n%s", name, out.String())
		}
		for i, what := range []string{"tiles/s", "p50", "p99", "bytes/tile"} {
			if r[i] <= 0 {
				t.Errorf("%s: %s = %v; want > 0\n%s", name, what, r[i], out.String())
			}
		}
	}
	// The cold and PostGIS passes ask for each distinct tile once, the
	// warm ones go round them at least once.
	m := regexp.MustCompile(`(\d+) distinct`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no distinct tile count in:\n%s", out.String())
	}
	distinct, _ := strconv.ParseFloat(m[1], 64)
	for name, r := range rows {
		if !strings.HasPrefix(name, "gridmap-") && !strings.HasPrefix(name, "postgis-") {
			continue // a row of the zoom table
		}
		if n := r[5]; strings.Contains(name, "warm") && n < distinct || !strings.Contains(name, "warm") && n != distinct {
			t.Errorf("%s: %v requests for %v distinct tiles", name, n, distinct)
		}
	}
	if !strings.Contains(out.String(), "3 connections on every pass") {
		t.Errorf("output does not say the concurrency:\n%s", out.String())
	}
	// Every pass asks for the same tiles: ours are empty alike on every
	// pass, and PostGIS finds content in nearly the same ones (its labels
	// sit elsewhere, so a tile edge may differ).
	ours := rows["gridmap-cold"][4]
	for _, name := range []string{"gridmap-warm", "gridmap-cold (in-process)", "gridmap-warm (in-process)"} {
		if rows[name][4] != ours {
			t.Errorf("%s: %v empty tiles; gridmap-cold had %v", name, rows[name][4], ours)
		}
	}
	for _, name := range []string{"postgis-query", "postgis-query (in-process)"} {
		if d := rows[name][4] - ours; d < -3 || d > 3 {
			t.Errorf("%s: %v empty tiles; gridmap had %v", name, rows[name][4], ours)
		}
	}
	// Both servers drew the same polygons, and their tiles are strict MVT 2.1.
	m = regexp.MustCompile(`gridmap (\d+), postgis (\d+), in both (\d+) .*decoder: gridmap (\d+), postgis (\d+)`).
		FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no feature comparison in:\n%s", out.String())
	}
	n := make([]int, 5)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	if n[0] < 20 || n[2] < n[0]*95/100 || n[2] < n[1]*95/100 {
		t.Errorf("polygon features: gridmap %d, postgis %d, in both %d; want most in both", n[0], n[1], n[2])
	}
	if n[3] != 0 || n[4] != 0 {
		t.Errorf("tiles failing the strict decoder: gridmap %d, postgis %d; want none", n[3], n[4])
	}
	// The zoom table: every zoom to 12, and the low zooms in a few KB.
	for z := 0; z <= 12; z++ {
		r, ok := rows["z"+strconv.Itoa(z)]
		if !ok {
			t.Errorf("zoom table: no row for z%d", z)
			continue
		}
		// tiles full mean max pg-mean pg-max (the PostGIS columns stop at z10)
		if r[1] > r[0] || r[2] > r[3] || z <= 8 && r[3] > 5000 {
			t.Errorf("zoom table z%d: %v; want full <= tiles, mean <= max, max <= 5000 bytes up to z8", z, r)
		}
	}
	// The warm passes served what the cold ones did.
	checked := regexp.MustCompile(`(?m)^(over HTTP|in process): .*; (\d+) warm answers equal the cold ones$`).FindAllStringSubmatch(out.String(), -1)
	if len(checked) != 2 || checked[0][2] == "0" || checked[1][2] == "0" {
		t.Errorf("warm answers checked: %q; want some on both lines:\n%s", checked, out.String())
	}
	t.Logf("\n%s", out.String())
	for _, want := range []string{"60 tiles drawn (seed 3)", "the fastest of 2 runs each", "over HTTP: cold/postgis", "in process: cold/postgis"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRunTilesChecksWarmAnswers: a warm pass whose answers differ from
// the cold pass's fails instead of scoring.
func TestRunTilesChecksWarmAnswers(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 20 { // fine for the cold pass, wrong after
			io.WriteString(w, "stale "+r.URL.Path)
			return
		}
		io.WriteString(w, "tile "+r.URL.Path)
	})
	paths := make([]string, 20)
	for i := range paths {
		paths[i] = fmt.Sprintf("/1/%d/0.mvt", i)
	}
	ctx := context.Background()
	cold, err := runTiles(ctx, len(paths), 2, 0, inProcess(h, paths), nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(cold.bodies[3]) != "tile /1/3/0.mvt" {
		t.Fatalf("cold body %q", cold.bodies[3])
	}
	_, err = runTiles(ctx, len(paths), 2, 10*time.Millisecond, inProcess(h, paths), cold.bodies)
	if err == nil || !strings.Contains(err.Error(), "not the") {
		t.Fatalf("warm pass with other answers: %v; want it refused", err)
	}
}
