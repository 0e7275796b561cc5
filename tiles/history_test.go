package tiles_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/maptile"

	"gridmap/features"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
	"gridmap/tiles"
	"gridmap/tiles/tilestest"
)

var (
	y2024 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	y2025 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

// historyFixture: grid 001 is redrawn smaller on 2025-01-01 and its one
// household moves to exclusive grid 002 (with sub-grid 00201) that day.
func historyFixture(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := st.Pool().Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", strings.Fields(sql)[0:3], err)
		}
	}
	for _, a := range []struct{ code, level, name, parent, wkt string }{
		{"320900000000", "city", "盐城市", "", "POLYGON((119.9 33.2,120.5 33.2,120.5 33.6,119.9 33.6,119.9 33.2))"},
		{"320902000000", "county", "亭湖区", "320900000000", "POLYGON((120.0 33.3,120.3 33.3,120.3 33.5,120.0 33.5,120.0 33.3))"},
		{"320902001000", "town", "五星街道", "320902000000", "POLYGON((120.08 33.34,120.16 33.34,120.16 33.42,120.08 33.42,120.08 33.34))"},
		{"320902001001", "village", "五星社区", "320902001000", "POLYGON((120.10 33.36,120.14 33.36,120.14 33.40,120.10 33.40,120.10 33.36))"},
	} {
		var parent any
		if a.parent != "" {
			parent = a.parent
		}
		exec(`INSERT INTO area (code, level, name, parent, geom) VALUES ($1, $2, $3, $4, ST_Multi(ST_GeomFromText($5, 4326)))`,
			a.code, a.level, a.name, parent, a.wkt)
	}
	grid := func(code, kind, parent, name, wkt string, from time.Time, to *time.Time) {
		t.Helper()
		var p any
		if parent != "" {
			p = parent
		}
		exec(`INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
			VALUES ($1, $2, left($1, 12), $3, $4, ST_Multi(ST_GeomFromText($5, 4326)), tstzrange($6, $7))`,
			code, kind, p, name, wkt, from, to)
	}
	grid("320902001001001", "urban", "", "第一网格", "POLYGON((120.10 33.36,120.12 33.36,120.12 33.40,120.10 33.40,120.10 33.36))", y2024, &y2025)
	grid("320902001001001", "urban", "", "第一网格", "POLYGON((120.10 33.36,120.11 33.36,120.11 33.40,120.10 33.40,120.10 33.36))", y2025, nil)
	grid("320902001001002", "exclusive", "", "管委会网格", "POLYGON((120.12 33.36,120.14 33.36,120.14 33.40,120.12 33.40,120.12 33.36))", y2024, nil)
	grid("32090200100100201", "exclusive", "320902001001002", "管委会南区", "POLYGON((120.12 33.36,120.14 33.36,120.14 33.38,120.12 33.38,120.12 33.36))", y2024, nil)
	exec(`INSERT INTO household (address, geom, grid_code) VALUES ('一号', ST_SetSRID(ST_MakePoint(120.13, 33.37), 4326), '320902001001002')`)
	exec(`INSERT INTO assignment (record_type, record_id, grid_code, valid)
		SELECT 'household', id, '320902001001001', tstzrange($1, $2) FROM household
		UNION ALL SELECT 'household', id, '320902001001002', tstzrange($2, NULL) FROM household`, y2024, y2025)
	exec(`SELECT bump_dataset_version('history fixture')`)
}

type histFeature struct {
	area  float64
	props map[string]any
}

func decodeByCode(t *testing.T, b []byte) map[string]histFeature {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	d, err := tilestest.Decode(b)
	if err != nil {
		t.Fatalf("PostGIS tile fails the strict decoder: %v", err)
	}
	out := map[string]histFeature{}
	for _, l := range d.Layers {
		for _, f := range l.Features {
			code, ok := f.Props["code"].(string)
			if !ok { // a lean feature (below its layer's full zoom): the code is in the id
				code = codeOfID(f.ID)
			}
			if f.ID != geo.Code(code).ID() {
				t.Errorf("layer %s: id %d for code %s; want %d", l.Name, f.ID, code, geo.Code(code).ID())
			}
			var a float64
			for _, p := range f.Polygons {
				for _, r := range p {
					a += float64(tilestest.RingArea2(r)) / 2
				}
			}
			out[l.Name+"/"+code] = histFeature{a, f.Props}
		}
	}
	return out
}

