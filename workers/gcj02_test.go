package workers_test

import (
	"math"
	"testing"

	"gridmap/workers"
)

// TestGCJ02 checks the conversion against the published test pairs of two
// independent implementations, read (not copied) through the search tool:
// googollee/eviltransform's test file (WGS-84 → GCJ-02 for Shanghai,
// Shenzhen and Beijing) and coordtransform-rs's; and that GCJToWGS
// inverts WGSToGCJ to 1e-8° (their own inverses are one-step
// approximations, off by up to a metre, so theirs are not the reference).
func TestGCJ02(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                           string
		wgsLat, wgsLon, gcjLat, gcjLon float64
	}{
		{"shanghai", 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215},
		{"shenzhen", 22.543847, 113.912316, 22.540796131694766, 113.9171764808363},
		{"beijing", 39.911954, 116.377817, 39.91334545536069, 116.38404722455657},
		// coordtransform (Rust port of wandergis/coordtransform), its test
		// of wgs84_to_gcj02(116.404, 39.915).
		{"tiananmen", 39.915, 116.404, 39.91640428150164, 116.41024449916938},
	}
	for _, tc := range tests {
		lon, lat := workers.WGSToGCJ(tc.wgsLon, tc.wgsLat)
		if math.Abs(lon-tc.gcjLon) > 1e-9 || math.Abs(lat-tc.gcjLat) > 1e-9 {
			t.Errorf("%s: WGSToGCJ = %.12f,%.12f, want %.12f,%.12f", tc.name, lon, lat, tc.gcjLon, tc.gcjLat)
		}
		lon, lat = workers.GCJToWGS(tc.gcjLon, tc.gcjLat)
		if math.Abs(lon-tc.wgsLon) > 1e-8 || math.Abs(lat-tc.wgsLat) > 1e-8 {
			t.Errorf("%s: GCJToWGS = %.12f,%.12f, want %.12f,%.12f", tc.name, lon, lat, tc.wgsLon, tc.wgsLat)
		}
	}
	if lon, lat := workers.GCJToWGS(2.35, 48.85); lon != 2.35 || lat != 48.85 {
		t.Errorf("outside China: GCJToWGS moved the point to %g,%g", lon, lat)
	}
}
