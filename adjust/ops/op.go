package ops

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/geo"
)

// The operation types (Op.Type) of a boundary-adjustment proposal
// (issue 6).
const (
	Create   = "create"   // a new grid on a gap of a village
	Split    = "split"    // cut a grid by a line; every part gets a new code
	Merge    = "merge"    // merge adjacent grids of one village into one new code
	Reshape  = "reshape"  // redraw the shared edge of two adjacent grids
	Transfer = "transfer" // move an area from grid(s) to another grid
	Retire   = "retire"   // retire a grid; its area goes to the taker grid(s)
	Rename   = "rename"   // new name and/or kind, same geometry
	Redraw   = "redraw"   // redraw a set of adjacent grids as new parts of their union
)

// Op is one operation of a proposal, as stored (JSON) and as the
// adjustment queries read it. Which fields matter depends on Type:
//
//	create:   Village, Geometry (polygon), Kind, Name
//	split:    Grids[0], Geometry (the cutting line); Name is a prefix for the parts
//	merge:    Grids (two or more), optional Kind and Name
//	reshape:  Grids[0], Grids[1], Geometry (the new shared line)
//	transfer: Grids (from), To[0], Geometry (the polygon that moves)
//	retire:   Grids[0], To (the grids that take its area)
//	rename:   Grids[0], Name and/or Kind
//	redraw:   Grids (the set redrawn), Parts (polygons partitioning their union)
type Op struct {
	Type     string            `json:"type"`
	Village  geo.Code          `json:"village,omitempty"`
	Grids    []geo.Code        `json:"grids,omitempty"`
	To       []geo.Code        `json:"to,omitempty"`
	Geometry *geojson.Geometry `json:"geometry,omitempty"`
	Kind     geo.Kind          `json:"kind,omitempty"`
	Name     string            `json:"name,omitempty"`
	// Multipart allows the grids this operation makes or changes to have
	// several parts (say, one villager group on both banks of a river);
	// otherwise a grid of more than one part is an error.
	Multipart bool `json:"multipart,omitempty"`
	// Parts are the new grids of a redraw.
	Parts []Part `json:"parts,omitempty"`
}

// Part is one new grid of a redraw: an existing code of the set
// (kept, new version) or none (a new code), its kind, name and polygon.
type Part struct {
	Code     geo.Code          `json:"code,omitempty"`
	Kind     geo.Kind          `json:"kind"`
	Name     string            `json:"name"`
	Geometry *geojson.Geometry `json:"geometry"`
}

