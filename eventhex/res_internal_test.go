package eventhex

import (
	"testing"
)

// TestResolution pins the zoom → resolution table of the package doc.
func TestResolution(t *testing.T) {
	want := map[int]int{0: 4, 5: 4, 7: 4, 8: 5, 9: 6, 10: 7, 11: 8, 12: 9, 13: 10, 14: 10, 16: 10}
	for z, res := range want {
		if got := Resolution(z); got != res {
			t.Errorf("Resolution(%d) = %d, want %d", z, got, res)
		}
		if bz := bucketZoom(Resolution(z)); bz > z {
			t.Errorf("zoom %d draws resolution %d, bucketed at zoom %d above it", z, Resolution(z), bz)
		}
	}
}

// TestClipBox clips a square crossing two edges of the box.
func TestClipBox(t *testing.T) {
	got := clipBox([][2]float64{{-10, -10}, {10, -10}, {10, 10}, {-10, 10}}, 0, 100)
	if len(got) != 4 {
		t.Fatalf("clipped to %v, want the square 0-10", got)
	}
	for _, p := range got {
		if p[0] < 0 || p[0] > 10 || p[1] < 0 || p[1] > 10 {
			t.Fatalf("clipped to %v, want the square 0-10", got)
		}
	}
	if got := clipBox([][2]float64{{-30, -30}, {-20, -30}, {-20, -20}}, 0, 100); len(got) != 0 {
		t.Fatalf("a triangle outside the box clipped to %v", got)
	}
}
