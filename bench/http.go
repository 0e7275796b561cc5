package bench

import (
	"bufio"
	"bytes"
	"context"
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
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/lookup"
	"gridmap/store"
)

// HTTPOptions bounds one HTTP run.
type HTTPOptions struct {
	URL         string        // target server; "" starts the real handler in-process
	Points      int           // points in the CSV batch
	Clients     int           // concurrent keep-alive GET clients
	Duration    time.Duration // how long the GET clients run at most
	MaxRequests int           // and how many requests they send at most
	Runs        int           // runs of the GET clients; the fastest counts
}

// httpResult is what a run measured.
type httpResult struct {
	BatchPoints int           // answer lines received (header excluded)
	BatchErrors int           // answer lines with an error column
	BatchTime   time.Duration // wall time of the POST, first byte out to last byte in
	BatchCPU    time.Duration // process CPU time meanwhile (in-process only)
	getRunStats               // the fastest run of the GET clients
	Rates       []float64     // requests/s of every run
	InProcess   bool
	Version     string // the Gridmap-Dataset-Version of the batch answer
	Checked     int    // sampled GET answers checked against PostGIS
}

// HTTP measures the HTTP lookup paths with a loopback load generator,
// one streamed CSV batch (POST /lookup), then concurrent single-point
// GETs, against o.URL or, when it is empty, the real handler started by
// svc; the points are drawn from the current snapshot of st, and sampled
// answers are checked against PostGIS. It writes the report to w.
func HTTP(ctx context.Context, w io.Writer, st *store.Store, svc Service, o HTTPOptions) error {
	r, err := runHTTP(ctx, st, svc, o)
	if err != nil {
		return err
	}
	printHTTP(w, r, o)
	return nil
}

// runHTTP runs the two measurements against o.URL, or against the
// handler svc starts, served on a loopback listener of its own.
func runHTTP(ctx context.Context, st *store.Store, svc Service, o HTTPOptions) (httpResult, error) {
	var r httpResult
	switch {
	case o.Points < 1:
		return r, fmt.Errorf("--points %d: give at least 1", o.Points)
	case o.Clients < 1 || o.Clients > 1024:
		return r, fmt.Errorf("--clients %d: give 1 to 1024", o.Clients)
	case o.Duration <= 0 || o.Duration > 10*time.Minute:
		return r, fmt.Errorf("--duration %s: give a positive duration up to 10m", o.Duration)
	case o.MaxRequests < 1:
		return r, fmt.Errorf("--max-requests %d: give at least 1", o.MaxRequests)
	case o.Runs < 0 || o.Runs > 20:
		return r, fmt.Errorf("--runs %d: give 1 to 20", o.Runs)
	}
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return r, fmt.Errorf("load snapshot for the bench points: %w", err)
	}
	if len(snap.Grids) == 0 {
		return r, errors.New("no grids: load the demo first (gridd demo)")
	}
	base := o.URL
	if base == "" {
		hctx, cancel := context.WithCancel(ctx)
		defer cancel()
		h, err := svc(hctx)
		if err != nil {
			return r, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return r, fmt.Errorf("listen on loopback: %w", err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		base = "http://" + ln.Addr().String()
		r.InProcess = true
	} else if err := checkLoopback(ctx, base); err != nil {
		return r, err
	}
	base = strings.TrimSuffix(base, "/")
	host := strings.TrimPrefix(base, "http://")

	if err := benchBatch(ctx, base, snap, o.Points, &r); err != nil {
		return r, err
	}
	if err := benchGets(ctx, st, host, snap, o, &r); err != nil {
		return r, err
	}
	return r, nil
}

// checkLoopback refuses a --url that is not plain http on a loopback
// address: the load generator must not hammer anything else.
func checkLoopback(ctx context.Context, base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("--url %q: give a base URL such as http://127.0.0.1:8080", base)
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, u.Hostname())
	if err != nil {
		return fmt.Errorf("--url %q: %w", base, err)
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return fmt.Errorf("--url %q: %s is not a loopback address; the load generator only targets this machine", base, ip.IP)
		}
	}
	return nil
}

