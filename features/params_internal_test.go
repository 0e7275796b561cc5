package features

import (
	"math"
	"net/url"
	"testing"
)

// FuzzParseItemsQuery feeds arbitrary query strings to the items
// parameter parser: it must never panic, and whatever it accepts must be
// in range.
func FuzzParseItemsQuery(f *testing.F) {
	for _, s := range []string{"", "bbox=120,33,121,34", "limit=5&offset=10", "bbox=NaN,1,2,3", "bbox=1,2,3",
		"level=grid&kind=urban", "limit=99999", "offset=-1", "bbox=-180,-90,180,90", "bbox=1e308,0,1e309,0", "x=1",
		"datetime=2024-01-01", "datetime=../2024-01-01T00:00:00Z", "datetime=2024-01-01/2023-01-01", "datetime=/",
		"bbox-crs=EPSG:3857&bbox=-20037508,-20037508,20037508,20037508", "bbox-crs=[EPSG:4490]&bbox=33,120,34,121", "crs=EPSG:4490",
		"after=320902001001001&limit=3", "after=x", "limit=2&limit=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, c := range []Collection{CollectionAreas, CollectionGrids} {
			iq, problems := parseItemsQuery(c, q)
			for name, detail := range problems {
				if detail == "" || name == "" {
					t.Fatalf("empty problem %q: %q", name, detail)
				}
			}
			if len(problems) > 0 {
				continue
			}
			if iq.Limit < 1 || iq.Limit > MaxLimit || iq.Offset < 0 || iq.Offset > MaxOffset {
				t.Fatalf("accepted limit %d offset %d from %q", iq.Limit, iq.Offset, raw)
			}
			if b := iq.BBox; b != nil {
				for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("accepted bbox %v from %q", b, raw)
					}
				}
				if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] || b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
					t.Fatalf("accepted bbox %v from %q", b, raw)
				}
			}
			if tr := iq.Time; tr != nil && ((tr.From.IsZero() && tr.To.IsZero()) ||
				(!tr.From.IsZero() && !tr.To.IsZero() && tr.From.After(tr.To))) {
				t.Fatalf("accepted datetime %+v on %s from %q", tr, c, raw)
			}
			if iq.Kind != "" && c != CollectionGrids {
				t.Fatalf("kind on %s from %q", c, raw)
			}
		}
	})
}
