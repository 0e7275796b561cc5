package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"gridmap/store"
	"gridmap/tiles"
)

// benchTiles compares the tile service with a PostGIS tile server on one
// list of tiles drawn like map traffic (gridd bench tiles): (a) the real
// service (newHandler) cold, the first request of each tile; (b) the same
// tiles again, warm; (c) one ST_AsMVT query per tile (store.TileCurrent,
// the query of pg_tileserv and Martin) behind a minimal HTTP handler.
// All three go through loopback HTTP with gzip accepted, so each pays the
// same client, server and compression costs; then all three again in
// process (handlers called directly, a second service for the cold
// pass), which shows what the servers themselves cost.
func benchTiles(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench tiles", "[--tiles N] [--seed S] [--concurrency C]")
	n := fs.Int("tiles", 1000, "tiles drawn from the weighted traffic list; each distinct tile is requested once per pass")
	seed := fs.Uint64("seed", 1, "seed of the tile list")
	conc := fs.Int("concurrency", 2, "requests in flight at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench tiles takes no arguments, got %q", fs.Args())
	}
	if *n <= 0 || *conc <= 0 {
		return fmt.Errorf("--tiles %d --concurrency %d: both must be positive", *n, *conc)
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the live state's background work
	// Request logs off (warnings stay): the PostGIS handler logs nothing
	// either, and a log line per tile would be most of a warm request.
	quiet := *e
	quiet.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h, err := newHandler(ctx, &quiet, st)
	if err != nil {
		return err
	}
	ours := httptest.NewServer(h)
	defer ours.Close()
	pg := httptest.NewServer(postgisTileHandler(st))
	defer pg.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * *conc, DisableCompression: true}}

	doc, err := fetchTileJSON(ctx, client, ours.URL+"/tiles.json")
	if err != nil {
		return err
	}
	if len(doc.Tiles) == 0 {
		return errors.New("tiles.json has no tile URL")
	}
	b := doc.Bounds
	drawn := tiles.WeightedTilesIn(orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}}, *n, *seed)
	list := distinctTiles(drawn)
	oursURLs := make([]string, len(list))
	pgURLs := make([]string, len(list))
	for i, t := range list {
		r := strings.NewReplacer("{z}", strconv.Itoa(t.Z), "{x}", strconv.Itoa(t.X), "{y}", strconv.Itoa(t.Y))
		oursURLs[i] = r.Replace(doc.Tiles[0])
		pgURLs[i] = fmt.Sprintf("%s/%d/%d/%d.mvt", pg.URL, t.Z, t.X, t.Y)
	}
	fmt.Fprintf(e.stdout, "%d tiles drawn (seed %d), %d distinct, zooms %s; concurrency %d; gzip accepted, request logs off; rows without (in-process) go over loopback HTTP\n",
		len(drawn), *seed, len(list), zoomSpread(list), *conc)

	httpRows, err := tilePasses(ctx, len(list), *conc, overHTTP(client, oursURLs), overHTTP(client, pgURLs))
	if err != nil {
		return err
	}
	// The same again in process, on a second, cold service: what the
	// servers themselves cost, without the client and loopback that take
	// most of a warm request above.
	h2, err := newHandler(ctx, &quiet, st)
	if err != nil {
		return err
	}
	oursPaths := make([]string, len(list))
	pgPaths := make([]string, len(list))
	for i := range list {
		oursPaths[i] = strings.TrimPrefix(oursURLs[i], ours.URL)
		pgPaths[i] = strings.TrimPrefix(pgURLs[i], pg.URL)
	}
	procRows, err := tilePasses(ctx, len(list), *conc, inProcess(h2, oursPaths), inProcess(postgisTileHandler(st), pgPaths))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%-27s %10s %9s %9s %11s %6s\n", "path", "tiles/s", "p50-ms", "p99-ms", "bytes/tile", "empty")
	for _, set := range []struct {
		suffix string
		rows   [3]tileStats
	}{{"", httpRows}, {" (in-process)", procRows}} {
		for k, name := range []string{"gridmap-cold", "gridmap-warm", "postgis-query"} {
			r := set.rows[k]
			fmt.Fprintf(e.stdout, "%-27s %10.1f %9.3f %9.3f %11.0f %6d\n", name+set.suffix, r.rate,
				ms(r.p50), ms(r.p99), r.meanBytes, r.empty)
		}
	}
	for _, set := range []struct {
		name string
		rows [3]tileStats
	}{{"over HTTP", httpRows}, {"in process", procRows}} {
		cold, warm, post := set.rows[0], set.rows[1], set.rows[2]
		fmt.Fprintf(e.stdout, "%s: cold/postgis %.1fx (target >=5x), warm/postgis %.1fx (target >=50x), warm p99 %.3f ms (target <5 ms)\n",
			set.name, cold.rate/post.rate, warm.rate/post.rate, ms(warm.p99))
	}
	c := compareTiles(httpRows[0].bodies, httpRows[2].bodies)
	fmt.Fprintf(e.stdout, "polygon features (layer and id): gridmap %d, postgis %d, in both %d (%.1f%% of the larger); tiles failing the strict MVT 2.1 decoder: gridmap %d, postgis %d\n",
		c.ours, c.pg, c.both, 100*float64(c.both)/float64(max(c.ours, c.pg, 1)), c.badOurs, c.badPG)
	sl := list[procRows[0].slowest]
	fmt.Fprintf(e.stdout, "slowest cold tile (in process): %d/%d/%d\n", sl.Z, sl.X, sl.Y)
	fmt.Fprintln(e.stdout, "bytes/tile: mean gzip body of non-empty tiles; postgis-query serves table columns and ST_PointOnSurface labels, without area household counts")
	return nil
}