// cpuNow is the user+system CPU time of this process.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchBatch POSTs n generated points as one CSV stream (written through a
// pipe while the answer streams back) and counts the answer lines.
func benchBatch(ctx context.Context, base string, snap *geo.Snapshot, n int, r *httpResult) error {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeBenchCSV(pw, newPointSource(snap, 1), n))
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/lookup", pr)
	if err != nil {
		return fmt.Errorf("batch request: %w", err)
	}
	req.Header.Set("Content-Type", "text/csv")
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	cpu0, t0 := cpuNow(), time.Now()
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("POST /lookup: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
		return fmt.Errorf("POST /lookup: %s: %s", res.Status, b)
	}
	lines, errs, err := countAnswerLines(res.Body)
	if err != nil {
		return fmt.Errorf("read batch answer: %w", err)
	}
	r.BatchTime, r.BatchCPU = time.Since(t0), cpuNow()-cpu0
	r.Version = res.Header.Get("Gridmap-Dataset-Version")
	if lines < 1 {
		return errors.New("batch answer has no header line")
	}
	r.BatchPoints, r.BatchErrors = lines-1, errs
	if r.BatchPoints != n {
		return fmt.Errorf("batch answer has %d lines for %d points", r.BatchPoints, n)
	}
	return nil
}

// pointSource draws points as randomPoints does (a random grid, then a
// random point in its bounding box), with the boxes computed once so the
// generator costs little next to what it measures.
type pointSource struct {
	boxes []orb.Bound
	rng   *rand.Rand
}

func newPointSource(snap *geo.Snapshot, seed uint64) *pointSource {
	ps := &pointSource{rng: rand.New(rand.NewPCG(seed, 99))}
	for i := range snap.Grids {
		ps.boxes = append(ps.boxes, snap.Grids[i].Geom.Bound())
	}
	return ps
}

func (ps *pointSource) next() orb.Point {
	b := ps.boxes[ps.rng.IntN(len(ps.boxes))]
	return orb.Point{b.Min[0] + ps.rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + ps.rng.Float64()*(b.Max[1]-b.Min[1])}
}

