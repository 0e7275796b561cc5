package adjust

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/store"
	"gridmap/web/i18n"
)

// ReadFiling decodes a filing record as stored.
func ReadFiling(raw json.RawMessage) (store.FilingRecord, error) {
	var rec store.FilingRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return rec, fmt.Errorf("filing record: %w", err)
	}
	return rec, nil
}

type svgShape struct {
	D, Fill, Label string
	X, Y           float64
}

type filingPage struct {
	Rec           store.FilingRecord
	FilingNo      string
	Before, After []svgShape
	W, H          float64
}

// filingTmpl is the filing page in each language of the catalog.
//
//go:embed filing.html.tmpl
var filingFS embed.FS
var filingTmpl = i18n.MustParseTemplates(filingFS, "filing.html.tmpl")

// WriteFilingHTML writes the filing record as a readable page in lang with
// the before and after maps (inline SVG, no scripts, no personal data).
func WriteFilingHTML(w io.Writer, lang i18n.Lang, rec store.FilingRecord, filingNo string) error {
	page := filingPage{Rec: rec, FilingNo: filingNo, W: 360, H: 360}
	var bound orb.Bound
	first := true
	for _, fc := range []*geojson.FeatureCollection{rec.Before, rec.After} {
		if fc == nil {
			continue
		}
		for _, f := range fc.Features {
			if f.Geometry == nil {
				continue
			}
			if first {
				bound, first = f.Geometry.Bound(), false
			} else {
				bound = bound.Union(f.Geometry.Bound())
			}
		}
	}
	// Degrees of longitude are shorter than degrees of latitude.
	kx := math.Cos(bound.Center().Lat() * math.Pi / 180)
	span := math.Max((bound.Max[0]-bound.Min[0])*kx, bound.Max[1]-bound.Min[1])
	scale := 0.0
	if span > 0 {
		scale = (page.W - 20) / span
	}
	project := func(p orb.Point) (float64, float64) {
		return 10 + (p[0]-bound.Min[0])*kx*scale, 10 + (bound.Max[1]-p[1])*scale
	}
	shapes := func(fc *geojson.FeatureCollection) []svgShape {
		if fc == nil {
			return nil
		}
		var out []svgShape
		for _, f := range fc.Features {
			var b strings.Builder
			var polys []orb.Polygon
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				polys = []orb.Polygon{g}
			case orb.MultiPolygon:
				polys = g
			}
			for _, p := range polys {
				for _, r := range p {
					for i, pt := range r {
						x, y := project(pt)
						if i == 0 {
							fmt.Fprintf(&b, "M%.1f %.1f", x, y)
						} else {
							fmt.Fprintf(&b, "L%.1f %.1f", x, y)
						}
					}
					b.WriteString("Z")
				}
			}
			cx, cy := project(f.Geometry.Bound().Center())
			code, _ := f.Properties["code"].(string)
			state, _ := f.Properties["state"].(string)
			fill := map[string]string{"new": "#b7e1a1", "changed": "#fde6a0", "retired": "#f4b6b6"}[state]
			if fill == "" {
				fill = "#ddd"
			}
			if len(code) > 3 {
				code = code[len(code)-3:]
			}
			out = append(out, svgShape{D: b.String(), Fill: fill, Label: code, X: cx, Y: cy})
		}
		return out
	}
	page.Before, page.After = shapes(rec.Before), shapes(rec.After)
	if err := filingTmpl.Execute(w, lang, "filing.html.tmpl", page); err != nil {
		return fmt.Errorf("filing page: %w", err)
	}
	return nil
}
