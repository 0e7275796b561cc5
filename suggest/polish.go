package suggest

import "math"

// polish raises the grids' compactness directly: an atom on a border
// moves to a neighbouring grid when that raises the sum of the two
// grids' Polsby-Popper scores (4πA/P², areas from the atoms, perimeters
// from the borders between grids and the atoms' outer edges), as long as
// neither grid ends further from the target than CompactBand of the
// tolerance (or than it was) and the giving grid stays connected. Unlike
// compact, which only removes bumps, this trades a long border for a
// short one across the whole grid, so grids grow rounder. Every move
// raises the sum, so it ends; passes are bounded besides.
func (d *divider) polish() {
	if d.in.Target <= 0 || len(d.keep) < 2 {
		return
	}
	t := float64(d.in.Target)
	band := t * d.in.Tolerance * CompactBand
	ok := func(before, after int) bool {
		return math.Abs(float64(after)-t) <= math.Max(math.Abs(float64(before)-t), band)
	}
	area := make([]float64, len(d.keep))
	per := make([]float64, len(d.keep))
	size := make([]int, len(d.keep))
	for a, p := range d.part {
		size[p]++
		area[p] += d.in.Atoms[a].AreaM2
		per[p] += d.in.Atoms[a].OuterM
		for _, n := range d.adj[a] {
			if d.part[n.to] != p {
				per[p] += n.length
			}
		}
	}
	pp := func(a, p float64) float64 {
		if p <= 0 {
			return 0
		}
		return 4 * math.Pi * a / (p * p)
	}
	links := map[int]float64{}
	for range 60 {
		moved := 0
		for a, p := range d.part {
			if size[p] < 2 || !d.onBorder(a, p) {
				continue
			}
			at := d.in.Atoms[a]
			clear(links)
			var all float64
			for _, n := range d.adj[a] {
				links[d.part[n.to]] += n.length
				all += n.length
			}
			toP := links[p]
			// p without a: loses a's outer edge and its borders with
			// other grids, gains its border with p.
			perP := per[p] - at.OuterM - (all - toP) + toP
			areaP := area[p] - at.AreaM2
			before := pp(area[p], per[p])
			best, gain, bestPer := -1, 1e-9, 0.0
			for q, toQ := range links {
				if q == p || !ok(d.hh[p], d.hh[p]-at.Households) || !ok(d.hh[q], d.hh[q]+at.Households) {
					continue
				}
				perQ := per[q] + at.OuterM + (all - toQ) - toQ
				g := pp(areaP, perP) + pp(area[q]+at.AreaM2, perQ) - before - pp(area[q], per[q])
				if g > gain {
					best, gain, bestPer = q, g, perQ
				}
			}
			if best < 0 || !d.staysConnected(a, p) {
				continue
			}
			d.part[a] = best
			d.hh[p] -= at.Households
			d.hh[best] += at.Households
			area[p], per[p] = areaP, perP
			area[best] += at.AreaM2
			per[best] = bestPer
			size[p]--
			size[best]++
			moved++
		}
		if moved == 0 {
			return
		}
	}
}
