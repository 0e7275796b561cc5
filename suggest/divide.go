package suggest

import (
	"container/heap"
	"fmt"
	"math"
	"sort"
)

// Atom is what a division keeps whole: a building (every address of it),
// a compound that fits the tolerance, a single address, or a piece of a
// grid with no address in it. Atoms are the vertices of the graph a
// division works on.
type Atom struct {
	// Households is how many households the atom holds (0 for a piece
	// without any, or for units only).
	Households int
	// X and Y locate the atom in metres (any local plane).
	X, Y float64
	// Current is the index of the grid that holds the atom now (Input.Grids
	// entries), or -1.
	Current int
	// Group is the villager group of the atom's addresses, -1 when none.
	Group int
	// Label names the atom in findings ("聚龙湖花园3幢").
	Label string
	// AreaM2 is the atom's area and OuterM the length of its border with
	// no other atom (the village's edge, an exclusive grid's), in metres,
	// for the compactness of the grids.
	AreaM2, OuterM float64
	// AX and AY are the centroid of the atom's area (metres, the plane of
	// X and Y; meaningful when AreaM2 > 0): fresh cells follow the
	// centroids of their areas, which makes them compact.
	AX, AY float64
}

// Link is an edge of the atom graph: two atoms whose areas share a
// border Length metres long.
type Link struct {
	A, B   int
	Length float64
}

// Input is one village's division problem.
type Input struct {
	Atoms []Atom
	Links []Link
	// Grids is how many current grids the atoms' Current indices refer to.
	Grids int
	// Target is the households one grid should hold; Tolerance the share
	// of it a grid may deviate (0.15: ±15%).
	Target    int
	Tolerance float64
	// ByGroup asks for one grid per villager group (rural villages whose
	// groups are known): every atom of a group goes to the group's grid
	// and Target is not used.
	ByGroup bool
	// Mode chooses how the grids are drawn: ModeRebalance starts from the
	// current grids, ModeFresh from compact clusters of the atoms, and
	// ModeAuto ("") does both and keeps the fresh grids unless the
	// current ones already fit, or the fresh ones are beyond the
	// tolerance, clearly less compact (FreshSlack) or move more than
	// FreshMoves of the households.
	Mode string
}

// The modes of Input.Mode.
const (
	ModeAuto      = ""
	ModeRebalance = "rebalance"
	ModeFresh     = "fresh"
)

// FreshSlack is how much less compact (mean Polsby-Popper as the atoms'
// zigzag borders give it) fresh grids may be and still be preferred by
// ModeAuto to the rebalanced current grids: smoothing straightens the
// fresh grids' new borders, while rebalanced grids keep the current
// edges as they are, so on the map fresh grids come out the more
// compact (measured on the demo: 0.71 against 0.63 where the atoms gave
// them nearly equal).
const FreshSlack = 0.05

// FreshMoves is the largest share of the village's households fresh
// grids may move for ModeAuto to prefer them; a village whose current
// grids already fit (rebalancing moves no one) keeps them.
const FreshMoves = 0.5

// Division is the answer of Divide.
type Division struct {
	// Part gives each atom its grid (0..len(Keep)-1).
	Part []int
	// Keep gives each grid the current grid whose code it keeps (an index
	// of the input's grids), or -1 for a new grid.
	Keep []int
	// Households per grid.
	Households []int
	// Findings say why the division could not meet the tolerance.
	Findings []string
	// Mode is how the grids were drawn (ModeRebalance or ModeFresh;
	// empty for villager groups).
	Mode string
	// Compactness is the mean Polsby-Popper of the grids as the atoms'
	// areas and borders give it.
	Compactness float64
	// Diagrams are the balanced power diagrams the fresh drawings started
	// from (none for ModeRebalance or villager groups): Suggest also cuts
	// the village along their lines (straight.go).
	Diagrams []PowerDiagram
}

// divider is the state of one Divide run.
type divider struct {
	in    Input
	adj   [][]nb
	part  []int
	hh    []int // households per part
	keep  []int
	slack int // pairs within this of the mean are not rebalanced
	mean  float64
	// diagram is the balanced power diagram a fresh drawing started from.
	diagram *PowerDiagram
	// loose is its loosely balanced, more compact diagram (looseDiagram).
	loose *PowerDiagram
}

type nb struct {
	to     int
	length float64
}

