package tiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
)

// TileJSONDoc is a TileJSON 3.0.0 document.
type TileJSONDoc struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Version      string        `json:"version"`
	Attribution  string        `json:"attribution,omitempty"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []VectorLayer `json:"vector_layers"`
}

// VectorLayer describes one layer in TileJSON's vector_layers.
type VectorLayer struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	MinZoom     int    `json:"minzoom"`
	MaxZoom     int    `json:"maxzoom"`
	// Fields gives each property's type, "String" or "Number", followed
	// by " (from zN)" for a property the layer's features carry only from
	// zoom N (LayerInfo.FullZoom); below it they carry their id and the
	// unmarked fields only.
	Fields map[string]string `json:"fields"`
}

// TileJSON serves TileJSON documents, for mounting at the root:
//
//	GET /tiles.json          all layers
//	GET /tiles/{layer}.json  one layer
//
// (Handler also serves /{layer}.json under its own mount point.)
func (s *Service) TileJSON() http.Handler {
	r := chi.NewRouter()
	r.Get("/tiles.json", s.serveTileJSON)
	r.Get(strings.TrimSuffix(s.opts.PathPrefix, "/")+"/{layer}.json", s.serveTileJSON)
	r.NotFound(notFound)
	return r
}

func (s *Service) serveTileJSON(w http.ResponseWriter, r *http.Request) {
	layer := chi.URLParam(r, "layer")
	if layer != "" {
		if _, ok := LayerByName(layer); !ok {
			writeProblem(w, r, http.StatusNotFound, (&UnknownLayerError{layer}).Error(), map[string]any{"layers": layerNames()})
			return
		}
	}
	p, err := s.Prepared()
	if err != nil {
		s.tileError(w, r, err)
		return
	}
	doc := s.Document(p, layer, s.baseURL(r))
	b, err := json.Marshal(doc)
	if err != nil {
		s.tileError(w, r, err)
		return
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(s.opts.MaxAge.Seconds())))
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	w.Write(b)
}

func (s *Service) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimSuffix(s.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// Document builds the TileJSON of the prepared version for one layer (""
// for all), with tile URLs under base (scheme and host). The URLs carry
// ?v=<version>, so a tile fetched through them may be cached forever.
func (s *Service) Document(p *Prepared, layer, base string) TileJSONDoc {
	prefix := base + strings.TrimSuffix(s.opts.PathPrefix, "/")
	doc := TileJSONDoc{
		TileJSON:    "3.0.0",
		Name:        "gridmap",
		Description: "Administrative areas, grids and sub-grids (urban-rural grid service management)",
		Version:     "1.0.0",
		Scheme:      "xyz",
		MinZoom:     0,
		MaxZoom:     MaxZoom,
	}
	path := "/{z}/{x}/{y}.mvt"
	if layer != "" {
		path = "/" + layer + path
		doc.Name += " " + layer
	}
	doc.Tiles = []string{fmt.Sprintf("%s%s?v=%d", prefix, path, p.Version)}
	minZ, maxZ := MaxZoom, 0
	for _, l := range layerInfos {
		if layer != "" && l.Name != layer {
			continue
		}
		doc.VectorLayers = append(doc.VectorLayers, VectorLayer{
			ID: l.Name, Description: l.Description, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom, Fields: fieldZooms(l),
		})
		minZ, maxZ = min(minZ, l.MinZoom), max(maxZ, l.MaxZoom)
	}
	doc.MinZoom, doc.MaxZoom = minZ, maxZ
	w, so, e, n, ok := p.Bounds()
	if !ok {
		w, so, e, n = -180, -maxLat, 180, maxLat
	}
	doc.Bounds = [4]float64{round6(w), round6(so), round6(e), round6(n)}
	span := math.Max(e-w, n-so)
	cz := 0.0
	if span > 0 {
		cz = math.Max(0, math.Min(MaxZoom, math.Floor(math.Log2(360/span))))
	}
	cz = math.Max(cz, float64(minZ))
	doc.Center = [3]float64{round6((w + e) / 2), round6((so + n) / 2), cz}
	return doc
}

// fieldZooms returns the layer's fields for TileJSON, marking those its
// features carry only from FullZoom, so a client knows what a tile below
// it holds (TileJSON lets a field's value describe it).
func fieldZooms(l LayerInfo) map[string]string {
	out := make(map[string]string, len(l.Fields))
	for k, typ := range l.Fields {
		if l.FullZoom > l.MinZoom && !slices.Contains(l.LeanFields, k) {
			typ += fmt.Sprintf(" (from z%d)", l.FullZoom)
		}
		out[k] = typ
	}
	return out
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