// Check checks an operation's shape without the database: the fields
// its type needs, codes inside the county, the geometry type and, for
// polygons, validity (geo.Validate). The error says what to fix.
//
// Grid codes are 15-digit grids or 17-digit sub-grids: sub-grids are
// split, merged, reshaped, transferred, retired, renamed and redrawn
// within their exclusive grid as grids are within their village (they
// stay exclusive; create is for grids only).
func Check(op Op, county geo.Code) error {
	grids := func(min, max int, what string) error {
		if len(op.Grids) < min || (max > 0 && len(op.Grids) > max) {
			return fmt.Errorf("%s needs %s in grids", op.Type, what)
		}
		return nil
	}
	sub := false
	for _, c := range append(append([]geo.Code{}, op.Grids...), op.To...) {
		if _, _, ok, err := ParseRef(c); ok {
			// A grid made by an earlier operation: CheckAt checks
			// which, the run finds its code.
			if err != nil {
				return err
			}
			continue
		}
		if _, err := geo.ParseCode(string(c)); err != nil {
			return err
		}
		if c.Level() != geo.LevelGrid && c.Level() != geo.LevelSubGrid {
			return fmt.Errorf("%s is not a grid code (15 digits) or sub-grid code (17 digits)", c)
		}
		if c.County() != county {
			return fmt.Errorf("grid %s is not in county %s", c, county)
		}
		sub = sub || c.Level() == geo.LevelSubGrid
	}
	if op.Kind != "" && !op.Kind.Valid() {
		return fmt.Errorf("kind %q: want urban, rural or exclusive", op.Kind)
	}
	if sub {
		if op.Type == Create {
			return fmt.Errorf("create draws grids in a village; draw sub-grids by splitting or redrawing those of the exclusive grid")
		}
		for _, k := range append([]geo.Kind{op.Kind}, partKinds(op.Parts)...) {
			if k != "" && k != geo.KindExclusive {
				return fmt.Errorf("sub-grids are exclusive, not %s", k)
			}
		}
	}
	if len(op.Name) > 200 || (op.Name != "" && strings.TrimSpace(op.Name) == "") {
		return fmt.Errorf("name must be 1-200 characters, not only spaces")
	}
	var err error
	switch op.Type {
	case Create:
		if op.Village.Level() != geo.LevelVillage || op.Village.County() != county {
			return fmt.Errorf("create needs a village of county %s (got %q)", county, op.Village)
		}
		if !op.Kind.Valid() || strings.TrimSpace(op.Name) == "" {
			return fmt.Errorf("create needs a kind (urban, rural, exclusive) and a name")
		}
		err = needPolygon(op)
	case Split:
		if err = grids(1, 1, "exactly one grid"); err == nil {
			err = needLine(op)
		}
	case Merge:
		err = grids(2, 0, "two or more grids")
	case Reshape:
		if err = grids(2, 2, "exactly two grids"); err == nil {
			err = needLine(op)
		}
	case Transfer:
		if err = grids(1, 0, "the grid(s) the area comes from"); err == nil {
			if len(op.To) != 1 {
				err = fmt.Errorf("transfer needs exactly one grid in to")
			} else {
				err = needPolygon(op)
			}
		}
	case Retire:
		if err = grids(1, 1, "exactly one grid"); err == nil && len(op.To) == 0 {
			err = fmt.Errorf("retire needs the grid(s) that take its area in to")
		}
	case Rename:
		if err = grids(1, 1, "exactly one grid"); err == nil && op.Name == "" && op.Kind == "" {
			err = fmt.Errorf("rename needs a new name or kind")
		}
	case Redraw:
		if err = grids(1, 0, "the grids to redraw"); err == nil && len(op.Parts) == 0 {
			err = fmt.Errorf("redraw needs the parts to draw")
		}
		for k, part := range op.Parts {
			if err != nil {
				break
			}
			if part.Code == "" && (!part.Kind.Valid() || strings.TrimSpace(part.Name) == "") {
				err = fmt.Errorf("redraw: new part %d needs a kind and a name", k+1)
				break
			}
			err = needPolygon(Op{Type: fmt.Sprintf("redraw part %d", k+1), Geometry: part.Geometry})
		}
	default:
		err = fmt.Errorf("unknown operation %q: want create, split, merge, reshape, transfer, retire, rename or redraw", op.Type)
	}
	return err
}

// CheckAt is Check for operation i of a proposal: its references
// "@k.n" must name operations before it (ParseRef).
func CheckAt(op Op, county geo.Code, i int) error {
	if err := Check(op, county); err != nil {
		return err
	}
	return CheckRefs(op, i)
}

func partKinds(parts []Part) []geo.Kind {
	out := make([]geo.Kind, len(parts))
	for i, p := range parts {
		out[i] = p.Kind
	}
	return out
}

func needLine(op Op) error {
	if op.Geometry == nil {
		return fmt.Errorf("%s needs a LineString geometry", op.Type)
	}
	ls, ok := op.Geometry.Coordinates.(orb.LineString)
	if !ok {
		return fmt.Errorf("%s needs a LineString geometry, got %s", op.Type, typeName(op.Geometry.Coordinates))
	}
	if len(ls) < 2 {
		return fmt.Errorf("%s: the line needs at least two points", op.Type)
	}
	for _, p := range ls {
		if !finite(p) {
			return fmt.Errorf("%s: point %v is not a longitude/latitude", op.Type, p)
		}
	}
	return nil
}

func needPolygon(op Op) error {
	if op.Geometry == nil {
		return fmt.Errorf("%s needs a Polygon geometry", op.Type)
	}
	g := op.Geometry.Coordinates
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
	default:
		return fmt.Errorf("%s needs a Polygon geometry, got %s", op.Type, typeName(g))
	}
	for _, p := range geo.Validate(g) {
		if p.Severity == geo.SeverityError {
			return fmt.Errorf("%s: polygon: %s", op.Type, p.Message)
		}
	}
	return nil
}

func typeName(g orb.Geometry) string {
	if g == nil {
		return "nothing"
	}
	return g.GeoJSONType()
}

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}
