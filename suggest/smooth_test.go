package suggest

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// side is +1 or -1: which side of the polyline's closing shape a point is
// on, tested as containment in the ring closed far below the line.
func below(ls orb.LineString, p orb.Point) bool {
	ring := append(orb.Ring{}, ls...)
	ring = append(ring, orb.Point{ls[len(ls)-1][0], -100}, orb.Point{ls[0][0], -100}, ls[0])
	return planar.RingContains(ring, p)
}

// TestStraighten: a zigzag border is straightened where no address lies
// between it and the shortcut, and keeps the bends that put an address
// on its side.
func TestStraighten(t *testing.T) {
	zigzag := orb.LineString{{0, 0}, {1, 0.3}, {2, -0.3}, {3, 0.3}, {4, -0.3}, {5, 0.3}, {6, 0}}
	cases := []struct {
		name  string
		sites []orb.Point
		max   int // most vertices left
	}{
		{"no address near: one straight line", []orb.Point{{3, 5}, {3, -5}}, 2},
		{"addresses far from the zigzag", []orb.Point{{1, 2}, {4, -2}}, 2},
		{"an address in a bend keeps it", []orb.Point{{2, -0.1}}, 4},
		{"an address a hair from the shortcut keeps a bend", []orb.Point{{3, -snapDeg}}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := straighten(zigzag, c.sites)
			if len(got) > c.max || got[0] != zigzag[0] || got[len(got)-1] != zigzag[len(zigzag)-1] {
				t.Fatalf("straightened to %v, want at most %d vertices from %v to %v", got, c.max, zigzag[0], zigzag[len(zigzag)-1])
			}
			for _, p := range c.sites {
				if below(zigzag, p) != below(got, p) {
					t.Errorf("address %v changed side: %v", p, got)
				}
				for i := 0; i+1 < len(got); i++ {
					if d := planar.DistanceFromSegment(got[i], got[i+1], p); d < clearance {
						t.Errorf("shortcut %v-%v passes %g from address %v, want at least %g", got[i], got[i+1], d, p, clearance)
					}
				}
			}
		})
	}
}
