package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"gridmap/store"
)

// handleArea serves /areas/{code}: one area as a GeoJSON feature.
func handleArea(log *slog.Logger, st *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := codeParam(w, r, false)
		if err != nil {
			return
		}
		a, err := st.Area(r.Context(), code)
		if errors.Is(err, store.ErrNotFound) {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("area %s was not found", code))
			return
		}
		if err != nil {
			internalError(w, r, log, err)
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

// handleAreaChildren serves /areas/{code}/children: the areas one level
// down, or a village's current grids.
func handleAreaChildren(log *slog.Logger, st *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := codeParam(w, r, false)
		if err != nil {
			return
		}
		areas, grids, err := st.Children(r.Context(), code)
		if errors.Is(err, store.ErrNotFound) {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("area %s was not found", code))
			return
		}
		if err != nil {
			internalError(w, r, log, err)
			return
		}
		var fs []*feature
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