// tilePasses runs the cold pass, the warm pass and the PostGIS pass over
// the same n tiles.
func tilePasses(ctx context.Context, n, conc int, ours, pg func(context.Context, int) ([]byte, error)) ([3]tileStats, error) {
	var out [3]tileStats
	for k, p := range []struct {
		name  string
		fetch func(context.Context, int) ([]byte, error)
	}{{"cold", ours}, {"warm", ours}, {"PostGIS", pg}} {
		runtime.GC() // the garbage of one pass is not the next one's cost
		s, err := runTiles(ctx, n, p.fetch, conc)
		if err != nil {
			return out, fmt.Errorf("%s pass: %w", p.name, err)
		}
		if k == 1 {
			s.bodies = nil // the same as the cold pass's
		}
		out[k] = s
	}
	return out, nil
}

// featureCounts compare the content of two sets of tiles.
type featureCounts struct {
	ours, pg, both int
	badOurs, badPG int
}

// compareTiles decodes each pair of tiles strictly and counts the polygon
// features (layer and id) on each side and on both. Labels are left
// out: PostGIS places them elsewhere, so they may fall in other tiles.
func compareTiles(ours, pg [][]byte) featureCounts {
	var c featureCounts
	for i := range ours {
		a, okA := polygonFeatures(ours[i])
		b, okB := polygonFeatures(pg[i])
		if !okA {
			c.badOurs++
		}
		if !okB {
			c.badPG++
		}
		c.ours += len(a)
		c.pg += len(b)
		for k := range a {
			if b[k] {
				c.both++
			}
		}
	}
	return c
}

type layerID struct {
	layer string
	id    uint64
}