// writeBenchCSV writes n points from ps as "id,lon,lat" lines, rounded
// to 7 decimals (about 1 cm) like real coordinates.
func writeBenchCSV(w io.Writer, ps *pointSource, n int) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := bw.WriteString("id,lon,lat\n"); err != nil {
		return err
	}
	var line []byte
	for i := range n {
		p := ps.next()
		line = strconv.AppendInt(line[:0], int64(i), 10)
		line = append(line, ',')
		line = strconv.AppendFloat(line, p[0], 'f', 7, 64)
		line = append(line, ',')
		line = strconv.AppendFloat(line, p[1], 'f', 7, 64)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// countAnswerLines counts lines and the lines after the first (the
// header) whose last column, the error, is not empty.
func countAnswerLines(r io.Reader) (lines, errs int, err error) {
	buf := make([]byte, 256<<10)
	last := byte('\n')
	for {
		n, rerr := r.Read(buf)
		b := buf[:n]
		for off := 0; ; {
			i := bytes.IndexByte(b[off:], '\n')
			if i < 0 {
				break
			}
			before := last
			if off+i > 0 {
				before = b[off+i-1]
			}
			if lines > 0 && before != ',' {
				errs++
			}
			lines++
			off += i + 1
		}
		if n > 0 {
			last = b[n-1]
		}
		if rerr == io.EOF {
			if last != '\n' {
				lines++
			}
			return lines, errs, nil
		}
		if rerr != nil {
			return lines, errs, rerr
		}
	}
}

// benchGets runs o.Clients keep-alive connections, each sending GET
// /lookup one request after another (hand-written requests and answer
// parsing, like wrk), until o.Duration or o.MaxRequests; o.Runs times,
// keeping the fastest run (the machine is shared: the best of a few runs
// is the least disturbed one) and the rate of every run. A sample of the
// answers (each client's first and every getSampleEvery-th) is kept and
// checked after each run against PostGIS, so a server answering fast but
// wrong cannot score.
func benchGets(ctx context.Context, st *store.Store, host string, snap *geo.Snapshot, o HTTPOptions, r *httpResult) error {
	ps := newPointSource(snap, 7)
	pts := make([]orb.Point, 1<<14)
	reqs := make([][]byte, len(pts))
	for i := range reqs {
		pts[i] = round7(ps.next())
		reqs[i] = getRequest(host, pts[i])
	}
	for run := range max(o.Runs, 1) {
		g, samples, err := getRun(ctx, host, reqs, o)
		if err != nil {
			return err
		}
		checked, err := verifyGets(ctx, st, pts, samples, r.Version)
		if err != nil {
			return err
		}
		r.Checked += checked
		r.Rates = append(r.Rates, g.rate())
		if run == 0 || g.rate() > r.getRunStats.rate() {
			r.getRunStats = g
		}
	}
	return nil
}

// getRunStats are the figures of one run of the GET clients.
type getRunStats struct {
	Requests int // GET answers with status 200
	Failed   int // GET answers with another status
	GetTime  time.Duration
	GetCPU   time.Duration
	P50, P99 time.Duration
}

func (g getRunStats) rate() float64 { return float64(g.Requests+g.Failed) / g.GetTime.Seconds() }

// getRun is one run of the GET clients.
func getRun(ctx context.Context, host string, reqs [][]byte, o HTTPOptions) (getRunStats, []getSample, error) {
	var g getRunStats
	deadline := time.Now().Add(o.Duration)
	var (
		mu      sync.Mutex
		lat     []time.Duration
		samples []getSample
		first   error
	)
	var sent atomic.Int64
	take := func() bool { return sent.Add(1) <= int64(o.MaxRequests) }
	var wg sync.WaitGroup
	runtime.GC() // the garbage of the batch or the last run is not this run's cost
	cpu0, t0 := cpuNow(), time.Now()
	for c := range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr, err := getLoop(ctx, host, reqs, c, deadline, take)
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, cr.lat...)
			samples = append(samples, cr.samples...)
			g.Requests += cr.ok
			g.Failed += cr.bad
			if err != nil && first == nil {
				first = err
			}
		}()
	}
	wg.Wait()
	g.GetTime, g.GetCPU = time.Since(t0), cpuNow()-cpu0
	if first != nil {
		return g, nil, first
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		g.P50 = lat[len(lat)/2]
		g.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return g, samples, nil
}

// round7 rounds a point to the 7 decimals its request carries, so the
// point the server reads is the one the answer is checked for.
func round7(p orb.Point) orb.Point {
	for i := range p {
		p[i], _ = strconv.ParseFloat(strconv.FormatFloat(p[i], 'f', 7, 64), 64)
	}
	return p
}

// getSample is a kept GET answer: which request, its status and body.
type getSample struct {
	req    int
	status int
	body   []byte
}

// Sampling of GET answers: each client keeps its first answer and every
// getSampleEvery-th, at most getSamplesPerClient.
const (
	getSampleEvery      = 509
	getSamplesPerClient = 32
)

// verifyGets checks the sampled answers: status 200, valid JSON echoing
// the request's lon and lat, the batch's dataset version, and the grid
// PostGIS gives for the point (lookup.PostGIS.LookupPoints, the lookup rule).
func verifyGets(ctx context.Context, st *store.Store, pts []orb.Point, samples []getSample, version string) (checked int, _ error) {
	if len(samples) == 0 {
		return 0, errors.New("GET /lookup: no answer was sampled")
	}
	sp := make([]orb.Point, len(samples))
	for i, s := range samples {
		sp[i] = pts[s.req]
	}
	want, err := lookup.NewPostGIS(st).LookupPoints(ctx, sp)
	if err != nil {
		return 0, fmt.Errorf("check GET /lookup answers in PostGIS: %w", err)
	}
	for i, s := range samples {
		var a lookup.Answer
		if s.status != http.StatusOK {
			return 0, fmt.Errorf("GET /lookup for %v: status %d: %.200s", sp[i], s.status, s.body)
		}
		if err := json.Unmarshal(s.body, &a); err != nil {
			return 0, fmt.Errorf("GET /lookup for %v: %v: %.200s", sp[i], err, s.body)
		}
		got := ""
		if a.Grid != nil {
			got = a.Grid.Code
		}
		if a.Lon != sp[i][0] || a.Lat != sp[i][1] || strconv.FormatInt(a.Version, 10) != version || got != string(want[i]) {
			return 0, fmt.Errorf("GET /lookup for %v answered %.300s; want lon and lat echoed, dataset version %s and grid %q (PostGIS)",
				sp[i], s.body, version, want[i])
		}
	}
	return len(samples), nil
}

