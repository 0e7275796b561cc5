package geo

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// naiveOrient is the plain float orientation the index must not use
// (Shewchuk's orient2dfast: (a−c)×(b−c) in float64).
func naiveOrient(a, b, c [2]float64) int {
	d := float64(float64((a[0]-c[0])*(b[1]-c[1])) - float64((a[1]-c[1])*(b[0]-c[0])))
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}

func TestOrientMatchesBigRat(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(a, b, c [2]float64) {
		t.Helper()
		if got, want := Orient(a, b, c), orientBig(a, b, c); got != want {
			t.Fatalf("Orient(%v, %v, %v) = %d, exact %d", a, b, c, got, want)
		}
	}
	for range 20000 {
		a := [2]float64{118 + rng.Float64(), 33 + rng.Float64()}
		b := [2]float64{118 + rng.Float64(), 33 + rng.Float64()}
		t0 := rng.Float64()
		c := [2]float64{a[0] + t0*(b[0]-a[0]), a[1] + t0*(b[1]-a[1])}
		switch rng.IntN(4) {
		case 1:
			c[0] = math.Nextafter(c[0], math.Inf(1))
		case 2:
			c[1] = math.Nextafter(c[1], math.Inf(-1))
		case 3:
			c = a
		}
		check(a, b, c)
	}
	// Extreme magnitudes go through math/big.
	check([2]float64{1e-300, 0}, [2]float64{0, 1e-300}, [2]float64{5e-301, 5e-301})
	check([2]float64{1e300, 1e300}, [2]float64{-1e300, 3}, [2]float64{0, 1e299})
	check([2]float64{0, 0}, [2]float64{1, 1}, [2]float64{0.5, 0.5})
}

// TestOrientNaiveFloatIsWrong shows the classic failure (Kettner et al.,
// "Classroom examples of robustness problems in geometric computations"):
// for points within a few ulps of the line through a and b, the naive
// float orientation returns 0 or even the opposite sign, while Orient is
// exact.
func TestOrientNaiveFloatIsWrong(t *testing.T) {
	t.Parallel()
	a, b := [2]float64{12, 12}, [2]float64{24, 24}
	opposite, zero := 0, 0
	var example [2]float64
	for i := range 64 {
		for j := range 64 {
			c := [2]float64{0.5 + float64(i)*0x1p-53, 0.5 + float64(j)*0x1p-53}
			n, e := naiveOrient(a, b, c), orientBig(a, b, c)
			if got := Orient(a, b, c); got != e {
				t.Fatalf("Orient(%v, %v, %v) = %d, exact %d", a, b, c, got, e)
			}
			switch {
			case n == -e && n != 0:
				opposite++
				example = c
			case n == 0 && e != 0:
				zero++
			}
		}
	}
	t.Logf("of 4096 points next to the line: naive sign opposite on %d (e.g. %v), 0 instead of ±1 on %d", opposite, example, zero)
	if opposite == 0 {
		t.Fatal("no point with an opposite naive sign")
	}
}

// TestPostGISSideDiffersFromExact keeps cases measured on PostGIS 3.3.2,
// where ST_Covers follows the float test and not the exact geometry; the
// index (through CoversPoint) must follow PostGIS.
func TestPostGISSideDiffersFromExact(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		ring    orb.Ring
		p       orb.Point
		postgis bool // SELECT ST_Covers(ring, p) on PostGIS 3.3.2
	}{
		{
			name:    "one ulp outside, float side 0",
			ring:    orb.Ring{{118.0722625066048, 33.525427196619866}, {118.91050834346692, 33.46556409529181}, {118.13212560793286, 34.36367303348198}, {118.0722625066048, 33.525427196619866}},
			p:       orb.Point{118.79366338410826, 33.47390854668562},
			postgis: true,
		},
		{
			name:    "computed on edge, exactly outside",
			ring:    orb.Ring{{118.31657406782254, 33.03769416770605}, {118.1589402363705, 33.012890840641745}, {118.34137739488685, 32.880060336254004}, {118.31657406782254, 33.03769416770605}},
			p:       orb.Point{118.22780257072502, 33.023726173296374},
			postgis: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			mp := orb.MultiPolygon{{c.ring}}
			if got := CoversPoint(mp, c.p); got != c.postgis {
				t.Errorf("CoversPoint = %v, PostGIS says %v", got, c.postgis)
			}
			if exactCovers(mp, c.p) == c.postgis {
				t.Errorf("exact geometry agrees with PostGIS here; the case shows nothing")
			}
		})
	}
}

func TestGrowExpansionExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 10000 {
		var buf [16]float64
		e := buf[:0]
		sum := new(big.Float).SetPrec(4000)
		for range 10 {
			v := math.Ldexp(rng.Float64()-0.5, rng.IntN(200)-100)
			e = growExpansion(e, v)
			sum.Add(sum, big.NewFloat(v))
		}
		got := new(big.Float).SetPrec(4000)
		for _, v := range e {
			got.Add(got, big.NewFloat(v))
		}
		if got.Cmp(sum) != 0 {
			t.Fatalf("expansion sums to %v, want %v", got, sum)
		}
	}
}
