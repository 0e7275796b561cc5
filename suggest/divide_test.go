package suggest

import (
	"math"
	"strings"
	"testing"
)

// lattice is a w×h grid of atoms one household each (hh overrides by
// index), 10 m apart, linked to their 4 neighbours; current gives each
// atom's grid from its column.
func lattice(w, h int, current func(x, y int) int, hh map[int]int) Input {
	var in Input
	for y := range h {
		for x := range w {
			i := y*w + x
			n := 1
			if v, ok := hh[i]; ok {
				n = v
			}
			c := current(x, y)
			in.Atoms = append(in.Atoms, Atom{Households: n, X: float64(x) * 10, Y: float64(y) * 10, Current: c, Group: -1, Label: "atom"})
			if c+1 > in.Grids {
				in.Grids = c + 1
			}
			if x > 0 {
				in.Links = append(in.Links, Link{A: i - 1, B: i, Length: 10})
			}
			if y > 0 {
				in.Links = append(in.Links, Link{A: i - w, B: i, Length: 10})
			}
		}
	}
	return in
}

// fresh asks in for fresh grids.
func fresh(in Input) Input {
	in.Mode = ModeFresh
	return in
}

// rebalanced asks in for the current grids rebalanced (auto would
// draw this lattice fresh: its column grids are long strips).
func rebalanced(in Input) Input {
	in.Mode = ModeRebalance
	return in
}

// connected reports whether every part of d is connected in in's graph.
func connected(in Input, d Division) bool {
	adj := make([][]int, len(in.Atoms))
	for _, l := range in.Links {
		adj[l.A] = append(adj[l.A], l.B)
		adj[l.B] = append(adj[l.B], l.A)
	}
	for p := range d.Keep {
		start, n := -1, 0
		for a, q := range d.Part {
			if q == p {
				n++
				start = a
			}
		}
		if start < 0 {
			return false
		}
		seen := map[int]bool{start: true}
		queue := []int{start}
		for len(queue) > 0 {
			a := queue[0]
			queue = queue[1:]
			for _, b := range adj[a] {
				if !seen[b] && d.Part[b] == p {
					seen[b] = true
					queue = append(queue, b)
				}
			}
		}
		if len(seen) != n {
			return false
		}
	}
	return true
}

func TestDivide(t *testing.T) {
	cols := func(cuts ...int) func(x, y int) int {
		return func(x, _ int) int {
			for i, c := range cuts {
				if x < c {
					return i
				}
			}
			return len(cuts)
		}
	}
	cases := []struct {
		name     string
		in       Input
		grids    int
		maxDev   float64 // the worst deviation allowed
		kept     int     // how many current codes survive
		finding  string  // a finding must contain this
		maxMoved int     // households that may move at most (0: any)
	}{
		{name: "uneven grids rebalanced", in: rebalanced(lattice(30, 30, cols(5, 20), nil)), grids: 3, maxDev: 0.15, kept: 3, maxMoved: 250},
		{name: "fitting grids stay", in: lattice(30, 30, cols(10, 20), nil), grids: 3, maxDev: 0.01, kept: 3, maxMoved: 0},
		{name: "fresh grids balanced", in: fresh(lattice(30, 30, cols(5, 20), nil)), grids: 3, maxDev: 0.05, kept: 3, maxMoved: -1},
		{name: "one grid split", in: lattice(30, 30, cols(), nil), grids: 3, maxDev: 0.15, kept: 1, maxMoved: -1},
		{name: "many grids merged", in: lattice(30, 30, cols(3, 6, 9, 12, 15, 18, 21, 24, 27), nil), grids: 3, maxDev: 0.15, kept: 3, maxMoved: -1},
		// 900 households in one atom, 599 others: the building makes a grid
		// of its own, the others two.
		{name: "huge building", in: lattice(25, 24, cols(12), map[int]int{0: 900}), grids: 3, maxDev: 3, kept: 2,
			finding: "alone holds 900 households", maxMoved: -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.Target, c.in.Tolerance = 300, 0.15
			d := Divide(c.in)
			if len(d.Keep) != c.grids {
				t.Fatalf("%d grids (%v), want %d", len(d.Keep), d.Households, c.grids)
			}
			if !connected(c.in, d) {
				t.Errorf("a grid is not connected")
			}
			total, kept := 0, 0
			seen := map[int]bool{}
			for p, n := range d.Households {
				total += n
				if dev := math.Abs(float64(n)-300) / 300; dev > c.maxDev {
					t.Errorf("grid %d: %d households, deviation %.2f > %.2f", p, n, dev, c.maxDev)
				}
				if k := d.Keep[p]; k >= 0 {
					if seen[k] {
						t.Errorf("code %d kept twice", k)
					}
					seen[k] = true
					kept++
				}
			}
			want := 0
			for _, a := range c.in.Atoms {
				want += a.Households
			}
			if total != want {
				t.Errorf("%d households in the grids, want %d", total, want)
			}
			if kept != c.kept {
				t.Errorf("%d codes kept, want %d", kept, c.kept)
			}
			moved := 0
			for a, p := range d.Part {
				if d.Keep[p] != c.in.Atoms[a].Current {
					moved += c.in.Atoms[a].Households
				}
			}
			if c.maxMoved >= 0 && moved > c.maxMoved {
				t.Errorf("%d households moved, want at most %d", moved, c.maxMoved)
			}
			if c.finding != "" && !strings.Contains(strings.Join(d.Findings, "\n"), c.finding) {
				t.Errorf("findings %q lack %q", d.Findings, c.finding)
			}
			if c.finding == "" && len(d.Findings) > 0 {
				t.Errorf("unexpected findings %q", d.Findings)
			}
		})
	}
}

