package records_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/records"
	"gridmap/store"
	"gridmap/store/storetest"
)

// BenchmarkImportAddressesVsCopy imports GRIDMAP_IMPORT_ROWS (default
// 1 M) generated address rows from CSV — parsing, the lookup of every
// point, the address rules, the database checks, codes, COPY into
// standard_address with its indexes and triggers, assignment rows — and,
// in the same run, COPYs the same rows (already built) into a table
// without any constraint or index. It reports both times and their ratio
// (copy / import: 1 would be as fast as the bare COPY).
//
//	go test -run - -bench ImportAddressesVsCopy -benchtime 1x ./records
func BenchmarkImportAddressesVsCopy(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("GRIDMAP_IMPORT_ROWS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	st := storetest.NewDemo(b, demo.Options{Scale: 0.2, Seed: 5, County: geo.MustParseCode("320902")})
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ix := geo.NewIndex(snap, geo.IndexOptions{})
	svc := records.NewService(st, fixedKey(b), func() *geo.Index { return ix })
	csv, rows := addressRows(b, snap, ix, n)
	b.Logf("%d rows, %.1f MB of CSV", n, float64(len(csv))/1e6)

	if _, err := st.Pool().Exec(ctx, `CREATE TABLE bare_address (id bigint, code text, city text, county text, town text,
		village text, villager_group text, road text, door_number text, compound text, building text, entrance text, room text,
		full_text text, geom geometry(Point, 4326), grid_code text)`); err != nil {
		b.Fatal(err)
	}
	cols := []string{"id", "code", "city", "county", "town", "village", "villager_group", "road", "door_number",
		"compound", "building", "entrance", "room", "full_text", "geom", "grid_code"}
	bare := func() time.Duration {
		if _, err := st.Pool().Exec(ctx, `TRUNCATE bare_address`); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := st.Pool().CopyFrom(ctx, pgx.Identifier{"bare_address"}, cols, pgx.CopyFromRows(rows)); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	b.ResetTimer()
	copy1 := bare()
	t0 := time.Now()
	res, err := svc.Import(ctx, records.KindAddresses, bytes.NewReader(csv), records.ImportOptions{Caller: admin})
	imp := time.Since(t0)
	if err != nil || !res.Written || res.Accepted != n {
		b.Fatalf("import: accepted %d of %d, %v, %v", res.Accepted, n, err, res.Errors[:min(len(res.Errors), 5)])
	}
	copy2 := bare()
	// The same COPY into a table with standard_address's checks and
	// indexes (not its triggers, which check grid codes and move the code
	// counters once per statement): what the table itself costs.
	if _, err := st.Pool().Exec(ctx, `CREATE TABLE checked_address (LIKE standard_address INCLUDING ALL)`); err != nil {
		b.Fatal(err)
	}
	t1 := time.Now()
	if _, err := st.Pool().CopyFrom(ctx, pgx.Identifier{"checked_address"}, cols, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	checked := time.Since(t1)
	b.StopTimer()
	bestCopy := min(copy1, copy2)
	b.ReportMetric(imp.Seconds(), "import-s")
	b.ReportMetric(bestCopy.Seconds(), "copy-s")
	b.ReportMetric(bestCopy.Seconds()/imp.Seconds(), "copy/import")
	b.ReportMetric(float64(n)/imp.Seconds(), "rows/s")
	b.ReportMetric(checked.Seconds(), "table-copy-s")
	b.Logf("import %s (%.0f rows/s); bare COPY %s and %s; ratio %.2f; the same COPY into a table with standard_address's checks and indexes %s",
		imp.Round(time.Millisecond), float64(n)/imp.Seconds(), copy1.Round(time.Millisecond), copy2.Round(time.Millisecond),
		bestCopy.Seconds()/imp.Seconds(), checked.Round(time.Millisecond))
}

// addressRows makes n distinct addresses at random points of the
// snapshot's grids, as CSV and as the rows the import would write.
func addressRows(b testing.TB, snap *geo.Snapshot, ix *geo.Index, n int) ([]byte, [][]any) {
	rng := rand.New(rand.NewPCG(1, 2))
	var bound orb.Bound
	for i, g := range snap.Grids {
		if i == 0 {
			bound = g.Geom.Bound()
		}
		bound = bound.Union(g.Geom.Bound())
	}
	name := func(c geo.Code) string { return snap.Area(c).Name }
	next := map[geo.Code]int{}
	var buf bytes.Buffer
	buf.WriteString("address,lon,lat\n")
	rows := make([][]any, 0, n)
	for len(rows) < n {
		p := orb.Point{bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1])}
		p = orb.Point{math.Round(p[0]*1e7) / 1e7, math.Round(p[1]*1e7) / 1e7} // as the CSV writes it
		h := ix.Lookup(p)
		if h.Grid < 0 {
			continue
		}
		g := &snap.Grids[h.Grid]
		v := g.Village
		k := next[v]
		next[v]++
		door, building, entrance, room := strconv.Itoa(1+k/240), strconv.Itoa(1+k/24%10), strconv.Itoa(1+k/8%3), strconv.Itoa(101+k%8)
		if k/240 >= 99999 {
			continue
		}
		county, town, village := name(v.County()), name(v.Town()), name(v)
		text := county + town + village + door + "号" + building + "幢" + entrance + "单元" + room + "室"
		fmt.Fprintf(&buf, "%s,%.7f,%.7f\n", text, p[0], p[1])
		code, _ := records.NewAddressCode(v, k+1)
		rows = append(rows, []any{int64(len(rows) + 1), string(code), name(v.Ancestor(geo.LevelCity)), county, town, village, "", "", door,
			"", building, entrance, room, name(v.Ancestor(geo.LevelCity)) + text, store.Geom(p), string(g.Code)})
	}
	return buf.Bytes(), rows
}
