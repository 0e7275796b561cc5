package geocode

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/problem"
	"gridmap/store"
)

// VersionHeader carries the dataset version that answered.
const VersionHeader = "Gridmap-Dataset-Version"

// DefaultReverseMeters and MaxReverseMeters bound how far GET
// /geocode/reverse looks for the nearest standard address: a door is
// rarely more than a building's depth from where it is pinned.
const (
	DefaultReverseMeters = 100
	MaxReverseMeters     = 1000
)

// Service serves GET /geocode (one address), POST /geocode (a batch)
// and GET /geocode/reverse. The routes need a token: the api package
// puts them behind RequireRole.
type Service struct {
	Index interface{ Current() *Index }
	Live  interface{ Current() *live.State }
	// Store answers at= (the grid of a date); nil refuses at=.
	Store *store.Store
	Log   *slog.Logger
}

// Handler serves the three routes, told apart by path.
func (s *Service) Handler() http.Handler {
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/reverse") && r.Method == http.MethodGet:
			s.serveReverse(w, r)
		case r.Method == http.MethodGet:
			s.serveOne(w, r, log)
		case r.Method == http.MethodPost:
			s.serveBatch(w, r, log)
		default:
			w.Header().Set("Allow", "GET, POST")
			problem.Status(w, r, http.StatusMethodNotAllowed, "use GET /geocode?q= for one address or POST a batch")
		}
	})
}

// AreaJSON is an area in an answer.
type AreaJSON struct {
	Code  string `json:"code"`
	Level string `json:"level"`
	Name  string `json:"name"`
}

