package store

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
)

// SRID is the spatial reference of every geometry gridmap stores (WGS 84).
const SRID = 4326

// OrbScanner scans a PostGIS geometry (decoded by pgx-geom into go-geom)
// into an orb geometry. This is the one place go-geom turns into orb.
type OrbScanner struct{ dst *orb.Geometry }

// ScanOrb returns a scan target that decodes a PostGIS geometry into *dst.
func ScanOrb(dst *orb.Geometry) OrbScanner { return OrbScanner{dst} }

// ScanGeom implements pgxgeom.GeomScanner.
func (s OrbScanner) ScanGeom(g geom.T) error {
	o, err := ToOrb(g)
	if err != nil {
		return err
	}
	*s.dst = o
	return nil
}

// MultiPolygonScanner scans a Polygon or MultiPolygon into an
// orb.MultiPolygon; NULL leaves it empty.
type MultiPolygonScanner struct{ dst *orb.MultiPolygon }

// ScanMultiPolygon returns a scan target that decodes a Polygon or
// MultiPolygon (or NULL) into *dst.
func ScanMultiPolygon(dst *orb.MultiPolygon) MultiPolygonScanner { return MultiPolygonScanner{dst} }

// ScanGeom implements pgxgeom.GeomScanner.
func (s MultiPolygonScanner) ScanGeom(g geom.T) error {
	if g == nil { // SQL NULL
		*s.dst = nil
		return nil
	}
	o, err := ToOrb(g)
	if err != nil {
		return err
	}
	switch o := o.(type) {
	case orb.MultiPolygon:
		*s.dst = o
	case orb.Polygon:
		*s.dst = orb.MultiPolygon{o}
	default:
		return fmt.Errorf("scan multipolygon: got %s", o.GeoJSONType())
	}
	return nil
}

// OrbValue passes an orb geometry to PostGIS, with SRID 4326.
type OrbValue struct{ g orb.Geometry }

// Geom returns a query argument that passes g to PostGIS with SRID 4326.
func Geom(g orb.Geometry) OrbValue { return OrbValue{g} }

// GeomValue implements pgxgeom.GeomValuer.
func (v OrbValue) GeomValue() (geom.T, error) { return FromOrb(v.g) }

func coords(p orb.Point) []float64 { return []float64{p[0], p[1]} }

func ringCoords(r orb.Ring) [][]float64 {
	out := make([][]float64, len(r))
	for i, p := range r {
		out[i] = coords(p)
	}
	return out
}

func polyCoords(p orb.Polygon) [][][]float64 {
	out := make([][][]float64, len(p))
	for i, r := range p {
		out[i] = ringCoords(r)
	}
	return out
}

// FromOrb converts an orb geometry to go-geom with SRID 4326.
func FromOrb(g orb.Geometry) (geom.T, error) {
	switch g := g.(type) {
	case orb.Point:
		return geom.NewPointFlat(geom.XY, coords(g)).SetSRID(SRID), nil
	case orb.LineString:
		return geom.NewLineString(geom.XY).MustSetCoords(toCoords(ringCoords(orb.Ring(g)))).SetSRID(SRID), nil
	case orb.Polygon:
		return geom.NewPolygon(geom.XY).MustSetCoords(toCoords2(polyCoords(g))).SetSRID(SRID), nil
	case orb.MultiPolygon:
		c := make([][][]geom.Coord, len(g))
		for i, p := range g {
			c[i] = toCoords2(polyCoords(p))
		}
		return geom.NewMultiPolygon(geom.XY).MustSetCoords(c).SetSRID(SRID), nil
	case orb.MultiLineString:
		c := make([][]geom.Coord, len(g))
		for i, l := range g {
			c[i] = toCoords(ringCoords(orb.Ring(l)))
		}
		return geom.NewMultiLineString(geom.XY).MustSetCoords(c).SetSRID(SRID), nil
	case orb.MultiPoint:
		c := make([]geom.Coord, len(g))
		for i, p := range g {
			c[i] = coords(p)
		}
		return geom.NewMultiPoint(geom.XY).MustSetCoords(c).SetSRID(SRID), nil
	}
	return nil, fmt.Errorf("geometry type %T is not supported here", g)
}

func toCoords(in [][]float64) []geom.Coord {
	out := make([]geom.Coord, len(in))
	for i, c := range in {
		out[i] = c
	}
	return out
}