// Divide divides the atoms into contiguous grids of about Target
// households each (see the package comment for the method).
func Divide(in Input) Division {
	d := &divider{in: in, adj: make([][]nb, len(in.Atoms)), part: make([]int, len(in.Atoms))}
	for _, l := range in.Links {
		if l.A == l.B || l.A < 0 || l.B < 0 || l.A >= len(in.Atoms) || l.B >= len(in.Atoms) {
			continue
		}
		d.adj[l.A] = append(d.adj[l.A], nb{l.B, l.Length})
		d.adj[l.B] = append(d.adj[l.B], nb{l.A, l.Length})
	}
	if len(in.Atoms) == 0 {
		return Division{Part: d.part}
	}
	if in.ByGroup {
		d.byGroup()
		return d.result()
	}
	var re, fr Division
	if in.Mode != ModeFresh {
		d.start()
		d.balance()
		d.compact()
		d.polish()
		re = d.result()
		re.Mode = ModeRebalance
		if in.Mode == ModeRebalance {
			return re
		}
	}
	fr = d.fresh()
	reMoved, frMoved := moved(re, in), moved(fr, in)
	if in.Mode == ModeFresh || reMoved > 0 && frMoved <= FreshMoves*float64(d.total()) &&
		fr.Compactness > re.Compactness-FreshSlack &&
		worstDev(fr, in) <= math.Max(in.Tolerance, worstDev(re, in))+1e-9 {
		return fr
	}
	if reMoved > 0 {
		re.Diagrams = fr.Diagrams
	}
	return re
}

// fresh draws the grids fresh freshTries times, each from other k-means
// seeds, and keeps the most compact of those within the tolerance (of
// all, when none is).
func (d *divider) fresh() Division {
	var seeds []int
	for a, at := range d.in.Atoms {
		if at.Households > 0 {
			seeds = append(seeds, a)
		}
	}
	var best Division
	bestOK := false
	var diagrams []PowerDiagram
	for try := range freshTries {
		first := -1
		if try > 0 && len(seeds) > 0 {
			first = seeds[try*len(seeds)/freshTries]
		}
		f := &divider{in: d.in, adj: d.adj, part: make([]int, len(d.in.Atoms))}
		f.startFresh(first)
		if f.diagram != nil {
			diagrams = append(diagrams, *f.diagram)
		}
		if f.loose != nil {
			diagrams = append(diagrams, *f.loose)
		}
		f.balance()
		f.compact()
		f.polish()
		fr := f.result()
		fr.Mode = ModeFresh
		ok := worstDev(fr, d.in) <= d.in.Tolerance+1e-9
		if try == 0 || ok && !bestOK || ok == bestOK && fr.Compactness > best.Compactness {
			best, bestOK = fr, ok
		}
	}
	best.Diagrams = diagrams
	return best
}

// freshTries is how many fresh drawings fresh compares.
const freshTries = 4

// moved is how many households d puts in a grid other than their
// current one.
func moved(d Division, in Input) float64 {
	n := 0
	for a, p := range d.Part {
		if d.Keep[p] != in.Atoms[a].Current {
			n += in.Atoms[a].Households
		}
	}
	return float64(n)
}

// worstDev is the largest |households − target| / target of d's grids.
func worstDev(d Division, in Input) float64 {
	w := 0.0
	for _, n := range d.Households {
		w = math.Max(w, math.Abs(float64(n-in.Target))/float64(max(in.Target, 1)))
	}
	return w
}

