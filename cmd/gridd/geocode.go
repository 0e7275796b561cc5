package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"gridmap/geocode"
	"gridmap/live"
)

// cmdGeocode geocodes a file of addresses offline: gridd geocode --in
// addresses.csv --out coded.csv, with a progress bar on stderr. The format
// follows the extension (.csv, .json) unless --format says otherwise.
func cmdGeocode(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "geocode", "--in FILE|- --out FILE|- [--format csv|json]")
	in := fs.String("in", "-", "addresses: CSV id,address or a JSON array of {id, address} ('-' = stdin)")
	out := fs.String("out", "-", "where to write the answers: id,status,grid_code,address_code,standard,score ('-' = stdout)")
	format := fs.String("format", "", "csv or json (default: from the --in extension, else csv)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f := geocode.CSV
	switch ext := strings.ToLower(filepath.Ext(*in)); {
	case *format == "json", *format == "" && ext == ".json":
		f = geocode.JSON
	case *format == "csv", *format == "":
	default:
		return fmt.Errorf("--format %q: use csv or json", *format)
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return err
	}
	h, err := geocode.NewHolder(ctx, st, staticLive{live.FromSnapshot(snap)}, "", nil)
	if err != nil {
		return err
	}
	ix := h.Current()
	s := ix.Stats()
	fmt.Fprintf(e.stderr, "dataset version %d: %d standard addresses indexed in %v (%.1f MiB)\n",
		ix.Version(), s.Addresses, time.Since(start).Round(time.Millisecond), float64(s.Bytes)/(1<<20))

	var r io.Reader = e.stdin
	var size int64
	counter := &countingReader{}
	if *in != "-" {
		file, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		defer file.Close()
		if fi, err := file.Stat(); err == nil {
			size = fi.Size()
		}
		r = file
	}
	counter.r = r
	var w io.Writer = e.stdout
	var outFile *os.File
	if *out != "-" {
		// Write beside the target and rename at the end, so a failed run
		// leaves no half-written answer file.
		outFile, err = os.CreateTemp(filepath.Dir(*out), ".gridd-geocode-*")
		if err != nil {
			return fmt.Errorf("create output: %w", err)
		}
		defer os.Remove(outFile.Name())
		defer outFile.Close()
		w = outFile
	}
	start = time.Now()
	last := time.Time{}
	stats, err := ix.Batch(ctx, f, counter, w, func(b geocode.BatchStats) {
		if now := time.Now(); now.Sub(last) >= 200*time.Millisecond {
			last = now
			fmt.Fprintf(e.stderr, "\r%s", progressBar(counter.n.Load(), size, b, now.Sub(start)))
		}
	})
	if err != nil {
		return fmt.Errorf("geocode: %w", err)
	}
	if outFile != nil {
		if err := outFile.Close(); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		if err := os.Rename(outFile.Name(), *out); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	el := time.Since(start)
	fmt.Fprintf(e.stderr, "\r%s\n%d addresses (%d matched to a grid, %d invalid rows) in %v: %.0f addresses/s, dataset version %d\n",
		progressBar(size, size, stats, el), stats.Rows, stats.Matched, stats.Invalid, el.Round(time.Millisecond),
		float64(stats.Rows)/el.Seconds(), ix.Version())
	return nil
}

// progressBar draws [#####.....] 52% 12345 addresses 15000/s; without a
// known size, only the counts.
func progressBar(done, size int64, b geocode.BatchStats, el time.Duration) string {
	rate := float64(b.Rows) / max(el.Seconds(), 1e-9)
	if size <= 0 {
		return fmt.Sprintf("%d addresses, %.0f/s", b.Rows, rate)
	}
	const width = 30
	frac := min(float64(done)/float64(size), 1)
	n := int(frac * width)
	return fmt.Sprintf("[%s%s] %3.0f%% %d addresses, %.0f/s", strings.Repeat("#", n), strings.Repeat(".", width-n), 100*frac, b.Rows, rate)
}

// countingReader counts the bytes read (for the progress bar).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// staticLive is one state that never moves (a command's run).
type staticLive struct{ s *live.State }

func (l staticLive) Current() *live.State { return l.s }

func (l staticLive) WaitFor(ctx context.Context, v int64) error {
	if l.s.Version() >= v {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}
