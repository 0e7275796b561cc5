package lookup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/problem"
	"gridmap/store"
)

// Source gives the live state answers come from.
type Source interface{ Current() *live.State }

// VersionHeader carries the dataset version that answered.
const VersionHeader = "Gridmap-Dataset-Version"

// Handler serves GET (one point: lon, lat, optional at) and POST (a batch,
// format by Content-Type) lookups. hist may be nil: then at= is refused.
func Handler(src Source, hist History, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fast := &fastPath{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if lon, lat, ok := parseFastQuery(r.URL.RawQuery); ok {
				fast.serve(w, src.Current(), lon, lat)
				return
			}
			serveOne(w, r, src, hist, log)
		case http.MethodPost:
			serveBatch(w, r, src, log)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			problem.Status(w, r, http.StatusMethodNotAllowed, "use GET /lookup?lon=&lat= for one point or POST a batch")
		}
	})
}

// parseCoord reads a lon or lat parameter.
func parseCoord(q map[string][]string, name string, lim float64, bad map[string]string) float64 {
	vs, ok := q[name]
	if !ok || len(vs) == 0 || vs[0] == "" {
		bad[name] = fmt.Sprintf("missing; give decimal degrees (WGS 84), e.g. %s=%s", name, map[string]string{"lon": "120.16", "lat": "33.35"}[name])
		return 0
	}
	if len(vs) > 1 {
		bad[name] = "given more than once"
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(vs[0]), 64)
	switch {
	case err != nil:
		bad[name] = fmt.Sprintf("%q is not a number; give decimal degrees", vs[0])
	case f != f:
		bad[name] = "NaN is not a coordinate"
	case f < -lim || f > lim:
		bad[name] = fmt.Sprintf("%v is out of range [%v, %v]", vs[0], -lim, lim)
	}
	return f
}

func serveOne(w http.ResponseWriter, r *http.Request, src Source, hist History, log *slog.Logger) {
	q := r.URL.Query()
	bad := map[string]string{}
	for k := range q {
		if k != "lon" && k != "lat" && k != "at" {
			bad[k] = "unknown parameter; the parameters are lon, lat and at"
		}
	}
	lon := parseCoord(q, "lon", 180, bad)
	lat := parseCoord(q, "lat", 90, bad)
	var at time.Time
	if s := q.Get("at"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			bad["at"] = fmt.Sprintf("%q is not an RFC 3339 time such as 2025-01-31T08:00:00+08:00", s)
		}
		at = t
	}
	if len(bad) > 0 {
		problem.Invalid(w, r, bad)
		return
	}
	state := src.Current()
	snap := state.Snap
	var a Answer
	if !at.IsZero() {
		if hist == nil {
			problem.Status(w, r, http.StatusNotImplemented, "as-of lookups are not available on this server")
			return
		}
		pa, err := hist.LookupAt(r.Context(), orb.Point{lon, lat}, at)
		if err != nil {
			if store.Unreachable(err) {
				log.Warn("as-of lookup: database unreachable", "id", problem.RequestID(r.Context()), "err", err)
				problem.DatabaseUnreachable(w, r)
				return
			}
			log.Error("as-of lookup", "id", problem.RequestID(r.Context()), "err", err)
			problem.Internal(w, r)
			return
		}
		a = answerAt(snap, pa)
		a.At = at.Format(time.RFC3339Nano)
	} else {
		a = answerFor(snap, state.Index.Lookup(orb.Point{lon, lat}))
	}
	a.Lon, a.Lat, a.Version = lon, lat, snap.Version
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(VersionHeader, strconv.FormatInt(snap.Version, 10))
	w.Header().Set("Cache-Control", "no-cache")
	json.NewEncoder(w).Encode(a)
}

