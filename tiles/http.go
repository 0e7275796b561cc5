package tiles

import (
	"errors"
	"fmt"
	"gridmap/problem"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// ContentType is the media type of a vector tile.
const ContentType = "application/vnd.mapbox-vector-tile"

const immutable = "public, max-age=31536000, immutable"

// Handler serves tiles, to be mounted at Options.PathPrefix ("/tiles"):
//
//	GET /{z}/{x}/{y}.mvt          all layers
//	GET /{layer}/{z}/{x}/{y}.mvt  one layer
//	GET /{layer}.json             TileJSON of one layer
//
// Query parameters: v=<dataset version> (when it is the current one the
// tile may be cached forever), at=<RFC 3339 time> (the state at that time,
// from PostGIS).
func (s *Service) Handler() http.Handler {
	r := chi.NewRouter()
	r.Get("/{z}/{x}/{y}.mvt", s.serveTile)
	r.Head("/{z}/{x}/{y}.mvt", s.serveTile)
	r.Get("/{layer}/{z}/{x}/{y}.mvt", s.serveTile)
	r.Head("/{layer}/{z}/{x}/{y}.mvt", s.serveTile)
	r.Get("/{layer}.json", s.serveTileJSON)
	r.NotFound(notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeProblem(w, r, http.StatusMethodNotAllowed, "only GET and HEAD are allowed here", nil)
	})
	return r
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, http.StatusNotFound,
		"no such tile route: use /tiles/{z}/{x}/{y}.mvt, /tiles/{layer}/{z}/{x}/{y}.mvt, /tiles.json or /tiles/{layer}.json",
		map[string]any{"layers": layerNames()})
}

func layerNames() []string {
	out := make([]string, len(layerInfos))
	for i, l := range layerInfos {
		out[i] = l.Name
	}
	return out
}

func (s *Service) serveTile(w http.ResponseWriter, r *http.Request) {
	layer := chi.URLParam(r, "layer")
	z, x, y, err := parseZXY(chi.URLParam(r, "z"), chi.URLParam(r, "x"), chi.URLParam(r, "y"))
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, err.Error(), map[string]any{"valid": validRange()})
		return
	}
	if layer != "" {
		if _, ok := LayerByName(layer); !ok {
			writeProblem(w, r, http.StatusNotFound, (&UnknownLayerError{layer}).Error(), map[string]any{"layers": layerNames()})
			return
		}
	}
	if err := CheckTile(z, x, y); err != nil {
		writeProblem(w, r, http.StatusNotFound, err.Error(), map[string]any{"valid": validRange()})
		return
	}
	q := r.URL.Query()
	var wantV int64 = -1
	if v := q.Get("v"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("v=%q is not a dataset version: it must be a non-negative integer (see /tiles.json)", v), nil)
			return
		}
		wantV = n
	}
	if at := q.Get("at"); at != "" {
		s.serveHistory(w, r, layer, z, x, y, at)
		return
	}
	t, version, err := s.Tile(r.Context(), layer, z, x, y)
	if err != nil {
		s.tileError(w, r, err)
		return
	}
	cc := fmt.Sprintf("public, max-age=%d", int(s.opts.MaxAge.Seconds()))
	if wantV == version {
		cc = immutable
	}
	w.Header().Set("X-Dataset-Version", strconv.FormatInt(version, 10))
	writeTile(w, r, t, cc)
}

func (s *Service) serveHistory(w http.ResponseWriter, r *http.Request, layer string, z, x, y int, at string) {
	when, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest,
			fmt.Sprintf("at=%q is not an RFC 3339 time; write it like 2024-05-01T08:00:00+08:00 or 2024-05-01T00:00:00Z", at), nil)
		return
	}
	if s.hist == nil {
		writeProblem(w, r, http.StatusNotImplemented, "historical tiles (?at=) are not available on this server", nil)
		return
	}
	var names []string
	if layer != "" {
		names = []string{layer}
	}
	names = LayersAt(names, z)
	var data []byte
	if len(names) > 0 {
		data, err = s.hist.TileAt(r.Context(), names, z, x, y, when)
		if err != nil {
			s.tileError(w, r, err)
			return
		}
	}
	writeTile(w, r, newTile(data), fmt.Sprintf("public, max-age=%d", int(s.opts.MaxAge.Seconds())))
}

func (s *Service) tileError(w http.ResponseWriter, r *http.Request, err error) {
	var te *TileError
	var ue *UnknownLayerError
	switch {
	case errors.As(err, &te):
		writeProblem(w, r, http.StatusNotFound, err.Error(), map[string]any{"valid": validRange()})
	case errors.As(err, &ue):
		writeProblem(w, r, http.StatusNotFound, err.Error(), map[string]any{"layers": layerNames()})
	case errors.Is(err, ErrNoSnapshot):
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, http.StatusServiceUnavailable, "no dataset is loaded yet; retry shortly", nil)
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
	default:
		id := middleware.GetReqID(r.Context())
		s.log.Error("tile", "path", r.URL.Path, "request_id", id, "err", err)
		writeProblem(w, r, http.StatusInternalServerError, "internal error; request id "+id, nil)
	}
}

func validRange() string {
	return fmt.Sprintf("z 0-%d; x and y 0-(2^z-1)", MaxZoom)
}

// parseZXY reads the tile address, saying which part is wrong.
func parseZXY(zs, xs, ys string) (z, x, y int, err error) {
	parts := [3]struct {
		name, s string
		v       *int
	}{{"z", zs, &z}, {"x", xs, &x}, {"y", ys, &y}}
	for _, p := range parts {
		n, err := strconv.Atoi(p.s)
		if err != nil || len(p.s) > 8 {
			return 0, 0, 0, fmt.Errorf("%s=%q is not a tile coordinate: z, x and y must be integers (z 0-%d, x and y 0-(2^z-1))", p.name, p.s, MaxZoom)
		}
		*p.v = n
	}
	return z, x, y, nil
}

// writeTile answers with a tile: 204 when empty, 304 when the client has
// it, gzip when the client accepts it.
func writeTile(w http.ResponseWriter, r *http.Request, t Tile, cacheControl string) {
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("Vary", "Accept-Encoding")
	if len(t.Data) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, etag := t.Data, t.ETag
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		body, etag = t.Gzip, t.GzipETag()
	}
	h.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, t.ETag, t.GzipETag()) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", ContentType)
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// etagMatch applies If-None-Match's weak comparison to a list of tags.
func etagMatch(header string, tags ...string) bool {
	for _, f := range strings.Split(header, ",") {
		f = strings.TrimSpace(f)
		if f == "*" {
			return true
		}
		f = strings.TrimPrefix(f, "W/")
		for _, t := range tags {
			if f == t {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}

// writeProblem writes an RFC 9457 problem document.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, ext map[string]any) {
	problem.Write(w, r, problem.Details{Status: status, Detail: detail, Extra: ext})
}
