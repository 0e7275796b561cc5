package bench

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridmap/geo"
	"gridmap/geocode"
	"gridmap/geocode/geocodetest"
	"gridmap/live"
	"gridmap/store"
)

// GeocodeOptions bounds one Geocode run.
type GeocodeOptions struct {
	PerKind   int    // noisy and made-up cases per kind of noise
	Batch     int    // queries in the POST /geocode batch (the cases repeated)
	PGQueries int    // queries through pg_trgm (the first cases of a shuffled set)
	Seed      int64  // seed of the noisy set
	Token     string // bearer token for POST /geocode
	Runs      int    // runs of the batch; the fastest counts
	// Fresh imports this many new addresses one by one through POST
	// /records/import (with AdminToken) and times how soon GET /geocode
	// answers each matched, in its grid. It writes them to the database.
	Fresh      int
	AdminToken string
}

// geocodeTally counts answers against the wanted grids, in all and by
// kind of noise.
type geocodeTally struct {
	noisy, right, wrong, madeUp, madeUpGrid int
	kinds                                   map[geocodetest.Kind]*kindTally
}

// kindTally counts the answers to one kind: cases, to the right grid, to
// a wrong grid.
type kindTally struct{ n, right, wrong int }

func (t *geocodeTally) add(c *geocodetest.Case, grid string) {
	if t.kinds == nil {
		t.kinds = map[geocodetest.Kind]*kindTally{}
	}
	k := t.kinds[c.Kind]
	if k == nil {
		k = &kindTally{}
		t.kinds[c.Kind] = k
	}
	k.n++
	switch {
	case c.Want != nil && grid == string(c.Want.Grid):
		k.right++
	case grid != "":
		k.wrong++
	}
	if c.MadeUp() {
		t.madeUp++
		if grid != "" {
			t.madeUpGrid++
		}
		return
	}
	t.noisy++
	switch {
	case grid == string(c.Want.Grid):
		t.right++
	case grid != "":
		t.wrong++
	}
}

// byKind writes, per kind of noise, the share of cases to the right
// grid, to a wrong grid and given none.
func (t geocodeTally) byKind() string {
	var b strings.Builder
	pct := func(a, n int) float64 { return 100 * float64(a) / float64(max(n, 1)) }
	for _, k := range append(slices.Clone(geocodetest.NoisyKinds), geocodetest.MadeUpKinds...) {
		x := t.kinds[k]
		if x == nil {
			continue
		}
		fmt.Fprintf(&b, "    %-17s %5d cases: %5.1f%% right grid, %4.1f%% wrong grid, %5.1f%% no grid\n",
			k, x.n, pct(x.right, x.n), pct(x.wrong, x.n), pct(x.n-x.right-x.wrong, x.n))
	}
	return b.String()
}

func (t geocodeTally) String() string {
	pct := func(a, n int) float64 { return 100 * float64(a) / float64(max(n, 1)) }
	return fmt.Sprintf("noisy: %.1f%% right grid, %.1f%% wrong grid, %.1f%% no grid; made-up: %.1f%% given a grid",
		pct(t.right, t.noisy), pct(t.wrong, t.noisy), pct(t.noisy-t.right-t.wrong, t.noisy), pct(t.madeUpGrid, t.madeUp))
}

