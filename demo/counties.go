package demo

import (
	"fmt"
	"gridmap/geo"
	"os"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ReadCounties reads county outlines (Options.Counties) from a GeoJSON
// FeatureCollection whose features carry properties.code; its errors name
// the --counties flag of gridd demo, the one place that reads such a file.
func ReadCounties(path string) (map[geo.Code]orb.MultiPolygon, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--counties: %w", err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, fmt.Errorf("--counties %s: not a GeoJSON FeatureCollection: %w", path, err)
	}
	out := map[geo.Code]orb.MultiPolygon{}
	for i, f := range fc.Features {
		raw, ok := f.Properties["code"]
		if !ok {
			return nil, fmt.Errorf("--counties %s: feature %d has no properties.code", path, i)
		}
		s := fmt.Sprint(raw)
		if n, ok := raw.(float64); ok {
			s = fmt.Sprintf("%.0f", n)
		}
		code, err := geo.ParseCode(s)
		if err != nil {
			return nil, fmt.Errorf("--counties %s: feature %d: %w", path, i, err)
		}
		if code.Level() != geo.LevelCounty {
			return nil, fmt.Errorf("--counties %s: feature %d: %s is not a county code", path, i, s)
		}
		if _, dup := out[code]; dup {
			return nil, fmt.Errorf("--counties %s: county %s appears twice", path, s)
		}
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			out[code] = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			out[code] = g
		default:
			return nil, fmt.Errorf("--counties %s: county %s is a %T; want a Polygon or MultiPolygon", path, s, f.Geometry)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--counties %s: no features", path)
	}
	return out, nil
}
