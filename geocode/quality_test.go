package geocode_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"gridmap/geocode"
	"gridmap/geocode/geocodetest"
)

// outcome of one case.
type outcome int

const (
	rightGrid outcome = iota
	wrongGrid
	noGrid
)

func classify(c geocodetest.Case, a geocode.Answer) outcome {
	if a.Status != geocode.Matched {
		return noGrid
	}
	if c.Want != nil && a.Address.Grid == c.Want.Grid {
		return rightGrid
	}
	return wrongGrid
}

// TestQuality scores a seeded noisy test set by kind and asserts the
// goals: on noisy text ≥ 98% to the right grid and ≤ 0.5% to a wrong one;
// ≤ 1% of made-up addresses given a grid.
func TestQuality(t *testing.T) {
	f := newFixture(t)
	ix := f.holder.Current()
	t.Logf("%d standard addresses, %d roads, %d compounds, index %.1f MiB, built in %s",
		ix.Stats().Addresses, ix.Stats().Roads, ix.Stats().Compounds, float64(ix.Stats().Bytes)/(1<<20), ix.Stats().BuildTime)
	cases := geocodetest.Noise(f.addrs, "江苏省", 2026, 400)
	type tally struct{ n, right, wrong, none int }
	byKind := map[geocodetest.Kind]*tally{}
	var noisy, madeUp tally
	var mu sync.Mutex
	var failures []string
	for _, c := range cases {
		a := ix.Geocode(c.Text)
		o := classify(c, a)
		mu.Lock()
		k := byKind[c.Kind]
		if k == nil {
			k = &tally{}
			byKind[c.Kind] = k
		}
		tot := &noisy
		if c.MadeUp() {
			tot = &madeUp
		}
		for _, x := range []*tally{k, tot} {
			x.n++
			switch o {
			case rightGrid:
				x.right++
			case wrongGrid:
				x.wrong++
			default:
				x.none++
			}
		}
		if (c.MadeUp() && o != noGrid || !c.MadeUp() && o != rightGrid) && len(failures) < 60 {
			want := "(made up)"
			if c.Want != nil {
				want = c.Want.Text()
			}
			got := string(a.Status)
			if a.Address != nil {
				got += " " + a.Address.Standard
			}
			failures = append(failures, fmt.Sprintf("%s: %q → %s; want %s; parsed %+v", c.Kind, c.Text, got, want, ix.Parse(c.Text)))
		}
		mu.Unlock()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| kind | cases | right grid | wrong grid | no grid |\n|---|---:|---:|---:|---:|\n")
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	pct := func(a, n int) string { return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(max(n, 1))) }
	row := func(name string, x *tally) {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", name, x.n, pct(x.right, x.n), pct(x.wrong, x.n), pct(x.none, x.n))
	}
	for _, k := range kinds {
		row(k, byKind[geocodetest.Kind(k)])
	}
	row("**all noisy**", &noisy)
	row("**all made-up**", &madeUp)
	t.Log(b.String())
	for _, f := range failures {
		t.Log(f)
	}
	if r := float64(noisy.right) / float64(noisy.n); r < 0.98 {
		t.Errorf("noisy text: %.2f%% to the right grid, want ≥ 98%%", 100*r)
	}
	if w := float64(noisy.wrong) / float64(noisy.n); w > 0.005 {
		t.Errorf("noisy text: %.2f%% to a wrong grid, want ≤ 0.5%%", 100*w)
	}
	if m := float64(madeUp.right+madeUp.wrong) / float64(madeUp.n); m > 0.01 {
		t.Errorf("made-up addresses: %.2f%% given a grid, want ≤ 1%%", 100*m)
	}
}

// BenchmarkGeocodeNoisy geocodes the noisy set one query at a time (CPU
// time of the matching alone, one core).
func BenchmarkGeocodeNoisy(b *testing.B) {
	f := newFixture(b)
	ix := f.holder.Current()
	cases := geocodetest.Noise(f.addrs, "江苏省", 2026, 200)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Geocode(cases[i%len(cases)].Text)
	}
}