// Geocode runs the same seeded noisy set (made from the database's
// standard addresses, package geocodetest) through POST /geocode of the
// handler svc starts (served on loopback, streamed CSV, the cases
// repeated to o.Batch rows) and through the do-it-yourself answer: the
// nearest text by pg_trgm (ORDER BY address <-> $1 LIMIT 1 on a GiST
// trigram index over the same addresses, in a temporary table), and
// writes the accuracy and addresses/s of both to w, with the memory of
// the address index. It needs CREATE EXTENSION pg_trgm (or the extension
// present); it writes nothing else to the database.
func Geocode(ctx context.Context, w io.Writer, st *store.Store, svc Service, o GeocodeOptions) error {
	if o.PerKind < 1 || o.Batch < 1 || o.PGQueries < 1 {
		return errors.New("bench geocode: --per-kind, --batch and --pg-queries must be at least 1")
	}
	addrs, err := geocodetest.Read(ctx, st)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return errors.New("no standard addresses: import some or load the demo (it writes its own)")
	}
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return err
	}
	cases := geocodetest.Noise(addrs, geocode.ProvinceOf(snap), o.Seed, o.PerKind)
	fmt.Fprintf(w, "%d live standard addresses; noisy set: %d cases (%d per kind, %d kinds, seed %d)\n",
		len(addrs), len(cases), o.PerKind, len(geocodetest.NoisyKinds)+len(geocodetest.MadeUpKinds), o.Seed)

	// The index's memory: the heap an index of these addresses holds.
	mem, build, err := indexMemory(ctx, st, snap)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "address index: %.1f MiB of heap (%.0f bytes an address), built in %v\n",
		float64(mem)/(1<<20), float64(mem)/float64(len(addrs)), build.Round(time.Millisecond))

	// gridmap: POST /geocode over loopback.
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h, err := svc(hctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	endpoint := "http://" + ln.Addr().String() + "/geocode"
	var best time.Duration
	var ours geocodeTally
	for run := range max(o.Runs, 1) {
		el, tally, err := postGeocode(ctx, endpoint, o.Token, cases, o.Batch)
		if err != nil {
			return err
		}
		if run == 0 || el < best {
			best, ours = el, tally
		}
	}
	oursRate := float64(o.Batch) / best.Seconds()
	fmt.Fprintf(w, "gridmap POST /geocode (CSV, streamed, loopback): %d addresses in %v: %.0f addresses/s (fastest of %d)\n  %s\n",
		o.Batch, best.Round(time.Millisecond), oursRate, max(o.Runs, 1), ours)
	fmt.Fprint(w, ours.byKind())

	// pg_trgm.
	pgEl, pgTally, n, err := pgTrgm(ctx, st, cases, o.PGQueries)
	if err != nil {
		return err
	}
	pgRate := float64(n) / pgEl.Seconds()
	fmt.Fprintf(w, "pg_trgm nearest text (GiST, ORDER BY address <-> $1 LIMIT 1): %d addresses in %v: %.3g addresses/s\n  %s\n",
		n, pgEl.Round(time.Millisecond), pgRate, pgTally)
	fmt.Fprint(w, pgTally.byKind())
	fmt.Fprintf(w, "gridmap / pg_trgm: %.0fx\n", oursRate/pgRate)
	if o.Fresh > 0 {
		return freshness(ctx, w, "http://"+ln.Addr().String(), o, addrs)
	}
	return nil
}

