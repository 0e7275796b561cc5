package adjust

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/adjust/ops"
	"gridmap/geo"
	"gridmap/web/i18n"
)

// FilingRecord is the 备案 record of an applied proposal.
type FilingRecord struct {
	Proposal    int64                      `json:"proposal"`
	County      geo.Code                   `json:"county"`
	Reason      int                        `json:"reason"`
	ReasonText  string                     `json:"reason_text,omitempty"`
	Ops         []ops.Op                   `json:"operations"`
	Before      *geojson.FeatureCollection `json:"before"`
	After       *geojson.FeatureCollection `json:"after"`
	Moves       []ops.Move                 `json:"moves"`
	Totals      []ops.GridTotal            `json:"totals"`
	Lineage     []ops.Lineage              `json:"lineage"`
	DraftedBy   string                     `json:"drafted_by"`
	ApprovedBy  string                     `json:"approved_by"`
	ApprovedAt  *time.Time                 `json:"approved_at,omitempty"`
	AppliedBy   string                     `json:"applied_by"`
	AppliedAt   time.Time                  `json:"applied_at"`
	EffectiveAt time.Time                  `json:"effective_at"`
	Version     int64                      `json:"version"`
	Warnings    []geo.Finding              `json:"warnings,omitempty"`
}

// filingRecord is the filing record of proposal p, applied by actor with
// the after-state prev, effective at eff, committed at now as version.
func filingRecord(p Proposal, prev *ops.Preview, actor string, eff, now time.Time, version int64) FilingRecord {
	before, after := geojson.NewFeatureCollection(), geojson.NewFeatureCollection()
	for _, g := range prev.Grids {
		props := map[string]any{"code": g.Code, "name": g.Name, "kind": g.Kind, "state": g.State}
		if g.Matched {
			props["edge_matched"] = true
		}
		if g.Before != nil {
			f := geojson.NewFeature(g.Before)
			f.Properties = props
			before.Append(f)
		}
		if g.After != nil {
			f := geojson.NewFeature(g.After)
			f.Properties = props
			after.Append(f)
		}
	}
	lin := make([]ops.Lineage, len(prev.Lineage))
	for i, l := range prev.Lineage {
		lin[i] = ops.Lineage{Old: l.Old, New: l.New, Proposal: p.ID, At: eff}
	}
	return FilingRecord{Proposal: p.ID, County: p.County, Reason: p.Reason, ReasonText: p.ReasonText, Ops: p.Ops,
		Before: before, After: after, Moves: prev.Moves, Totals: prev.Totals, Lineage: lin,
		DraftedBy: p.Author, ApprovedBy: p.ApprovedBy, ApprovedAt: p.DecidedAt, AppliedBy: actor,
		AppliedAt: now, EffectiveAt: eff, Version: version, Warnings: prev.Findings}
}

// ReadFiling decodes a filing record as stored.
func ReadFiling(raw json.RawMessage) (FilingRecord, error) {
	var rec FilingRecord
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
	Rec           FilingRecord
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
func WriteFilingHTML(w io.Writer, lang i18n.Lang, rec FilingRecord, filingNo string) error {
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
