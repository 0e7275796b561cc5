package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/tilearchive"
	"gridmap/tiles"
)

// cmdExportTiles writes the tiles of one dataset version (the current one,
// or the state at --at) into a PMTiles v3 archive: the same tiles the
// server answers for that version, rendered by the same code.
func cmdExportTiles(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export tiles", "-o FILE.pmtiles [--minzoom N] [--maxzoom N] [--bbox W,S,E,N] [--at RFC3339]")
	out := fs.String("o", "", "the archive to write (.pmtiles)")
	minZ := fs.Int("minzoom", 0, "first zoom level")
	maxZ := fs.Int("maxzoom", 14, "last zoom level (the server renders deeper tiles on demand; an archive holds what it holds)")
	bbox := fs.String("bbox", "", "west,south,east,north in degrees (default: the dataset's bounds)")
	at := fs.String("at", "", "the state at this time, RFC 3339, as the server's ?at= tiles (default: the current version)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export tiles takes no arguments, got %q (flags: -o FILE.pmtiles, --minzoom, --maxzoom, --bbox, --at)", fs.Args())
	}
	if *out == "" || *out == "-" {
		return errors.New("export tiles: give the archive to write with -o FILE.pmtiles (it cannot go to standard output: its directory comes before its tiles)")
	}
	var when time.Time
	if *at != "" {
		var err error
		if when, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("export tiles: --at %q: want RFC 3339 like 2026-01-01T00:00:00+08:00", *at)
		}
	}
	st, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return err
	}
	hist := tiles.NewPostGIS(st)
	svc := tiles.NewService(fixedSource{live.FromSnapshot(snap)}, hist, e.log, tiles.Options{})
	p, err := svc.Prepared()
	if err != nil {
		return err
	}
	opts := tilearchive.Options{MinZoom: *minZ, MaxZoom: *maxZ}
	if *bbox != "" {
		if opts.West, opts.South, opts.East, opts.North, err = parseBBox(*bbox); err != nil {
			return fmt.Errorf("export tiles: --bbox: %w", err)
		}
	} else if w, s, ea, n, ok := p.Bounds(); ok {
		opts.West, opts.South, opts.East, opts.North = w, s, ea, n
	} else {
		return errors.New("export tiles: the dataset is empty: nothing to export (load it with gridd demo or gridd import)")
	}
	doc := svc.Document(p, "", "")
	opts.Metadata = map[string]any{
		"name": doc.Name, "description": doc.Description, "version": doc.Version, "type": "overlay",
		"vector_layers": doc.VectorLayers, "gridmap_dataset_version": snap.Version,
	}
	render := func(ctx context.Context, z, x, y int) ([]byte, error) {
		t, _, err := svc.Tile(ctx, "", z, x, y)
		return t.Data, err
	}
	what := fmt.Sprintf("version %d", snap.Version)
	if !when.IsZero() {
		opts.Metadata["gridmap_at"] = when.Format(time.RFC3339)
		what = "the state at " + when.Format(time.RFC3339)
		render = func(ctx context.Context, z, x, y int) ([]byte, error) {
			names := tiles.LayersAt(nil, z)
			if len(names) == 0 {
				return nil, nil
			}
			return hist.TileAt(ctx, names, z, x, y, when)
		}
	}
	total := len(tilearchive.TileIDs(opts.MinZoom, opts.MaxZoom, opts.West, opts.South, opts.East, opts.North))
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription("tiles"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("tiles"),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	opts.Progress = func(done, _ int) { bar.Set(done) }
	start := time.Now()
	stats, err := tilearchive.Write(ctx, *out, render, opts)
	bar.Finish()
	if err != nil {
		return fmt.Errorf("export tiles: %w", err)
	}
	fmt.Fprintf(e.stderr, "exported %d tiles (%d distinct, %d empty left out) of %s, z%d-%d, to %s: %.1f MiB in %s\n",
		stats.Tiles, stats.Contents, stats.Empty, what, opts.MinZoom, opts.MaxZoom, *out,
		float64(stats.Bytes)/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}

// fixedSource is one state, as the tile service's source.
type fixedSource struct{ s *live.State }

func (f fixedSource) Snapshot() *geo.Snapshot { return f.s.Snap }

func (f fixedSource) SnapshotAndTiles() (*geo.Snapshot, *tiles.Prepared) { return f.s.Snap, f.s.Tiles }

// parseBBox reads west,south,east,north.
func parseBBox(s string) (w, so, e, n float64, err error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("%q: want west,south,east,north in degrees, like 120.0,33.0,120.5,33.5", s)
	}
	var v [4]float64
	for i, p := range parts {
		if v[i], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil {
			return 0, 0, 0, 0, fmt.Errorf("%q: %q is not a number of degrees", s, p)
		}
	}
	if v[0] >= v[2] || v[1] >= v[3] || v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 {
		return 0, 0, 0, 0, fmt.Errorf("%q: want west < east and south < north, within -180..180 and -90..90", s)
	}
	return v[0], v[1], v[2], v[3], nil
}