func getRequest(host string, p orb.Point) []byte {
	b := []byte("GET /lookup?lon=")
	b = strconv.AppendFloat(b, p[0], 'f', 7, 64)
	b = append(b, "&lat="...)
	b = strconv.AppendFloat(b, p[1], 'f', 7, 64)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	return append(b, "\r\nUser-Agent: gridd-bench\r\n\r\n"...)
}

// getResult is what one GET client measured.
type getResult struct {
	lat     []time.Duration
	ok, bad int
	samples []getSample
}

// getLoop is one client connection: a request, then its answer, over
// and over.
func getLoop(ctx context.Context, host string, reqs [][]byte, c int, deadline time.Time, take func() bool) (getResult, error) {
	var g getResult
	conn, err := dialLoad(ctx, host)
	if err != nil {
		return g, err
	}
	defer conn.Close()
	rng := rand.New(rand.NewPCG(uint64(c), 3))
	for n := 0; ctx.Err() == nil && take(); n++ {
		t := time.Now()
		if t.After(deadline) {
			break
		}
		i := rng.IntN(len(reqs))
		keep := n%getSampleEvery == 0 && len(g.samples) < getSamplesPerClient
		status, _, body, err := conn.do(reqs[i], nil, keep)
		if err != nil {
			return g, fmt.Errorf("GET /lookup: %w", err)
		}
		g.lat = append(g.lat, time.Since(t))
		if status == http.StatusOK {
			g.ok++
		} else {
			g.bad++
		}
		if keep {
			g.samples = append(g.samples, getSample{req: i, status: status, body: body})
		}
	}
	return g, nil
}

func printHTTP(w io.Writer, r httpResult, o HTTPOptions) {
	where := "server at " + o.URL
	if r.InProcess {
		where = "real handler in-process on loopback; client and server share the process"
	}
	fmt.Fprintf(w, "gridd bench http (%s; GOMAXPROCS %d)\n", where, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "POST /lookup text/csv: %d points in %v: %.0f points/s end to end", r.BatchPoints, r.BatchTime.Round(time.Millisecond),
		float64(r.BatchPoints)/r.BatchTime.Seconds())
	if r.InProcess {
		fmt.Fprintf(w, " (process CPU %v: %.0f points/cpu-s, generator and client included)", r.BatchCPU.Round(time.Millisecond),
			float64(r.BatchPoints)/r.BatchCPU.Seconds())
	}
	fmt.Fprintf(w, "; %d row errors; dataset version %s\n", r.BatchErrors, r.Version)
	fmt.Fprintf(w, "GET /lookup: %d clients, %d requests (%d not 200) in %v: %.0f requests/s, p50 %v, p99 %v",
		o.Clients, r.Requests+r.Failed, r.Failed, r.GetTime.Round(time.Millisecond), float64(r.Requests+r.Failed)/r.GetTime.Seconds(),
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	if r.InProcess {
		fmt.Fprintf(w, " (process CPU %v: %.0f requests/cpu-s, load generator included)", r.GetCPU.Round(time.Millisecond),
			float64(r.Requests+r.Failed)/r.GetCPU.Seconds())
	}
	fmt.Fprintf(w, "; %d sampled answers agree with PostGIS\n", r.Checked)
	if len(r.Rates) > 1 {
		rates := make([]string, len(r.Rates))
		for i, v := range r.Rates {
			rates[i] = strconv.FormatFloat(v, 'f', 0, 64)
		}
		fmt.Fprintf(w, "GET /lookup runs: %s requests/s; the fastest is reported above\n", strings.Join(rates, ", "))
	}
}