// polygonFeatures reads a tile body (gzip or not); ok is false when it
// fails the strict decoder.
func polygonFeatures(body []byte) (map[layerID]bool, bool) {
	if len(body) == 0 {
		return nil, true
	}
	if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, false
		}
		if body, err = io.ReadAll(zr); err != nil {
			return nil, false
		}
	}
	d, err := tiles.Decode(body)
	if err != nil {
		return nil, false
	}
	out := map[layerID]bool{}
	for _, l := range d.Layers {
		if l.Name == tiles.LayerLabel {
			continue
		}
		for _, f := range l.Features {
			out[layerID{l.Name, f.ID}] = true
		}
	}
	return out, true
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// distinctTiles keeps the first request of each tile, in order: a cold
// pass requests every tile once.
func distinctTiles(list []tiles.TileRequest) []tiles.TileRequest {
	seen := make(map[tiles.TileRequest]bool, len(list))
	var out []tiles.TileRequest
	for _, t := range list {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// zoomSpread says which zooms a list holds, e.g. "0-18 (z12-16: 62%)".
func zoomSpread(list []tiles.TileRequest) string {
	if len(list) == 0 {
		return "none"
	}
	lo, hi, mid := list[0].Z, list[0].Z, 0
	for _, t := range list {
		lo, hi = min(lo, t.Z), max(hi, t.Z)
		if t.Z >= 12 && t.Z <= 16 {
			mid++
		}
	}
	return fmt.Sprintf("%d-%d (z12-16: %d%%)", lo, hi, 100*mid/len(list))
}

func fetchTileJSON(ctx context.Context, c *http.Client, url string) (tiles.TileJSONDoc, error) {
	var doc tiles.TileJSONDoc
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return doc, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return doc, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return doc, fmt.Errorf("get %s: %s: %s (is a dataset loaded? run gridd demo)", url, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return doc, fmt.Errorf("read %s: %w", url, err)
	}
	return doc, nil
}

// tileStats summarise one pass.
type tileStats struct {
	rate      float64 // tiles per second of wall time
	p50, p99  time.Duration
	meanBytes float64 // of the non-empty tiles
	empty     int
	slowest   int      // index of the slowest tile
	bodies    [][]byte // the bodies as sent (gzip), nil for 204
}

// overHTTP fetches tile i of urls through the client.
func overHTTP(c *http.Client, urls []string) func(context.Context, int) ([]byte, error) {
	return func(ctx context.Context, i int) ([]byte, error) { return getTile(ctx, c, urls[i]) }
}

// inProcess serves tile i of paths by calling the handler, with no
// client, socket or loopback between: the server's own cost.
func inProcess(h http.Handler, paths []string) func(context.Context, int) ([]byte, error) {
	return func(ctx context.Context, i int) ([]byte, error) {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, paths[i], nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
			return nil, fmt.Errorf("get %s: status %d: %s", paths[i], rec.Code, rec.Body.Bytes())
		}
		return rec.Body.Bytes(), nil
	}
}

// runTiles fetches tiles 0..n-1 once each with conc requests in flight
// and measures each from sending the request to reading the last body
// byte.
func runTiles(ctx context.Context, n int, fetch func(context.Context, int) ([]byte, error), conc int) (tileStats, error) {
	lat := make([]time.Duration, n)
	bodies := make([][]byte, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				b, err := fetch(ctx, i)
				lat[i] = time.Since(t0)
				if err != nil {
					cancel(err)
					return
				}
				bodies[i] = b
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return tileStats{}, err
	}
	s := tileStats{rate: float64(n) / wall.Seconds(), bodies: bodies}
	total, full := 0, 0
	for _, b := range bodies {
		n := len(b)
		if n == 0 {
			s.empty++
			continue
		}
		total += n
		full++
	}
	if full > 0 {
		s.meanBytes = float64(total) / float64(full)
	}
	for i := range lat {
		if lat[i] > lat[s.slowest] {
			s.slowest = i
		}
	}
	slices.Sort(lat)
	s.p50, s.p99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	return s, nil
}

// getTile fetches one tile and returns its body as sent (nil for 204).
func getTile(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return nil, fmt.Errorf("get %s: %s", url, resp.Status)
	}
	return body, nil
}

// postgisTileHandler serves GET /{z}/{x}/{y}.mvt with one
// store.TileCurrent query per request, as pg_tileserv and Martin do:
// the layers visible at z, 204 for an empty tile, gzip when accepted.
func postgisTileHandler(st *store.Store) http.Handler {
	gz := sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		return w
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{z}/{x}/{file}", func(w http.ResponseWriter, r *http.Request) {
		z, err1 := strconv.Atoi(r.PathValue("z"))
		x, err2 := strconv.Atoi(r.PathValue("x"))
		ys, ok := strings.CutSuffix(r.PathValue("file"), ".mvt")
		y, err3 := strconv.Atoi(ys)
		if err1 != nil || err2 != nil || err3 != nil || !ok {
			http.Error(w, "want /{z}/{x}/{y}.mvt", http.StatusBadRequest)
			return
		}
		if err := tiles.CheckTile(z, x, y); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, err := st.TileCurrent(r.Context(), tiles.LayersAt(nil, z), z, x, y)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if len(b) == 0 {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", tiles.ContentType)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			var buf bytes.Buffer
			zw := gz.Get().(*gzip.Writer)
			zw.Reset(&buf)
			zw.Write(b)
			zw.Close()
			gz.Put(zw)
			b = buf.Bytes()
			w.Header().Set("Content-Encoding", "gzip")
		}
		w.Write(b)
	})
	return mux
}
