package geo_test

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"gridmap/geo"
)

func TestParseBBox(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		want orb.Bound
		err  string
	}{
		{s: " 120.5, 33 ,121,34", want: orb.Bound{Min: orb.Point{120.5, 33}, Max: orb.Point{121, 34}}},
		{s: "120.05,33.02,120.05,33.03", want: orb.Bound{Min: orb.Point{120.05, 33.02}, Max: orb.Point{120.05, 33.03}}},
		{s: "1,2,3", err: "has 3 numbers"},
		{s: "a,b,c,d", err: "is not a finite number"},
		{s: "1,2,3,NaN", err: "is not a finite number"},
		{s: "200,0,201,1", err: "longitudes must lie in -180..180"},
		{s: "0,91,1,92", err: "latitudes must lie in -90..90"},
		{s: "2,0,1,1", err: "minLon 2 is greater than maxLon 1"},
		{s: "0,2,1,1", err: "minLat 2 is greater than maxLat 1"},
		{s: "", err: "has 1 numbers"},
	} {
		b, err := geo.ParseBBox(tc.s)
		if tc.err != "" {
			// Every error shows the accepted form.
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "minLon,minLat,maxLon,maxLat") {
				t.Errorf("ParseBBox(%q) = %v, %v: want an error saying %q and showing the accepted form", tc.s, b, err, tc.err)
			}
			continue
		}
		if err != nil || b != tc.want {
			t.Errorf("ParseBBox(%q) = %v, %v; want %v", tc.s, b, err, tc.want)
		}
	}
}