// startFresh ignores the current grids: the atoms are clustered by
// k-means (Lloyd's iterations from the farthest-point seeding, atoms
// weighted by households), each cluster made connected, and every
// cluster takes the code of the current grid it shares most households
// with (greedily), the others new codes.
func (d *divider) startFresh(first int) {
	k := d.count0()
	n := len(d.in.Atoms)
	if k > n {
		k = n
	}
	w := func(a int) float64 { return float64(d.in.Atoms[a].Households) + 0.05 }
	var cx, cy, sw float64
	for a := range d.in.Atoms {
		cx += d.in.Atoms[a].X * w(a)
		cy += d.in.Atoms[a].Y * w(a)
		sw += w(a)
	}
	cx, cy = cx/sw, cy/sw
	centres := make([][2]float64, 0, k)
	far := 0
	for a := range d.in.Atoms {
		if math.Hypot(d.in.Atoms[a].X-cx, d.in.Atoms[a].Y-cy) > math.Hypot(d.in.Atoms[far].X-cx, d.in.Atoms[far].Y-cy) {
			far = a
		}
	}
	if first >= 0 {
		far = first
	}
	centres = append(centres, [2]float64{d.in.Atoms[far].X, d.in.Atoms[far].Y})
	dist := make([]float64, n)
	for len(centres) < k {
		best, bd := 0, -1.0
		for a := range d.in.Atoms {
			m := math.Inf(1)
			for _, c := range centres {
				m = math.Min(m, math.Hypot(d.in.Atoms[a].X-c[0], d.in.Atoms[a].Y-c[1]))
			}
			dist[a] = m
			if d.in.Atoms[a].Households > 0 && m > bd {
				best, bd = a, m
			}
		}
		centres = append(centres, [2]float64{d.in.Atoms[best].X, d.in.Atoms[best].Y})
	}
	for range 30 {
		for a := range d.in.Atoms {
			best, bd := 0, math.Inf(1)
			for c, ctr := range centres {
				if dd := math.Hypot(d.in.Atoms[a].X-ctr[0], d.in.Atoms[a].Y-ctr[1]); dd < bd {
					best, bd = c, dd
				}
			}
			d.part[a] = best
		}
		sums := make([][3]float64, k)
		for a, p := range d.part {
			sums[p][0] += d.in.Atoms[a].X * w(a)
			sums[p][1] += d.in.Atoms[a].Y * w(a)
			sums[p][2] += w(a)
		}
		moved := false
		for c := range centres {
			if sums[c][2] > 0 {
				nc := [2]float64{sums[c][0] / sums[c][2], sums[c][1] / sums[c][2]}
				if math.Hypot(nc[0]-centres[c][0], nc[1]-centres[c][1]) > 0.5 {
					moved = true
				}
				centres[c] = nc
			}
		}
		if !moved {
			break
		}
	}
	d.loose = looseDiagram(d.in.Atoms, centres, looseBand)
	d.powerBalance(centres)
	d.keep = make([]int, k)
	for i := range d.keep {
		d.keep[i] = -1
	}
	d.count()
	d.dropEmpty()
	d.repair()
	// Codes: the current grid each cluster shares most households with.
	type pair struct{ p, g, n int }
	shared := map[[2]int]int{}
	for a, p := range d.part {
		if g := d.in.Atoms[a].Current; g >= 0 {
			shared[[2]int{p, g}] += d.in.Atoms[a].Households + 1
		}
	}
	var pairs []pair
	for k, v := range shared {
		pairs = append(pairs, pair{k[0], k[1], v})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].n != pairs[j].n {
			return pairs[i].n > pairs[j].n
		}
		return pairs[i].p < pairs[j].p || (pairs[i].p == pairs[j].p && pairs[i].g < pairs[j].g)
	})
	taken := map[int]bool{}
	for i := range d.keep {
		d.keep[i] = -1
	}
	for _, x := range pairs {
		if d.keep[x.p] < 0 && !taken[x.g] {
			d.keep[x.p] = x.g
			taken[x.g] = true
		}
	}
	d.mean = float64(d.total()) / float64(len(d.keep))
}

// count0 is how many grids the households ask for: atoms too large for
// any grid make a grid each, the others are divided by the target.
func (d *divider) count0() int {
	hi := float64(d.in.Target) * (1 + d.in.Tolerance)
	huge, rest := 0, 0
	for _, a := range d.in.Atoms {
		if float64(a.Households) > hi {
			huge++
		} else {
			rest += a.Households
		}
	}
	if rest == 0 && huge > 0 {
		return huge
	}
	return huge + Grids(rest, d.in.Target)
}

// compactness is the mean Polsby-Popper of the parts: areas from the
// atoms, perimeters from the borders between parts and the outer edges.
func (d *divider) compactness() float64 {
	area := make([]float64, len(d.keep))
	per := make([]float64, len(d.keep))
	for a, p := range d.part {
		area[p] += d.in.Atoms[a].AreaM2
		per[p] += d.in.Atoms[a].OuterM
		for _, n := range d.adj[a] {
			if d.part[n.to] != p {
				per[p] += n.length
			}
		}
	}
	var sum float64
	for p := range area {
		if per[p] > 0 {
			sum += 4 * math.Pi * area[p] / (per[p] * per[p])
		}
	}
	return sum / float64(max(len(area), 1))
}

