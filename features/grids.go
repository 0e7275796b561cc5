package features

import (
	"errors"
	"fmt"
	"net/http"

	"gridmap/store"
)

// HandleGrid serves /grids/{code}: the current version of a grid.
func (s *Service) HandleGrid() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := codeParam(w, r, true)
		if err != nil {
			return
		}
		g, err := Grid(r.Context(), s.st, code)
		if errors.Is(err, store.ErrNotFound) {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("grid %s was not found among the current grids (see /grids/%s/versions for retired ones)", code, code))
			return
		}
		if err != nil {
			internalError(w, r, s.log, err)
			return
		}
		f := gridFeature(g, true)
		base := baseURL(r)
		f.ExtraMembers = map[string]any{"links": []link{
			{Href: base + "/grids/" + string(code), Rel: "self", Type: geojsonType},
			{Href: base + "/grids/" + string(code) + "/versions", Rel: "version-history", Type: geojsonType},
			{Href: base + "/areas/" + string(g.Village), Rel: "up", Type: geojsonType},
		}}
		encode(w, http.StatusOK, geojsonType, f)
	})
}

// HandleGridVersions serves /grids/{code}/versions: every version of a
// grid, oldest first, with validFrom and validTo (null while current).
func (s *Service) HandleGridVersions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := codeParam(w, r, true)
		if err != nil {
			return
		}
		vs, err := GridVersions(r.Context(), s.st, code)
		if errors.Is(err, store.ErrNotFound) {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("grid %s was not found: no version of it was ever stored", code))
			return
		}
		if err != nil {
			internalError(w, r, s.log, err)
			return
		}
		fs := make([]*item, len(vs))
		for i, g := range vs {
			fs[i] = gridFeature(g, false)
		}
		base := baseURL(r)
		encode(w, http.StatusOK, geojsonType, newCollection(fs, []link{
			{Href: base + "/grids/" + string(code) + "/versions", Rel: "self", Type: geojsonType},
			{Href: base + "/grids/" + string(code), Rel: "latest-version", Type: geojsonType},
		}))
	})
}