func toCoords2(in [][][]float64) [][]geom.Coord {
	out := make([][]geom.Coord, len(in))
	for i, r := range in {
		out[i] = toCoords(r)
	}
	return out
}

// ToOrb converts a go-geom geometry (2D; Z and M are dropped) to orb.
func ToOrb(g geom.T) (orb.Geometry, error) {
	flat, stride := g.FlatCoords(), g.Stride()
	pt := func(i int) orb.Point { return orb.Point{flat[i], flat[i+1]} }
	ring := func(start, end int) orb.Ring {
		r := make(orb.Ring, 0, (end-start)/stride)
		for i := start; i < end; i += stride {
			r = append(r, pt(i))
		}
		return r
	}
	poly := func(start int, ends []int) orb.Polygon {
		p := make(orb.Polygon, 0, len(ends))
		for _, e := range ends {
			p = append(p, ring(start, e))
			start = e
		}
		return p
	}
	switch g := g.(type) {
	case *geom.Point:
		if g.Empty() {
			return orb.Point{}, nil
		}
		return pt(0), nil
	case *geom.LineString:
		return orb.LineString(ring(0, len(flat))), nil
	case *geom.Polygon:
		return poly(0, g.Ends()), nil
	case *geom.MultiPolygon:
		mp := make(orb.MultiPolygon, 0, g.NumPolygons())
		start := 0
		for _, ends := range g.Endss() {
			if len(ends) == 0 {
				continue
			}
			mp = append(mp, poly(start, ends))
			start = ends[len(ends)-1]
		}
		return mp, nil
	case *geom.MultiLineString:
		ml := make(orb.MultiLineString, 0, len(g.Ends()))
		start := 0
		for _, e := range g.Ends() {
			ml = append(ml, orb.LineString(ring(start, e)))
			start = e
		}
		return ml, nil
	case *geom.MultiPoint:
		mp := make(orb.MultiPoint, 0, len(flat)/stride)
		for i := 0; i < len(flat); i += stride {
			mp = append(mp, pt(i))
		}
		return mp, nil
	}
	return nil, fmt.Errorf("geometry type %T is not supported here", g)
}

// LocationScanner scans any PostGIS geometry, NULL and collections
// included, into an orb geometry (nil for NULL or empty).
type LocationScanner struct{ dst *orb.Geometry }

// ScanLocation returns a scan target for any geometry a check may report,
// NULL and collections included, into *dst (nil for NULL or empty).
func ScanLocation(dst *orb.Geometry) LocationScanner { return LocationScanner{dst} }

// ScanGeom implements pgxgeom.GeomScanner.
func (s LocationScanner) ScanGeom(g geom.T) error {
	*s.dst = nil
	if g == nil || g.Empty() {
		return nil
	}
	o, err := locationToOrb(g)
	if err != nil {
		return err
	}
	*s.dst = o
	return nil
}

func locationToOrb(g geom.T) (orb.Geometry, error) {
	gc, ok := g.(*geom.GeometryCollection)
	if !ok {
		return ToOrb(g)
	}
	var out orb.Collection
	for _, e := range gc.Geoms() {
		o, err := locationToOrb(e)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, errors.New("empty geometry collection")
	}
	return out, nil
}

// AreaM2SQL is the SQL for the area in square metres of the geometry
// expression g. It is the planar area in degrees² scaled by the WGS 84
// metres per degree of longitude and of latitude at the middle latitude
// of g, because the stored geometries are planar in lon/lat: their edges
// are straight lines in degrees, not geodesics. ST_Area on the geography
// reads the edges as geodesics, which bulge away from a parallel by
// millimetres over a few hundred metres; for a sliver along a parallel
// that is most of its area (measured: 0.65 m² for a 0.0026 m² notch). For
// whole pieces the two agree to 1e-10 (a 0.03 km² rectangle) and 4e-5
// (2°×2°). The checks of gridd check and of an adjustment both measure
// with it, so they agree on what is a gap or a sliver.
func AreaM2SQL(g string) string {
	lat := "((ST_YMin(" + g + ") + ST_YMax(" + g + ")) / 2)"
	return "(ST_Area(" + g + ") * pow(pi() * 6378137 / 180, 2) * (1 - 0.00669437999014) * cos(radians(" + lat +
		")) / pow(1 - 0.00669437999014 * pow(sin(radians(" + lat + ")), 2), 2))"
}
