package demo

import (
	"slices"
	"testing"

	"gridmap/geo"
)

func TestShortName(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"东闸新村社区居委会", "东闸新村社区"},
		{"大华居委会", "大华社区"},
		{"新街居民委员会", "新街社区"},
		{"城东社区居居委员会", "城东社区"},
		{"金海村委会", "金海村"},
		{"新村村委会", "新村村"},
		{"红星村民委员会", "红星村"},
		{"三分场生活区", "三分场生活区"},
		{"村委会", "村委会"},
	}
	for _, c := range cases {
		if got := shortName(c.in); got != c.want {
			t.Errorf("shortName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestApportion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		total   int
		weights []float64
		want    []int
	}{
		{10, []float64{1, 1}, []int{5, 5}},
		{10, []float64{1, 1, 1}, []int{4, 3, 3}},
		{0, []float64{0.7, 1.3}, []int{0, 0}},
		{7, []float64{0.5, 1.5}, []int{2, 5}},
	}
	for _, c := range cases {
		sum := 0.0
		for _, w := range c.weights {
			sum += w
		}
		got := apportion(c.total, c.weights, sum)
		if !slices.Equal(got, c.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", c.total, c.weights, got, c.want)
		}
	}
}

// TestPlanDemoCalibration checks the whole-city plan against the targets
// of the issue (≈20,000 grids, ≈2.3 M households at scale 1) and the rules
// of the plan: every village has a grid, urban grids hold ≈300 households,
// exclusive grids have 2-4 sub-grids, and scale shrinks counts, not the
// division list.
func TestPlanDemoCalibration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		scale                    float64
		minGrids, maxGrids       int
		minHouseholds, maxHouses int
	}{
		{1, 18000, 22000, 2_000_000, 2_600_000},
		{0.1, 2494, 4000, 200_000, 260_000},
	}
	for _, c := range cases {
		p, err := planDemo(Options{Scale: c.scale, Seed: 1})
		if err != nil {
			t.Fatalf("planDemo(%g): %v", c.scale, err)
		}
		villages := map[geo.Code]int{}
		levels := map[geo.Level]int{}
		for _, a := range p.areas {
			levels[a.level]++
		}
		grids, households := 0, 0
		subs := map[geo.Code]int{}
		for _, g := range p.grids {
			households += g.households
			if g.parentGrid != "" {
				subs[g.parentGrid]++
				continue
			}
			grids++
			villages[g.village]++
			if c.scale == 1 && g.kind == geo.KindUrban && (g.households < 150 || g.households > 500) {
				t.Errorf("urban grid %s holds %d households, want ≈300", g.code, g.households)
			}
		}
		if levels[geo.LevelCounty] != 10 || levels[geo.LevelTown] != 154 || levels[geo.LevelVillage] != 2494 {
			t.Errorf("scale %g: levels %v, want 10 counties, 154 towns, 2494 villages", c.scale, levels)
		}
		if len(villages) != 2494 {
			t.Errorf("scale %g: %d villages have grids, want all 2494", c.scale, len(villages))
		}
		if grids < c.minGrids || grids > c.maxGrids || households < c.minHouseholds || households > c.maxHouses {
			t.Errorf("scale %g: %d grids, %d households; want %d-%d grids, %d-%d households",
				c.scale, grids, households, c.minGrids, c.maxGrids, c.minHouseholds, c.maxHouses)
		}
		for _, g := range p.grids {
			if g.kind == geo.KindExclusive && g.parentGrid == "" && (subs[g.code] < 2 || subs[g.code] > 4) {
				t.Errorf("exclusive grid %s has %d sub-grids, want 2-4", g.code, subs[g.code])
			}
		}
	}
}