// codeOfID reads a feature id back into its code (geo.Code.ID: the code
// times 100 plus its length).
func codeOfID(id uint64) string {
	s := strconv.FormatUint(id/100, 10)
	if n := int(id % 100); n > len(s) {
		s = strings.Repeat("0", n-len(s)) + s
	}
	return s
}

func TestTileAt(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	pg := tiles.NewPostGIS(st)
	historyFixture(t, st)
	ctx := context.Background()
	// At z12 the whole village fits in the tile, and grids are lean (id
	// and kind); the z13 tile on the line between grids 001 and 002 has
	// both with all their properties.
	render := func(z int, at time.Time) map[string]histFeature {
		t.Helper()
		tl := maptile.At(orb.Point{120.12, 33.38}, maptile.Zoom(z))
		b, err := pg.TileAt(ctx, tiles.LayersAt(nil, z), z, int(tl.X), int(tl.Y), at)
		if err != nil {
			t.Fatal(err)
		}
		return decodeByCode(t, b)
	}
	y2024mid, y2025mid := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	before, after := render(12, y2024mid), render(12, y2025mid)
	before13, after13 := render(13, y2024mid), render(13, y2025mid)
	ancient := render(13, time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC))
	for k, f := range after {
		if strings.HasPrefix(k, "grid/") && (len(f.props) != 1 || f.props["kind"] == nil) {
			t.Errorf("z12: %s carries %v; want its kind only", k, f.props)
		}
	}

	g1b, g1a := before["grid/320902001001001"], after["grid/320902001001001"]
	if g1b.area == 0 || g1a.area == 0 {
		t.Fatalf("grid 001 missing: before %v, after %v", before, after)
	}
	if r := g1a.area / g1b.area; r < 0.48 || r > 0.52 {
		t.Errorf("grid 001 area after/before = %.3f; want 0.5 (redrawn to half on 2025-01-01)", r)
	}
	for _, tc := range []struct {
		name string
		got  map[string]histFeature
		key  string
		prop string
		want any
	}{
		{"household in 001 before", before13, "grid/320902001001001", "households", int64(1)},
		{"no household in 002 before", before13, "grid/320902001001002", "households", int64(0)},
		{"household in 002 after", after13, "grid/320902001001002", "households", int64(1)},
		{"village sums households", after, "village/320902001001", "households", int64(1)},
		{"town sums households", before, "town/320902001000", "households", int64(1)},
		{"grid kind", after13, "grid/320902001001002", "kind", "exclusive"},
		{"lean grid kind", after, "grid/320902001001002", "kind", "exclusive"},
		{"lean grid kind before", before, "grid/320902001001001", "kind", "urban"},
		{"grid parent is its village", after13, "grid/320902001001001", "parent", "320902001001"},
		{"grid level", after13, "grid/320902001001001", "level", "grid"},
		{"area level", after, "county/320902000000", "level", "county"},
		{"area parent", after, "town/320902001000", "parent", "320902000000"},
		{"area name", after, "village/320902001001", "name", "五星社区"},
		{"area households before any grid", ancient, "village/320902001001", "households", int64(0)},
	} {
		f, ok := tc.got[tc.key]
		if !ok {
			t.Errorf("%s: %s missing", tc.name, tc.key)
			continue
		}
		if f.props[tc.prop] != tc.want {
			t.Errorf("%s: %s %s = %v (%T); want %v", tc.name, tc.key, tc.prop, f.props[tc.prop], f.props[tc.prop], tc.want)
		}
	}
	for k := range ancient {
		if strings.HasPrefix(k, "grid/") || strings.HasPrefix(k, "subgrid/") {
			t.Errorf("2023: %s present before any grid existed", k)
		}
	}
	// Sub-grids start at z13, grid labels at z13: neither is in a z12 tile.
	for k := range after {
		if strings.HasPrefix(k, "subgrid/") || (strings.HasPrefix(k, "label/") && len(k) > len("label/")+12) {
			t.Errorf("z12: %s present outside its zooms", k)
		}
	}
	if _, ok := after["label/320902001001"]; !ok {
		t.Errorf("z12: village label missing")
	}

	// z14 has sub-grids and grid labels, with the sub-grid's parent grid.
	tl := maptile.At(orb.Point{120.13, 33.3799}, 14) // grid 002's centre, in sub-grid 00201
	b, err := pg.TileAt(ctx, []string{"subgrid", "label"}, 14, int(tl.X), int(tl.Y), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	z14 := decodeByCode(t, b)
	if f := z14["subgrid/32090200100100201"]; f.props["parent"] != "320902001001002" || f.props["level"] != "subgrid" {
		t.Errorf("z14 sub-grid: %v; want parent 320902001001002, level subgrid", f.props)
	}
	if _, ok := z14["label/320902001001002"]; !ok {
		t.Errorf("z14: label of grid 002 missing: %v", z14)
	}
	if _, ok := z14["grid/320902001001002"]; ok {
		t.Errorf("z14: grid layer present though only subgrid and label were asked for")
	}
}