// total households of the atoms.
func (d *divider) total() int {
	n := 0
	for _, a := range d.in.Atoms {
		n += a.Households
	}
	return n
}

// Grids returns how many grids of about target households n households
// make: the count whose mean is closest to the target (at least one).
func Grids(n, target int) int {
	if target <= 0 || n <= 0 {
		return 1
	}
	k := max(1, n/target)
	best, bestDev := k, math.Inf(1)
	for _, c := range []int{k, k + 1} {
		if dev := math.Abs(float64(n)/float64(c)-float64(target)) / float64(target); dev < bestDev {
			best, bestDev = c, dev
		}
	}
	return best
}

// start gives every atom the part of its current grid (atoms in no grid
// take a neighbour's), repairs parts that are not connected, then merges
// or splits parts until there are as many as the households ask for.
func (d *divider) start() {
	nGrids := max(d.in.Grids, 1)
	for i, a := range d.in.Atoms {
		if a.Current >= 0 && a.Current < d.in.Grids {
			d.part[i] = a.Current
		} else {
			d.part[i] = -1
		}
	}
	d.fillUnassigned(0)
	d.keep = make([]int, nGrids)
	for i := range d.keep {
		d.keep[i] = i
		if i >= d.in.Grids {
			d.keep[i] = -1
		}
	}
	d.count()
	d.dropEmpty()
	d.repair()
	k := d.count0()
	if k > len(d.in.Atoms) {
		k = len(d.in.Atoms)
	}
	for len(d.keep) > k {
		if !d.mergeSmallest() {
			break
		}
	}
	for len(d.keep) < k {
		if !d.splitLargest() {
			break
		}
	}
	d.mean = float64(d.total()) / float64(len(d.keep))
}

// fillUnassigned gives atoms without a part the part of a neighbour
// (breadth first), or def when none of their component has one.
func (d *divider) fillUnassigned(def int) {
	var queue []int
	for i, p := range d.part {
		if p >= 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		for _, n := range d.adj[a] {
			if d.part[n.to] < 0 {
				d.part[n.to] = d.part[a]
				queue = append(queue, n.to)
			}
		}
	}
	for i := range d.part {
		if d.part[i] < 0 {
			d.part[i] = def
		}
	}
}

func (d *divider) count() {
	d.hh = make([]int, len(d.keep))
	for i, p := range d.part {
		d.hh[p] += d.in.Atoms[i].Households
	}
}

// dropEmpty removes parts that hold no atom, renumbering the others.
func (d *divider) dropEmpty() {
	used := make([]bool, len(d.keep))
	for _, p := range d.part {
		used[p] = true
	}
	re := make([]int, len(d.keep))
	var keep []int
	for p := range d.keep {
		if used[p] {
			re[p] = len(keep)
			keep = append(keep, d.keep[p])
		}
	}
	for i, p := range d.part {
		d.part[i] = re[p]
	}
	d.keep = keep
	d.count()
}

// components returns the connected components of part p's atoms.
func (d *divider) components(p int, members []int) [][]int {
	seen := map[int]bool{}
	var out [][]int
	for _, s := range members {
		if seen[s] {
			continue
		}
		comp := []int{s}
		seen[s] = true
		for q := 0; q < len(comp); q++ {
			for _, n := range d.adj[comp[q]] {
				if !seen[n.to] && d.part[n.to] == p {
					seen[n.to] = true
					comp = append(comp, n.to)
				}
			}
		}
		out = append(out, comp)
	}
	return out
}

func (d *divider) members() [][]int {
	m := make([][]int, len(d.keep))
	for i, p := range d.part {
		m[p] = append(m[p], i)
	}
	return m
}

