package features

import (
	"errors"
	"fmt"
	"net/http"

	"gridmap/store"
)

// HandleArea serves /areas/{code}: one area as a GeoJSON feature.
func (s *Service) HandleArea() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := codeParam(w, r, false)
		if err != nil {
			return
		}
		a, err := Area(r.Context(), s.st, code)
		if errors.Is(err, store.ErrNotFound) {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("area %s was not found", code))
			return
		}
		if err != nil {
			internalError(w, r, s.log, err)
			return
		}
		f := areaFeature(a)
		base := baseURL(r)
		f.ExtraMembers = map[string]any{"links": []link{
			{Href: base + "/areas/" + string(code), Rel: "self", Type: geojsonType},
			{Href: base + "/areas/" + string(code) + "/children", Rel: "children", Type: geojsonType},
		}}
		encode(w, http.StatusOK, geojsonType, f)
	})
}

// HandleAreaChildren serves /areas/{code}/children: the areas one level
// down, or a village's current grids.
func (s *Service) HandleAreaChildren() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := codeParam(w, r, false)
		if err != nil {
			return
		}
		areas, grids, err := Children(r.Context(), s.st, code)
		if errors.Is(err, store.ErrNotFound) {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("area %s was not found", code))
			return
		}
		if err != nil {
			internalError(w, r, s.log, err)
			return
		}
		var fs []*item
		for _, a := range areas {
			fs = append(fs, areaFeature(a))
		}
		for _, g := range grids {
			fs = append(fs, gridFeature(g, true))
		}
		base := baseURL(r)
		encode(w, http.StatusOK, geojsonType, newCollection(fs, []link{
			{Href: base + "/areas/" + string(code) + "/children", Rel: "self", Type: geojsonType},
			{Href: base + "/areas/" + string(code), Rel: "up", Type: geojsonType},
		}))
	})
}