// TestTileAtAreaHistory: the village of the history fixture is renamed
// and shrunk to its west half on 2025-01-01 (a write to area dated then,
// as an apply dates its edge matching). ?at= tiles, AreaAt, AreaVersions
// and area items with a time show the village of each time.
func TestTileAtAreaHistory(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	pg := tiles.NewPostGIS(st)
	historyFixture(t, st)
	ctx := context.Background()
	tx, err := st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{
		`SELECT set_config('gridmap.area_at', '2025-01-01 00:00:00+00', true)`,
		`UPDATE area SET name = '五星新社区', geom = ST_Multi(ST_MakeEnvelope(120.10, 33.36, 120.12, 33.40, 4326)) WHERE code = '320902001001'`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	const z = 12
	tl := maptile.At(orb.Point{120.12, 33.38}, z)
	render := func(at time.Time) histFeature {
		t.Helper()
		b, err := pg.TileAt(ctx, []string{"village"}, z, int(tl.X), int(tl.Y), at)
		if err != nil {
			t.Fatal(err)
		}
		return decodeByCode(t, b)["village/320902001001"]
	}
	was, now := render(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)), render(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	if was.props["name"] != "五星社区" || now.props["name"] != "五星新社区" {
		t.Errorf("village names in ?at= tiles: %v before, %v after; want 五星社区, 五星新社区", was.props["name"], now.props["name"])
	}
	if was.area == 0 || now.area/was.area < 0.48 || now.area/was.area > 0.52 {
		t.Errorf("village area after/before in ?at= tiles: %g / %g; want 0.5", now.area, was.area)
	}
	a, err := features.AreaAt(ctx, st, "320902001001", y2024)
	if err != nil || a.Name != "五星社区" || a.Geom.Bound().Max[0] != 120.14 || !a.ValidFrom.IsZero() || !a.ValidTo.Equal(y2025) {
		t.Errorf("AreaAt 2024: %s %v %v–%v (%v)", a.Name, a.Geom.Bound(), a.ValidFrom, a.ValidTo, err)
	}
	if a, err := features.AreaAt(ctx, st, "320902001001", y2025); err != nil || a.Name != "五星新社区" || a.Geom.Bound().Max[0] != 120.12 {
		t.Errorf("AreaAt 2025: %s %v (%v)", a.Name, a.Geom.Bound(), err)
	}
	if _, err := features.AreaAt(ctx, st, "320902001009", y2025); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AreaAt of an unknown village: %v, want ErrNotFound", err)
	}
	if vs, err := features.AreaVersions(ctx, st, "320902001001"); err != nil || len(vs) != 2 || !vs[1].ValidFrom.Equal(y2025) || !vs[1].ValidTo.IsZero() {
		t.Errorf("AreaVersions: %d versions (%v)", len(vs), err)
	}
	items, err := features.Items(ctx, st, features.CollectionAreas, features.ItemsQuery{Limit: 10, Level: geo.LevelVillage,
		Time: &features.TimeRange{From: y2024, To: y2025}})
	if err != nil || items.Matched != 2 || len(items.Areas) != 2 || items.Areas[0].Name != "五星社区" || items.Areas[1].Name != "五星新社区" {
		t.Errorf("village versions 2024–2025: %+v (%v)", items, err)
	}
}

