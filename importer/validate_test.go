package importer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/store/storetest"
)

// TestValidateAgreesWithPostGIS uses PostGIS as the oracle for
// geo.Validate: on random polygons drawn on a small lattice (so that
// collinear edges, touching vertices and spikes are common), Validate
// finds an error exactly when ST_IsValid says the polygon is invalid.
func TestValidateAgreesWithPostGIS(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	rng := rand.New(rand.NewPCG(3, 2026))
	const n = 3000
	var wkts []string
	var verdicts []bool
	var polys []orb.Polygon
	for len(wkts) < n {
		var p orb.Polygon
		rings := 1
		if rng.IntN(3) == 0 {
			rings = 2 // a shell with a hole: crossings and touches between rings
		}
		for r := range rings {
			size := 6
			if r > 0 {
				size = 4
			}
			var ring orb.Ring
			for range 3 + rng.IntN(5) {
				ring = append(ring, orb.Point{float64(rng.IntN(size) + r), float64(rng.IntN(size) + r)})
			}
			ring = append(ring, ring[0])
			p = append(p, ring)
		}
		ps := geo.Validate(p)
		broken := false
		for _, pr := range ps {
			switch pr.Code {
			case geo.ProblemTooFewPoints, geo.ProblemZeroArea:
				broken = true // PostGIS cannot even build some of these
			}
		}
		if broken {
			continue
		}
		// A hole outside its shell is PostGIS's to find, not Validate's:
		// keep only holes whose points all lie in or on the shell.
		if len(p) == 2 && !holeInside(p) {
			continue
		}
		var parts []string
		for _, r := range p {
			var pts []string
			for _, pt := range r {
				pts = append(pts, fmt.Sprintf("%g %g", pt[0], pt[1]))
			}
			parts = append(parts, "("+strings.Join(pts, ",")+")")
		}
		wkts = append(wkts, "POLYGON("+strings.Join(parts, ",")+")")
		verdicts = append(verdicts, geo.HasErrors(ps))
		polys = append(polys, p)
	}
	rows, err := st.Pool().Query(context.Background(),
		`SELECT NOT ST_IsValid(ST_GeomFromText(w)) FROM unnest($1::text[]) WITH ORDINALITY u(w, i) ORDER BY i`, wkts)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i, disagree, invalid := 0, 0, 0
	for rows.Next() {
		var pgInvalid bool
		if err := rows.Scan(&pgInvalid); err != nil {
			t.Fatal(err)
		}
		if pgInvalid {
			invalid++
		}
		if pgInvalid != verdicts[i] {
			disagree++
			if disagree <= 5 {
				t.Errorf("%s: PostGIS invalid=%v, Validate %+v", wkts[i], pgInvalid, geo.Validate(polys[i]))
			}
		}
		i++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d polygons, %d invalid by PostGIS, %d disagreements", i, invalid, disagree)
	if invalid < n/10 || invalid > n*9/10 {
		t.Fatalf("%d of %d invalid: the sample does not exercise both verdicts", invalid, n)
	}
}

// holeInside reports whether every point of the hole is inside or on the
// shell (by a ray-casting test that counts boundary points as inside).
func holeInside(p orb.Polygon) bool {
	for _, pt := range p[1] {
		if !inOrOn(p[0], pt) {
			return false
		}
	}
	return true
}

func inOrOn(r orb.Ring, p orb.Point) bool {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		// On the edge?
		cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
		if cross == 0 && min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1]) {
			return true
		}
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}
