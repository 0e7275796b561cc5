package eventhex

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"gridmap/eventstats"
	prob "gridmap/problem"
	"gridmap/tiles"
)

// Options tune a Service. The zero value is usable.
type Options struct {
	// MaxAge is the Cache-Control max-age of the TileJSON and of tiles not
	// asked for with the version they are drawn at (default 10 s).
	MaxAge time.Duration
	// MinInterval is how long a drawn version is kept before a newer
	// events version is drawn (default 5 s).
	MinInterval time.Duration
	// BaseURL is the scheme and host put into the TileJSON's tile URL;
	// empty takes them from each request.
	BaseURL string
	// PathPrefix is where the tiles are served (default "/tiles/events").
	PathPrefix string
	// CachedTiles bounds the tiles kept per drawn version (default 20,000).
	CachedTiles int
}

// Service draws and serves the events_hex tiles. It is safe for
// concurrent use.
type Service struct {
	src  func() *eventstats.Table
	opts Options
	cur  atomic.Pointer[state]
	mu   sync.Mutex
	now  func() time.Time
}

// NewService returns a service drawing the tables src gives
// (eventstats.Holder.Current).
func NewService(src func() *eventstats.Table, opts Options) *Service {
	if opts.MaxAge <= 0 {
		opts.MaxAge = 10 * time.Second
	}
	if opts.MinInterval <= 0 {
		opts.MinInterval = 5 * time.Second
	}
	if opts.PathPrefix == "" {
		opts.PathPrefix = "/tiles/events"
	}
	if opts.CachedTiles <= 0 {
		opts.CachedTiles = 20000
	}
	return &Service{src: src, opts: opts, now: time.Now}
}

// current is the drawn version to answer from: the last one, unless the
// events moved on and it is older than MinInterval.
func (s *Service) current() *state {
	t := s.src()
	if t == nil {
		return nil
	}
	st := s.cur.Load()
	if st != nil && (st.table.Seq == t.Seq || s.now().Sub(st.made) < s.opts.MinInterval) {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st = s.cur.Load(); st != nil && (st.table.Seq == t.Seq || s.now().Sub(st.made) < s.opts.MinInterval) {
		return st
	}
	st = &state{table: t, made: s.now(), maxTile: int64(s.opts.CachedTiles)}
	s.cur.Store(st)
	return st
}

// Version is the events version the tiles are drawn at now.
func (s *Service) Version() int64 {
	if st := s.current(); st != nil {
		return st.Version()
	}
	return 0
}

// Tile returns tile z/x/y of the current drawn version (nil bytes: no
// hexagon there) and that version.
func (s *Service) Tile(z, x, y int) ([]byte, int64, error) {
	d, v, err := s.drawnTile(z, x, y)
	if err != nil {
		return nil, 0, err
	}
	return d.raw, v, nil
}

func (s *Service) drawnTile(z, x, y int) (*drawn, int64, error) {
	if err := tiles.CheckTile(z, x, y); err != nil {
		return nil, 0, err
	}
	st := s.current()
	if st == nil {
		return nil, 0, errNotLoaded
	}
	return st.tile(z, x, y), st.Version(), nil
}

var errNotLoaded = fmt.Errorf("the events are not loaded yet; try again shortly")

// Handler serves GET /{z}/{x}/{y}.mvt under PathPrefix (chi URL
// parameters z, x, y), with ?v=<events version>.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		z, errZ := strconv.Atoi(chi.URLParam(r, "z"))
		x, errX := strconv.Atoi(chi.URLParam(r, "x"))
		y, errY := strconv.Atoi(chi.URLParam(r, "y"))
		if errZ != nil || errX != nil || errY != nil {
			prob.Status(w, r, http.StatusBadRequest, "z, x and y must be integers: /tiles/events/{z}/{x}/{y}.mvt")
			return
		}
		if z > MaxZoom {
			prob.Status(w, r, http.StatusNotFound, fmt.Sprintf("zoom %d is beyond the hexagon layer's %d: over-zoom tile %d", z, MaxZoom, MaxZoom))
			return
		}
		want := int64(-1)
		if v := r.URL.Query().Get("v"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				prob.Status(w, r, http.StatusBadRequest, fmt.Sprintf("v=%q is not an events version: it must be a non-negative integer (see /tiles/events.json)", v))
				return
			}
			want = n
		}
		d, version, err := s.drawnTile(z, x, y)
		switch {
		case err == errNotLoaded:
			prob.Status(w, r, http.StatusServiceUnavailable, err.Error())
			return
		case err != nil:
			prob.Status(w, r, http.StatusNotFound, err.Error())
			return
		}
		h := w.Header()
		h.Set("X-Events-Version", strconv.FormatInt(version, 10))
		if want == version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(s.opts.MaxAge.Seconds())))
		}
		// A strong ETag per representation: the gzipped bytes differ.
		h.Add("Vary", "Accept-Encoding")
		b, etag := d.raw, `"`+d.etag+`"`
		gz := d.gz != nil && tiles.AcceptsGzip(r.Header.Get("Accept-Encoding"))
		if gz {
			b, etag = d.gz, `"`+d.etag+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
			h.Del("Content-Encoding")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", tiles.ContentType)
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	})
}

