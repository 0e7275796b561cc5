package tiles

import (
	"encoding/json"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"gridmap/geo"
)

// fixture is testdata/city.json: a small, hand-checked piece of a city.
type fixture struct {
	Areas []struct {
		Code, Level, Name, WKT string
	}
	Grids []struct {
		Code, Kind, Name, Parent, WKT string
		Households                    int
	}
}

func loadFixture(t testing.TB) fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/city.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("testdata/city.json: %v", err)
	}
	return f
}

func mustMP(t testing.TB, s string) orb.MultiPolygon {
	t.Helper()
	mp, err := wkt.UnmarshalMultiPolygon(s)
	if err != nil {
		t.Fatalf("wkt %q: %v", s, err)
	}
	return mp
}

// snapshot builds a geo.Snapshot of the fixture at a version, with the
// household aggregates LoadSnapshot would compute.
func (f fixture) snapshot(t testing.TB, version int64) *geo.Snapshot {
	t.Helper()
	var grids []geo.Grid
	per := map[geo.Code]int{}
	for _, g := range f.Grids {
		c := geo.MustParseCode(g.Code)
		gg := geo.Grid{Code: c, Kind: geo.Kind(g.Kind), Name: g.Name, Village: c.Village(),
			Geom: mustMP(t, g.WKT), ValidFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Households: g.Households}
		if g.Parent != "" {
			gg.ParentGrid = geo.MustParseCode(g.Parent)
		} else {
			for l := geo.LevelCity; l <= geo.LevelVillage; l++ {
				per[c.Ancestor(l)] += g.Households
			}
		}
		grids = append(grids, gg)
	}
	var areas []geo.Area
	for _, a := range f.Areas {
		c := geo.MustParseCode(a.Code)
		lvl, err := geo.ParseLevel(a.Level)
		if err != nil {
			t.Fatal(err)
		}
		areas = append(areas, geo.Area{Code: c, Level: lvl, Name: a.Name, Parent: c.Parent(), Geom: mustMP(t, a.WKT), Households: per[c]})
	}
	return geo.NewSnapshot(version, time.Now(), areas, grids)
}

// swapSource is a Source whose snapshot a test can swap, as the service's
// holder does on a new dataset version.
type swapSource struct{ p atomic.Pointer[geo.Snapshot] }

func (s *swapSource) Snapshot() *geo.Snapshot { return s.p.Load() }

func newSwapSource(s *geo.Snapshot) *swapSource {
	src := &swapSource{}
	src.p.Store(s)
	return src
}
