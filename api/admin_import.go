package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	featureio "gridmap/feature"
	"gridmap/features"
	"gridmap/geo"
	"gridmap/importer"
	"gridmap/store"
)

// DefaultMaxImportBytes limits a GeoJSON import body (the import streams,
// so this bounds time and disk, not memory).
const DefaultMaxImportBytes = 1 << 30

// handleImport serves POST /admin/import: a GeoJSON FeatureCollection of
// areas or grids, imported all or nothing. 200 with the report when
// accepted (or checked, for a dry run); 422 with the report when rejected.
// Audited by the import itself.
func handleImport(log *slog.Logger, st *store.Store, maxBytes int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		opts := importer.Options{RequestID: RequestID(r.Context())}
		if p, ok := PrincipalFrom(r.Context()); ok {
			opts.Actor = p.Actor()
		}
		bad := map[string]string{}
		for name := range q {
			switch name {
			case "kind", "dry_run", "repair", "valid_from":
			default:
				bad[name] = "unknown query parameter: the parameters are kind, dry_run, repair and valid_from"
			}
		}
		switch k := q.Get("kind"); k {
		case "", "areas", "grids":
			opts.Kind = k
		default:
			bad["kind"] = fmt.Sprintf("%q: want areas or grids (or leave it out to take each feature by its code)", k)
		}
		flag := func(name string) bool {
			if !q.Has(name) {
				return false
			}
			b, err := strconv.ParseBool(q.Get(name))
			if err != nil {
				bad[name] = fmt.Sprintf("%q: want true or false", q.Get(name))
			}
			return b
		}
		opts.DryRun, opts.Repair = flag("dry_run"), flag("repair")
		if s := q.Get("valid_from"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				bad["valid_from"] = fmt.Sprintf("%q is not an RFC 3339 time such as 2025-01-01T00:00:00+08:00", s)
			}
			opts.ValidFrom = t
		}
		if len(bad) > 0 {
			invalid(w, r, bad)
			return
		}
		if r.ContentLength > maxBytes {
			problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is %d bytes; the limit is %d bytes", r.ContentLength, maxBytes))
			return
		}
		body := http.MaxBytesReader(w, r.Body, maxBytes)
		rep, err := importer.Import(r.Context(), st, featureio.NewReader(body, featureio.ReaderOptions{MaxBytes: maxBytes}), opts)
		var mbe *http.MaxBytesError
		switch {
		case err == nil:
			encode(w, http.StatusOK, jsonType, rep)
		case errors.As(err, &mbe):
			problem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than the limit of %d bytes; split it", mbe.Limit))
		case errors.Is(err, importer.ErrRejected):
			writeProblem(w, r, Problem{Status: http.StatusUnprocessableEntity,
				Detail: fmt.Sprintf("import rejected: %d errors in %d features; nothing was written. See report.problems for what to fix.", rep.Errors, rep.Features),
				Extra:  map[string]any{"report": rep}})
		default:
			internalError(w, r, log, err)
		}
	})
}

// handleExport serves GET /admin/export?kind=areas|grids[&level=][&within=][&at=]:
// a GeoJSON FeatureCollection streamed from the database.
func handleExport(log *slog.Logger, st *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		bad := map[string]string{}
		for name := range q {
			switch name {
			case "kind", "level", "within", "at":
			default:
				bad[name] = "unknown query parameter: the parameters are kind, level, within and at"
			}
		}
		kind := q.Get("kind")
		if kind != "areas" && kind != "grids" {
			bad["kind"] = fmt.Sprintf("%q: want areas or grids", kind)
		}
		var f features.ExportFilter
		if s := q.Get("level"); s != "" {
			l, err := geo.ParseLevel(s)
			switch {
			case err != nil:
				bad["level"] = err.Error()
			case kind == "grids" && l != geo.LevelGrid && l != geo.LevelSubGrid:
				bad["level"] = "grids have the levels grid and subgrid"
			case kind == "areas" && l > geo.LevelVillage:
				bad["level"] = "areas have the levels city, county, town and village"
			}
			f.Level = l
		}
		if s := q.Get("within"); s != "" {
			c, err := geo.ParseCode(s)
			if err != nil {
				bad["within"] = err.Error()
			}
			f.Within = c
		}
		if s := q.Get("at"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				bad["at"] = fmt.Sprintf("%q is not an RFC 3339 time", s)
			}
			f.At = t
		}
		if len(bad) > 0 {
			invalid(w, r, bad)
			return
		}
		w.Header().Set("Content-Type", "application/geo+json")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="gridmap-%s.geojson"`, kind))
		fw := featureio.NewWriter(w)
		var err error
		if kind == "areas" {
			_, err = features.ExportAreas(r.Context(), st, fw, f)
		} else {
			_, err = features.ExportGrids(r.Context(), st, fw, f)
		}
		if err == nil {
			err = fw.Close()
		}
		if err != nil {
			// The header is gone; the truncated JSON tells the client.
			log.Error("export", "id", RequestID(r.Context()), "err", err)
		}
	})
}
