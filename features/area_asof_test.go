package features_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"gridmap/adjust/ops/opstest"
	"gridmap/feature"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/lookup"
)

// TestAreasAsOf: after a village outline changes, LookupAt and
// ExportAreas at a time before the change answer with the village as it
// was then (from area_history), and at the current time with the village
// as it is now. Both fail when they read today's area table.
func TestAreasAsOf(t *testing.T) {
	t.Parallel()
	st := opstest.New(t)
	ctx := context.Background()
	const east = "320902001002"
	var before time.Time
	if err := st.Pool().QueryRow(ctx, `SELECT now()`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	// East keeps only its eastern half: the western half is in no village.
	if _, err := st.Pool().Exec(ctx, `UPDATE area SET geom = ST_Multi(ST_MakeEnvelope(120.045, 33, 120.06, 33.03, 4326))
		WHERE code = $1`, east); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	p := orb.Point{120.035, 33.015} // in the western half of East
	var wantNow string
	if err := st.Pool().QueryRow(ctx, `SELECT code FROM area WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
		ORDER BY CASE level WHEN 'village' THEN 0 WHEN 'town' THEN 1 WHEN 'county' THEN 2 ELSE 3 END, code LIMIT 1`,
		p[0], p[1]).Scan(&wantNow); err != nil {
		t.Fatal(err)
	}
	if wantNow == east {
		t.Fatal("the fixture change did not take the point out of the village")
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{{before, east}, {now, wantNow}} {
		a, err := lookup.NewPostGIS(st).LookupAt(ctx, p, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if string(a.Area) != c.want {
			t.Errorf("LookupAt %v: area %s, want %s", c.at, a.Area, c.want)
		}
	}
	// The exported outline of East: its area in square degrees.
	areaOf := func(f features.ExportFilter) float64 {
		_, buf := exportCodes(t, exporter(st, features.ExportAreas), f)
		r := feature.NewReader(buf, feature.ReaderOptions{})
		for {
			ft, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := ft.StringProperty("code"); c == east {
				return planar.Area(ft.Geometry)
			}
		}
		t.Fatalf("%s not exported", east)
		return 0
	}
	var was, is float64
	if err := st.Pool().QueryRow(ctx, `SELECT ST_Area(geom) FROM area_history WHERE code = $1 AND valid @> $2::timestamptz`,
		east, before).Scan(&was); err != nil {
		t.Fatal(err)
	}
	if err := st.Pool().QueryRow(ctx, `SELECT ST_Area(geom) FROM area WHERE code = $1`, east).Scan(&is); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    features.ExportFilter
		want float64
	}{
		{"before", features.ExportFilter{Level: geo.LevelVillage, At: before}, was},
		{"now", features.ExportFilter{Level: geo.LevelVillage, At: now}, is},
		{"current", features.ExportFilter{Level: geo.LevelVillage}, is},
	} {
		if got := areaOf(c.f); abs(got-c.want) > 1e-12 || was == is {
			t.Errorf("export %s: area %g, want %g (before %g, now %g)", c.name, got, c.want, was, is)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
