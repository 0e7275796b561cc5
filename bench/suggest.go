package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"gridmap/geo"
	"gridmap/store"
	"gridmap/suggest"
)

// SuggestOptions bounds one Suggest run.
type SuggestOptions struct {
	Target      int     // households per grid (300)
	Tolerance   float64 // share of the target a grid may deviate (0.15)
	Villages    int     // the first N urban villages by code; 0 for all
	Concurrency int     // villages divided at once (each method in turn)
	Mode        string  // suggest's mode: "" (auto), "rebalance" or "fresh"
}

// Check says what is wrong with the options, before any work.
func (o SuggestOptions) Check() error {
	if o.Mode != "" && o.Mode != "auto" && o.Mode != suggest.ModeRebalance && o.Mode != suggest.ModeFresh {
		return fmt.Errorf("bench suggest: --mode %q: want auto, rebalance or fresh", o.Mode)
	}
	if o.Target < 1 || !(o.Tolerance > 0 && o.Tolerance < 1) {
		return errors.New("bench suggest: --target must be at least 1 and --tolerance between 0 and 1")
	}
	if o.Villages < 0 || o.Concurrency < 1 {
		return errors.New("bench suggest: --villages must not be negative and --concurrency must be positive")
	}
	return nil
}

// divisionStats sums one method's divisions.
type divisionStats struct {
	villages, grids, within, moved, households int
	devSum, worst, ppSum                       float64
	ppN                                        int
	total, slowest                             time.Duration
	slowestVillage                             geo.Code
	slowestHH                                  int
	multipart                                  int
}

func (s *divisionStats) add(target int, tol float64, hh []int, pp []float64, moved int, d time.Duration, v geo.Code, villageHH int, multipart int) {
	s.villages++
	s.moved += moved
	s.households += villageHH
	s.total += d
	s.multipart += multipart
	if d > s.slowest {
		s.slowest, s.slowestVillage, s.slowestHH = d, v, villageHH
	}
	for _, n := range hh {
		dev := math.Abs(float64(n)-float64(target)) / float64(target)
		s.grids++
		s.devSum += dev
		s.worst = math.Max(s.worst, dev)
		if dev <= tol+1e-9 {
			s.within++
		}
	}
	for _, p := range pp {
		s.ppSum += p
		s.ppN++
	}
}