func serveBatch(w http.ResponseWriter, r *http.Request, src Source, log *slog.Logger) {
	f, err := FormatFor(r.Header.Get("Content-Type"))
	if err != nil {
		problem.Status(w, r, http.StatusUnsupportedMediaType, strings.TrimPrefix(err.Error(), ErrFormat.Error()+": "))
		return
	}
	// Answers stream out while the body still streams in.
	rc := http.NewResponseController(w)
	if err := rc.EnableFullDuplex(); err != nil {
		log.Debug("full duplex not available", "err", err)
	}
	res := NewStateResolver(src.Current())
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set(VersionHeader, strconv.FormatInt(res.Version(), 10))
	w.Header().Set("Cache-Control", "no-store")
	cw := &commitWriter{w: w}
	st, err := Batch(r.Context(), f, r.Body, cw, res, nil)
	if err == nil {
		return
	}
	var mbe *http.MaxBytesError
	switch {
	case cw.started:
		// Too late for a status: end the stream with a marker line a client
		// can detect, and log the cause.
		log.Warn("batch lookup ended early", "id", problem.RequestID(r.Context()), "rows", st.Rows, "err", err)
		fmt.Fprintf(w, "\n# error after %d rows: %s\n", st.Rows, err)
	case errors.Is(err, ErrFormat):
		problem.Status(w, r, http.StatusBadRequest, err.Error())
	case errors.As(err, &mbe):
		problem.Status(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the batch is larger than %d bytes; split it", mbe.Limit))
	default:
		log.Error("batch lookup", "id", problem.RequestID(r.Context()), "err", err)
		problem.Internal(w, r)
	}
}

// commitWriter records whether anything reached the client, after which a
// problem status can no longer be sent.
type commitWriter struct {
	w       http.ResponseWriter
	started bool
}

func (c *commitWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		c.started = true
	}
	return c.w.Write(p)
}

// The single-point GET is the hottest route of the service (tens of
// thousands a second), so its usual form, "lon=X&lat=Y" with plain
// decimal numbers, is answered without the generic machinery: no
// url.Values, no error map, no encoding/json per request. The answer for
// a grid is the same for every point in it but for the echoed lon and
// lat, so the rest of it is encoded once per grid and version (by
// encoding/json, from the same Answer the general path builds: the bytes
// are identical) and appended to the two numbers. Anything unusual
// (another parameter, escapes, a bad number, at=) takes the general path,
// which says what is wrong.

// parseFastQuery reads a raw query of exactly lon=X&lat=Y (either order)
// whose values need no unescaping and are valid, in-range coordinates.
// ok is false for everything else, which the general path then answers
// (with the same result for the same query, or the problem).
func parseFastQuery(raw string) (lon, lat float64, ok bool) {
	a, b, found := strings.Cut(raw, "&")
	if !found {
		return 0, 0, false
	}
	var lonS, latS string
	for _, kv := range [2]string{a, b} {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "lon":
			lonS = v
		case "lat":
			latS = v
		default:
			return 0, 0, false
		}
	}
	if lonS == "" || latS == "" || !plainValue(lonS) || !plainValue(latS) {
		return 0, 0, false
	}
	var err error
	if lon, err = strconv.ParseFloat(lonS, 64); err != nil || !(lon >= -180 && lon <= 180) {
		return 0, 0, false
	}
	if lat, err = strconv.ParseFloat(latS, 64); err != nil || !(lat >= -90 && lat <= 90) {
		return 0, 0, false
	}
	return lon, lat, true
}

// plainValue reports whether a raw query value unescapes to itself: no
// '%' escapes, no '+' (a space), no '&' or ';' separators.
func plainValue(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '%', '+', '&', ';':
			return false
		}
	}
	return true
}

// fastPath holds the encoded answer tails of the current snapshot.
type fastPath struct {
	cur atomic.Pointer[answerTails]
}

// answerTails are the encoded answers of one snapshot after lon and lat:
// `,"dataset_version":V,"grid":…,"area":…}` and the newline json.Encoder
// ends with, made on first use for each grid (or sub-grid) and each area
// that answers.
type answerTails struct {
	snap    *geo.Snapshot
	version []string                     // the VersionHeader value
	grids   []atomic.Pointer[answerTail] // by the sub-grid's index when there is one, else the grid's
	areas   []atomic.Pointer[answerTail] // areas answering points in no grid
	none    *answerTail
}

