package features

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"gridmap/geo"
)

// CRS is a coordinate reference system the OGC routes answer in and take
// bounding boxes in (OGC API Features Part 2). Geometry is stored in
// WGS 84 longitude/latitude (SRID 4326 in PostGIS, CRS84 order).
//
// CGCS2000 (EPSG:4490), the datum of Chinese government GIS, and WGS 84
// agree to a few centimetres — the two realisations of the ITRF differ by
// less than the accuracy of any grid boundary — so the datum shift is
// taken as the identity, as PostGIS does (its EPSG:4490 is
// +proj=longlat +ellps=GRS80, no shift): 4490 coordinates are the stored
// ones with the axes in EPSG's order, latitude first. EPSG:4326 is the
// same with the WGS 84 name. EPSG:3857 is the spherical Web Mercator
// projection of the stored coordinates, in metres (x east, y north), as
// PROJ computes it.
type CRS struct {
	URI   string
	order axisOrder
}

type axisOrder int

const (
	lonLat    axisOrder = iota // CRS84: longitude, latitude
	latLon                     // EPSG:4326 and 4490: latitude, longitude
	mercator                   // EPSG:3857: easting, northing in metres
	crsPrefix = "http://www.opengis.net/def/crs/"
)

// The CRSs the OGC routes offer; CRS84 is the default and the storage CRS.
var (
	CRS84       = CRS{URI: crsPrefix + "OGC/1.3/CRS84", order: lonLat}
	CGCS2000    = CRS{URI: crsPrefix + "EPSG/0/4490", order: latLon}
	WGS84       = CRS{URI: crsPrefix + "EPSG/0/4326", order: latLon}
	WebMercator = CRS{URI: crsPrefix + "EPSG/0/3857", order: mercator}
	crss        = []CRS{CRS84, CGCS2000, WGS84, WebMercator}
)

// crsURIs lists the offered CRSs' URIs, CRS84 first.
func crsURIs() []string {
	out := make([]string, len(crss))
	for i, c := range crss {
		out[i] = c.URI
	}
	return out
}

// ParseCRS reads a CRS by its URI (http://www.opengis.net/def/crs/EPSG/0/4490),
// its safe CURIE ([EPSG:4490], [OGC:CRS84]) or the short form EPSG:4490.
func ParseCRS(s string) (CRS, error) {
	name := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	name = strings.TrimPrefix(strings.TrimPrefix(name, "https://"), "http://")
	name = strings.TrimPrefix(name, "www.opengis.net/def/crs/")
	switch strings.ToUpper(strings.NewReplacer("/1.3/", ":", "/0/", ":").Replace(name)) {
	case "OGC:CRS84":
		return CRS84, nil
	case "EPSG:4490":
		return CGCS2000, nil
	case "EPSG:4326":
		return WGS84, nil
	case "EPSG:3857":
		return WebMercator, nil
	}
	return CRS{}, fmt.Errorf("%q is not a CRS this service offers: give one of %s", s, strings.Join(crsURIs(), ", "))
}

// earthRadius is the sphere of Web Mercator (EPSG:3857): WGS 84's
// semi-major axis.
const earthRadius = 6378137.0

// maxMercator is the easting at ±180° and the northing limit of Web
// Mercator's square world.
const maxMercator = math.Pi * earthRadius

// fromLonLat converts a stored longitude/latitude to the CRS, in its axis
// order.
func (c CRS) fromLonLat(p orb.Point) orb.Point {
	switch c.order {
	case latLon:
		return orb.Point{p[1], p[0]}
	case mercator:
		// PROJ's spherical Mercator (merc_s_forward), k0 = 1.
		lam, phi := p[0]*(math.Pi/180), p[1]*(math.Pi/180)
		return orb.Point{earthRadius * lam, earthRadius * math.Log(math.Tan(math.Pi/4+0.5*phi))}
	}
	return p
}

// toLonLat converts a point in the CRS's axis order to longitude/latitude.
func (c CRS) toLonLat(p orb.Point) orb.Point {
	switch c.order {
	case latLon:
		return orb.Point{p[1], p[0]}
	case mercator:
		// PROJ's merc_s_inverse.
		return orb.Point{p[0] / earthRadius * (180 / math.Pi), math.Atan(math.Sinh(p[1]/earthRadius)) * (180 / math.Pi)}
	}
	return p
}

// project returns the geometry in the CRS (a copy; the stored one is
// shared and never changed). CRS84 answers the geometry itself.
func (c CRS) project(mp orb.MultiPolygon) orb.MultiPolygon {
	if c.order == lonLat || mp == nil {
		return mp
	}
	n := 0
	for _, poly := range mp {
		for _, r := range poly {
			n += len(r)
		}
	}
	pts := make([]orb.Point, 0, n) // one allocation for every point
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		out[i] = make(orb.Polygon, len(poly))
		for k, r := range poly {
			start := len(pts)
			for _, p := range r {
				pts = append(pts, c.fromLonLat(p))
			}
			out[i][k] = orb.Ring(pts[start:len(pts):len(pts)])
		}
	}
	return out
}

// bboxForm says how a bbox in the CRS is written.
func (c CRS) bboxForm() string {
	switch c.order {
	case latLon:
		return "minLat,minLon,maxLat,maxLon in degrees (EPSG axis order, latitude first), e.g. 33.2,120.0,33.5,120.3"
	case mercator:
		return "minX,minY,maxX,maxY in Web Mercator metres, e.g. 13358338,3924000,13391734,3964000"
	}
	return "minLon,minLat,maxLon,maxLat in degrees (WGS 84), e.g. 120.0,33.2,120.3,33.5"
}

// parseBBoxIn reads a bbox written in the CRS and returns it in
// longitude/latitude; a box in Web Mercator is a box in longitude and
// latitude too, the projection keeping meridians and parallels straight.
func parseBBoxIn(s string, c CRS) (orb.Bound, error) {
	if c.order == lonLat {
		return geo.ParseBBox(s)
	}
	form := "want " + c.bboxForm()
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
	if c.order == latLon {
		switch {
		case v[0] < -90 || v[0] > 90 || v[2] < -90 || v[2] > 90:
			return orb.Bound{}, fmt.Errorf("%q: latitudes (the 1st and 3rd numbers) must lie in -90..90: %s", s, form)
		case v[1] < -180 || v[1] > 180 || v[3] < -180 || v[3] > 180:
			return orb.Bound{}, fmt.Errorf("%q: longitudes (the 2nd and 4th numbers) must lie in -180..180: %s", s, form)
		case v[0] > v[2]:
			return orb.Bound{}, fmt.Errorf("%q: minLat %g is greater than maxLat %g: %s", s, v[0], v[2], form)
		case v[1] > v[3]:
			return orb.Bound{}, fmt.Errorf("%q: minLon %g is greater than maxLon %g: %s", s, v[1], v[3], form)
		}
	} else {
		for _, x := range v {
			if math.Abs(x) > maxMercator {
				return orb.Bound{}, fmt.Errorf("%q: Web Mercator coordinates lie within ±%.0f metres: %s", s, maxMercator, form)
			}
		}
		switch {
		case v[0] > v[2]:
			return orb.Bound{}, fmt.Errorf("%q: minX %g is greater than maxX %g: %s", s, v[0], v[2], form)
		case v[1] > v[3]:
			return orb.Bound{}, fmt.Errorf("%q: minY %g is greater than maxY %g: %s", s, v[1], v[3], form)
		}
	}
	return orb.Bound{Min: c.toLonLat(orb.Point{v[0], v[1]}), Max: c.toLonLat(orb.Point{v[2], v[3]})}, nil
}
