package tilearchive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/paulmach/orb"

	"gridmap/geo"
	"gridmap/live"
	"gridmap/store"
	"gridmap/tiles"
)

// ExportOptions say which state of the dataset Export writes, and where.
type ExportOptions struct {
	MinZoom, MaxZoom int
	// Bounds bound the tiles written (degrees); nil for the dataset's
	// bounds.
	Bounds *orb.Bound
	// At, when set, exports the state at that time, as the server's ?at=
	// tiles; zero exports the current version.
	At time.Time
	// Progress is as in Options.
	Progress func(done, total int)
}

// Exported says what Export wrote.
type Exported struct {
	Stats
	What             string // "version N" or "the state at T"
	MinZoom, MaxZoom int
}

// Export writes the tiles of the dataset in st (the current version, or
// the state at opts.At) into a PMTiles archive at path: the tiles the
// server answers for that version, rendered by the same code, with the
// version's TileJSON (name, description, vector layers) as metadata.
func Export(ctx context.Context, st *store.Store, log *slog.Logger, path string, opts ExportOptions) (Exported, error) {
	snap, err := st.LoadSnapshot(ctx)
	if err != nil {
		return Exported{}, err
	}
	hist := tiles.NewPostGIS(st)
	svc := tiles.NewService(fixedSource{live.FromSnapshot(snap)}, hist, log, tiles.Options{})
	p, err := svc.Prepared()
	if err != nil {
		return Exported{}, err
	}
	wo := Options{MinZoom: opts.MinZoom, MaxZoom: opts.MaxZoom, Progress: opts.Progress}
	if b := opts.Bounds; b != nil {
		wo.West, wo.South, wo.East, wo.North = b.Min[0], b.Min[1], b.Max[0], b.Max[1]
	} else if w, s, e, n, ok := p.Bounds(); ok {
		wo.West, wo.South, wo.East, wo.North = w, s, e, n
	} else {
		return Exported{}, errors.New("the dataset is empty: nothing to export (load it with gridd demo or gridd import)")
	}
	doc := svc.Document(p, "", "")
	wo.Metadata = map[string]any{
		"name": doc.Name, "description": doc.Description, "version": doc.Version, "type": "overlay",
		"vector_layers": doc.VectorLayers, "gridmap_dataset_version": snap.Version,
	}
	render := func(ctx context.Context, z, x, y int) ([]byte, error) {
		t, _, err := svc.Tile(ctx, "", z, x, y)
		return t.Data, err
	}
	what := fmt.Sprintf("version %d", snap.Version)
	if when := opts.At; !when.IsZero() {
		wo.Metadata["gridmap_at"] = when.Format(time.RFC3339)
		what = "the state at " + when.Format(time.RFC3339)
		render = func(ctx context.Context, z, x, y int) ([]byte, error) {
			names := tiles.LayersAt(nil, z)
			if len(names) == 0 {
				return nil, nil
			}
			return hist.TileAt(ctx, names, z, x, y, when)
		}
	}
	stats, err := Write(ctx, path, render, wo)
	return Exported{Stats: stats, What: what, MinZoom: wo.MinZoom, MaxZoom: wo.MaxZoom}, err
}

// fixedSource is one state, as the tile service's source.
type fixedSource struct{ s *live.State }

func (f fixedSource) Snapshot() *geo.Snapshot { return f.s.Snap }

func (f fixedSource) SnapshotAndTiles() (*geo.Snapshot, *tiles.Prepared) { return f.s.Snap, f.s.Tiles }