func TestTileAtRejectsBadInput(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	pg := tiles.NewPostGIS(st)
	for _, tc := range []struct {
		name    string
		layers  []string
		z, x, y int
		want    string
	}{
		{"zoom", []string{"grid"}, 31, 0, 0, "out of range"},
		{"x", []string{"grid"}, 2, 4, 0, "out of range"},
		{"negative y", []string{"grid"}, 2, 0, -1, "out of range"},
		{"layer", []string{"roads"}, 2, 0, 0, `unknown layer "roads"`},
	} {
		_, err := pg.TileAt(context.Background(), tc.layers, tc.z, tc.x, tc.y, time.Now())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one saying %q", tc.name, err, tc.want)
		}
	}
	b, err := pg.TileAt(context.Background(), []string{"grid", "label"}, 10, 0, 0, time.Now())
	if err != nil || b != nil {
		t.Errorf("empty tile: %d bytes, %v; want nil, nil", len(b), err)
	}
}

// TestTileCurrent checks the PostGIS yardstick of gridd bench tiles: the
// current grid versions only, the layers asked for, strict MVT 2.1 with
// ids, grid household counts, and nil for an empty tile.
func TestTileCurrent(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	pg := tiles.NewPostGIS(st)
	historyFixture(t, st)
	ctx := context.Background()
	render := func(layers []string, z int, lon, lat float64) map[string]histFeature {
		t.Helper()
		tl := maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
		b, err := pg.TileCurrent(ctx, layers, z, int(tl.X), int(tl.Y))
		if err != nil {
			t.Fatal(err)
		}
		return decodeByCode(t, b)
	}
	z12 := render(tiles.LayersAt(nil, 12), 12, 120.12, 33.38)
	z14 := render(tiles.LayersAt(nil, 14), 14, 120.13, 33.3799)
	now := render(nil, 12, 120.12, 33.38)
	old, err := pg.TileAt(ctx, tiles.LayersAt(nil, 12), 12, int(maptile.At(orb.Point{120.12, 33.38}, 12).X),
		int(maptile.At(orb.Point{120.12, 33.38}, 12).Y), time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	before := decodeByCode(t, old)
	if r := z12["grid/320902001001001"].area / before["grid/320902001001001"].area; r < 0.48 || r > 0.52 {
		t.Errorf("grid 001 area now/2024 = %.3f; want 0.5 (only the current version)", r)
	}
	for _, tc := range []struct {
		name string
		got  map[string]histFeature
		key  string
		prop string
		want any
	}{
		{"grid households", z12, "grid/320902001001002", "households", int64(1)},
		{"empty grid", z12, "grid/320902001001001", "households", int64(0)},
		{"grid kind", z12, "grid/320902001001002", "kind", "exclusive"},
		{"grid parent", z12, "grid/320902001001001", "parent", "320902001001"},
		{"area level", z12, "county/320902000000", "level", "county"},
		{"area parent", z12, "town/320902001000", "parent", "320902000000"},
		{"village label", z12, "label/320902001001", "name", "五星社区"},
		{"sub-grid parent", z14, "subgrid/32090200100100201", "parent", "320902001001002"},
		{"grid label at z14", z14, "label/320902001001002", "level", "grid"},
	} {
		f, ok := tc.got[tc.key]
		if !ok {
			t.Errorf("%s: %s missing", tc.name, tc.key)
			continue
		}
		if f.props[tc.prop] != tc.want {
			t.Errorf("%s: %s %s = %v (%T); want %v", tc.name, tc.key, tc.prop, f.props[tc.prop], f.props[tc.prop], tc.want)
		}
	}
	for k := range z12 {
		if strings.HasPrefix(k, "subgrid/") || k == "label/320902001001001" {
			t.Errorf("z12: %s present outside its zooms", k)
		}
	}
	if len(now) != 0 {
		t.Errorf("no layers asked for: %d features; want none", len(now))
	}
	if b, err := pg.TileCurrent(ctx, []string{"grid", "label"}, 10, 0, 0); err != nil || b != nil {
		t.Errorf("empty tile: %d bytes, %v; want nil, nil", len(b), err)
	}
	for _, bad := range []struct {
		layers  []string
		z, x, y int
		want    string
	}{{[]string{"grid"}, 31, 0, 0, "out of range"}, {[]string{"roads"}, 2, 0, 0, `unknown layer "roads"`}} {
		if _, err := pg.TileCurrent(ctx, bad.layers, bad.z, bad.x, bad.y); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v %d/%d/%d: error %v; want one saying %q", bad.layers, bad.z, bad.x, bad.y, err, bad.want)
		}
	}
}