// answerTail is one encoded tail and the hit it was made for.
type answerTail struct {
	hit  geo.Hit
	tail []byte
}

// Header values shared by every fast answer; header maps hold them as
// they are and nothing modifies them.
var (
	jsonContentType = []string{"application/json"}
	noCacheHeader   = []string{"no-cache"}
)

// tails returns the tails of snap, starting a new set when the snapshot
// changed.
func (f *fastPath) tails(snap *geo.Snapshot) *answerTails {
	if t := f.cur.Load(); t != nil && t.snap == snap {
		return t
	}
	t := &answerTails{snap: snap, version: []string{strconv.FormatInt(snap.Version, 10)},
		grids: make([]atomic.Pointer[answerTail], len(snap.Grids)),
		areas: make([]atomic.Pointer[answerTail], len(snap.Areas))}
	t.none = t.make(geo.Hit{Grid: -1, SubGrid: -1, Area: -1})
	// A racing store (another set for snap, or one for an older snapshot
	// by a request still on it) costs only the tails made again.
	f.cur.Store(t)
	return t
}

// make encodes the tail of a hit's answer: the Answer the general path
// builds, encoded by encoding/json with lon and lat 0, less the leading
// {"lon":0,"lat":0.
func (t *answerTails) make(h geo.Hit) *answerTail {
	a := answerFor(t.snap, h)
	a.Version = t.snap.Version
	b, err := json.Marshal(a)
	if err != nil { // Named holds only strings
		panic(fmt.Sprintf("lookup: encode answer: %v", err))
	}
	tail, ok := bytes.CutPrefix(b, []byte(`{"lon":0,"lat":0`))
	if !ok {
		panic("lookup: Answer no longer starts with lon and lat: the fast path needs them first")
	}
	return &answerTail{hit: h, tail: append(tail, '\n')}
}

// of returns the tail for a hit.
func (t *answerTails) of(h geo.Hit) []byte {
	var slot *atomic.Pointer[answerTail]
	switch {
	case h.Grid >= 0 && h.SubGrid >= 0 && int(h.SubGrid) < len(t.grids):
		slot = &t.grids[h.SubGrid]
	case h.Grid >= 0 && h.SubGrid < 0 && int(h.Grid) < len(t.grids):
		slot = &t.grids[h.Grid]
	case h.Grid < 0 && h.SubGrid < 0 && h.Area >= 0 && int(h.Area) < len(t.areas):
		slot = &t.areas[h.Area]
	case h.Grid < 0 && h.SubGrid < 0 && h.Area < 0:
		return t.none.tail
	default:
		return t.make(h).tail // not a shape the index gives; answered all the same
	}
	want := geo.Hit{Grid: h.Grid, SubGrid: h.SubGrid, Area: -1}
	if h.Grid < 0 {
		want.Area = h.Area
	}
	if at := slot.Load(); at != nil && at.hit == want {
		return at.tail
	}
	at := t.make(want)
	slot.Store(at)
	return at.tail
}

var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// serve answers one point from state.
func (f *fastPath) serve(w http.ResponseWriter, state *live.State, lon, lat float64) {
	t := f.tails(state.Snap)
	tail := t.of(state.Index.Lookup(orb.Point{lon, lat}))
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h[VersionHeader] = t.version
	h["Cache-Control"] = noCacheHeader
	bp := answerBufs.Get().(*[]byte)
	b := append((*bp)[:0], `{"lon":`...)
	b = appendEncodedFloat(b, lon)
	b = append(b, `,"lat":`...)
	b = appendEncodedFloat(b, lat)
	b = append(b, tail...)
	w.Write(b)
	*bp = b
	answerBufs.Put(bp)
}

// appendEncodedFloat appends a finite float64 exactly as encoding/json
// writes it: shortest representation, 'f' format unless the exponent is
// below -6 or at least 21, and then no leading zero in the exponent.
func appendEncodedFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
