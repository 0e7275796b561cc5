package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// This file builds the leaves' fast records (see leafAt for the layout
// and why the answers are exact).

// fastSig evaluates the lines of a fast record at (u, v): the sign bits,
// or ok false when the point is within tol of a line. leafAt inlines the
// same arithmetic; the build probes with this copy.
func fastSig(lines []uint32, tol float32, u, v float64) (sig uint32, ok bool) {
	uf, vf := float32(u), float32(v)
	for n := 0; n < len(lines)/3; n++ {
		d := math.Float32frombits(lines[3*n])*uf + math.Float32frombits(lines[3*n+1])*vf + math.Float32frombits(lines[3*n+2])
		if d > tol {
			sig |= 1 << n
		} else if !(d < -tol) {
			return 0, false
		}
	}
	return sig, true
}

// fastSeg is a segment of a leaf.
type fastSeg struct{ s1, s2 [2]float64 }

// leafSegments returns the distinct segments of the slow leaf at b, one
// per line (segments on the same line, exactly, are one), or ok false
// when the leaf has a tiny edge or more than maxFastLines lines.
func leafSegments(b []float64, buf []fastSeg) (segs []fastSeg, ok bool) {
	segs = buf[:0]
	np := int(b[2])
	k := 3
	for range np {
		nr, words := int(b[k+1]), int(b[k+2])
		rb := b[k+3 : k+3+words]
		r := 0
		for range nr {
			end := r + 3 + int(rb[r+2])
			for q := r + 3; q < end; {
				npts, tiny := int(rb[q]), rb[q+1] != 0
				if tiny {
					return nil, false
				}
				pts := rb[q+2 : q+2+2*npts]
				for j := 0; j+3 < len(pts); j += 2 {
					s1, s2 := [2]float64{pts[j], pts[j+1]}, [2]float64{pts[j+2], pts[j+3]}
					dup := false
					for _, o := range segs {
						if (o.s1 == s1 && o.s2 == s2) || (o.s1 == s2 && o.s2 == s1) ||
							(Orient(o.s1, o.s2, s1) == 0 && Orient(o.s1, o.s2, s2) == 0) {
							dup = true
							break
						}
					}
					if !dup {
						if len(segs) == maxFastLines {
							return nil, false
						}
						segs = append(segs, fastSeg{s1, s2})
					}
				}
				q += 2 + 2*npts
			}
			r = end
		}
		k += 3 + words
	}
	return segs, true
}