// loadSynthetic writes tilestest.SyntheticCity into a test database.
func loadSynthetic(b *testing.B, st *store.Store, snap *geo.Snapshot) {
	b.Helper()
	ctx := context.Background()
	batch := &pgx.Batch{}
	for _, a := range snap.Areas {
		var parent any
		if a.Parent != "" {
			parent = string(a.Parent)
		}
		batch.Queue(`INSERT INTO area (code, level, name, parent, geom) VALUES ($1, $2, $3, $4, ST_GeomFromText($5, 4326))`,
			string(a.Code), a.Level.String(), a.Name, parent, wkt.MarshalString(a.Geom))
	}
	for _, g := range snap.Grids {
		var parent any
		if g.ParentGrid != "" {
			parent = string(g.ParentGrid)
		}
		batch.Queue(`INSERT INTO grid (code, kind, village, parent_grid, name, geom, valid)
			VALUES ($1, $2, $3, $4, $5, ST_GeomFromText($6, 4326), tstzrange($7, NULL))`,
			string(g.Code), string(g.Kind), string(g.Village), parent, g.Name, wkt.MarshalString(g.Geom), g.ValidFrom)
	}
	if err := st.Pool().SendBatch(ctx, batch).Close(); err != nil {
		b.Fatalf("load synthetic city: %v", err)
	}
	if _, err := st.Pool().Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTileAtSynthetic renders the weighted tile list of the tiles
// benchmarks from PostGIS, over the same synthetic city of 21,000 grids,
// for comparison with BenchmarkRenderCold in package tiles: the ?at= path
// with every layer (labels need ST_MaximumInscribedCircle per feature),
// and with the polygon layers only, the shape of a pg_tileserv query.
func BenchmarkTileAtSynthetic(b *testing.B) {
	st := storetest.New(b)
	pg := tiles.NewPostGIS(st)
	snap := tilestest.SyntheticCity(150, 140)
	loadSynthetic(b, st, snap)
	list := tilestest.WeightedTiles(tiles.Prepare(snap), 5000, 1)
	ctx := context.Background()
	now := time.Now()
	for _, bc := range []struct {
		name   string
		labels bool
	}{{"all layers", true}, {"polygons only", false}} {
		b.Run(bc.name, func(b *testing.B) {
			var lat []time.Duration
			bytes, i := 0, 0
			for b.Loop() {
				t := list[i%len(list)]
				i++
				layers := tiles.LayersAt(nil, t.Z)
				if !bc.labels {
					layers = slices.DeleteFunc(layers, func(l string) bool { return l == tiles.LayerLabel })
				}
				start := time.Now()
				data, err := pg.TileAt(ctx, layers, t.Z, t.X, t.Y, now)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				bytes += len(data)
			}
			slices.Sort(lat)
			var sum time.Duration
			for _, d := range lat {
				sum += d
			}
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(bytes)/float64(i), "B/tile")
			b.ReportMetric(float64(len(lat))/sum.Seconds(), "tiles/s")
		})
	}
}

