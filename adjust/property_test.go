package adjust_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gridmap/adjust"
	"gridmap/adjust/ops"
	"gridmap/adjust/ops/opstest"
	"gridmap/geo"
)

// TestAdjustRandomSequence applies random operations to the fixture, one
// proposal each: every one either applies or is refused with findings or
// an operation error, the invariants hold after each, and at the end the
// history as of each step's time equals the state that was current then
// (grids and record assignments).
func TestAdjustRandomSequence(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2} {
		t.Run("seed", func(t *testing.T) {
			t.Parallel()
			randomSequence(t, seed, 8)
		})
	}
}

func randomSequence(t *testing.T, seed uint64, steps int) {
	ctx := context.Background()
	st := opstest.New(t)
	rng := rand.New(rand.NewPCG(seed, 99))
	// The same fingerprints of the village's grids and of all record
	// assignments, from the current state and from the history as of a time.
	const (
		gridsNow   = `SELECT md5(string_agg(code || kind || name || ST_AsEWKB(geom)::text, ';' ORDER BY code)) FROM grid_current WHERE village = $1`
		gridsAt    = `SELECT md5(string_agg(code || kind || name || ST_AsEWKB(geom)::text, ';' ORDER BY code)) FROM grid WHERE village = $1 AND valid @> $2::timestamptz`
		recordsNow = `SELECT md5(string_agg(rt || id || grid_code, ';' ORDER BY rt, id)) FROM (
			SELECT 'household' AS rt, id, grid_code FROM household UNION ALL SELECT 'unit', id, grid_code FROM unit) r`
		recordsAt = `SELECT md5(string_agg(record_type || record_id || grid_code, ';' ORDER BY record_type, record_id)) FROM assignment WHERE valid @> $1::timestamptz`
	)
	type mark struct {
		at             time.Time
		grids, records string
	}
	var marks []mark
	current := func() mark {
		var m mark
		err := st.Pool().QueryRow(ctx, `SELECT clock_timestamp(), (`+gridsNow+`), (`+recordsNow+`)`, fxVillage).Scan(&m.at, &m.grids, &m.records)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	asOf := func(at time.Time) mark {
		m := mark{at: at}
		if err := st.Pool().QueryRow(ctx, `SELECT (`+gridsAt+`), (`+strings.ReplaceAll(recordsAt, "$1", "$2")+`)`, fxVillage, at).Scan(&m.grids, &m.records); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// adjacent returns a random pair of current grids of the village
	// sharing an edge, with the bounding box of the first.
	adjacent := func() (a, b geo.Code, box [4]float64) {
		err := st.Pool().QueryRow(ctx, `SELECT x.code, y.code, ST_XMin(x.geom), ST_YMin(x.geom), ST_XMax(x.geom), ST_YMax(x.geom)
			FROM grid_current x JOIN grid_current y ON x.code <> y.code AND x.village = $1 AND y.village = $1
			AND ST_Relate(x.geom, y.geom, 'F***1****') ORDER BY x.code, y.code OFFSET $2 LIMIT 1`,
			fxVillage, rng.IntN(6)).Scan(&a, &b, &box[0], &box[1], &box[2], &box[3])
		if err != nil {
			t.Fatalf("adjacent grids: %v", err)
		}
		return a, b, box
	}
	applied := 0
	for i := 0; i < steps; i++ {
		a, b, box := adjacent()
		fx, fy := box[0]+(box[2]-box[0])*(0.3+0.4*rng.Float64()), box[1]+(box[3]-box[1])*(0.3+0.4*rng.Float64())
		var op ops.Op
		switch rng.IntN(6) {
		case 0:
			op = ops.Op{Type: ops.Split, Grids: []geo.Code{a}, Geometry: opstest.Line(fx, box[1]-0.001, fx, box[3]+0.001)}
		case 1:
			op = ops.Op{Type: ops.Merge, Grids: []geo.Code{a, b}}
		case 2:
			op = ops.Op{Type: ops.Transfer, Grids: []geo.Code{a}, To: []geo.Code{b}, Geometry: opstest.Rect(box[0]-0.001, box[1]-0.001, fx, box[3]+0.001)}
		case 3:
			op = ops.Op{Type: ops.Retire, Grids: []geo.Code{a}, To: []geo.Code{b}}
		case 4:
			op = ops.Op{Type: ops.Split, Grids: []geo.Code{a}, Geometry: opstest.Line(box[0]-0.001, fy, box[2]+0.001, fy)}
		case 5:
			op = ops.Op{Type: ops.Rename, Grids: []geo.Code{a}, Name: "renamed", Kind: geo.KindUrban}
		}
		v, err := st.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := adjust.InsertProposal(ctx, st, adjust.Proposal{County: fxCounty, Reason: 2, BaseVersion: v, Author: "p", Ops: []ops.Op{op}}, "p")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Pool().Exec(ctx, `UPDATE proposal SET status = 'approved' WHERE id = $1`, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err = adjust.ApplyProposal(ctx, st, adjust.ApplyRequest{Proposal: p.ID, Actor: "a"})
		var ce *adjust.ChecksError
		var oe *ops.Error
		switch {
		case err == nil:
			applied++
		case errors.As(err, &ce), errors.As(err, &oe):
			t.Logf("step %d: %s refused: %v", i, op.Type, err)
		default:
			t.Fatalf("step %d: %s: %v", i, op.Type, err)
		}
		assertInvariants(t, st)
		marks = append(marks, current())
	}
	if applied < steps/2 {
		t.Errorf("only %d of %d random operations applied", applied, steps)
	}
	for i, m := range marks {
		if got := asOf(m.at); got != m {
			t.Errorf("as of step %d (%s) the history differs from the state then: %+v, then %+v", i, m.at, got, m)
		}
	}
}