// VectorLayer is the layer's entry in TileJSON's vector_layers.
func VectorLayer() tiles.VectorLayer {
	return tiles.VectorLayer{
		ID: LayerName,
		Description: "Event density: one H3 hexagon per cell holding events, counts only (count: all events, open: not closed or rejected; " +
			"h3: the cell). The resolution follows the zoom: 4 up to z7, z-3 between, 10 from z13",
		MinZoom: 0, MaxZoom: MaxZoom,
		Fields: map[string]string{"h3": "String", "count": "Number", "open": "Number"},
	}
}

// Document is the TileJSON of the hexagon tileset at its current
// version, with the tile URL under base (scheme and host).
func (s *Service) Document(base string) tiles.TileJSONDoc {
	v := int64(0)
	w, so, e, n, ok := -180.0, -85.0511, 180.0, 85.0511, false
	if st := s.current(); st != nil {
		v = st.Version()
		var bw, bs, be, bn float64
		if bw, bs, be, bn, ok = st.Bounds(); ok {
			w, so, e, n = bw, bs, be, bn
		}
	}
	doc := tiles.TileJSONDoc{
		TileJSON: "3.0.0", Name: "gridmap events", Version: "1.0.0", Scheme: "xyz",
		Description: "Where events concentrate: H3 hexagons with event counts, versioned by the events (change_seq), not the grids",
		Tiles:       []string{fmt.Sprintf("%s%s/{z}/{x}/{y}.mvt?v=%d", base, strings.TrimSuffix(s.opts.PathPrefix, "/"), v)},
		MinZoom:     0, MaxZoom: MaxZoom,
		Bounds:       [4]float64{round6(w), round6(so), round6(e), round6(n)},
		VectorLayers: []tiles.VectorLayer{VectorLayer()},
	}
	cz := 0.0
	if span := math.Max(e-w, n-so); ok && span > 0 {
		cz = math.Max(0, math.Min(MaxZoom, math.Floor(math.Log2(360/span))))
	}
	doc.Center = [3]float64{round6((w + e) / 2), round6((so + n) / 2), cz}
	return doc
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// TileJSON serves the TileJSON document (GET /tiles/events.json).
func (s *Service) TileJSON() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.src() == nil {
			prob.Status(w, r, http.StatusServiceUnavailable, errNotLoaded.Error())
			return
		}
		base := s.opts.BaseURL
		if base == "" {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
				scheme = p
			}
			base = scheme + "://" + r.Host
		}
		b, err := json.Marshal(s.Document(strings.TrimSuffix(base, "/")))
		if err != nil {
			prob.Status(w, r, http.StatusInternalServerError, "encoding the TileJSON failed")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(s.opts.MaxAge.Seconds())))
		w.Write(b)
	})
}
