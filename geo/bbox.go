package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseBBox reads a bounding box written "minLon,minLat,maxLon,maxLat" in
// WGS 84 degrees (OGC's bbox=, gridd's --bbox). A box may be flat (a
// shared edge); its errors show the accepted form.
func ParseBBox(s string) (orb.Bound, error) {
	const form = "want minLon,minLat,maxLon,maxLat in degrees (WGS 84), e.g. 120.0,33.2,120.3,33.5"
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, fmt.Errorf("%q has %d numbers: %s", s, len(parts), form)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return orb.Bound{}, fmt.Errorf("%q: number %d (%q) is not a finite number: %s", s, i+1, p, form)
		}
		v[i] = f
	}
	switch {
	case v[0] < -180 || v[0] > 180 || v[2] < -180 || v[2] > 180:
		return orb.Bound{}, fmt.Errorf("%q: longitudes must lie in -180..180: %s", s, form)
	case v[1] < -90 || v[1] > 90 || v[3] < -90 || v[3] > 90:
		return orb.Bound{}, fmt.Errorf("%q: latitudes must lie in -90..90: %s", s, form)
	case v[0] > v[2]:
		return orb.Bound{}, fmt.Errorf("%q: minLon %g is greater than maxLon %g: %s", s, v[0], v[2], form)
	case v[1] > v[3]:
		return orb.Bound{}, fmt.Errorf("%q: minLat %g is greater than maxLat %g: %s", s, v[1], v[3], form)
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}