// repair makes every part connected: each part keeps its component of
// most households (then most atoms); every other component goes to the
// neighbouring part it shares the longest border with. Components with no
// neighbour (an island of the graph) become parts of their own.
func (d *divider) repair() {
	for range 8 {
		changed := false
		members := d.members()
		for p := range d.keep {
			comps := d.components(p, members[p])
			if len(comps) < 2 {
				continue
			}
			best := 0
			for c := range comps {
				if d.weight(comps[c]) > d.weight(comps[best]) ||
					(d.weight(comps[c]) == d.weight(comps[best]) && len(comps[c]) > len(comps[best])) {
					best = c
				}
			}
			for c, comp := range comps {
				if c == best {
					continue
				}
				border := map[int]float64{}
				for _, a := range comp {
					for _, n := range d.adj[a] {
						if q := d.part[n.to]; q != p {
							border[q] += n.length + 1e-9
						}
					}
				}
				to, long := -1, -1.0
				for q, l := range border {
					if l > long || (l == long && q < to) {
						to, long = q, l
					}
				}
				if to < 0 {
					d.keep = append(d.keep, -1)
					to = len(d.keep) - 1
				}
				for _, a := range comp {
					d.part[a] = to
				}
				changed = true
			}
		}
		d.count()
		if !changed {
			return
		}
	}
}

func (d *divider) weight(atoms []int) int {
	n := 0
	for _, a := range atoms {
		n += d.in.Atoms[a].Households
	}
	return n
}

// neighbours returns the parts adjacent to part p, with the length of
// the border shared with each.
func (d *divider) neighbours(p int) map[int]float64 {
	out := map[int]float64{}
	for i, q := range d.part {
		if q != p {
			continue
		}
		for _, n := range d.adj[i] {
			if r := d.part[n.to]; r != p {
				out[r] += n.length + 1e-9
			}
		}
	}
	return out
}

// mergeSmallest merges the part of fewest households into its smallest
// neighbour; the merged part keeps the code of the larger of the two.
func (d *divider) mergeSmallest() bool {
	order := make([]int, len(d.keep))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return d.hh[order[i]] < d.hh[order[j]] })
	for _, p := range order {
		nbs := d.neighbours(p)
		to := -1
		for q, l := range nbs {
			if to < 0 || d.hh[q] < d.hh[to] || (d.hh[q] == d.hh[to] && l > nbs[to]) {
				to = q
			}
		}
		if to < 0 {
			continue
		}
		if d.hh[p] > d.hh[to] || (d.keep[to] < 0 && d.keep[p] >= 0) {
			d.keep[to], d.keep[p] = d.keep[p], d.keep[to]
		}
		for i := range d.part {
			if d.part[i] == p {
				d.part[i] = to
			}
		}
		d.dropEmpty()
		return true
	}
	return false
}

// splitLargest bisects the part of most households: a region grown from
// its atom farthest from its centre, nearest atoms first, until it holds
// half the households, becomes a new part. Balance then evens them out.
func (d *divider) splitLargest() bool {
	members := d.members()
	order := make([]int, len(d.keep))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return d.hh[order[i]] > d.hh[order[j]] })
	for _, p := range order {
		m := members[p]
		if len(m) < 2 {
			continue
		}
		var cx, cy float64
		for _, a := range m {
			cx += d.in.Atoms[a].X
			cy += d.in.Atoms[a].Y
		}
		cx, cy = cx/float64(len(m)), cy/float64(len(m))
		seed, far := m[0], -1.0
		for _, a := range m {
			if dd := math.Hypot(d.in.Atoms[a].X-cx, d.in.Atoms[a].Y-cy); dd > far {
				seed, far = a, dd
			}
		}
		np := len(d.keep)
		d.keep = append(d.keep, -1)
		half := d.hh[p] / 2
		got := 0
		sx, sy := d.in.Atoms[seed].X, d.in.Atoms[seed].Y
		pq := &atomQueue{}
		inQ := map[int]bool{seed: true}
		heap.Push(pq, qItem{seed, 0})
		taken := 0
		for pq.Len() > 0 && (got < half || (half == 0 && taken == 0)) && taken < len(m)-1 {
			it := heap.Pop(pq).(qItem)
			d.part[it.atom] = np
			got += d.in.Atoms[it.atom].Households
			taken++
			for _, n := range d.adj[it.atom] {
				if d.part[n.to] == p && !inQ[n.to] {
					inQ[n.to] = true
					a := d.in.Atoms[n.to]
					heap.Push(pq, qItem{n.to, math.Hypot(a.X-sx, a.Y-sy)})
				}
			}
		}
		d.count()
		d.repair()
		d.dropEmpty()
		return len(d.keep) > np
	}
	return false
}

type qItem struct {
	atom int
	dist float64
}

type atomQueue []qItem