// A river: a column of atoms without households splits the lattice in
// two halves; every grid stays connected and the river's atoms all get a
// grid.
func TestDivideRiver(t *testing.T) {
	hh := map[int]int{}
	for y := range 30 {
		hh[y*31+15] = 0
	}
	in := lattice(31, 30, func(x, _ int) int {
		if x < 15 {
			return 0
		}
		return 1
	}, hh)
	in.Target, in.Tolerance = 150, 0.15
	d := Divide(in)
	if len(d.Keep) != 6 {
		t.Fatalf("%d grids %v, want 6", len(d.Keep), d.Households)
	}
	if !connected(in, d) {
		t.Fatal("a grid is not connected")
	}
	for _, n := range d.Households {
		if math.Abs(float64(n)-150)/150 > 0.15 {
			t.Errorf("grid of %d households, want 150 ±15%% (%v)", n, d.Households)
		}
	}
}

// Villager groups: one grid per group, whatever the target.
func TestDivideByGroup(t *testing.T) {
	in := lattice(10, 10, func(x, _ int) int { return x / 5 }, nil)
	for i := range in.Atoms {
		in.Atoms[i].Group = 1 + (i/10)/4 // rows 0-3 group 1, 4-7 group 2, 8-9 group 3
	}
	in.ByGroup, in.Target, in.Tolerance = true, 300, 0.15
	d := Divide(in)
	if len(d.Keep) != 3 {
		t.Fatalf("%d grids, want 3 (one per group)", len(d.Keep))
	}
	for a, p := range d.Part {
		for b, q := range d.Part {
			if (in.Atoms[a].Group == in.Atoms[b].Group) != (p == q) {
				t.Fatalf("atoms %d (group %d) and %d (group %d) in grids %d and %d", a, in.Atoms[a].Group, b, in.Atoms[b].Group, p, q)
			}
		}
	}
	if len(d.Findings) != 0 {
		t.Errorf("findings %q", d.Findings)
	}
}

func TestGrids(t *testing.T) {
	for _, c := range []struct{ n, target, want int }{
		{0, 300, 1}, {100, 300, 1}, {400, 300, 1}, {449, 300, 2}, {1500, 300, 5}, {1630, 300, 5}, {1660, 300, 6},
	} {
		if got := Grids(c.n, c.target); got != c.want {
			t.Errorf("Grids(%d, %d) = %d, want %d", c.n, c.target, got, c.want)
		}
	}
}