// freshness imports o.Fresh new addresses, one at a time, each on a new
// road in the village of a live address at its point, and times from the
// import's answer until GET /geocode answers the address matched in that
// address's grid.
func freshness(ctx context.Context, w io.Writer, base string, o GeocodeOptions, addrs []geocodetest.Address) error {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 16))
	var took []time.Duration
	for k := range o.Fresh {
		a := addrs[rng.IntN(len(addrs))]
		x := geocodetest.Address{Address: a.Address}
		x.Road, x.Number, x.Compound, x.Building, x.Entrance, x.Room, x.Group = "鲜测路", strconv.Itoa(1+rng.IntN(99999)), "", "", "", "", ""
		text := x.Text()
		body := fmt.Sprintf("address,lon,lat\n%s,%.7f,%.7f\n", text, a.Point[0], a.Point[1])
		code, b, err := call(ctx, http.MethodPost, base+"/records/import?kind=addresses", o.AdminToken, "text/csv", body)
		if err != nil || code != http.StatusOK || !strings.Contains(string(b), `"accepted":1`) {
			return fmt.Errorf("fresh address %d: import %s: %d %s %v", k, text, code, b, err)
		}
		start := time.Now()
		q := base + "/geocode?q=" + url.QueryEscape(text)
		for {
			code, b, err := call(ctx, http.MethodGet, q, o.Token, "", "")
			if err != nil || code != http.StatusOK {
				return fmt.Errorf("fresh address %d: GET /geocode: %d %s %v", k, code, b, err)
			}
			var ans geocode.AnswerJSON
			if err := json.Unmarshal(b, &ans); err != nil {
				return fmt.Errorf("fresh address %d: GET /geocode: %w", k, err)
			}
			if ans.Status == geocode.Matched {
				if ans.Grid == nil || ans.Grid.Code != string(a.Grid) {
					return fmt.Errorf("fresh address %d: %s matched in %+v, want grid %s", k, text, ans.Grid, a.Grid)
				}
				took = append(took, time.Since(start))
				break
			}
			if time.Since(start) > time.Minute {
				return fmt.Errorf("fresh address %d: %s not geocoded a minute after its import", k, text)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	slices.Sort(took)
	fmt.Fprintf(w, "freshness: %d addresses imported one by one (POST /records/import), geocoded matched in their grid by GET /geocode after: min %v, median %v, max %v\n",
		len(took), took[0].Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	return nil
}

func call(ctx context.Context, method, u, token, ctype, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// indexMemory builds an address index of the store's addresses and says
// how much heap it holds (measured, not estimated).
func indexMemory(ctx context.Context, st *store.Store, snap *geo.Snapshot) (uint64, time.Duration, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	h, err := geocode.NewHolder(ctx, st, staticLive{snap}, "", nil)
	if err != nil {
		return 0, 0, err
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	ix := h.Current()
	runtime.KeepAlive(ix)
	return after.HeapAlloc - before.HeapAlloc, ix.Stats().BuildTime, nil
}

// postGeocode streams the cases, repeated to n rows, to POST /geocode
// and scores the answers (row i answers case i mod len(cases)).
func postGeocode(ctx context.Context, url, token string, cases []geocodetest.Case, n int) (time.Duration, geocodeTally, error) {
	var tally geocodeTally
	pr, pw := io.Pipe()
	go func() {
		bw := make([]byte, 0, 1<<16)
		for i := range n {
			bw = strconv.AppendInt(bw, int64(i), 10)
			bw = append(bw, ',')
			bw = append(bw, csvQuote(cases[i%len(cases)].Text)...)
			bw = append(bw, '\n')
			if len(bw) > 60<<10 {
				if _, err := pw.Write(bw); err != nil {
					return
				}
				bw = bw[:0]
			}
		}
		pw.Write(bw)
		pw.Close()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
	if err != nil {
		return 0, tally, err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, tally, fmt.Errorf("POST /geocode: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return 0, tally, fmt.Errorf("POST /geocode: %s: %s", res.Status, b)
	}
	cr := csv.NewReader(res.Body)
	cr.ReuseRecord = true
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, tally, fmt.Errorf("POST /geocode answer: %w", err)
		}
		if rows == 0 && rec[0] == "id" {
			rows++
			continue
		}
		i, err := strconv.Atoi(rec[0])
		if err != nil || i != rows-1 {
			return 0, tally, fmt.Errorf("POST /geocode answer row %d has id %q: answers out of order", rows, rec[0])
		}
		rows++
		if i < len(cases) {
			tally.add(&cases[i], rec[2])
		}
	}
	el := time.Since(start)
	if rows-1 != n {
		return 0, tally, fmt.Errorf("POST /geocode: %d answers to %d addresses", rows-1, n)
	}
	return el, tally, nil
}

func csvQuote(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// pgTrgm runs the first n cases (all cases when fewer) through pg_trgm's
// nearest text, on one connection with the addresses in a temporary table
// under a GiST trigram index.
func pgTrgm(ctx context.Context, st *store.Store, cases []geocodetest.Case, n int) (time.Duration, geocodeTally, int, error) {
	var tally geocodeTally
	conn, err := st.Pool().Acquire(ctx)
	if err != nil {
		return 0, tally, 0, err
	}
	defer conn.Release()
	defer conn.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS pg_temp.geocode_bench`)
	for _, q := range []string{
		`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
		`CREATE TEMP TABLE geocode_bench AS SELECT id, full_text AS address, grid_code FROM standard_address WHERE retired_at IS NULL`,
		`CREATE INDEX ON geocode_bench USING gist (address gist_trgm_ops)`,
		`ANALYZE geocode_bench`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return 0, tally, 0, fmt.Errorf("pg_trgm: %s: %w", q, err)
		}
	}
	// Every n-th case, so every kind is in the sample.
	step := max(1, len(cases)/n)
	var sample []*geocodetest.Case
	for i := 0; i < len(cases) && len(sample) < n; i += step {
		sample = append(sample, &cases[i])
	}
	start := time.Now()
	for _, c := range sample {
		var grid string
		err := conn.QueryRow(ctx, `SELECT grid_code FROM geocode_bench ORDER BY address <-> $1 LIMIT 1`, c.Text).Scan(&grid)
		if err != nil {
			return 0, tally, 0, fmt.Errorf("pg_trgm query: %w", err)
		}
		tally.add(c, grid)
	}
	return time.Since(start), tally, len(sample), nil
}

// staticLive is one snapshot that never moves, for the index built to
// measure its memory.
type staticLive struct{ snap *geo.Snapshot }

func (l staticLive) Current() *live.State { return &live.State{Snap: l.snap} }

func (l staticLive) WaitFor(ctx context.Context, v int64) error {
	<-ctx.Done()
	return ctx.Err()
}
