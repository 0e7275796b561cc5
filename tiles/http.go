package tiles

import (
	"context"
	"errors"
	"fmt"
	"gridmap/problem"
	"gridmap/store"
	"net/http"
	"net/url"
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
	return &tileRouter{routes: r, s: s, router: r}
}

// tileRouter answers the usual tile request, GET or HEAD of
// /{z}/{x}/{y}.mvt or /{layer}/{z}/{x}/{y}.mvt with plain digits and a
// known layer, without routing it through chi a second time: for a
// cached tile that routing was a third of the garbage (a path-value map,
// two route-pattern strings) on the service's hottest path. Such a
// request is the one chi would send to serveTile with the same values;
// every other request goes to the chi router, which answers as before.
// It is the chi router's chi.Routes, so a parent router mounting it sees
// (walks, matches) the tile routes as before.
type tileRouter struct {
	routes // its methods; an embedded chi.Routes, named Routes, would hide Routes()
	s      *Service
	router http.Handler
}

type routes = chi.Routes

// The route patterns of the two tile routes, added to chi's route
// context as its router would, so metrics still label tiles by route.
const (
	tilePattern      = "/{z}/{x}/{y}.mvt"
	layerTilePattern = "/{layer}/{z}/{x}/{y}.mvt"
)

func (t *tileRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// The path chi would route: what is left below a mount, else the
		// whole (raw) path.
		rctx := chi.RouteContext(r.Context())
		path := r.URL.Path
		if r.URL.RawPath != "" {
			path = r.URL.RawPath
		}
		if rctx != nil && rctx.RoutePath != "" {
			path = rctx.RoutePath
		}
		if layer, z, x, y, ok := splitTilePath(path); ok {
			if rctx != nil {
				p := tilePattern
				if layer != "" {
					p = layerTilePattern
				}
				rctx.RoutePatterns = append(rctx.RoutePatterns, p)
			}
			t.s.serveTileAt(w, r, layer, z, x, y)
			return
		}
	}
	t.router.ServeHTTP(w, r)
}

// splitTilePath reads /{z}/{x}/{y}.mvt or /{layer}/{z}/{x}/{y}.mvt whose
// z, x and y are 1 to 8 digits and whose layer is known; ok is false
// for anything else.
func splitTilePath(path string) (layer, z, x, y string, ok bool) {
	rest, found := strings.CutPrefix(path, "/")
	if !found {
		return "", "", "", "", false
	}
	if rest, found = strings.CutSuffix(rest, ".mvt"); !found {
		return "", "", "", "", false
	}
	var parts [4]string
	n := 0
	for {
		part, after, more := strings.Cut(rest, "/")
		if n == len(parts) {
			return "", "", "", "", false
		}
		parts[n] = part
		n++
		if !more {
			break
		}
		rest = after
	}
	switch n {
	case 3:
	case 4:
		if _, known := LayerByName(parts[0]); !known {
			return "", "", "", "", false
		}
		layer = parts[0]
	default:
		return "", "", "", "", false
	}
	z, x, y = parts[n-3], parts[n-2], parts[n-1]
	if !digits(z) || !digits(x) || !digits(y) {
		return "", "", "", "", false
	}
	return layer, z, x, y, true
}

// digits reports whether s is 1 to 8 ASCII digits.
func digits(s string) bool {
	if s == "" || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
	s.serveTileAt(w, r, chi.URLParam(r, "layer"), chi.URLParam(r, "z"), chi.URLParam(r, "x"), chi.URLParam(r, "y"))
}

// serveTileAt answers a tile request with its path values (layer "" for
// all layers).
func (s *Service) serveTileAt(w http.ResponseWriter, r *http.Request, layer, zs, xs, ys string) {
	z, x, y, err := parseZXY(zs, xs, ys)
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
	v, at := tileQuery(r.URL.RawQuery)
	var wantV int64 = -1
	if v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("v=%q is not a dataset version: it must be a non-negative integer (see /tiles.json)", v), nil)
			return
		}
		wantV = n
	}
	if at != "" {
		s.serveHistory(w, r, layer, z, x, y, at)
		return
	}
	t, version, err := s.Tile(r.Context(), layer, z, x, y)
	if err != nil {
		s.tileError(w, r, err)
		return
	}
	if wantV > version {
		// A newer version's URL (from another replica's TileJSON) on a
		// replica still loading it: wait for it a little, and never
		// answer it with older content a cache could keep.
		if t, version, err = s.awaitVersion(r, wantV, layer, z, x, y); err != nil {
			s.tileError(w, r, err)
			return
		}
	}
	cc := s.maxAge
	switch {
	case wantV == version:
		cc = immutableHeader
	case wantV > version:
		cc = noStoreHeader
	}
	w.Header()["X-Dataset-Version"] = s.versionHeader(version)
	writeTile(w, r, t, cc)
}