// AddressJSON is a standard address in an answer.
type AddressJSON struct {
	ID       int64   `json:"id"`
	Code     string  `json:"code"`
	Standard string  `json:"standard"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
}

// CandidateJSON is one of the addresses of an ambiguous answer.
type CandidateJSON struct {
	AddressJSON
	GridCode string  `json:"grid_code"`
	Score    float64 `json:"score"`
}

// GridJSON is a grid in an answer.
type GridJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// AnswerJSON is the answer of GET /geocode.
type AnswerJSON struct {
	Query   string       `json:"query"`
	Status  Status       `json:"status"`
	Score   *float64     `json:"score"`
	Version int64        `json:"version"`
	At      *string      `json:"at"`
	Address *AddressJSON `json:"address"`
	// Grid is the matched address's grid (at the time asked, with at=);
	// null for every other answer: only one standard address gives a grid.
	Grid       *GridJSON       `json:"grid"`
	Area       *AreaJSON       `json:"area"`
	Hierarchy  []AreaJSON      `json:"hierarchy"`
	Candidates []CandidateJSON `json:"candidates"`
}

func areaJSON(a geo.Area) AreaJSON {
	return AreaJSON{Code: string(a.Code), Level: a.Level.String(), Name: a.Name}
}

func (s *Service) serveOne(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	q := r.URL.Query()
	bad := map[string]string{}
	for k := range q {
		if k != "q" && k != "at" {
			bad[k] = "unknown parameter; the parameters are q and at"
		}
	}
	text := q.Get("q")
	if strings.TrimSpace(text) == "" {
		bad["q"] = "missing; give the address as written, e.g. q=盐城市亭湖区五星街道解放南路12号"
	} else if len(text) > 1000 {
		bad["q"] = "longer than 1000 bytes; an address is shorter"
	}
	var at time.Time
	if v := q.Get("at"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			bad["at"] = fmt.Sprintf("%q is not an RFC 3339 time such as 2025-01-31T08:00:00+08:00", v)
		} else if s.Store == nil {
			bad["at"] = "this server keeps no history"
		}
		at = t
	}
	if len(bad) > 0 {
		problem.Invalid(w, r, bad)
		return
	}
	ix := s.Index.Current()
	a := ix.Geocode(text)
	out := AnswerJSON{Query: text, Status: a.Status, Version: ix.Version(), Hierarchy: []AreaJSON{}, Candidates: []CandidateJSON{}}
	if a.Status == Matched || a.Status == Ambiguous {
		out.Score = &a.Score
	}
	switch a.Status {
	case Matched:
		c := a.Address
		out.Address = &AddressJSON{ID: c.ID, Code: c.Code, Standard: c.Standard, Lon: c.Lon, Lat: c.Lat}
		grid := c.Grid
		if !at.IsZero() {
			atS := at.Format(time.RFC3339)
			out.At = &atS
			g, err := GridAt(r.Context(), s.Store, c.ID, at)
			switch {
			case errors.Is(err, ErrNoHistory):
				grid = ""
			case err != nil:
				log.Error("geocode at", "err", err)
				problem.Internal(w, r)
				return
			default:
				grid = g
			}
		}
		if grid != "" {
			gj := &GridJSON{Code: string(grid)}
			if g := ix.snap.Grid(grid); g != nil {
				gj.Name = g.Name
			}
			out.Grid = gj
		}
	case Ambiguous:
		for _, c := range a.Candidates {
			out.Candidates = append(out.Candidates, CandidateJSON{
				AddressJSON: AddressJSON{ID: c.ID, Code: c.Code, Standard: c.Standard, Lon: c.Lon, Lat: c.Lat},
				GridCode:    string(c.Grid), Score: c.Score})
		}
	}
	for _, h := range ix.Hierarchy(a.Area) {
		out.Hierarchy = append(out.Hierarchy, areaJSON(h))
	}
	if n := len(out.Hierarchy); n > 0 {
		out.Area = &out.Hierarchy[n-1]
	}
	w.Header().Set(VersionHeader, strconv.FormatInt(ix.Version(), 10))
	writeJSON(w, out)
}

func (s *Service) serveBatch(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	f, err := FormatFor(r.Header.Get("Content-Type"))
	if err != nil {
		problem.Status(w, r, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	// Answers stream out while the body still streams in.
	if err := http.NewResponseController(w).EnableFullDuplex(); err != nil {
		log.Debug("full duplex not available", "err", err)
	}
	ix := s.Index.Current() // one index, one version, for the whole batch
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set(VersionHeader, strconv.FormatInt(ix.Version(), 10))
	cw := &committedWriter{w: w}
	st, err := ix.Batch(r.Context(), f, r.Body, cw, nil)
	if err != nil {
		if !cw.committed {
			w.Header().Del(VersionHeader)
			problem.Status(w, r, http.StatusBadRequest, err.Error())
			return
		}
		// The answer is under way: the client sees it cut short.
		log.Warn("geocode batch stopped", "rows", st.Rows, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// committedWriter notes whether anything reached the client.
type committedWriter struct {
	w         http.ResponseWriter
	committed bool
}

func (c *committedWriter) Write(b []byte) (int, error) {
	c.committed = true
	return c.w.Write(b)
}

// ReverseJSON is the answer of GET /geocode/reverse.
type ReverseJSON struct {
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	Version int64   `json:"version"`
	// Address is the nearest standard address within MaxMeters, or null.
	Address *ReverseAddressJSON `json:"address"`
	// Grid is the grid the point lies in (the lookup of the point), or null.
	Grid      *GridJSON `json:"grid"`
	MaxMeters float64   `json:"max_distance_m"`
}

// ReverseAddressJSON is the nearest address of a reverse answer.
type ReverseAddressJSON struct {
	AddressJSON
	GridCode string  `json:"grid_code"`
	Meters   float64 `json:"distance_m"`
}

func (s *Service) serveReverse(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := map[string]string{}
	for k := range q {
		if k != "lon" && k != "lat" && k != "max_distance_m" {
			bad[k] = "unknown parameter; the parameters are lon, lat and max_distance_m"
		}
	}
	num := func(name string, lim float64, def float64) float64 {
		v := q.Get(name)
		if v == "" {
			if def >= 0 {
				return def
			}
			bad[name] = "missing; give decimal degrees (WGS 84)"
			return 0
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || f < -lim || f > lim {
			bad[name] = fmt.Sprintf("%q is not a number in [%v, %v]", v, -lim, lim)
		}
		return f
	}
	lon, lat := num("lon", 180, -1), num("lat", 90, -1)
	maxM := num("max_distance_m", MaxReverseMeters, DefaultReverseMeters)
	if maxM < 0 {
		bad["max_distance_m"] = fmt.Sprintf("give a distance in metres up to %d", MaxReverseMeters)
	}
	if len(bad) > 0 {
		problem.Invalid(w, r, bad)
		return
	}
	ix := s.Index.Current()
	p := orb.Point{lon, lat}
	out := ReverseJSON{Lon: lon, Lat: lat, Version: ix.Version(), MaxMeters: maxM}
	if i, d := ix.nearest(p, maxM); i >= 0 {
		e := ix.entry(i)
		out.Address = &ReverseAddressJSON{AddressJSON: AddressJSON{ID: e.ID, Code: e.Code(), Standard: e.Text(), Lon: e.Point[0], Lat: e.Point[1]},
			GridCode: string(e.Grid), Meters: math.Round(d*10) / 10}
	}
	if s.Live != nil {
		st := s.Live.Current()
		if h := st.Index.Lookup(p); h.Grid >= 0 {
			g := st.Snap.Grids[h.Grid]
			out.Grid = &GridJSON{Code: string(g.Code), Name: g.Name}
		}
	}
	w.Header().Set(VersionHeader, strconv.FormatInt(ix.Version(), 10))
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Write(append(b, '\n'))
}