func (q atomQueue) Len() int           { return len(q) }
func (q atomQueue) Less(i, j int) bool { return q[i].dist < q[j].dist }
func (q atomQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *atomQueue) Push(x any)        { *q = append(*q, x.(qItem)) }
func (q *atomQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// balance moves atoms across the borders of parts, one at a time, from
// the part of more households to the neighbour of fewer, while that
// lowers the sum of squared deviations (a move of w households from p to
// q does when hh[p]-hh[q] > w). Among the moves of the most unequal
// pair it takes the one that lengthens the borders least (the atom most
// surrounded by the receiving part), and never one that would cut the
// giving part in two. Pairs both within slack of the mean are left
// alone, so grids that already fit keep their edges.
func (d *divider) balance() {
	d.slack = int(math.Max(1, 0.04*float64(d.in.Target)))
	if d.in.Target <= 0 {
		return
	}
	size := make([]int, len(d.keep))
	for _, p := range d.part {
		size[p]++
	}
	type cand struct {
		atom, from, to int
		gap            int
		cut            float64
	}
	var cands []cand
	for iter := 0; iter < 20*len(d.in.Atoms)+100; iter++ {
		cands = cands[:0]
		for a, p := range d.part {
			w := d.in.Atoms[a].Households
			if w == 0 || size[p] < 2 || !d.onBorder(a, p) {
				continue
			}
			var toP float64
			toQ := map[int]float64{}
			for _, n := range d.adj[a] {
				if q := d.part[n.to]; q == p {
					toP += n.length
				} else {
					toQ[q] += n.length
				}
			}
			for q, l := range toQ {
				gap := d.hh[p] - d.hh[q]
				if gap <= w {
					continue
				}
				if float64(d.hh[p]) <= d.mean+float64(d.slack) && float64(d.hh[q]) >= d.mean-float64(d.slack) {
					continue
				}
				cands = append(cands, cand{atom: a, from: p, to: q, gap: gap, cut: toP - l})
			}
		}
		sort.Slice(cands, func(i, j int) bool {
			if cands[i].gap != cands[j].gap {
				return cands[i].gap > cands[j].gap
			}
			if cands[i].cut != cands[j].cut {
				return cands[i].cut < cands[j].cut
			}
			return cands[i].atom < cands[j].atom
		})
		// Several moves a round, each between two parts no earlier move
		// of the round touched (their gaps and borders are as computed).
		moved := false
		touched := map[int]bool{}
		for _, c := range cands {
			if touched[c.from] || touched[c.to] || !d.staysConnected(c.atom, c.from) {
				continue
			}
			touched[c.from], touched[c.to] = true, true
			w := d.in.Atoms[c.atom].Households
			d.part[c.atom] = c.to
			d.hh[c.from] -= w
			d.hh[c.to] += w
			size[c.from]--
			size[c.to]++
			moved = true
		}
		if !moved {
			return
		}
	}
}

// onBorder reports whether atom a of part p has a neighbour in another
// part.
func (d *divider) onBorder(a, p int) bool {
	for _, n := range d.adj[a] {
		if d.part[n.to] != p {
			return true
		}
	}
	return false
}

// compact shortens the borders once the grids are balanced: an atom on a
// border moves to the neighbouring grid it shares more border with than
// with its own (a bump of one grid into another is smoothed away), as
// long as neither grid ends further from the target than CompactBand of
// the tolerance (or than it was) and its grid stays connected. Every move
// shortens the borders, so it ends.
func (d *divider) compact() {
	if d.in.Target <= 0 {
		return
	}
	t := float64(d.in.Target)
	band := t * d.in.Tolerance * CompactBand
	ok := func(before, after int) bool {
		return math.Abs(float64(after)-t) <= math.Max(math.Abs(float64(before)-t), band)
	}
	size := make([]int, len(d.keep))
	for _, p := range d.part {
		size[p]++
	}
	for range 100 {
		moved := 0
		for a, p := range d.part {
			if size[p] < 2 || !d.onBorder(a, p) {
				continue
			}
			w := d.in.Atoms[a].Households
			var toP float64
			toQ := map[int]float64{}
			for _, n := range d.adj[a] {
				if q := d.part[n.to]; q == p {
					toP += n.length
				} else {
					toQ[q] += n.length
				}
			}
			best, gain := -1, 1e-6
			for q, l := range toQ {
				if l-toP > gain && ok(d.hh[p], d.hh[p]-w) && ok(d.hh[q], d.hh[q]+w) {
					best, gain = q, l-toP
				}
			}
			if best < 0 || !d.staysConnected(a, p) {
				continue
			}
			d.part[a] = best
			d.hh[p] -= w
			d.hh[best] += w
			size[p]--
			size[best]++
			moved++
		}
		if moved == 0 {
			return
		}
	}
}

// CompactBand is the share of the tolerance within which compact may
// trade balance for shorter borders.
const CompactBand = 0.9

// staysConnected reports whether part p stays connected without atom a:
// every neighbour of a in p must reach the first one within p \ {a}.
func (d *divider) staysConnected(a, p int) bool {
	var inP []int
	for _, n := range d.adj[a] {
		if d.part[n.to] == p {
			inP = append(inP, n.to)
		}
	}
	if len(inP) <= 1 {
		return true
	}
	want := map[int]bool{}
	for _, x := range inP[1:] {
		want[x] = true
	}
	seen := map[int]bool{a: true, inP[0]: true}
	queue := []int{inP[0]}
	for len(queue) > 0 && len(want) > 0 {
		x := queue[0]
		queue = queue[1:]
		delete(want, x)
		for _, n := range d.adj[x] {
			if !seen[n.to] && d.part[n.to] == p {
				seen[n.to] = true
				queue = append(queue, n.to)
			}
		}
	}
	return len(want) == 0
}

// byGroup makes one part per villager group: the atoms of a group go to
// its part; atoms of no group (pieces without addresses, units) go to
// the group they border most. Each part keeps the current grid that held
// most of its group's households.
func (d *divider) byGroup() {
	groups := map[int]int{}
	var order []int
	for _, a := range d.in.Atoms {
		if a.Group >= 0 {
			if _, ok := groups[a.Group]; !ok {
				groups[a.Group] = len(order)
				order = append(order, a.Group)
			}
		}
	}
	for i, a := range d.in.Atoms {
		d.part[i] = -1
		if a.Group >= 0 {
			d.part[i] = groups[a.Group]
		}
	}
	d.keep = make([]int, max(len(order), 1))
	d.fillUnassigned(0)
	votes := make([]map[int]int, len(d.keep))
	for i, a := range d.in.Atoms {
		if a.Current >= 0 {
			if votes[d.part[i]] == nil {
				votes[d.part[i]] = map[int]int{}
			}
			votes[d.part[i]][a.Current] += a.Households + 1
		}
	}
	taken := map[int]bool{}
	for p := range d.keep {
		d.keep[p] = -1
		best, n := -1, 0
		for g, v := range votes[p] {
			if !taken[g] && (v > n || (v == n && g < best)) {
				best, n = g, v
			}
		}
		if best >= 0 {
			d.keep[p] = best
			taken[best] = true
		}
	}
	d.count()
	d.dropEmpty()
	d.repair()
}

func (d *divider) result() Division {
	d.count()
	out := Division{Part: d.part, Keep: d.keep, Households: d.hh, Compactness: d.compactness()}
	if d.in.ByGroup || d.in.Target <= 0 {
		return out
	}
	t := float64(d.in.Target)
	lo, hi := t*(1-d.in.Tolerance), t*(1+d.in.Tolerance)
	out.Findings = d.why(lo, hi)
	return out
}

// why explains the grids outside the tolerance.
func (d *divider) why(lo, hi float64) []string {
	var out []string
	bad := 0
	for _, n := range d.hh {
		if float64(n) < lo || float64(n) > hi {
			bad++
		}
	}
	if bad == 0 {
		return nil
	}
	total := d.total()
	for _, a := range d.in.Atoms {
		if float64(a.Households) > hi {
			out = append(out, fmt.Sprintf("%s alone holds %d households, more than a grid of %d ±%.0f%% may hold (%.0f); it is kept whole, so its grid is too large",
				a.Label, a.Households, d.in.Target, d.in.Tolerance*100, hi))
		}
	}
	k := len(d.keep)
	if mean := float64(total) / float64(k); mean < lo || mean > hi {
		out = append(out, fmt.Sprintf("the village's %d households make %d grid(s) of %.0f on average, outside %d ±%.0f%%",
			total, k, mean, d.in.Target, d.in.Tolerance*100))
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("%d of %d grids stay outside %d ±%.0f%%: the buildings kept whole and the borders they share allow no closer balance",
			bad, k, d.in.Target, d.in.Tolerance*100))
	}
	return out
}