// Suggest divides every urban village of the database (or the first
// o.Villages) to o.Target households a grid both ways — gridmap's
// suggestion (package suggest) and the obvious baseline, PostGIS's
// ST_ClusterKMeans on the household points with k = households / target
// then the Voronoi cells of the cluster centres clipped to the village's
// comprehensive area — and writes for each: the share of grids within the
// tolerance, the mean and worst deviation from the target, the mean
// Polsby-Popper compactness, the households that change grid (the
// baseline's cells matched to the current grids they share most
// households with, greedily) and the time, total and for the slowest
// village. It writes nothing to the database (each village's work is
// rolled back).
func Suggest(ctx context.Context, w io.Writer, st *store.Store, o SuggestOptions) error {
	if err := o.Check(); err != nil {
		return err
	}
	if o.Mode == "auto" {
		o.Mode = ""
	}
	o.Concurrency = max(o.Concurrency, 1)
	rows, err := st.Pool().Query(ctx, `SELECT village FROM grid_latest WHERE length(code) = 15 AND kind = 'urban'
		GROUP BY village ORDER BY village`)
	if err != nil {
		return fmt.Errorf("bench suggest: %w", err)
	}
	villages, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("bench suggest: %w", err)
	}
	if o.Villages > 0 && o.Villages < len(villages) {
		villages = villages[:o.Villages]
	}
	if len(villages) == 0 {
		return errors.New("bench suggest: no urban village (load the demo: gridd demo)")
	}
	mode := o.Mode
	if mode == "" {
		mode = "auto"
	}
	fmt.Fprintf(w, "suggest: %d urban villages, target %d households ±%.0f%%, %d at a time, gridmap mode %s\n", len(villages), o.Target, o.Tolerance*100, o.Concurrency, mode)

	var ours, base divisionStats
	run := func(name string, s *divisionStats, one func(ctx context.Context, v geo.Code) error) (time.Duration, error) {
		start := time.Now()
		var mu sync.Mutex
		var firstErr error
		next := 0
		var wg sync.WaitGroup
		for range o.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					if next >= len(villages) || firstErr != nil {
						mu.Unlock()
						return
					}
					v := geo.Code(villages[next])
					next++
					mu.Unlock()
					if err := one(ctx, v); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("%s village %s: %w", name, v, err)
						}
						mu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start), firstErr
	}
	var mu sync.Mutex
	oursWall, err := run("gridmap", &ours, func(ctx context.Context, v geo.Code) error {
		t0 := time.Now()
		p, err := suggest.Suggest(ctx, st, v, suggest.Params{Target: o.Target, Tolerance: o.Tolerance, Mode: o.Mode})
		if err != nil {
			return err
		}
		d := time.Since(t0)
		hh := make([]int, len(p.Grids))
		pp := make([]float64, len(p.Grids))
		multi := 0
		for i, g := range p.Grids {
			hh[i], pp[i] = g.Households, g.PolsbyPopper
			if len(g.Geometry) > 1 {
				multi++
			}
		}
		mu.Lock()
		ours.add(o.Target, o.Tolerance, hh, pp, p.MovedHouseholds, d, v, p.Households, multi)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	baseWall, err := run("k-means", &base, func(ctx context.Context, v geo.Code) error {
		t0 := time.Now()
		r, err := kmeansBaseline(ctx, st, v, o.Target)
		if err != nil {
			return err
		}
		d := time.Since(t0)
		mu.Lock()
		base.add(o.Target, o.Tolerance, r.hh, r.pp, r.moved, d, v, r.households, r.multipart)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "%-9s %6s %8s %9s %9s %8s %8s %9s %9s %10s %s\n", "method", "grids", "within", "mean dev", "worst dev", "mean PP", "pieces>1", "moved", "wall", "per village", "slowest village")
	for _, x := range []struct {
		name string
		s    divisionStats
		wall time.Duration
	}{{"gridmap", ours, oursWall}, {"k-means", base, baseWall}} {
		s := x.s
		fmt.Fprintf(w, "%-9s %6d %7.1f%% %8.1f%% %8.1f%% %8.3f %8d %8.1f%% %9s %10s %s (%d households) %s\n",
			x.name, s.grids, 100*float64(s.within)/float64(max(s.grids, 1)), 100*s.devSum/float64(max(s.grids, 1)), 100*s.worst,
			s.ppSum/float64(max(s.ppN, 1)), s.multipart, 100*float64(s.moved)/float64(max(s.households, 1)),
			x.wall.Round(time.Millisecond), (s.total / time.Duration(max(s.villages, 1))).Round(time.Millisecond),
			s.slowestVillage, s.slowestHH, s.slowest.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "households: %d in the urban villages' comprehensive grids; moved: share of them that change grid\n", ours.households)
	return nil
}

// baselineResult is one village divided the k-means way.
type baselineResult struct {
	hh         []int
	pp         []float64
	moved      int
	households int
	multipart  int
}

// The baseline, in PostGIS: k-means of the household points of the
// village's comprehensive grids with k = households / target (at least
// 1), the Voronoi cells of the cluster centres clipped to the union of
// those grids, and per cell its households (by point) and measures.
const sqlBaselineCells = `
	WITH cg AS (SELECT code, geom FROM grid_latest WHERE village = $1 AND length(code) = 15 AND kind <> 'exclusive'),
	h AS (SELECT geom FROM household WHERE grid_code IN (SELECT code FROM cg)),
	k AS (SELECT greatest(1, round(count(*) / $2::float8))::int AS k FROM h),
	c AS (SELECT geom, ST_ClusterKMeans(geom, (SELECT k FROM k)) OVER () AS cid FROM h),
	ctr AS (SELECT cid, ST_Centroid(ST_Collect(geom)) AS pt FROM c GROUP BY cid),
	area AS (SELECT ST_Union(geom) AS g FROM cg),
	cells AS (
		SELECT (ST_Dump(ST_VoronoiPolygons((SELECT ST_Collect(pt) FROM ctr), 0, (SELECT g FROM area)))).geom AS cell
		WHERE (SELECT count(*) FROM ctr) > 1
		UNION ALL SELECT g FROM area WHERE (SELECT count(*) FROM ctr) <= 1)
	INSERT INTO bk_cell (cid, g)
	SELECT row_number() OVER (), g FROM (
		SELECT ST_Multi(ST_CollectionExtract(ST_Intersection(cells.cell, area.g), 3)) AS g FROM cells, area) x
	WHERE NOT ST_IsEmpty(g)`

func kmeansBaseline(ctx context.Context, st *store.Store, v geo.Code, target int) (baselineResult, error) {
	var r baselineResult
	err := pgx.BeginFunc(ctx, st.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE bk_cell (cid int, g geometry) ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sqlBaselineCells, string(v), target); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT cid, `+store.AreaM2SQL("g")+`, ST_Perimeter(g::geography), ST_NumGeometries(g) FROM bk_cell ORDER BY cid`)
		if err != nil {
			return err
		}
		index := map[int]int{}
		for rows.Next() {
			var cid, parts int
			var a, p float64
			if err := rows.Scan(&cid, &a, &p, &parts); err != nil {
				rows.Close()
				return err
			}
			index[cid] = len(r.hh)
			r.hh = append(r.hh, 0)
			if p > 0 {
				r.pp = append(r.pp, 4*math.Pi*a/(p*p))
			}
			if parts > 1 {
				r.multipart++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			SELECT b.cid, h.grid_code, count(*)::int FROM household h
			JOIN grid_latest g ON g.code = h.grid_code AND g.village = $1 AND length(g.code) = 15 AND g.kind <> 'exclusive'
			JOIN LATERAL (SELECT cid FROM bk_cell b WHERE ST_Covers(b.g, h.geom) ORDER BY cid LIMIT 1) b ON true
			GROUP BY 1, 2`, string(v))
		if err != nil {
			return err
		}
		type pair struct {
			cid  int
			grid string
			n    int
		}
		var pairs []pair
		for rows.Next() {
			var p pair
			if err := rows.Scan(&p.cid, &p.grid, &p.n); err != nil {
				rows.Close()
				return err
			}
			pairs = append(pairs, p)
			r.hh[index[p.cid]] += p.n
			r.households += p.n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Cells take the codes of the current grids they share most
		// households with, greedily; the households of every other pair
		// change grid.
		sort.Slice(pairs, func(i, j int) bool { return pairs[i].n > pairs[j].n })
		cellTaken, gridTaken := map[int]bool{}, map[string]bool{}
		kept := 0
		for _, p := range pairs {
			if !cellTaken[p.cid] && !gridTaken[p.grid] {
				cellTaken[p.cid], gridTaken[p.grid] = true, true
				kept += p.n
			}
		}
		r.moved = r.households - kept
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) {
		return r, err
	}
	return r, nil
}

var errRollback = errors.New("bench: roll back")