// fastLeaf appends the fast record of the slow leaf at blob offset slow,
// which is cell at, and returns its offset in fast.
func (b *layerBuilder) fastLeaf(slow int, at cellAt) uint32 {
	l := b.l
	off := len(l.fast)
	if off > leafOffMask {
		panic("geo: lookup index fast records exceed 2^27 words")
	}
	l.fast = append(l.fast, 0, uint32(slow))
	t := l.tables[at.ti]
	if t.invW == 0 || t.invH == 0 {
		return uint32(off)
	}
	segs, ok := leafSegments(l.blob[slow:], b.segBuf)
	b.segBuf = segs[:0]
	if !ok || len(segs) == 0 {
		return uint32(off)
	}
	fi, fj := float64(at.i), float64(at.j)
	toUV := func(p [2]float64) (float64, float64) {
		return (p[0]-t.x0)*t.invW - fi, (p[1]-t.y0)*t.invH - fj
	}
	// The error of f, as a bound on |f − exact distance| for points of
	// the cell (|u|, |v| ≤ 1.05): float32 rounding of a, b, c, u, v and
	// the three operations; the float64 error of mapping points to cell
	// units (≈2ε per unit of fx, fy, for the point and the endpoints);
	// and, so that a point beyond tol is also beyond PostGIS's float
	// error, ccwErrBoundA times the distance from the segment's ends to
	// the cell, in cell units.
	const e32 = 0x1p-24
	const e64 = 0x1p-53
	inv := max(t.invW, t.invH)
	var tolv float64
	lines := b.lineBuf[:0]
	for _, sg := range segs {
		u1, v1 := toUV(sg.s1)
		u2, v2 := toUV(sg.s2)
		du, dv := u2-u1, v2-v1
		n := math.Hypot(du, dv)
		if n == 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			return uint32(off)
		}
		a, bb := -dv/n, du/n
		c := -(a*u1 + bb*v1)
		lines = append(lines, a, bb, c)
		far := max(math.Abs(u1), math.Abs(v1), math.Abs(u2), math.Abs(v2), float64(t.nx), float64(t.ny)) + 2
		reach := (math.Hypot(u1, v1) + math.Hypot(u2, v2) + 4) / min(t.invW, t.invH) // degrees
		tolv = max(tolv, 8*e32*(2.2+math.Abs(c))+64*e64*far+8*ccwErrBoundA*reach*inv)
	}
	b.lineBuf = lines
	tolv = 2*tolv + 1e-6
	if tolv > 1e-3 {
		return uint32(off) // cells too small for the fast path to pay
	}
	tol := math.Nextafter32(float32(tolv), float32(math.Inf(1)))
	k := len(segs)
	l.fast[off] = uint32(k)
	l.fastCount++
	l.fast = append(l.fast, math.Float32bits(tol))
	for _, x := range lines {
		l.fast = append(l.fast, math.Float32bits(float32(x)))
	}
	ans := len(l.fast)
	for range 1 << k {
		l.fast = append(l.fast, unknownAnswer)
	}
	rec := l.fast[off+3 : off+3+3*k]

	// Cut the cell square into the faces of the lines and answer each
	// face from a point inside it with the exact walk.
	fs := &b.faces
	fs.reset()
	if k == 1 {
		// Two half-planes: a point inside the cell on each side, the
		// corner (pulled in a little) farthest from the line.
		a, bb, c := lines[0], lines[1], lines[2]
		var best [2]uvPt
		var far [2]float64
		for _, q := range [4]uvPt{{0.01, 0.01}, {0.99, 0.01}, {0.99, 0.99}, {0.01, 0.99}} {
			d := a*q[0] + bb*q[1] + c
			if d > far[0] {
				far[0], best[0] = d, q
			} else if -d > far[1] {
				far[1], best[1] = -d, q
			}
		}
		fs.n = 0
		for side := range 2 {
			if far[side] > 0 {
				fs.pts[0][fs.n][0] = best[side]
				fs.npts[0][fs.n] = 1
				fs.n++
			}
		}
	} else {
		for n := 0; n < len(lines); n += 3 {
			fs.cut(lines[n], lines[n+1], lines[n+2])
		}
	}
	leaf := l.blob[slow:]
	for fi0 := range fs.n {
		f := fs.face(fi0)
		var cu, cv float64
		for _, q := range f {
			cu, cv = cu+q[0], cv+q[1]
		}
		cu, cv = cu/float64(len(f)), cv/float64(len(f))
		p := orb.Point{t.x0 + (fi+cu)/t.invW, t.y0 + (fj+cv)/t.invH}
		u, v := toUV([2]float64(p))
		if u < 0 || u > 1 || v < 0 || v > 1 {
			continue
		}
		sig, ok := fastSig(rec, tol, u, v)
		if !ok {
			continue
		}
		a := uint32(l.leafFind(leaf, p) + 1)
		switch l.fast[ans+int(sig)] {
		case unknownAnswer:
			l.fast[ans+int(sig)] = a
		case a:
		default:
			// Two points of one face answered differently: impossible
			// by the argument at leafAt; leave the face to the walk.
			l.fast[ans+int(sig)] = unknownAnswer
			l.fastConflicts++
		}
	}
	return uint32(off)
}

// uvPt is a point in cell units.
type uvPt [2]float64

// maxFaces bounds the faces of maxFastLines lines in a square (at most
// 1 + k + k(k−1)/2), maxFaceVerts their corners (4 + k).
const (
	maxFaces     = 1 + maxFastLines + maxFastLines*(maxFastLines-1)/2
	maxFaceVerts = 4 + maxFastLines
)

// faceSet is the convex faces the lines cut the cell square into, in
// fixed arrays (two generations, so cutting allocates nothing).
type faceSet struct {
	n    int
	cur  int
	pts  [2][maxFaces][maxFaceVerts]uvPt
	npts [2][maxFaces]int
}

func (fs *faceSet) reset() {
	fs.n, fs.cur = 1, 0
	fs.pts[0][0] = [maxFaceVerts]uvPt{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	fs.npts[0][0] = 4
}

func (fs *faceSet) face(i int) []uvPt { return fs.pts[fs.cur][i][:fs.npts[fs.cur][i]] }

// cut splits every face by the line a·u + b·v + c = 0, keeping the parts
// with at least three corners.
func (fs *faceSet) cut(a, b, c float64) {
	nxt := 1 - fs.cur
	m := 0
	for i := range fs.n {
		f := fs.face(i)
		for _, sg := range [2]float64{1, -1} {
			if m == maxFaces {
				break
			}
			k := clipHalf(f, a*sg, b*sg, c*sg, fs.pts[nxt][m][:0])
			if k >= 3 {
				fs.npts[nxt][m] = k
				m++
			}
		}
	}
	fs.n, fs.cur = m, nxt
}

// clipHalf writes the part of the convex polygon f where a·u + b·v + c
// ≥ 0 into out (Sutherland–Hodgman against one line) and returns its
// number of corners.
func clipHalf(f []uvPt, a, b, c float64, out []uvPt) int {
	for i, p := range f {
		q := f[(i+1)%len(f)]
		dp, dq := a*p[0]+b*p[1]+c, a*q[0]+b*q[1]+c
		if dp >= 0 && len(out) < cap(out) {
			out = append(out, p)
		}
		if (dp >= 0) != (dq >= 0) && len(out) < cap(out) {
			t := dp / (dp - dq)
			out = append(out, uvPt{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])})
		}
	}
	return len(out)
}
