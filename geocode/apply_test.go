package geocode

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/demo"
	"gridmap/geo"
	"gridmap/geocode/geocodetest"
	"gridmap/store/storetest"
)

// demoOptionsInternal is the fixture's demo county (fixture_test.go).
var demoOptionsInternal = demo.Options{Scale: 0.2, Seed: 5, County: "320902000000"}

// TestApplyEqualsFullBuild applies rounds of random changes (addresses
// added, retired, moved to another grid, renumbered, renamed onto a new
// road) as overlays, and checks that every round answers a noisy query
// set and reverse lookups exactly as an index built afresh from the same
// addresses. The first rounds give Apply whole grids; the later ones
// only the addresses changed and the ids retired (what the Holder reads
// by change_xid), one of them with no new name nor rune (the overlay
// keeps the base's normaliser and name dictionaries).
func TestApplyEqualsFullBuild(t *testing.T) {
	ctx := context.Background()
	st := storetest.NewDemo(t, demoOptionsInternal)
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, _, all, err := loadAll(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 1000 {
		t.Fatalf("the demo county has %d standard addresses, want many", len(all))
	}
	rng := rand.New(rand.NewPCG(16, 7))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	withheld := all[:len(all)/10] // added in the rounds
	state := map[int64]Entry{}
	for _, e := range all[len(all)/10:] {
		state[e.ID] = e
	}
	var grids []geo.Code
	for i := range snap.Grids {
		if snap.Grids[i].ParentGrid == "" {
			grids = append(grids, snap.Grids[i].Code)
		}
	}
	cur, err := NewIndex(snap, "江苏省", slices.Collect(maps.Values(state)))
	if err != nil {
		t.Fatal(err)
	}
	var gone []Entry // retired, or as they were before a change
	for round := range 8 {
		byID, quiet := round >= 5, round == 6
		changed := map[int64]bool{}
		var retired []int64
		touched := map[geo.Code]bool{}
		needed := map[geo.Code]bool{} // grids an address left by retiring
		ids := slices.Sorted(maps.Keys(state))
		pick := func() Entry { return state[ids[rng.IntN(len(ids))]] }
		change := func(old, now Entry) {
			touched[old.Grid], touched[now.Grid] = true, true
			gone = append(gone, old)
			state[now.ID] = now
			changed[now.ID] = true
		}
		for range 30 + rng.IntN(200) { // added
			if len(withheld) == 0 || quiet {
				break
			}
			e := withheld[0]
			withheld = withheld[1:]
			state[e.ID] = e
			touched[e.Grid] = true
			changed[e.ID] = true
		}
		for range 50 { // retired
			if quiet {
				break
			}
			e := pick()
			if _, ok := state[e.ID]; ok {
				delete(state, e.ID)
				delete(changed, e.ID)
				retired = append(retired, e.ID)
				gone = append(gone, e)
				touched[e.Grid], needed[e.Grid] = true, true
			}
		}
		for k := range 30 { // retired, and another address added in its grid
			if !quiet {
				break
			}
			e := pick()
			if _, ok := state[e.ID]; !ok || e.Address.Number == "" {
				continue
			}
			delete(state, e.ID)
			retired = append(retired, e.ID)
			gone = append(gone, e)
			x := e
			x.ID = 1<<40 + int64(round*1000+k)
			x.Address.Number = strconv.Itoa(5000 + rng.IntN(4000))
			x.Text = x.Address.Text()
			state[x.ID] = x
			changed[x.ID] = true
			touched[e.Grid] = true
		}
		for range 10 { // moved to another grid
			if quiet {
				break
			}
			e := pick()
			x := e
			x.Grid = grids[rng.IntN(len(grids))]
			x.Point = orb.Point{x.Point[0] + 0.001, x.Point[1]}
			change(e, x)
		}
		for range 30 { // renumbered
			e := pick()
			x := e
			if x.Address.Number == "" {
				continue
			}
			x.Address.Number = strconv.Itoa(5000 + rng.IntN(4000))
			x.Text = x.Address.Text()
			change(e, x)
		}
		for k := range 10 { // onto a new road, with new characters
			if quiet {
				break
			}
			e := pick()
			x := e
			if x.Address.Road == "" {
				continue
			}
			x.Address.Road = fmt.Sprintf("%s鑫%d路", []string{"龘", "犇", "淼"}[k%3], round)
			x.Text = x.Address.Text()
			change(e, x)
		}
		// The holder touches both grids of a move; the index must also
		// cope with only the new one (the old entry goes by its id). The
		// grid of a retired address must be touched.
		var entries []Entry
		for _, e := range state {
			if touched[e.Grid] {
				entries = append(entries, e)
			}
		}
		var tl []geo.Code
		for g := range touched {
			if round%2 == 0 || needed[g] || rng.IntN(4) > 0 {
				tl = append(tl, g)
			}
		}
		if byID {
			tl, entries = nil, nil
			for id := range changed {
				entries = append(entries, state[id])
			}
		} else {
			retired = nil
		}
		// Entries of grids left out are still given (they may move in).
		prev := cur
		cur, err = cur.Apply(int64(round+100), snap, tl, entries, retired)
		if err != nil {
			t.Fatal(err)
		}
		full, err := NewIndex(snap, "江苏省", slices.Collect(maps.Values(state)))
		if err != nil {
			t.Fatal(err)
		}
		if cur.Stats().Addresses != full.Stats().Addresses || cur.Stats().Roads != full.Stats().Roads || cur.Stats().Compounds != full.Stats().Compounds {
			t.Fatalf("round %d: overlay %+v, full build %+v", round, cur.Stats(), full.Stats())
		}
		if !maps.Equal(cur.GridCounts(), full.GridCounts()) {
			t.Errorf("round %d: grid counts differ", round)
		}
		if quiet && (cur.norm != prev.norm || cur.roads != prev.roads) {
			t.Errorf("round %d: no new name nor rune, yet the normaliser or the road names were made afresh", round)
		}
		var as []geocodetest.Address
		for _, e := range append(slices.Collect(maps.Values(state)), gone...) {
			as = append(as, geocodetest.Address{Address: e.Address, Point: e.Point, Grid: e.Grid, ID: e.ID, Code: e.Code})
		}
		slices.SortFunc(as, func(a, b geocodetest.Address) int { return int(a.ID - b.ID) })
		cases := geocodetest.Noise(as, "江苏省", int64(round), 60)
		diff := 0
		for _, c := range cases {
			a, b := cur.Geocode(c.Text), full.Geocode(c.Text)
			if !reflect.DeepEqual(a, b) {
				if diff++; diff <= 10 {
					t.Errorf("round %d: %s %q: overlay %+v %+v, full build %+v %+v", round, c.Kind, c.Text, a, a.Address, b, b.Address)
				}
			}
		}
		for range 300 {
			e := as[rng.IntN(len(as))]
			p := orb.Point{e.Point[0] + (rng.Float64()-0.5)*0.002, e.Point[1] + (rng.Float64()-0.5)*0.002}
			i, d := cur.nearest(p, 150)
			j, d2 := full.nearest(p, 150)
			if (i < 0) != (j < 0) || i >= 0 && (cur.entry(i).ID != full.entry(j).ID || d != d2) {
				t.Errorf("round %d: nearest to %v differs", round, p)
			}
		}
		t.Logf("round %d: %d addresses (overlay %d, %d dead), %d grids touched, %d queries, %d differ; overlay applied in %v",
			round, cur.Stats().Addresses, cur.Stats().Overlay, cur.d.ndead, len(tl), len(cases), diff, cur.Stats().BuildTime)
	}
}

// BenchmarkApplyOneGrid times an overlay for one grid with an address
// added (what an import of one address costs the index), on the demo
// county's addresses.
func BenchmarkApplyOneGrid(b *testing.B) {
	ctx := context.Background()
	st := storetest.NewDemo(b, demoOptionsInternal)
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	_, _, all, err := loadAll(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	ix, err := NewIndex(snap, "江苏省", all)
	if err != nil {
		b.Fatal(err)
	}
	g := all[len(all)/2].Grid
	var entries []Entry
	for _, e := range all {
		if e.Grid == g {
			entries = append(entries, e)
		}
	}
	x := entries[0]
	x.ID, x.Address.Road, x.Address.Number = all[len(all)-1].ID+1, "鲜测路", "9"
	x.Address.Compound, x.Address.Building, x.Address.Entrance, x.Address.Room = "", "", "", ""
	x.Text = x.Address.Text()
	entries = append(entries, x)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ix.Apply(2, snap, []geo.Code{g}, entries, nil); err != nil {
			b.Fatal(err)
		}
	}
}
