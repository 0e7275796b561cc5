package suggest

import "math"

// powerBalance turns the k-means clusters of startFresh into clusters of
// nearly equal households that stay compact: every atom goes to the
// centre c minimising |atom − c|² − weight(c) (a power diagram, whose
// cells are convex, so the borders between clusters are straight
// lines), and the weights are raised for clusters of too few households
// and lowered for those of too many until they balance (capacity-
// constrained Voronoi cells, as in Aurenhammer, Hoffmann and Aronov's
// least-squares assignment), the centres following their clusters'
// centroids now and then. The assignment of least squared deviation
// seen is kept in d.part, and the diagram that gave it in d.diagram.
func (d *divider) powerBalance(centres [][2]float64) {
	k := len(centres)
	n := len(d.in.Atoms)
	if k < 2 || n == 0 {
		return
	}
	bestDiagram := PowerDiagram{Centres: make([][2]float64, k), Weights: make([]float64, k)}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	total := 0
	for _, a := range d.in.Atoms {
		minX, minY = math.Min(minX, a.X), math.Min(minY, a.Y)
		maxX, maxY = math.Max(maxX, a.X), math.Max(maxY, a.Y)
		total += a.Households
	}
	if total == 0 {
		return
	}
	mean := float64(total) / float64(k)
	// The centres follow their cells' area centroids when the atoms have
	// areas (centroidal cells are the compact ones), else their
	// households' mean point.
	byArea := true
	for _, a := range d.in.Atoms {
		if !(a.AreaM2 > 0) {
			byArea = false
			break
		}
	}
	r2 := (maxX - minX) * (maxY - minY) / float64(k)
	if r2 <= 0 {
		r2 = 1
	}
	weight := make([]float64, k)
	hh := make([]float64, k)
	best := make([]int, n)
	copy(best, d.part)
	bestErr := math.Inf(1)
	for it := range powerIterations {
		for c := range hh {
			hh[c] = 0
		}
		for a, at := range d.in.Atoms {
			bc, bd := 0, math.Inf(1)
			for c, ctr := range centres {
				dx, dy := at.X-ctr[0], at.Y-ctr[1]
				if dd := dx*dx + dy*dy - weight[c]; dd < bd {
					bc, bd = c, dd
				}
			}
			d.part[a] = bc
			hh[bc] += float64(at.Households)
		}
		var sq float64
		for c := range hh {
			sq += (hh[c] - mean) * (hh[c] - mean)
		}
		if sq < bestErr {
			bestErr = sq
			copy(best, d.part)
			copy(bestDiagram.Centres, centres)
			copy(bestDiagram.Weights, weight)
		}
		eta := 0.3 * r2 * (1 - float64(it)/powerIterations)
		for c := range weight {
			weight[c] += eta * (mean - hh[c]) / mean
		}
		if it%8 == 7 && it < powerIterations*2/3 {
			var sums = make([][3]float64, k)
			for a, c := range d.part {
				at := d.in.Atoms[a]
				if byArea {
					sums[c][0] += at.AX * at.AreaM2
					sums[c][1] += at.AY * at.AreaM2
					sums[c][2] += at.AreaM2
					continue
				}
				w := float64(at.Households) + 0.05
				sums[c][0] += at.X * w
				sums[c][1] += at.Y * w
				sums[c][2] += w
			}
			for c := range centres {
				if sums[c][2] > 0 {
					centres[c] = [2]float64{sums[c][0] / sums[c][2], sums[c][1] / sums[c][2]}
				}
			}
		}
	}
	copy(d.part, best)
	d.diagram = &bestDiagram
}

// PowerDiagram is a balanced power diagram of the atoms: the atom at p
// belongs to the centre c of least |p − Centres[c]|² − Weights[c] (in
// the atoms' plane, metres). Its cells are convex.
type PowerDiagram struct {
	Centres [][2]float64
	Weights []float64
}

// Cell returns the index of the centre whose cell holds the point.
func (pd PowerDiagram) Cell(x, y float64) int {
	bc, bd := 0, math.Inf(1)
	for c, ctr := range pd.Centres {
		dx, dy := x-ctr[0], y-ctr[1]
		if dd := dx*dx + dy*dy - pd.Weights[c]; dd < bd {
			bc, bd = c, dd
		}
	}
	return bc
}

// powerIterations is how many assignments powerBalance tries.
const powerIterations = 200

// looseDiagram is a power diagram for a straight cut: from the k-means
// centres, the centres follow their cells' area centroids at every
// step (Lloyd's iteration: centroidal cells are the compact ones) and a
// cell's weight changes only while its households lie more than band of
// the mean from it, so the cells stay as near a centroidal Voronoi
// diagram as a balance within band allows. It returns the last diagram
// whose cells were all within band, nil when none was.
func looseDiagram(atoms []Atom, centres [][2]float64, band float64) *PowerDiagram {
	k := len(centres)
	if k < 2 || len(atoms) == 0 {
		return nil
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	total := 0
	for _, a := range atoms {
		if !(a.AreaM2 > 0) {
			return nil
		}
		minX, minY = math.Min(minX, a.X), math.Min(minY, a.Y)
		maxX, maxY = math.Max(maxX, a.X), math.Max(maxY, a.Y)
		total += a.Households
	}
	if total == 0 {
		return nil
	}
	mean := float64(total) / float64(k)
	r2 := (maxX - minX) * (maxY - minY) / float64(k)
	if r2 <= 0 {
		r2 = 1
	}
	pd := PowerDiagram{Centres: append([][2]float64(nil), centres...), Weights: make([]float64, k)}
	var found *PowerDiagram
	hh := make([]float64, k)
	sums := make([][3]float64, k)
	for it := range looseIterations {
		for c := range hh {
			hh[c] = 0
			sums[c] = [3]float64{}
		}
		for _, at := range atoms {
			c := pd.Cell(at.X, at.Y)
			hh[c] += float64(at.Households)
			sums[c][0] += at.AX * at.AreaM2
			sums[c][1] += at.AY * at.AreaM2
			sums[c][2] += at.AreaM2
		}
		ok := true
		for c := range hh {
			if math.Abs(hh[c]-mean) > band*mean {
				ok = false
			}
		}
		if ok {
			found = &PowerDiagram{Centres: append([][2]float64(nil), pd.Centres...), Weights: append([]float64(nil), pd.Weights...)}
		}
		eta := 0.3 * r2 * (1 - 0.5*float64(it)/looseIterations)
		for c := range pd.Weights {
			if dev := (mean - hh[c]) / mean; math.Abs(dev) > band {
				pd.Weights[c] += eta * dev
			}
		}
		for c := range pd.Centres {
			if sums[c][2] > 0 {
				pd.Centres[c] = [2]float64{sums[c][0] / sums[c][2], sums[c][1] / sums[c][2]}
			}
		}
	}
	return found
}

// looseIterations is how many assignments looseDiagram tries; looseBand
// the balance it asks for (a straight cut counts households by point
// and must keep them within the tolerance: half of ±15%).
const (
	looseIterations = 120
	looseBand       = 0.12
)