// awaitVersion waits up to Options.WaitNewer for the source to publish
// version v (when it can tell: VersionWaiter) and renders the tile again.
func (s *Service) awaitVersion(r *http.Request, v int64, layer string, z, x, y int) (Tile, int64, error) {
	if vw, ok := s.src.(VersionWaiter); ok {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.WaitNewer)
		vw.WaitFor(ctx, v) // on timeout, the tile of the version there is, not to be kept
		cancel()
	}
	return s.Tile(r.Context(), layer, z, x, y)
}

// tileQuery returns the v and at query parameters. The usual query,
// none or ?v=<digits> from TileJSON, is read without building a map.
func tileQuery(raw string) (v, at string) {
	if raw == "" {
		return "", ""
	}
	if d, ok := strings.CutPrefix(raw, "v="); ok && d != "" && strings.Trim(d, "0123456789") == "" {
		return d, ""
	}
	q, _ := url.ParseQuery(raw) // as r.URL.Query(): malformed pairs are left out
	return q.Get("v"), q.Get("at")
}

// versionHeader is the X-Dataset-Version header value of a version,
// built once per version.
func (s *Service) versionHeader(v int64) []string {
	if h := s.verHdr.Load(); h != nil && h.version == v {
		return h.value
	}
	h := &versionHeader{version: v, value: []string{strconv.FormatInt(v, 10)}}
	s.verHdr.Store(h)
	return h.value
}

type versionHeader struct {
	version int64
	value   []string
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
	writeTile(w, r, newTile(data), s.maxAge)
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
	case store.Unreachable(err):
		s.log.Warn("tile: database unreachable", "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()), "err", err)
		problem.DatabaseUnreachable(w, r)
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
	if z, err = parseCoord("z", zs); err != nil {
		return 0, 0, 0, err
	}
	if x, err = parseCoord("x", xs); err != nil {
		return 0, 0, 0, err
	}
	if y, err = parseCoord("y", ys); err != nil {
		return 0, 0, 0, err
	}
	return z, x, y, nil
}

func parseCoord(name, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 8 {
		return 0, fmt.Errorf("%s=%q is not a tile coordinate: z, x and y must be integers (z 0-%d, x and y 0-(2^z-1))", name, s, MaxZoom)
	}
	return n, nil
}

// Header values shared by every tile answer. They are put into header
// maps as they are and never modified.
var (
	immutableHeader   = []string{immutable}
	noStoreHeader     = []string{"no-store"}
	varyHeader        = []string{"Accept-Encoding"}
	contentTypeHeader = []string{ContentType}
	gzipHeader        = []string{"gzip"}
)

// writeTile answers with a tile: 204 when empty, 304 when the client has
// it, gzip when the client accepts it. The header values come ready
// made with the tile (and the caller's cache control), so a cached tile
// is answered without building any.
func writeTile(w http.ResponseWriter, r *http.Request, t Tile, cacheControl []string) {
	h := w.Header()
	h["Cache-Control"] = cacheControl
	h["Vary"] = varyHeader
	if len(t.Data) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	th := t.headers()
	body, etag, length := t.Data, th.etag, th.length
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		body, etag, length = t.Gzip, th.gzipETag, th.gzipLength
	}
	h["Etag"] = etag
	if inm := r.Header.Get("If-None-Match"); inm != "" && (etagMatch(inm, th.etag[0]) || etagMatch(inm, th.gzipETag[0])) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = contentTypeHeader
	if gz {
		h["Content-Encoding"] = gzipHeader
	}
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// etagMatch applies If-None-Match's weak comparison of a list of tags
// to one tag.
func etagMatch(header, tag string) bool {
	for rest := header; rest != ""; {
		var f string
		f, rest, _ = strings.Cut(rest, ",")
		f = strings.TrimSpace(f)
		if f == "*" || strings.TrimPrefix(f, "W/") == tag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(h string) bool {
	for rest := h; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, "gzip") && name != "*" {
			continue
		}
		q := 1.0
		for params != "" {
			var p string
			p, params, _ = strings.Cut(params, ";")
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
