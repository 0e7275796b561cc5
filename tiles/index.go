package tiles

import (
	"math"
	"sort"
)

// box is an axis-aligned box in world coordinates.
type box struct{ minX, minY, maxX, maxY float64 }

func emptyBox() box { return box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)} }

func (b box) extend(p wpt) box {
	return box{math.Min(b.minX, p.x), math.Min(b.minY, p.y), math.Max(b.maxX, p.x), math.Max(b.maxY, p.y)}
}

func (b box) union(o box) box {
	return box{math.Min(b.minX, o.minX), math.Min(b.minY, o.minY), math.Max(b.maxX, o.maxX), math.Max(b.maxY, o.maxY)}
}

func (b box) intersects(o box) bool {
	return b.minX <= o.maxX && o.minX <= b.maxX && b.minY <= o.maxY && o.minY <= b.maxY
}

func (b box) empty() bool { return b.minX > b.maxX }

// rtree is a static R-tree packed with Sort-Tile-Recursive, built once
// per snapshot version, so a tile touches only the features whose boxes
// meet it.
type rtree struct {
	levels [][]box // levels[0] are the items in packed order, the last is the root
	ids    []int32 // item index of each levels[0] entry
}

const rtreeFanout = 16

func newRTree(boxes []box) *rtree {
	n := len(boxes)
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i)
	}
	cx := func(i int32) float64 { return boxes[i].minX + boxes[i].maxX }
	cy := func(i int32) float64 { return boxes[i].minY + boxes[i].maxY }
	sort.Slice(ids, func(a, b int) bool { return cx(ids[a]) < cx(ids[b]) })
	leaves := (n + rtreeFanout - 1) / rtreeFanout
	slices := int(math.Ceil(math.Sqrt(float64(leaves))))
	per := slices * rtreeFanout
	for s := 0; s < n; s += per {
		part := ids[s:min(n, s+per)]
		sort.Slice(part, func(a, b int) bool { return cy(part[a]) < cy(part[b]) })
	}
	l0 := make([]box, n)
	for i, id := range ids {
		l0[i] = boxes[id]
	}
	t := &rtree{levels: [][]box{l0}, ids: ids}
	for cur := l0; len(cur) > 1; {
		next := make([]box, 0, (len(cur)+rtreeFanout-1)/rtreeFanout)
		for i := 0; i < len(cur); i += rtreeFanout {
			b := emptyBox()
			for _, c := range cur[i:min(len(cur), i+rtreeFanout)] {
				b = b.union(c)
			}
			next = append(next, b)
		}
		t.levels = append(t.levels, next)
		cur = next
	}
	return t
}

// search appends to dst the indices of items whose boxes meet q, in
// ascending order.
func (t *rtree) search(q box, dst []int32) []int32 {
	if len(t.ids) == 0 {
		return dst
	}
	start := len(dst)
	top := len(t.levels) - 1
	var walk func(level, i int)
	walk = func(level, i int) {
		if !t.levels[level][i].intersects(q) {
			return
		}
		if level == 0 {
			dst = append(dst, t.ids[i])
			return
		}
		lo := i * rtreeFanout
		hi := min(len(t.levels[level-1]), lo+rtreeFanout)
		for c := lo; c < hi; c++ {
			walk(level-1, c)
		}
	}
	for i := range t.levels[top] {
		walk(top, i)
	}
	found := dst[start:]
	sort.Slice(found, func(a, b int) bool { return found[a] < found[b] })
	return dst
}
