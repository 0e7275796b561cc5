package features

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"gridmap/geo"
)

// item is a GeoJSON feature with typed properties.
type item = geojson.FeatureOf[any]

// itemCollection is a GeoJSON FeatureCollection with typed properties.
type itemCollection = geojson.FeatureCollectionOf[any]

// areaProps are the public properties of an area.
type areaProps struct {
	Code   string `json:"code"`
	Short  string `json:"short"`
	Level  string `json:"level"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
}

// gridProps are the public properties of a grid version. Counts are
// aggregate numbers, never who lives where.
type gridProps struct {
	Code       string     `json:"code"`
	Level      string     `json:"level"`
	Kind       string     `json:"kind"`
	Name       string     `json:"name"`
	Village    string     `json:"village"`
	ParentGrid string     `json:"parentGrid,omitempty"`
	ValidFrom  time.Time  `json:"validFrom"`
	ValidTo    *time.Time `json:"validTo"`
	Households *int       `json:"households,omitempty"`
	Units      *int       `json:"units,omitempty"`
}

func geometry(mp orb.MultiPolygon) orb.Geometry {
	if len(mp) == 0 {
		return nil
	}
	return mp
}

func areaFeature(a geo.Area) *item {
	f := &item{Type: "Feature", ID: string(a.Code), Geometry: geometry(a.Geom)}
	f.Properties = areaProps{Code: string(a.Code), Short: a.Code.Short(), Level: a.Level.String(), Name: a.Name, Parent: string(a.Parent)}
	return f
}

// gridFeature encodes a grid version; counts only for current versions.
func gridFeature(g geo.Grid, counts bool) *item {
	f := &item{Type: "Feature", ID: string(g.Code), Geometry: geometry(g.Geom)}
	p := gridProps{Code: string(g.Code), Level: g.Code.Level().String(), Kind: string(g.Kind), Name: g.Name,
		Village: string(g.Village), ParentGrid: string(g.ParentGrid), ValidFrom: g.ValidFrom.UTC()}
	if !g.ValidTo.IsZero() {
		t := g.ValidTo.UTC()
		p.ValidTo = &t
	}
	if counts && g.ValidTo.IsZero() {
		h, u := g.Households, g.Units
		p.Households, p.Units = &h, &u
	}
	f.Properties = p
	return f
}

func newCollection(items []*item, links []link) *itemCollection {
	if items == nil {
		items = []*item{}
	}
	fc := &itemCollection{Type: "FeatureCollection", Features: items}
	fc.ExtraMembers = map[string]any{"links": links}
	return fc
}

// errCodeAnswered means codeParam has already written the problem.
var errCodeAnswered = errors.New("code rejected")

// codeParam parses the {code} path parameter and checks its level is one
// the route serves, answering 400 saying why when it is not.
func codeParam(w http.ResponseWriter, r *http.Request, wantGrid bool) (geo.Code, error) {
	s := chi.URLParam(r, "code")
	c, err := geo.ParseCode(s)
	if err != nil {
		var ce *geo.CodeError
		if errors.As(err, &ce) {
			invalid(w, r, map[string]string{"code": ce.Error()})
		} else {
			invalid(w, r, map[string]string{"code": err.Error()})
		}
		return "", errCodeAnswered
	}
	switch {
	case wantGrid && !c.IsGrid():
		invalid(w, r, map[string]string{"code": fmt.Sprintf("%s is a %s code, not a grid code (15 or 17 digits); areas are under /areas/%s", s, c.Level(), s)})
		return "", errCodeAnswered
	case !wantGrid && c.IsGrid():
		invalid(w, r, map[string]string{"code": fmt.Sprintf("%s is a %s code, not an area code (4, 6, 9 or 12 digits); grids are under /grids/%s", s, c.Level(), s)})
		return "", errCodeAnswered
	}
	return c, nil
}
