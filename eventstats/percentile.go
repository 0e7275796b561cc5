package eventstats

import "math"

// percentileCont is PostgreSQL's percentile_cont(p) over a (reordered in
// place): the value at position p·(n-1) of the sorted values, linearly
// interpolated between its two neighbours as PostgreSQL's float8_lerp
// does. It selects instead of sorting: two partial selections, linear
// time, which keeps the whole city's answer in milliseconds.
func percentileCont(a []int64, p float64) float64 {
	pos := p * float64(len(a)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	x := selectKth(a, lo)
	if hi == lo {
		return float64(x)
	}
	// After the selection every value right of lo is ≥ x: the next one in
	// order is their minimum.
	y := a[lo+1]
	for _, v := range a[lo+2:] {
		y = min(y, v)
	}
	fx, fy := float64(x), float64(y)
	return fx + (fy-fx)*(pos-float64(lo))
}

// selectKth reorders a so that a[k] is the value sorted order puts
// there, nothing left of it greater and nothing right of it smaller
// (Hoare's selection with a median-of-three pivot), and returns it.
func selectKth(a []int64, k int) int64 {
	lo, hi := 0, len(a)-1
	for hi > lo {
		if hi-lo < 16 {
			for i := lo + 1; i <= hi; i++ { // insertion sort of the rest
				for j := i; j > lo && a[j] < a[j-1]; j-- {
					a[j], a[j-1] = a[j-1], a[j]
				}
			}
			break
		}
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}