// TestTileAtLeanBelowLabels: below the zoom of their labels, town and
// village polygons carry their ids only and grids their ids and kinds, in
// history tiles as in the in-memory renderer's; from that zoom on, all
// their properties. At every zoom from 6 to 14 both renderers write the
// same properties for every polygon in both tiles.
func TestTileAtLeanBelowLabels(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	pg := tiles.NewPostGIS(st)
	historyFixture(t, st)
	ctx := context.Background()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prep := tiles.Prepare(snap)
	ids := map[string]uint64{
		"town":    geo.MustParseCode("320902001000").ID(),
		"village": geo.MustParseCode("320902001001").ID(),
		"grid":    geo.MustParseCode("320902001001002").ID(),
	}
	for _, tc := range []struct {
		z                   int
		town, village, grid string // the properties wanted on each, sorted; "-": not in the tile
	}{
		{8, "", "-", "-"},
		{9, "code households level name parent", "-", "-"},
		{10, "code households level name parent", "", "-"},
		{11, "code households level name parent", "code households level name parent", "kind"},
		{12, "code households level name parent", "code households level name parent", "kind"},
		{13, "code households level name parent", "code households level name parent", "code households kind level name parent units village"},
		{14, "code households level name parent", "code households level name parent", "code households kind level name parent units village"},
	} {
		var lean []string // the layers the table wants lean at z, as tiles.LeanAt names them
		for _, l := range []struct{ name, props string }{{"town", tc.town}, {"village", tc.village}, {"grid", tc.grid}} {
			if info, _ := tiles.LayerByName(l.name); l.props != "-" && len(strings.Fields(l.props)) < len(info.Fields) {
				lean = append(lean, l.name)
			}
		}
		if got := tiles.LeanAt([]string{"town", "village", "grid"}, tc.z); !slices.Equal(got, lean) {
			t.Errorf("z%d: tiles.LeanAt %v; want %v", tc.z, got, lean)
		}
		tl := maptile.At(orb.Point{120.13, 33.38}, maptile.Zoom(tc.z))
		x, y := int(tl.X), int(tl.Y)
		hist, err := pg.TileAt(ctx, tiles.LayersAt(nil, tc.z), tc.z, x, y, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		mem, err := prep.Render(nil, tc.z, x, y)
		if err != nil {
			t.Fatal(err)
		}
		props := map[string]map[string]string{} // renderer → layer/id → properties
		for name, b := range map[string][]byte{"TileAt": hist, "in memory": mem} {
			d, err := tilestest.Decode(b)
			if err != nil {
				t.Fatalf("z%d %s: %v", tc.z, name, err)
			}
			props[name] = map[string]string{}
			got := map[string]string{"town": "-", "village": "-", "grid": "-"}
			for _, l := range d.Layers {
				for _, f := range l.Features {
					keys := slices.Sorted(maps.Keys(f.Props))
					if l.Name != tiles.LayerLabel {
						props[name][fmt.Sprintf("%s/%d", l.Name, f.ID)] = fmt.Sprint(f.Props)
					}
					if id, ok := ids[l.Name]; ok && f.ID == id {
						got[l.Name] = strings.Join(keys, " ")
					}
				}
			}
			if got["town"] != tc.town || got["village"] != tc.village || got["grid"] != tc.grid {
				t.Errorf("z%d %s: properties of town %q, village %q, grid %q; want %q, %q, %q (-: absent)",
					tc.z, name, got["town"], got["village"], got["grid"], tc.town, tc.village, tc.grid)
			}
		}
		both := 0
		for k, m := range props["in memory"] {
			if h, ok := props["TileAt"][k]; ok {
				both++
				if h != m {
					t.Errorf("z%d %s: TileAt %s, in memory %s", tc.z, k, h, m)
				}
			}
		}
		if both == 0 {
			t.Errorf("z%d: no polygon in both tiles", tc.z)
		}
	}
}
