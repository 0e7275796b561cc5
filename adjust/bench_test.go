package adjust_test

import (
	"context"
	"fmt"
	"testing"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
	"gridmap/store"
	"gridmap/store/storetest"
)

// benchFixture: village 320902001001 is 10×5 grids of 0.002° (50 grids,
// 15,000 households at random); village 320902001002 north of it is a row
// of 20 grids of 0.002° with 10,000 households each.
const benchFixture = `
SELECT setseed(0.42);
INSERT INTO area (code, level, name, parent, geom) VALUES
 ('320900000000', 'city', 'Yancheng', NULL, ST_Multi(ST_MakeEnvelope(120, 33, 120.04, 33.012, 4326))),
 ('320902000000', 'county', 'Tinghu', '320900000000', ST_Multi(ST_MakeEnvelope(120, 33, 120.04, 33.012, 4326))),
 ('320902001000', 'town', 'Town', '320902000000', ST_Multi(ST_MakeEnvelope(120, 33, 120.04, 33.012, 4326)));
INSERT INTO area (code, level, name, parent, geom)
SELECT '320902001001', 'village', 'Fifty', '320902001000', ST_Multi(ST_Union(ST_MakeEnvelope(120 + c * 0.002, 33 + r * 0.002, 120.002 + c * 0.002, 33.002 + r * 0.002, 4326)))
FROM generate_series(0, 9) c, generate_series(0, 4) r;
INSERT INTO area (code, level, name, parent, geom)
SELECT '320902001002', 'village', 'Dense', '320902001000', ST_Multi(ST_Union(ST_MakeEnvelope(120 + c * 0.002, 33.01, 120.002 + c * 0.002, 33.012, 4326)))
FROM generate_series(0, 19) c;
INSERT INTO grid (code, kind, village, name, geom, valid)
SELECT '320902001001' || lpad((r * 10 + c + 1)::text, 3, '0'), 'urban', '320902001001', 'G' || (r * 10 + c + 1),
       ST_Multi(ST_MakeEnvelope(120 + c * 0.002, 33 + r * 0.002, 120.002 + c * 0.002, 33.002 + r * 0.002, 4326)), tstzrange('2026-01-01', NULL)
FROM generate_series(0, 9) c, generate_series(0, 4) r;
INSERT INTO grid (code, kind, village, name, geom, valid)
SELECT '320902001002' || lpad((c + 1)::text, 3, '0'), 'urban', '320902001002', 'D' || (c + 1),
       ST_Multi(ST_MakeEnvelope(120 + c * 0.002, 33.01, 120.002 + c * 0.002, 33.012, 4326)), tstzrange('2026-01-01', NULL)
FROM generate_series(0, 19) c;
INSERT INTO household (geom, grid_code)
SELECT p, (SELECT code FROM grid g WHERE ST_Covers(g.geom, p) ORDER BY code LIMIT 1)
FROM (SELECT ST_SetSRID(ST_MakePoint(120 + random() * 0.02, 33 + random() * 0.01), 4326) AS p FROM generate_series(1, 15000)) x;
INSERT INTO household (geom, grid_code)
SELECT p, (SELECT code FROM grid g WHERE ST_Covers(g.geom, p) ORDER BY code LIMIT 1)
FROM (SELECT ST_SetSRID(ST_MakePoint(120.0001 + c * 0.002 + random() * 0.0018, 33.0101 + random() * 0.0018), 4326) AS p
      FROM generate_series(0, 19) c, generate_series(1, 10000)) x;
INSERT INTO assignment (record_type, record_id, grid_code, valid)
SELECT 'household', id, grid_code, tstzrange('2026-01-01', NULL) FROM household;
ANALYZE;
SELECT bump_dataset_version('bench fixture');
`

func newBenchStore(b *testing.B) *store.Store {
	b.Helper()
	st := storetest.New(b)
	if _, err := st.Pool().Exec(context.Background(), benchFixture); err != nil {
		b.Fatalf("bench fixture: %v", err)
	}
	return st
}

// BenchmarkPreviewSplit validates and previews the split of one grid in a
// village of 50 grids (target ≤ 100 ms).
func BenchmarkPreviewSplit(b *testing.B) {
	ctx := context.Background()
	st := newBenchStore(b)
	list := []ops.Op{{Type: ops.Split, Grids: []geo.Code{"320902001001023"},
		Geometry: opstest.Line(120.005, 33.0035, 120.0055, 33.0065)}}
	for b.Loop() {
		p, err := ops.DryRun(ctx, st, list, 1, ops.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if p.Errors() != 0 || len(p.Moves) != 2 {
			b.Fatalf("preview: %d errors %+v, %d moves", p.Errors(), p.Findings, len(p.Moves))
		}
	}
}

// BenchmarkApplySplit10k applies the split of a grid holding 10,000
// households, so all of them move (target ≤ 1 s). Each iteration splits
// the next grid of the dense village; run it with -benchtime=Nx, N ≤ 20.
func BenchmarkApplySplit10k(b *testing.B) {
	ctx := context.Background()
	st := newBenchStore(b)
	k := 0
	for b.Loop() {
		b.StopTimer()
		p := approvedDenseSplit(b, st, k)
		k++
		b.StartTimer()
		res, err := adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p, Actor: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		moved := 0
		for _, m := range res.Preview.Moves {
			moved += m.Households
		}
		if moved != 10000 {
			b.Fatalf("moved %d households, want 10000", moved)
		}
	}
}

// approvedDenseSplit inserts and approves the split of the k-th grid (k <
// 20) of the dense village of newBenchStore, drawn on the current version,
// and returns the proposal's id.
func approvedDenseSplit(b *testing.B, st *store.Store, k int) int64 {
	b.Helper()
	ctx := context.Background()
	if k >= 20 {
		b.Fatalf("only 20 grids to split: run with -benchtime=Nx, N ≤ 20")
	}
	g := geo.Code(fmt.Sprintf("320902001002%03d", k+1))
	x := 120.001 + float64(k)*0.002
	v, err := st.Version(ctx)
	if err != nil {
		b.Fatal(err)
	}
	p, err := adjust.InsertProposal(ctx, st, adjust.Proposal{County: "320902000000", Reason: 2, BaseVersion: v, Author: "bench",
		Ops: []ops.Op{{Type: ops.Split, Grids: []geo.Code{g}, Geometry: opstest.Line(x, 33.0095, x, 33.0125)}}}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET status = 'approved' WHERE id = $1`, p.ID); err != nil {
		b.Fatal(err)
	}
	return p.ID
}
